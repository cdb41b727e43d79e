package jobs_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/jobs"
)

type summary struct{ Imported int }

// instance is one fosis process's tracker on the shared database.
func instance(d *db.DB, name string, lease time.Duration, clock func() time.Time) *jobs.Tracker {
	t := jobs.New(10, clock, nil)
	t.Persist(d, name, lease)
	t.DecodeResult("import", func(raw json.RawMessage) (any, error) {
		var s summary
		err := json.Unmarshal(raw, &s)
		return &s, err
	})
	return t
}

var ana = auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 7, Username: "ana", Role: auth.RoleAnalyst})

// eventually polls cond for up to 10 s (no timing assertion: a bound on a
// wait, not on speed).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s: never happened", what)
}

// TestTwoInstances: a job started on one instance is followed on the other,
// progress and result included, and the other cannot start a second
// exclusive job of its kind meanwhile.
func TestTwoInstances(t *testing.T) {
	d := dbtest.Open(t)
	a, b := instance(d, "a", 300*time.Millisecond, nil), instance(d, "b", 300*time.Millisecond, nil)
	release := make(chan struct{})
	j, err := a.Start(ana, "import", true, func(ctx context.Context, progress jobs.Progress) (any, error) {
		progress("persons", 40, 100)
		<-release
		return &summary{Imported: 100}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Start(ana, "import", true, func(context.Context, jobs.Progress) (any, error) { return nil, nil }); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Fatalf("a second import on the other instance: %v, want a conflict", err)
	}
	eventually(t, "the progress reaches the other instance", func() bool {
		got, err := b.Get(ana, j.ID)
		return err == nil && got.Running() && got.Stage == "persons" && got.Done == 40
	})
	if got, ok := b.Running(ana, "import"); !ok || got.ID != j.ID {
		t.Errorf("Running on the other instance = %+v, %v", got, ok)
	}
	other := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 8, Username: "luis", Role: auth.RoleAnalyst})
	if _, err := b.Get(other, j.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("someone else's job: %v, want not found", err)
	}
	close(release)
	a.Wait()
	got, err := b.Get(ana, j.ID)
	if err != nil || got.Running() || got.ErrorCode != "" {
		t.Fatalf("the finished job on the other instance: %+v, %v", got, err)
	}
	if s, ok := got.Result.(*summary); !ok || s.Imported != 100 {
		t.Errorf("its result: %#v, want the decoded summary", got.Result)
	}
	if _, err := b.Start(ana, "import", true, func(context.Context, jobs.Progress) (any, error) { return nil, nil }); err != nil {
		t.Errorf("an import after the first finished: %v", err)
	}
	b.Wait()
}

