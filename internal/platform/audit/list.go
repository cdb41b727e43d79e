package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// MaxLimit is the most entries one List call returns.
const MaxLimit = 500

// DefaultLimit is what List returns when Filter.Limit is 0.
const DefaultLimit = 100

// Filter selects entries for List. Zero fields do not filter.
type Filter struct {
	Actor    string
	Action   string
	Entity   string
	EntityID string
	From     time.Time // at or after
	To       time.Time // before
	// AfterSeq continues a listing: only entries older than it (seq <
	// AfterSeq), which come after it in List's newest-first order. Pass the
	// last Seq of the previous page.
	AfterSeq int64
	Limit    int // 1 to MaxLimit; 0 means DefaultLimit
}

// List returns the entries that match f, newest first. It pages by seq
// (keyset), so a page costs the same however deep it is.
func List(ctx context.Context, d *db.DB, f Filter) ([]Record, error) {
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("limit must be 1 to %d", MaxLimit),
			Fields: []fosis.FieldError{{Field: "limit", Message: fmt.Sprintf("must be 1 to %d", MaxLimit)}}}
	}
	if f.AfterSeq < 0 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "after_seq must not be negative",
			Fields: []fosis.FieldError{{Field: "after_seq", Message: "must not be negative"}}}
	}
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Entity != "" {
		add("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if !f.From.IsZero() {
		add("at >= ?", d.Time(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", d.Time(f.To))
	}
	if f.AfterSeq > 0 {
		add("seq < ?", f.AfterSeq)
	}
	q := "SELECT " + columns + " FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := d.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		if err := scanRecord(rows, &r); err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
