package scopetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
)

// volatile are what changes without anyone changing data: sessions and
// sign-in attempts, and a token's last use (written once a minute).
var (
	volatileTables  = []string{"sessions", "login_attempts", "goose_db_version"}
	volatileColumns = []string{"last_used_at"}
)

// Fingerprint is a digest of every row of every table but the volatile
// ones: a refused request must leave it as it was.
func (w *World) Fingerprint(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if w.DB.Engine == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	tables, err := strs(w.DB.QueryContext(ctx, q))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, table := range tables {
		if slices.Contains(volatileTables, table) {
			continue
		}
		rows, err := w.DB.QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b []byte
			for i, v := range vals {
				if !slices.Contains(volatileColumns, cols[i]) {
					b = appendValue(b, v)
					b = append(b, 0x1f)
				}
			}
			lines = append(lines, string(b))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(lines)
		fmt.Fprintf(h, "%s\x1e%d\x1e%s\x1d", table, len(lines), strings.Join(lines, "\x1e"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendValue appends v as text.
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "NULL"...)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case string:
		return append(b, v...)
	case []byte:
		return append(b, v...)
	case bool:
		return strconv.AppendBool(b, v)
	case time.Time:
		return v.AppendFormat(b, time.RFC3339Nano)
	}
	return fmt.Append(b, v)
}

func strs(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
