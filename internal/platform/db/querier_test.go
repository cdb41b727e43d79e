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
