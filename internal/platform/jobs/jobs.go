// Package jobs runs long tasks (an import of the national extract, say) in
// the background of the server and keeps their progress, so that the page
// or API call that started one returns at once and the user follows a
// progress bar. Jobs live in the memory of the server process and, with
// Persist, in the database too, leased by the instance that runs them, so
// that several instances behave as one (lease.go). The outcome that matters
// (an import, its problem report) is written to the database by the task
// itself; a job only tells how far it has got.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// Job is a snapshot of a background task.
type Job struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Owner     string    `json:"owner"` // username of who started it
	StartedAt time.Time `json:"started_at"`
	// FinishedAt is zero while the job runs.
	FinishedAt time.Time `json:"finished_at"`
	Stage      string    `json:"stage"`
	Done       int64     `json:"done"`
	Total      int64     `json:"total"`
	// Result is what the task returned, once it has finished without error.
	Result any `json:"result,omitempty"`
	// ErrorCode and Error describe a failed job (fosis error codes).
	ErrorCode string `json:"error_code,omitempty"`
	Error     string `json:"error,omitempty"`
	// ErrorPhrase is Error as a phrase of the catalogs, so that pages say it
	// in the reader's language (its Text is Error).
	ErrorPhrase fosis.Phrase `json:"-"`

	ownerID int64
}

// Running reports whether the job has not finished yet.
func (j Job) Running() bool { return j.FinishedAt.IsZero() }

// Percent is how far the job has got, 0–100.
func (j Job) Percent() int {
	switch {
	case !j.Running():
		return 100
	case j.Total <= 0:
		return 0
	}
	return int(min(100, j.Done*100/j.Total))
}

// Progress is how a task reports: its stage and how much of it is done.
type Progress func(stage string, done, total int64)

// Task is the work of a job. ctx carries the principal who started it.
type Task func(ctx context.Context, progress Progress) (any, error)

// Tracker starts jobs and keeps them. It is safe for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	jobs    map[string]*Job
	order   []string          // ids, oldest first
	running map[string]string // kind → id of its running exclusive job
	keep    int
	wg      sync.WaitGroup
	clock   func() time.Time
	log     *slog.Logger
	after   []func(Job) // called when a job finishes (OnFinish)

	store    *leaseStore // nil: memory only (Persist)
	decoders map[string]func(json.RawMessage) (any, error)
	cancels  map[string]context.CancelCauseFunc // running jobs' tasks
	stopping bool                               // Interrupt was called
}

// OnFinish has f called with every job that finishes from now on (its final
// state), in the job's goroutine after the job is marked finished: f should
// return quickly (start its own goroutine for long work).
func (t *Tracker) OnFinish(f func(Job)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.after = append(t.after, f)
}

// New returns a tracker that remembers the last keep finished jobs and logs
// jobs that fail with an internal error (their message to users says only
// that something went wrong).
func New(keep int, clock func() time.Time, log *slog.Logger) *Tracker {
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tracker{jobs: map[string]*Job{}, running: map[string]string{}, keep: max(keep, 1), clock: clock, log: log,
		cancels: map[string]context.CancelCauseFunc{}}
}

