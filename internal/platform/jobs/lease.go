package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Several instances of fosis on one database behave as one service: with
// Persist, every job is also a row of the jobs table, leased by the
// instance that runs it. The instance renews the lease while the job runs
// (every third of the lease); a job whose lease ran out belongs to an
// instance that stopped without saying so (a crash, a kill), and whoever
// looks at it next marks it interrupted. An exclusive job (an import) runs
// once across all instances: a partial unique index on the running
// exclusive jobs of a kind refuses the second. What a job writes (an
// import) is written by the task in its own transactions, so an instance
// that dies mid-way leaves nothing half-written, only an interrupted job.

// leaseStore is the database side of a tracker.
type leaseStore struct {
	d        *db.DB
	instance string
	lease    time.Duration
}

// Persist makes the tracker keep its jobs in d as instance (a name unique
// among the instances, e.g. host and process id), leased for lease. Call it
// before the first Start.
func (t *Tracker) Persist(d *db.DB, instance string, lease time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.store = &leaseStore{d: d, instance: instance, lease: max(lease, time.Second)}
}

// DecodeResult has results of kind read back from the database (a job run
// by another instance) with decode, so that callers find the same type as
// the task returned (the import page's summary, say). Without one, a result
// read back is a json.RawMessage.
func (t *Tracker) DecodeResult(kind string, decode func(json.RawMessage) (any, error)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.decoders == nil {
		t.decoders = map[string]func(json.RawMessage) (any, error){}
	}
	t.decoders[kind] = decode
}

// expire marks interrupted every running job whose lease has run out.
func (ls *leaseStore) expire(ctx context.Context, now time.Time) error {
	// A read first: the update needs the write lock, which a long import
	// holds on SQLite, and there is nothing to expire nearly always.
	var n int
	if err := ls.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE state = 'running' AND lease_until < ?`, ls.d.Time(now)).Scan(&n); err != nil || n == 0 {
		return err
	}
	_, err := ls.d.ExecContext(ctx, `UPDATE jobs SET state = 'interrupted', finished_at = ?, error_code = ?, error = ?
		WHERE state = 'running' AND lease_until < ?`,
		ls.d.Time(now), fosis.EUNAVAILABLE, interruptedLost, ls.d.Time(now))
	return err
}

// The messages of interrupted jobs.
const (
	interruptedLost = "interrupted: the instance running it stopped; start it again"
	interruptedStop = "interrupted: the server was stopped while it ran; start it again"
)

// insert records a new running job, or refuses it when an exclusive job of
// its kind runs on any instance.
func (ls *leaseStore) insert(ctx context.Context, j *Job, exclusive bool, now time.Time) error {
	if err := ls.expire(ctx, now); err != nil {
		return err
	}
	_, err := ls.d.ExecContext(ctx, `INSERT INTO jobs (id, kind, exclusive, owner, owner_id, instance, state, started_at, lease_until) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
		j.ID, j.Kind, db.Bool(exclusive), j.Owner, j.ownerID, ls.instance, ls.d.Time(j.StartedAt), ls.d.Time(now.Add(ls.lease)))
	if err != nil && exclusive && fosis.ErrorCode(err) == fosis.ECONFLICT {
		var owner string
		var started db.Instant
		if qerr := ls.d.QueryRowContext(ctx, `SELECT owner, started_at FROM jobs WHERE kind = ? AND state = 'running' AND exclusive = 1`, j.Kind).Scan(&owner, &started); qerr == nil {
			return busy(j.Kind, owner, started.Time)
		}
	}
	return err
}

// busy is the refusal of a second exclusive job.
func busy(kind, owner string, started time.Time) error {
	return fosis.Errorf(fosis.ECONFLICT, "another %s is running (started by %s at %s): wait until it finishes",
		kind, owner, started.UTC().Format("15:04:05 UTC"))
}

