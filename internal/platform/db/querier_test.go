package db_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

func TestBool(t *testing.T) {
	if db.Bool(true) != 1 || db.Bool(false) != 0 {
		t.Errorf("Bool: %d, %d", db.Bool(true), db.Bool(false))
	}
}

// TestCollect: the same reads through the database and inside a
// transaction (where only the transaction's connection may read), an
// empty result as an empty slice, and a scan error returned.
func TestCollect(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	type pair struct {
		N    int
		Flag int
	}
	scan := func(rows *sql.Rows) (pair, error) {
		var p pair
		return p, rows.Scan(&p.N, &p.Flag)
	}
	const q = `SELECT n, flag FROM (SELECT 1 AS n, CAST(? AS INTEGER) AS flag UNION ALL SELECT 2, CAST(? AS INTEGER) UNION ALL SELECT 3, CAST(? AS INTEGER)) x WHERE n >= CAST(? AS INTEGER) ORDER BY n`
	want := []pair{{2, 0}, {3, 1}}
	got, err := db.Collect(ctx, d, scan, q, db.Bool(true), db.Bool(false), db.Bool(true), 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("through the database (-want +got):\n%s", diff)
	}
	err = d.Transact(ctx, func(tx *db.Tx) error {
		var qr db.Querier = tx
		got, err := db.Collect(ctx, qr, scan, q, 1, 0, 1, 2)
		if diff := cmp.Diff(want, got); err == nil && diff != "" {
			t.Errorf("inside a transaction (-want +got):\n%s", diff)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	none, err := db.Collect(ctx, d, scan, q, 1, 0, 1, 9)
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("no row: %v, %v; want an empty slice", none, err)
	}
	if _, err := db.Collect(ctx, d, func(rows *sql.Rows) (pair, error) {
		var s struct{}
		return pair{}, rows.Scan(&s)
	}, q, 1, 0, 1, 1); err == nil {
		t.Error("a failing scan: no error")
	}
}

// TestEach: every row once, in order, in and out of a transaction, and the
// first error of row ends the loop and is returned.
func TestEach(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	const q = `SELECT n FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) x WHERE n >= CAST(? AS INTEGER) ORDER BY n`
	sum := func(qr db.Querier, from int) (int, int, error) {
		total, calls := 0, 0
		err := db.Each(ctx, qr, func(rows *sql.Rows) error {
			var n int
			calls++
			if err := rows.Scan(&n); err != nil {
				return err
			}
			total = total*10 + n
			return nil
		}, q, from)
		return total, calls, err
	}
	if got, calls, err := sum(d, 1); err != nil || got != 123 || calls != 3 {
		t.Errorf("through the database: %d in %d calls, %v; want 123 in 3", got, calls, err)
	}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		got, _, err := sum(tx, 2)
		if err == nil && got != 23 {
			t.Errorf("inside a transaction: %d, want 23", got)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	stop := sql.ErrNoRows
	if err := db.Each(ctx, d, func(*sql.Rows) error { calls++; return stop }, q, 1); err != stop || calls != 1 {
		t.Errorf("a failing row: %v after %d calls; want %v after 1", err, calls, stop)
	}
}

// TestColumn: a one-column query collected without a scan function.
func TestColumn(t *testing.T) {
	d := dbtest.Open(t)
	got, err := db.Collect(context.Background(), d, db.Column[string], `SELECT 'a' UNION ALL SELECT 'b'`)
	if diff := cmp.Diff([]string{"a", "b"}, got); err != nil || diff != "" {
		t.Errorf("Column: %v (-want +got):\n%s", err, diff)
	}
}

// BenchmarkEach compares a query's loop through Each with the same loop
// written by hand, over 100,000 rows: what moving the loops onto the
// helper costs the streaming readers (the scan dominates; the callback is
// one indirect call a row).
//
//	go test ./internal/platform/db -run '^$' -bench Each -count 5
func BenchmarkEach(b *testing.B) {
	d := dbtest.Open(b)
	ctx := context.Background()
	const q = `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) SELECT x FROM n`
	b.Run("hand", func(b *testing.B) {
		for b.Loop() {
			rows, err := d.QueryContext(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			var sum int64
			for rows.Next() {
				var x int64
				if err := rows.Scan(&x); err != nil {
					b.Fatal(err)
				}
				sum += x
			}
			rows.Close()
			if err := rows.Err(); err != nil || sum == 0 {
				b.Fatal(err)
			}
		}
	})
	b.Run("Each", func(b *testing.B) {
		for b.Loop() {
			var sum int64
			err := db.Each(ctx, d, func(rows *sql.Rows) error {
				var x int64
				if err := rows.Scan(&x); err != nil {
					return err
				}
				sum += x
				return nil
			}, q)
			if err != nil || sum == 0 {
				b.Fatal(err)
			}
		}
	})
}
