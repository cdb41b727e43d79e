package db

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Dates and times are stored as DATE/TIMESTAMPTZ on PostgreSQL and as ISO
// 8601 TEXT on SQLite (which has no date type). Pass values through Date and
// Time when writing, and scan them into Day and Instant, so that one query
// text serves both engines.

// Date returns the engine's argument for a calendar date.
func (d *DB) Date(t time.Time) any {
	if d.Engine == Postgres {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t.Format(time.DateOnly)
}

// Time returns the engine's argument for an instant (stored in UTC).
func (d *DB) Time(t time.Time) any {
	if d.Engine == Postgres {
		return t.UTC()
	}
	// Fixed width (always six fractional digits, always Z) so that text
	// order is time order: RFC 3339 with trimmed zeros would sort
	// "…05.1Z" after "…05.123456Z".
	return t.UTC().Format(sqliteInstant)
}

const sqliteInstant = "2006-01-02T15:04:05.000000Z"

// Day scans a DATE (PostgreSQL) or YYYY-MM-DD TEXT (SQLite) column.
type Day struct{ time.Time }

// Scan implements sql.Scanner.
func (d *Day) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		d.Time = time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)
		return nil
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	case nil:
		d.Time = time.Time{}
		return nil
	}
	return fmt.Errorf("cannot scan %T into a date", v)
}

func (d *Day) parse(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	t, err := time.Parse(time.DateOnly, s)
	d.Time = t
	return err
}

// Value implements driver.Valuer (as YYYY-MM-DD text).
func (d Day) Value() (driver.Value, error) { return d.Format(time.DateOnly), nil }

// Instant scans a TIMESTAMPTZ (PostgreSQL) or RFC 3339 TEXT (SQLite) column.
type Instant struct{ time.Time }

// Scan implements sql.Scanner.
func (t *Instant) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		t.Time = x.UTC()
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	case nil:
		t.Time = time.Time{}
		return nil
	}
	return fmt.Errorf("cannot scan %T into a time", v)
}

func (t *Instant) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	t.Time = p.UTC()
	return err
}