// renew writes the job's progress and extends its lease; false when the job
// is no longer this instance's running job (another instance declared it
// interrupted after the lease ran out), so the task should stop.
func (ls *leaseStore) renew(ctx context.Context, j Job, now time.Time) (bool, error) {
	res, err := ls.d.ExecContext(ctx, `UPDATE jobs SET stage = ?, done = ?, total = ?, lease_until = ? WHERE id = ? AND instance = ? AND state = 'running'`,
		j.Stage, j.Done, j.Total, ls.d.Time(now.Add(ls.lease)), j.ID, ls.instance)
	if err != nil {
		return true, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// finish writes the job's end: a guarded update, so that a job another
// instance declared interrupted stays so.
func (ls *leaseStore) finish(ctx context.Context, j Job, state string) error {
	result := ""
	if j.Result != nil {
		b, err := json.Marshal(j.Result)
		if err != nil {
			return err
		}
		result = string(b)
	}
	_, err := ls.d.ExecContext(ctx, `UPDATE jobs SET state = ?, stage = ?, done = ?, total = ?, result = ?, error_code = ?, error = ?, finished_at = ?
		WHERE id = ? AND instance = ? AND state = 'running'`,
		state, j.Stage, j.Done, j.Total, result, j.ErrorCode, j.Error, ls.d.Time(j.FinishedAt), j.ID, ls.instance)
	return err
}

// get reads a job from the database, first marking it interrupted if its
// lease has run out.
func (ls *leaseStore) get(ctx context.Context, id string, now time.Time, decoders map[string]func(json.RawMessage) (any, error)) (*Job, error) {
	if err := ls.expire(ctx, now); err != nil {
		return nil, err
	}
	var j Job
	var started db.Instant
	var finished db.Instant
	var result, state string
	err := ls.d.QueryRowContext(ctx, `SELECT id, kind, owner, owner_id, state, stage, done, total, result, error_code, error, started_at, finished_at FROM jobs WHERE id = ?`, id).
		Scan(&j.ID, &j.Kind, &j.Owner, &j.ownerID, &state, &j.Stage, &j.Done, &j.Total, &result, &j.ErrorCode, &j.Error, &started, &finished)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	j.StartedAt = started.Time
	j.FinishedAt = finished.Time
	if result != "" && state == "done" {
		raw := json.RawMessage(result)
		j.Result = raw
		if dec := decoders[j.Kind]; dec != nil {
			if v, err := dec(raw); err == nil {
				j.Result = v
			}
		}
	}
	return &j, nil
}

// runningOf returns the id of the running exclusive job of kind on any
// instance, "" for none.
func (ls *leaseStore) runningOf(ctx context.Context, kind string, now time.Time) (string, error) {
	if err := ls.expire(ctx, now); err != nil {
		return "", err
	}
	var id string
	err := ls.d.QueryRowContext(ctx, `SELECT id FROM jobs WHERE kind = ? AND state = 'running' AND exclusive = 1`, kind).Scan(&id)
	if db.IsNoRows(err) {
		return "", nil
	}
	return id, err
}

// Interrupt stops the jobs of this instance (the server is stopping, on
// SIGTERM): their tasks' contexts are cancelled, and after at most wait
// every job still running is marked interrupted, in memory and in the
// database, so that nobody waits for it.
func (t *Tracker) Interrupt(wait time.Duration) {
	t.mu.Lock()
	t.stopping = true
	for _, cancel := range t.cancels {
		cancel(errInterrupted)
	}
	t.mu.Unlock()
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
	}
	t.mu.Lock()
	var left []Job
	for _, id := range t.order {
		if j := t.jobs[id]; j.Running() {
			j.FinishedAt = t.clock()
			j.ErrorCode, j.Error = fosis.EUNAVAILABLE, interruptedStop
			left = append(left, *j)
		}
	}
	store := t.store
	t.mu.Unlock()
	if store != nil {
		for _, j := range left {
			if err := store.finish(context.Background(), j, "interrupted"); err != nil {
				t.log.Error("job: marking interrupted", "id", j.ID, "err", err)
			}
		}
	}
}

// errInterrupted is the cause of a task's cancelled context when its job is
// interrupted.
var errInterrupted = errors.New("job interrupted")

// visible reports whether p may follow j: whoever started it, and
// administrators.
func visible(p *auth.Principal, j *Job) bool {
	return p.Role == auth.RoleAdmin || (j.ownerID == p.UserID && j.Owner == p.Username)
}

// InterruptAbandoned marks interrupted every job the database says is
// running: for a database only one process serves (SQLite), whatever was
// running when it last stopped (a crash, a kill) runs no more.
func (t *Tracker) InterruptAbandoned(ctx context.Context) error {
	t.mu.Lock()
	store := t.store
	t.mu.Unlock()
	if store == nil {
		return nil
	}
	_, err := store.d.ExecContext(ctx, `UPDATE jobs SET state = 'interrupted', finished_at = ?, error_code = ?, error = ? WHERE state = 'running'`,
		store.d.Time(t.clock()), fosis.EUNAVAILABLE, interruptedLost)
	return err
}
