package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/jobs"
)

func TestTracker(t *testing.T) {
	tr := jobs.New(2, nil, nil)
	ana := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Username: "ana", Role: auth.RoleAnalyst})
	otto := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 2, Username: "otto", Role: auth.RoleAnalyst})
	admin := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 3, Username: "adela", Role: auth.RoleAdmin})

	release, reported := make(chan struct{}), make(chan struct{})
	j, err := tr.Start(ana, "import", true, func(ctx context.Context, progress jobs.Progress) (any, error) {
		if p := auth.FromContext(ctx); p == nil || p.Username != "ana" {
			return nil, errors.New("the task does not run as its owner")
		}
		progress("read", 25, 100)
		close(reported)
		<-release
		return "listo", nil
	})
	if err != nil || !j.Running() || j.Owner != "ana" {
		t.Fatalf("Start = %+v, %v", j, err)
	}
	<-reported
	if got, err := tr.Get(ana, j.ID); err != nil || got.Stage != "read" || got.Percent() != 25 {
		t.Errorf("progress: %+v, %v", got, err)
	}
	if _, err := tr.Start(otto, "import", true, nil); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("a second exclusive job: %v, want conflict", err)
	}
	if _, err := tr.Get(otto, j.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("another user's job: %v, want not found", err)
	}
	if _, err := tr.Get(admin, j.ID); err != nil {
		t.Errorf("an administrator follows any job: %v", err)
	}
	if r, ok := tr.Running(ana, "import"); !ok || r.ID != j.ID {
		t.Errorf("Running = %+v, %v", r, ok)
	}
	close(release)
	tr.Wait()
	done, err := tr.Get(ana, j.ID)
	if err != nil || done.Running() || done.Percent() != 100 || done.Result != "listo" || done.Error != "" {
		t.Errorf("finished job: %+v, %v", done, err)
	}
	if _, ok := tr.Running(ana, "import"); ok {
		t.Error("a finished job is still running")
	}

	// Failures keep their code and message; a panic is a failure too.
	bad, _ := tr.Start(ana, "import", true, func(context.Context, jobs.Progress) (any, error) {
		return nil, fosis.Errorf(fosis.EINVALID, "bad header")
	})
	boom, _ := tr.Start(ana, "other", false, func(context.Context, jobs.Progress) (any, error) { panic("boom") })
	tr.Wait()
	if j, _ := tr.Get(ana, bad.ID); j.ErrorCode != fosis.EINVALID || j.Error != "bad header" {
		t.Errorf("failed job: %+v", j)
	}
	if j, _ := tr.Get(ana, boom.ID); j.ErrorCode != fosis.EINTERNAL || j.Running() {
		t.Errorf("panicked job: %+v", j)
	}
	// Only the last two finished jobs are kept.
	if _, err := tr.Get(ana, j.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("the oldest job is still kept: %v", err)
	}
	if _, err := tr.Start(context.Background(), "x", false, nil); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("without a principal: %v", err)
	}
}

func TestTrackerConcurrentStarts(t *testing.T) {
	tr := jobs.New(100, nil, nil)
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Username: "ana", Role: auth.RoleAnalyst})
	release := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	started := 0
	for range 20 {
		wg.Go(func() {
			if _, err := tr.Start(ctx, "import", true, func(context.Context, jobs.Progress) (any, error) { <-release; return nil, nil }); err == nil {
				mu.Lock()
				started++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(release)
	tr.Wait()
	if started != 1 {
		t.Errorf("%d exclusive jobs started at once, want 1", started)
	}
}

// TestTrackerOnFinish: every finished job, failed or not, is handed to the
// OnFinish functions in its final state, once.
func TestTrackerOnFinish(t *testing.T) {
	tr := jobs.New(5, nil, nil)
	ana := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Username: "ana", Role: auth.RoleAnalyst})
	var mu sync.Mutex
	var seen []jobs.Job
	tr.OnFinish(func(j jobs.Job) { mu.Lock(); seen = append(seen, j); mu.Unlock() })
	ok, _ := tr.Start(ana, "a", false, func(context.Context, jobs.Progress) (any, error) { return 7, nil })
	bad, _ := tr.Start(ana, "b", false, func(context.Context, jobs.Progress) (any, error) { return nil, fosis.Errorf(fosis.EINVALID, "no") })
	tr.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("OnFinish saw %d jobs, want 2", len(seen))
	}
	for _, j := range seen {
		switch {
		case j.Running():
			t.Errorf("job %s handed over running", j.Kind)
		case j.ID == ok.ID && (j.Result != 7 || j.ErrorCode != ""):
			t.Errorf("the good job: %+v", j)
		case j.ID == bad.ID && j.ErrorCode != fosis.EINVALID:
			t.Errorf("the failed job: %+v", j)
		}
	}
}

// TestExclusiveStartOnce: 30 starts of an exclusive job at once (an import
// double-clicked, or sent by many API clients): exactly one runs, the others
// are refused with a conflict; once it has finished, the next may start.
func TestExclusiveStartOnce(t *testing.T) {
	tr := jobs.New(50, nil, nil)
	ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Username: "ana", Role: auth.RoleAnalyst})
	release := make(chan struct{})
	task := func(context.Context, jobs.Progress) (any, error) { <-release; return nil, nil }
	const n = 30
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = tr.Start(ctx, "registry.import", true, task)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case fosis.ErrorCode(err) != fosis.ECONFLICT:
			t.Errorf("a refused start: %v, want a conflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d starts ran, want exactly 1", won, n)
	}
	close(release)
	tr.Wait()
	if _, err := tr.Start(ctx, "registry.import", true, func(context.Context, jobs.Progress) (any, error) { return nil, nil }); err != nil {
		t.Errorf("a start after the job finished: %v", err)
	}
	tr.Wait()
}
