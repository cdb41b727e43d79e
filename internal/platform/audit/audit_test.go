package audit

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// appendOne appends e in its own transaction.
func appendOne(t *testing.T, d *db.DB, e Entry) int64 {
	t.Helper()
	var seq int64
	err := d.Transact(context.Background(), func(tx *db.Tx) error {
		var err error
		seq, err = Append(context.Background(), tx, e)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// fill appends n entries, each in its own transaction, and returns the
// records as List reads them (oldest first).
func fill(t *testing.T, d *db.DB, n int) []Record {
	t.Helper()
	for i := 1; i <= n; i++ {
		e := Entry{Actor: "ana", ActorRole: "admin", Action: "household.update", Entity: "household",
			EntityID: fmt.Sprintf("H%03d", i), Before: map[string]any{"rooms": i}, After: map[string]any{"rooms": i + 1}}
		if i%3 == 0 {
			e = Entry{Actor: "system", ActorRole: "admin", Action: "score.run", Entity: "score_run", EntityID: fmt.Sprint(i)}
		}
		if seq := appendOne(t, d, e); seq != int64(i) {
			t.Fatalf("entry %d got seq %d", i, seq)
		}
	}
	recs, err := List(context.Background(), d, Filter{Limit: MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	return recs
}

// unprotect drops the append-only triggers, as someone with the database
// owner's rights could, so that a test can tamper with the log.
func unprotect(t *testing.T, d *db.DB) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
	if d.Engine == db.Postgres {
		stmts = []string{"DROP TRIGGER audit_log_no_change ON audit_log", "DROP TRIGGER audit_log_no_truncate ON audit_log"}
	}
	for _, s := range stmts {
		if _, err := d.ExecContext(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := d.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestAppendListVerify(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	if rep, err := Verify(ctx, d); err != nil || !rep.OK || rep.Entries != 0 || rep.LastSeq != 0 {
		t.Fatalf("empty log: %+v, %v", rep, err)
	}
	appendOne(t, d, Entry{Actor: "system", ActorRole: "admin", Action: "user.create", Entity: "user", EntityID: "1",
		After: map[string]any{"username": "ana", "role": "admin"}})
	// A rolled-back transaction leaves neither its change nor its entry, and no gap.
	boom := errors.New("boom")
	err := d.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO regions (code, name, short_name) VALUES ('01', 'Uno', 'U')"); err != nil {
			return err
		}
		if _, err := Append(ctx, tx, Entry{Actor: "ana", Action: "region.create", Entity: "region", EntityID: "01"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transact = %v, want boom", err)
	}
	var ptr *struct{ X int }
	appendOne(t, d, Entry{Actor: "ana", ActorRole: "admin", Action: "user.deactivate", Entity: "user", EntityID: "2",
		Before: map[string]bool{"active": true}, After: map[string]bool{"active": false}, IP: "192.0.2.7"})
	appendOne(t, d, Entry{Actor: "ana", ActorRole: "admin", Action: "person.sensitive_read", Entity: "person",
		EntityID: "12345678", Before: ptr})

	recs, err := List(ctx, d, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Seq                                          int64
		Actor, Action, Entity, ID, Before, After, IP string
		Linked                                       bool
	}
	var got []row
	for i, r := range recs {
		linked := i+1 < len(recs) && r.PrevHash == recs[i+1].Hash || i+1 == len(recs) && r.PrevHash == ""
		got = append(got, row{r.Seq, r.Actor, r.Action, r.Entity, r.EntityID, r.Before, r.After, r.IP, linked})
		if len(r.Hash) != 64 {
			t.Errorf("entry %d: hash %q is not hex SHA-256", r.Seq, r.Hash)
		}
		if r.At.IsZero() || r.At.Location() != time.UTC {
			t.Errorf("entry %d: at = %v, want a UTC instant", r.Seq, r.At)
		}
	}
	want := []row{
		{3, "ana", "person.sensitive_read", "person", "12345678", "", "", "", true},
		{2, "ana", "user.deactivate", "user", "2", `{"active":true}`, `{"active":false}`, "192.0.2.7", true},
		{1, "system", "user.create", "user", "1", "", `{"role":"admin","username":"ana"}`, "", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	rep, err := Verify(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Report{OK: true, Entries: 3, LastSeq: 3, LastHash: recs[0].Hash}, rep); diff != "" {
		t.Errorf("Verify (-want +got):\n%s", diff)
	}
	if p, err := CheckAnchor(ctx, d, rep.LastSeq, rep.LastHash); err != nil || p != "" {
		t.Errorf("CheckAnchor on the head = %q, %v", p, err)
	}
}

func TestAppendRefusesIncompleteEntries(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	for _, e := range []Entry{{Action: "x"}, {Actor: "ana"}, {Actor: "ana", Action: "x", After: func() {}}} {
		err := d.Transact(ctx, func(tx *db.Tx) error {
			_, err := Append(ctx, tx, e)
			return err
		})
		if err == nil {
			t.Errorf("Append(%+v) succeeded", e)
		}
	}
}

func TestLogIsAppendOnly(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	fill(t, d, 2)
	for _, q := range []string{"UPDATE audit_log SET actor = 'x' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 2"} {
		if _, err := d.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: succeeded, want refused", q)
		}
	}
	if d.Engine == db.Postgres {
		if _, err := d.ExecContext(ctx, "TRUNCATE audit_log"); err == nil {
			t.Error("TRUNCATE succeeded, want refused")
		}
	}
	if rep, err := Verify(ctx, d); err != nil || !rep.OK || rep.Entries != 2 {
		t.Errorf("Verify = %+v, %v", rep, err)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	const n = 7
	tests := []struct {
		name   string
		tamper func(t *testing.T, d *db.DB, recs []Record)
		seq    int64
		kind   string
	}{
		{"after altered", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, `UPDATE audit_log SET after = '{"rooms":9}' WHERE seq = 4`)
		}, 4, ProblemAltered},
		{"actor altered", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
		}, 2, ProblemAltered},
		{"time altered", func(t *testing.T, d *db.DB, recs []Record) {
			exec(t, d, "UPDATE audit_log SET at = ? WHERE seq = 5", d.Time(recs[4].At.Add(-time.Hour)))
		}, 5, ProblemAltered},
		{"hash replaced", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, "UPDATE audit_log SET hash = ? WHERE seq = 3", strings.Repeat("0", 64))
		}, 3, ProblemAltered},
		{"entry rewritten with a fresh hash", func(t *testing.T, d *db.DB, recs []Record) {
			// A careful forger recomputes the altered entry's own hash; the
			// next entry still links to the old one.
			r := recs[2]
			r.After = `{"rooms":1}`
			exec(t, d, "UPDATE audit_log SET after = ?, hash = ? WHERE seq = 3", r.After, computeHash(sha256.New(), &r))
		}, 4, ProblemLink},
		{"link changed", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, "UPDATE audit_log SET prev_hash = ? WHERE seq = 6", strings.Repeat("a", 64))
		}, 6, ProblemLink},
		{"first entry given a link", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, "UPDATE audit_log SET prev_hash = ? WHERE seq = 1", strings.Repeat("a", 64))
		}, 1, ProblemLink},
		{"middle entry deleted", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, "DELETE FROM audit_log WHERE seq = 4")
		}, 4, ProblemMissing},
		{"two entries deleted", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, "DELETE FROM audit_log WHERE seq = 3 OR seq = 4")
		}, 3, ProblemMissing},
		{"first entry deleted", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, "DELETE FROM audit_log WHERE seq = 1")
		}, 1, ProblemStart},
		{"first entries deleted", func(t *testing.T, d *db.DB, _ []Record) {
			exec(t, d, "DELETE FROM audit_log WHERE seq <= 3")
		}, 1, ProblemStart},
		{"entries renumbered", func(t *testing.T, d *db.DB, _ []Record) {
			// Closing the gap after a deletion changes the seq that each
			// later hash covers.
			exec(t, d, "DELETE FROM audit_log WHERE seq = 4")
			for s := 5; s <= n; s++ {
				exec(t, d, "UPDATE audit_log SET seq = ? WHERE seq = ?", s-1, s)
			}
		}, 4, ProblemLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dbtest.Open(t)
			ctx := context.Background()
			recs := fill(t, d, n)
			unprotect(t, d)
			tt.tamper(t, d, recs)
			for _, batch := range []int{verifyBatch, 2} {
				rep, err := verify(ctx, d, batch)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK || rep.BrokenSeq != tt.seq || rep.Kind != tt.kind {
					t.Errorf("batch %d: Verify = %+v, want entry %d %s", batch, rep, tt.seq, tt.kind)
				}
				if !strings.Contains(rep.Problem, fmt.Sprint(tt.seq)) {
					t.Errorf("batch %d: problem %q does not name entry %d", batch, rep.Problem, tt.seq)
				}
				var stored string
				d.QueryRowContext(ctx, "SELECT hash FROM audit_log WHERE seq = ?", rep.LastSeq).Scan(&stored)
				if rep.LastSeq != tt.seq-1 || rep.LastHash != stored {
					t.Errorf("batch %d: last good entry %d %s, want %d %s", batch, rep.LastSeq, rep.LastHash, tt.seq-1, stored)
				}
			}
		})
	}
}