// Start runs task in the background as the principal of ctx and returns the
// new job. With exclusive, a second job of the same kind is refused while one
// runs (a conflict error naming it). The task's context is not cancelled
// when the request that started it ends.
func (t *Tracker) Start(ctx context.Context, kind string, exclusive bool, task Task) (Job, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return Job{}, fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	}
	var b [12]byte
	rand.Read(b[:])
	j := &Job{ID: hex.EncodeToString(b[:]), Kind: kind, Owner: p.Username, ownerID: p.UserID, StartedAt: t.clock()}
	t.mu.Lock()
	if t.stopping {
		t.mu.Unlock()
		return Job{}, fosis.Errorf(fosis.EUNAVAILABLE, "the server is stopping; start it again in a moment")
	}
	if exclusive {
		if other, running := t.running[kind]; running {
			o := t.jobs[other]
			t.mu.Unlock()
			return Job{}, busy(kind, o.Owner, o.StartedAt)
		}
		t.running[kind] = j.ID
	}
	t.jobs[j.ID] = j
	t.order = append(t.order, j.ID)
	store := t.store
	t.mu.Unlock()
	if store != nil {
		if err := store.insert(ctx, j, exclusive, t.clock()); err != nil {
			t.mu.Lock()
			if t.running[kind] == j.ID {
				delete(t.running, kind)
			}
			delete(t.jobs, j.ID)
			t.order = slices.DeleteFunc(t.order, func(id string) bool { return id == j.ID })
			t.mu.Unlock()
			return Job{}, err
		}
	}
	jctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	t.mu.Lock()
	t.cancels[j.ID] = cancel
	snap := *j
	t.mu.Unlock()

	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		stopBeat := t.heartbeat(jctx, j, cancel)
		var res any
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("the job stopped unexpectedly: %v", r)
				}
			}()
			res, err = task(jctx, func(stage string, done, total int64) {
				t.mu.Lock()
				j.Stage, j.Done, j.Total = stage, done, total
				t.mu.Unlock()
			})
		}()
		stopBeat()
		state := "done"
		t.mu.Lock()
		j.FinishedAt = t.clock()
		switch {
		case context.Cause(jctx) != nil && errors.Is(context.Cause(jctx), errInterrupted):
			state = "interrupted"
			j.ErrorCode, j.Error = fosis.EUNAVAILABLE, interruptedStop
		case context.Cause(jctx) != nil && errors.Is(context.Cause(jctx), errLeaseLost):
			state = "interrupted"
			j.ErrorCode, j.Error = fosis.EUNAVAILABLE, interruptedLost
		case err != nil:
			state = "failed"
			j.ErrorCode, j.Error = fosis.ErrorCode(err), fosis.ErrorMessage(err)
			j.ErrorPhrase = fosis.Phrase{Text: j.Error}
			var fe *fosis.Error
			if errors.As(err, &fe) {
				j.ErrorPhrase = fe.Phrase()
			}
			if j.ErrorCode == fosis.EINTERNAL {
				t.log.Error("job failed", "kind", kind, "id", j.ID, "owner", j.Owner, "err", err)
			}
		default:
			j.Result = res
		}
		if t.running[kind] == j.ID {
			delete(t.running, kind)
		}
		delete(t.cancels, j.ID)
		t.prune()
		done, after := *j, slices.Clone(t.after)
		t.mu.Unlock()
		cancel(nil)
		if store != nil {
			if err := store.finish(context.Background(), done, state); err != nil {
				t.log.Error("job: recording its end", "id", done.ID, "err", err)
			}
		}
		for _, f := range after {
			f(done)
		}
	}()
	return snap, nil
}

// errLeaseLost is the cause of a task's cancelled context when another
// instance declared its job interrupted (this one did not renew the lease
// in time).
var errLeaseLost = errors.New("job lease lost")

// heartbeat renews a persisted job's lease with its progress every third of
// the lease until the returned stop is called; if the job is no longer
// this instance's, its task is cancelled.
func (t *Tracker) heartbeat(ctx context.Context, j *Job, cancel context.CancelCauseFunc) (stop func()) {
	t.mu.Lock()
	store := t.store
	t.mu.Unlock()
	if store == nil {
		return func() {}
	}
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(store.lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				t.mu.Lock()
				snap := *j
				t.mu.Unlock()
				ours, err := store.renew(context.Background(), snap, t.clock())
				if err != nil {
					t.log.Warn("job: renewing its lease", "id", snap.ID, "err", err)
				} else if !ours {
					cancel(errLeaseLost)
					return
				}
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// prune forgets the oldest finished jobs beyond keep. t.mu is held.
func (t *Tracker) prune() {
	finished := 0
	for _, id := range t.order {
		if !t.jobs[id].Running() {
			finished++
		}
	}
	kept := t.order[:0]
	for _, id := range t.order {
		if j := t.jobs[id]; !j.Running() && finished > t.keep {
			delete(t.jobs, id)
			finished--
			continue
		}
		kept = append(kept, id)
	}
	t.order = kept
}

// Get returns job id if the principal of ctx may follow it: whoever started
// it, and administrators. Anyone else gets not found, like for a job that
// does not exist.
func (t *Tracker) Get(ctx context.Context, id string) (Job, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return Job{}, fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	}
	missing := fosis.Errorf(fosis.ENOTFOUND, "no job %q (finished jobs are kept for a while only)", id)
	t.mu.Lock()
	j, ok := t.jobs[id]
	store, decoders := t.store, t.decoders
	var snap Job
	if ok {
		snap = *j
	}
	t.mu.Unlock()
	if !ok && store != nil {
		// Another instance's job, or one of ours this memory forgot.
		dj, err := store.get(ctx, id, t.clock(), decoders)
		if err != nil {
			return Job{}, err
		}
		if dj != nil {
			snap, ok = *dj, true
		}
	}
	if !ok || !visible(p, &snap) {
		return Job{}, missing
	}
	return snap, nil
}

// Running returns the running job of kind, if any, that the principal of ctx
// may follow: on this instance, or (with Persist) an exclusive one on any.
func (t *Tracker) Running(ctx context.Context, kind string) (Job, bool) {
	t.mu.Lock()
	id, ok := t.running[kind]
	store := t.store
	t.mu.Unlock()
	if !ok && store != nil {
		other, err := store.runningOf(ctx, kind, t.clock())
		if err != nil || other == "" {
			return Job{}, false
		}
		id, ok = other, true
	}
	if !ok {
		return Job{}, false
	}
	j, err := t.Get(ctx, id)
	return j, err == nil
}

// Wait blocks until every job has finished (for tests and shutdown).
func (t *Tracker) Wait() { t.wg.Wait() }