// TestCrashedInstance: an instance that stops renewing (it crashed, or it
// was too slow) loses its job: the other marks it interrupted once the lease
// has run out, may start the next one, and the late instance's task is
// stopped and cannot overwrite the verdict.
func TestCrashedInstance(t *testing.T) {
	d := dbtest.Open(t)
	var skew atomic.Int64 // the second instance's clock runs ahead
	a := instance(d, "a", time.Hour, nil)
	b := instance(d, "b", time.Hour, func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
	stopped := make(chan error, 1)
	j, err := a.Start(ana, "import", true, func(ctx context.Context, _ jobs.Progress) (any, error) {
		<-ctx.Done()
		stopped <- context.Cause(ctx)
		return nil, ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(ana, j.ID); err != nil || !got.Running() {
		t.Fatalf("before the lease runs out: %+v, %v", got, err)
	}
	skew.Store(int64(2 * time.Hour))
	got, err := b.Get(ana, j.ID)
	if err != nil || got.Running() || got.ErrorCode != fosis.EUNAVAILABLE {
		t.Fatalf("after the lease ran out: %+v, %v; want interrupted", got, err)
	}
	next, err := b.Start(ana, "import", true, func(context.Context, jobs.Progress) (any, error) { return &summary{Imported: 1}, nil })
	if err != nil {
		t.Fatalf("the next import on the surviving instance: %v", err)
	}
	b.Wait()
	// The crashed instance's job is still running in its memory; stopping
	// it (as its SIGTERM would) must not bring it back to life.
	a.Interrupt(5 * time.Second)
	if cause := <-stopped; cause == nil {
		t.Error("the task's context was not cancelled")
	}
	got, err = b.Get(ana, j.ID)
	if err != nil || got.Running() || got.Error == "" {
		t.Errorf("the interrupted job afterwards: %+v, %v", got, err)
	}
	if got, err := b.Get(ana, next.ID); err != nil || got.ErrorCode != "" || got.Running() {
		t.Errorf("the next job: %+v, %v", got, err)
	}
}

// TestLeaseLost: an instance whose job was declared interrupted by another
// finds out at its next renewal and stops the task.
func TestLeaseLost(t *testing.T) {
	d := dbtest.Open(t)
	a := instance(d, "a", 300*time.Millisecond, nil)
	b := instance(d, "b", 300*time.Millisecond, func() time.Time { return time.Now().Add(time.Hour) })
	stopped := make(chan struct{})
	j, err := a.Start(ana, "score", false, func(ctx context.Context, _ jobs.Progress) (any, error) {
		<-ctx.Done()
		close(stopped)
		return nil, ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(ana, j.ID); err != nil || got.Running() {
		t.Fatalf("seen from an instance an hour ahead: %+v, %v; want interrupted", got, err)
	}
	<-stopped
	a.Wait()
	got, err := a.Get(ana, j.ID)
	if err != nil || got.ErrorCode != fosis.EUNAVAILABLE {
		t.Errorf("on the instance that lost it: %+v, %v; want interrupted", got, err)
	}
}

// TestInterruptOnStop: SIGTERM's Interrupt cancels the running tasks and
// marks their jobs interrupted for every instance; no job starts after it.
func TestInterruptOnStop(t *testing.T) {
	d := dbtest.Open(t)
	a, b := instance(d, "a", time.Hour, nil), instance(d, "b", time.Hour, nil)
	j, err := a.Start(ana, "import", true, func(ctx context.Context, _ jobs.Progress) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Interrupt(5 * time.Second)
	got, err := b.Get(ana, j.ID)
	if err != nil || got.Running() || got.ErrorCode != fosis.EUNAVAILABLE {
		t.Fatalf("after the stop: %+v, %v; want interrupted", got, err)
	}
	if _, err := a.Start(ana, "import", true, func(context.Context, jobs.Progress) (any, error) { return nil, nil }); fosis.ErrorCode(err) != fosis.EUNAVAILABLE {
		t.Errorf("a job on a stopping instance: %v, want unavailable", err)
	}
	if _, err := b.Start(ana, "import", true, func(context.Context, jobs.Progress) (any, error) { return nil, nil }); err != nil {
		t.Errorf("an import on the other instance: %v", err)
	}
	b.Wait()
}

// TestExclusiveAcrossInstances: 30 starts of an exclusive job at once, on
// three instances, run one.
func TestExclusiveAcrossInstances(t *testing.T) {
	d := dbtest.Open(t)
	ts := []*jobs.Tracker{instance(d, "a", time.Hour, nil), instance(d, "b", time.Hour, nil), instance(d, "c", time.Hour, nil)}
	release := make(chan struct{})
	var wg sync.WaitGroup
	var won, refused atomic.Int32
	start := make(chan struct{})
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := ts[i%3].Start(ana, "import", true, func(context.Context, jobs.Progress) (any, error) { <-release; return nil, nil })
			switch fosis.ErrorCode(err) {
			case "":
				won.Add(1)
			case fosis.ECONFLICT, fosis.EUNAVAILABLE:
				refused.Add(1)
			default:
				t.Errorf("start: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(release)
	for _, tr := range ts {
		tr.Wait()
	}
	if won.Load() != 1 || refused.Load() != 29 {
		t.Errorf("%d started and %d refused, want 1 and 29", won.Load(), refused.Load())
	}
}