// TestDeletedTailNeedsAnAnchor shows the limit of a chain: deleting the newest
// entries leaves a valid chain. The head noted earlier catches it.
func TestDeletedTailNeedsAnAnchor(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	recs := fill(t, d, 5)
	noted, err := Verify(ctx, d)
	if err != nil || !noted.OK || noted.LastSeq != 5 || noted.LastHash != recs[4].Hash {
		t.Fatalf("Verify = %+v, %v", noted, err)
	}
	unprotect(t, d)
	exec(t, d, "DELETE FROM audit_log WHERE seq = 5")
	rep, err := Verify(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.LastSeq != 4 || rep.LastHash != recs[3].Hash {
		t.Errorf("after deleting the last entry Verify = %+v; want OK with head 4 (a chain cannot see it)", rep)
	}
	p, err := CheckAnchor(ctx, d, noted.LastSeq, noted.LastHash)
	if err != nil || !strings.Contains(p, "entry 5 is gone") || !strings.Contains(p, "ends at entry 4") {
		t.Errorf("CheckAnchor(noted head) = %q, %v; want the deletion named", p, err)
	}
	if p, err := CheckAnchor(ctx, d, 3, recs[2].Hash); err != nil || p != "" {
		t.Errorf("CheckAnchor(3) = %q, %v; want it to hold", p, err)
	}
	if p, _ := CheckAnchor(ctx, d, 3, recs[1].Hash); !strings.Contains(p, "rewritten") {
		t.Errorf("CheckAnchor with a wrong hash = %q; want rewritten", p)
	}
	// New entries chain on from the new head; the noted anchor still fails.
	appendOne(t, d, Entry{Actor: "ana", Action: "x"})
	if p, _ := CheckAnchor(ctx, d, noted.LastSeq, noted.LastHash); !strings.Contains(p, "rewritten") {
		t.Errorf("CheckAnchor after a new entry 5 = %q; want rewritten", p)
	}
}

func TestConcurrentAppends(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := d.Transact(ctx, func(tx *db.Tx) error {
					_, err := Append(ctx, tx, Entry{Actor: fmt.Sprintf("worker%d", w), Action: "test.append", EntityID: fmt.Sprint(i)})
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var count, lo, hi int64
	if err := d.QueryRowContext(ctx, "SELECT count(*), min(seq), max(seq) FROM audit_log").Scan(&count, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if count != workers*each || lo != 1 || hi != workers*each {
		t.Errorf("%d entries, seq %d to %d; want %d, 1 to %d", count, lo, hi, workers*each, workers*each)
	}
	rep, err := Verify(ctx, d)
	if err != nil || !rep.OK || rep.Entries != workers*each {
		t.Errorf("Verify = %+v, %v", rep, err)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	d := dbtest.Open(t)
	ctx := context.Background()
	recs := fill(t, d, 12) // every third entry is system's score.run
	seqs := func(f Filter) []int64 {
		t.Helper()
		got, err := List(ctx, d, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, r := range got {
			out = append(out, r.Seq)
		}
		return out
	}
	tests := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"all", Filter{}, []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
		{"actor", Filter{Actor: "system"}, []int64{12, 9, 6, 3}},
		{"action", Filter{Action: "household.update", Limit: 3}, []int64{11, 10, 8}},
		{"entity and id", Filter{Entity: "household", EntityID: "H005"}, []int64{5}},
		{"next page", Filter{Action: "household.update", Limit: 3, AfterSeq: 8}, []int64{7, 5, 4}},
		{"last page", Filter{AfterSeq: 3}, []int64{2, 1}},
		{"from", Filter{From: recs[9].At}, []int64{12, 11, 10}},
		{"to", Filter{To: recs[1].At}, []int64{1}},
		{"nothing", Filter{Actor: "nobody"}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, seqs(tt.f)); diff != "" {
				t.Errorf("List(%+v) (-want +got):\n%s", tt.f, diff)
			}
		})
	}
	for _, f := range []Filter{{Limit: MaxLimit + 1}, {Limit: -1}, {AfterSeq: -1}} {
		if _, err := List(ctx, d, f); fosis.ErrorCode(err) != fosis.EINVALID {
			t.Errorf("List(%+v) = %v, want invalid", f, err)
		}
	}
}

// TestHashEncodingIsUnambiguous checks that moving text from one field to the
// next changes the hash, which a plain concatenation would not.
func TestHashEncodingIsUnambiguous(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)
	base := Record{Seq: 1, At: at, Actor: "ana", ActorRole: "admin", Action: "user.create", Entity: "user", EntityID: "1"}
	variants := []func(r *Record){
		func(r *Record) { r.Actor, r.ActorRole = "anaa", "dmin" },
		func(r *Record) { r.Entity, r.EntityID = "user1", "" },
		func(r *Record) { r.Before, r.After = "{}", "" },
		func(r *Record) { r.Before, r.After = "", "{}" },
		func(r *Record) { r.Seq = 11 },
		func(r *Record) { r.At = at.Add(time.Microsecond) },
		func(r *Record) { r.IP, r.PrevHash = "x", "" },
		func(r *Record) { r.IP, r.PrevHash = "", "x" },
	}
	h := sha256.New()
	seen := map[string]int{computeHash(h, &base): -1}
	for i, v := range variants {
		r := base
		v(&r)
		s := computeHash(h, &r)
		if j, dup := seen[s]; dup {
			t.Errorf("variant %d hashes like %d", i, j)
		}
		seen[s] = i
	}
	// The hash does not depend on the time zone the instant is given in.
	r := base
	r.At = at.In(time.FixedZone("CLT", -4*3600))
	if computeHash(h, &r) != computeHash(h, &base) {
		t.Error("the same instant in another zone hashes differently")
	}
}

// chainSource streams n valid, chained entries for a bulk load.
type chainSource struct {
	d    *db.DB
	n    int64
	r    Record
	h    hash.Hash
	t0   time.Time
	vals []any
}

func (c *chainSource) Next() bool {
	if c.r.Seq == c.n {
		return false
	}
	c.r.PrevHash = c.r.Hash
	c.r.Seq++
	c.r.At = c.t0.Add(time.Duration(c.r.Seq) * time.Millisecond)
	c.r.EntityID = strconv.FormatInt(c.r.Seq%1_000_000, 10)
	c.r.After = `{"rooms":` + strconv.FormatInt(c.r.Seq%7, 10) + `}`
	c.r.Hash = computeHash(c.h, &c.r)
	c.vals = append(c.vals[:0], c.r.Seq, c.d.Time(c.r.At), c.r.Actor, c.r.ActorRole, c.r.Action, c.r.Entity,
		c.r.EntityID, c.r.Before, c.r.After, c.r.IP, c.r.PrevHash, c.r.Hash)
	return true
}

func (c *chainSource) Values() ([]any, error) { return c.vals, nil }
func (c *chainSource) Err() error             { return nil }

// BenchmarkVerify verifies a log of FOSIS_BENCH_AUDIT entries (default
// 100,000) and reports entries per second.
//
//	go test -run - -bench Verify ./internal/platform/audit/
//	FOSIS_BENCH_AUDIT=1000000 FOSIS_TEST_DB=postgres go test -run - -bench Verify ./internal/platform/audit/
func BenchmarkVerify(b *testing.B) {
	n := int64(100_000)
	if s := os.Getenv("FOSIS_BENCH_AUDIT"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		n = v
	}
	d := dbtest.Open(b)
	ctx := context.Background()
	src := &chainSource{d: d, n: n, h: sha256.New(), t0: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		r: Record{Actor: "ana.perez", ActorRole: "regional", Action: "household.update", Entity: "household"}}
	err := d.Transact(ctx, func(tx *db.Tx) error {
		_, err := tx.CopyFrom(ctx, "audit_log", strings.Split(strings.ReplaceAll(columns, " ", ""), ","), src)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := Verify(ctx, d)
		if err != nil || !rep.OK || rep.Entries != n {
			b.Fatalf("Verify = %+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
