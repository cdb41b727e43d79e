package db_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

func TestRebind(t *testing.T) {
	pg := &db.DB{Engine: db.Postgres}
	tests := []struct{ in, want string }{
		{"SELECT ? , ?", "SELECT $1 , $2"},
		{"SELECT '?' , ?", "SELECT '?' , $1"},
		{`SELECT "a?b" FROM t WHERE x = ?`, `SELECT "a?b" FROM t WHERE x = $1`},
		{"SELECT 1 -- why?\nWHERE a = ?", "SELECT 1 -- why?\nWHERE a = $1"},
		{"SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , $1"},
	}
	for _, tt := range tests {
		if got := pg.Rebind(tt.in); got != tt.want {
			t.Errorf("Rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	lite := &db.DB{Engine: db.SQLite}
	if got := lite.Rebind("SELECT ?"); got != "SELECT ?" {
		t.Errorf("SQLite Rebind changed the query: %q", got)
	}
}

func TestTransactRollsBack(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	insert := "INSERT INTO regions (code, name, short_name) VALUES (?, ?, ?)"
	boom := errors.New("boom")
	err := d.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, insert, "01", "Uno", "Uno"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transact error = %v, want boom", err)
	}
	var n int
	if err := d.QueryRowContext(ctx, "SELECT count(*) FROM regions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("rolled-back insert is visible: %d rows", n)
	}
	// A duplicate key is classified as a conflict, by code, on both engines.
	err = d.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, insert, "01", "Uno", "Uno"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, insert, "01", "Otra", "Otra")
		return err
	})
	if code := fosis.ErrorCode(err); code != fosis.ECONFLICT {
		t.Fatalf("duplicate insert: code %q (%v), want conflict", code, err)
	}
	// A foreign-key violation is invalid input.
	err = d.Transact(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO provinces (code, name, region_code) VALUES ('011', 'X', '99')")
		return err
	})
	if code := fosis.ErrorCode(err); code != fosis.EINVALID {
		t.Fatalf("foreign-key violation: code %q (%v), want invalid", code, err)
	}
}

func TestCopyFromAndUpsert(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	cols := []string{"code", "name", "short_name"}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		n, err := tx.CopyFrom(ctx, "regions", cols, &db.SliceSource{Rows: [][]any{
			{"01", "Uno", "U"}, {"02", "Dos", "D"},
		}})
		if err != nil || n != 2 {
			t.Fatalf("CopyFrom = %d, %v", n, err)
		}
		n, err = tx.Upsert(ctx, "regions", cols, []string{"code"}, &db.SliceSource{Rows: [][]any{
			{"02", "Dos bis", "D2"}, {"03", "Tres", "T"},
		}})
		if err != nil || n != 2 {
			t.Fatalf("Upsert = %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := d.QueryContext(ctx, "SELECT code, name FROM regions ORDER BY code")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var c, n string
		rows.Scan(&c, &n)
		got = append(got, c+"="+n)
	}
	if diff := cmp.Diff([]string{"01=Uno", "02=Dos bis", "03=Tres"}, got); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
}

// TestSchemaParity checks that the SQLite and PostgreSQL migrations build the
// same tables with the same columns and nullability. It needs both engines, so
// it runs only when PostgreSQL is the test engine (SQLite is always there).
func TestSchemaParity(t *testing.T) {
	if dbtest.Engine() != db.Postgres {
		t.Skip("runs with FOSIS_TEST_DB=postgres")
	}
	ctx := context.Background()
	pg := dbtest.Open(t)
	lite, err := db.Open(ctx, t.TempDir()+"/p.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if _, err := lite.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pgCols := columns(t, pg, `SELECT table_name, column_name, is_nullable = 'NO' FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`)
	liteCols := columns(t, lite, `SELECT m.name, p.name, p."notnull" OR p.pk > 0 FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT IN ('goose_db_version', 'sqlite_sequence')`)
	if diff := cmp.Diff(liteCols, pgCols); diff != "" {
		t.Errorf("schemas differ (-sqlite +postgres):\n%s", diff)
	}
	// Indexes that back a primary key or unique constraint are the
	// constraints' (SQLite names them sqlite_autoindex…): only declared
	// indexes are compared.
	pgIdx := columns(t, pg, `SELECT indexname, tablename, false FROM pg_indexes WHERE schemaname = 'public'
		AND indexname NOT IN (SELECT conname FROM pg_constraint) AND tablename <> 'goose_db_version'`)
	liteIdx := columns(t, lite, `SELECT name, tbl_name, false FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%'`)
	if diff := cmp.Diff(liteIdx, pgIdx); diff != "" {
		t.Errorf("indexes differ (-sqlite +postgres):\n%s", diff)
	}
}

func columns(t *testing.T, d *db.DB, q string) []string {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, col string
		var notNull bool
		if err := rows.Scan(&table, &col, &notNull); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join([]string{table, col, map[bool]string{true: "NOT NULL", false: "NULL"}[notNull]}, " "))
	}
	sort.Strings(out)
	return out
}

// TestBulkBatches loads more rows than one batched statement carries, so that
// both the batched and the one-row statements run, and checks a duplicate key
// inside a batch is reported as a conflict.
func TestBulkBatches(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	cols := []string{"code", "name", "short_name"}
	rows := func(n int, name string) *db.SliceSource {
		src := &db.SliceSource{}
		for i := range n {
			code := fmt.Sprintf("r%03d", i)
			src.Rows = append(src.Rows, []any{code, name + code, name})
		}
		return src
	}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		if n, err := tx.CopyFrom(ctx, "regions", cols, rows(150, "a")); err != nil || n != 150 {
			t.Fatalf("CopyFrom = %d, %v", n, err)
		}
		if n, err := tx.Upsert(ctx, "regions", cols, []string{"code"}, rows(200, "b")); err != nil || n != 200 {
			t.Fatalf("Upsert = %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n, renamed int
	d.QueryRowContext(ctx, "SELECT count(*), sum(CASE WHEN short_name = 'b' THEN 1 ELSE 0 END) FROM regions").Scan(&n, &renamed)
	if n != 200 || renamed != 200 {
		t.Errorf("after upsert: %d rows, %d renamed; want 200, 200", n, renamed)
	}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		_, err := tx.CopyFrom(ctx, "regions", cols, rows(100, "c"))
		return err
	})
	if fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("duplicate keys in a batch: %v, want a conflict", err)
	}
}

// TestAnalyze: on PostgreSQL the planner's statistics of the tables named
// are refreshed (pg_stat_user_tables says when); on SQLite nothing happens;
// a name that is not a plain identifier is refused on both.
func TestAnalyze(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	for _, bad := range []string{"regions; DROP TABLE regions", "Regions", "1regions", ""} {
		if err := d.Analyze(ctx, "communes", bad); err == nil {
			t.Errorf("Analyze(%q) accepted", bad)
		}
	}
	if err := d.Analyze(ctx, "regions", "communes"); err != nil {
		t.Fatal(err)
	}
	if d.Engine != db.Postgres {
		return
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('regions', 'communes') AND last_analyze IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d of the two tables analyzed", n)
	}
}
