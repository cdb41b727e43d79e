package registry

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// FrameIdle is how long the shared frame is kept after its last use. An
// idle server gives the memory back (7 million households take about a
// gigabyte); the next preview pays one load again.
const FrameIdle = 15 * time.Minute

// frameCache holds the one shared frame of a Store.
type frameCache struct {
	idle  time.Duration
	now   func() time.Time
	group singleflight.Group

	mu      sync.Mutex
	f       *Frame
	st      frameState // what f was read at (or before): see frameState
	ids     bool       // f has ExtID
	used    time.Time
	timer   *time.Timer
	loads   int // frames read whole, for tests and logs
	splices int // frames spliced from the one before
}

// SharedFrame returns the whole registry as a columnar Frame, like
// LoadFrame, but shared: it is loaded once per registry revision and handed
// to every caller until the registry changes (an import, an approved change
// request) or it has not been used for FrameIdle. After approvals only (up
// to SpliceMax households changed), the next frame is spliced: a copy of the
// frame in memory with the changed households read again, instead of a read
// of the whole registry (see frameState). Concurrent callers wait for one
// load. withIDs asks for ExtID too (a frame with them serves callers that do
// not need them).
//
// The frame is read-only: callers must not change any of its slices, or
// every later caller sees the change. (Preview and the what-ifs only read.)
// The caller's national reach is checked on every call, whether the frame is
// already in memory or not, exactly as LoadFrame checks it.
//
// A caller that gives up (its context is cancelled) returns at once; the
// load it started goes on for the callers after it.
func (s *Store) SharedFrame(ctx context.Context, withIDs bool) (*Frame, error) {
	if _, err := national(ctx, false); err != nil {
		return nil, err
	}
	rev, err := s.revision(ctx)
	if err != nil {
		return nil, err
	}
	c := &s.frames
	if f := c.get(rev, withIDs); f != nil {
		return f, nil
	}
	load := context.WithoutCancel(ctx)
	ch := c.group.DoChan(strconv.FormatInt(rev, 10)+"/"+strconv.FormatBool(withIDs), func() (any, error) {
		if f := c.get(rev, withIDs); f != nil { // another load just finished
			return f, nil
		}
		return s.refreshFrame(load, withIDs)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Frame), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refreshFrame brings the shared frame up to date: by splicing the
// households that approvals changed into the frame in memory when it can
// (see frameState; a new frame, the old one is left as it is for whoever
// holds it), or else by reading the whole registry.
func (s *Store) refreshFrame(ctx context.Context, withIDs bool) (*Frame, error) {
	c := &s.frames
	t0 := time.Now()
	old, st, oldIDs := c.current()
	if old != nil && (oldIDs || !withIDs) {
		f, now, err := s.spliceShared(ctx, old, st, oldIDs)
		switch {
		case err != nil:
			s.log.Warn("registry frame: splice failed, reading it whole", "err", err)
		case f != nil:
			c.put(f, now, oldIDs, true)
			s.log.Info("registry frame spliced", "revision", now.rev, "households", f.Len(), "persons", len(f.BirthDay),
				"ids", oldIDs, "elapsed", time.Since(t0).Round(time.Millisecond))
			return f, nil
		}
	}
	c.drop(old) // its memory can go before the new frame is read
	now, err := s.frameState(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.loadFrame(ctx, withIDs)
	if err != nil {
		return nil, err
	}
	f.memo = &frameMemo{m: map[any]*memoEntry{}}
	c.put(f, now, withIDs, false)
	s.log.Info("registry frame loaded", "revision", now.rev, "households", f.Len(), "persons", len(f.BirthDay),
		"ids", withIDs, "elapsed", time.Since(t0).Round(time.Millisecond))
	return f, nil
}

// spliceShared returns old brought up to date by splicing the households
// changed since st, with the state it is at, or nil when it cannot be
// (anything but approvals moved the revision, too many households changed,
// one of them is gone).
func (s *Store) spliceShared(ctx context.Context, old *Frame, st frameState, withIDs bool) (*Frame, frameState, error) {
	keys, now, ok, err := s.changedSince(ctx, st, SpliceMax)
	if err != nil || !ok {
		return nil, now, err
	}
	ch, ok, err := s.frameOfKeys(ctx, keys, withIDs)
	if err != nil || !ok {
		return nil, now, err
	}
	f, err := spliceFrame(old, ch)
	if err != nil {
		return nil, now, err
	}
	// Same households in the same order: what depends on the keys only
	// (a scoring run's results) is carried over.
	f.memo = old.memo.carry()
	return f, now, nil
}

// ReleaseFrame drops the shared frame now (callers holding it keep their
// copy). The next SharedFrame loads it again.
func (s *Store) ReleaseFrame() {
	c := &s.frames
	c.mu.Lock()
	defer c.mu.Unlock()
	c.f = nil
}

// FramesLoaded returns how many shared frames this store has read whole
// (not counting those spliced: see FrameStats).
func (s *Store) FramesLoaded() int {
	return s.FrameStats().Loads
}

// FrameStats counts the shared frames a Store has made.
type FrameStats struct {
	Loads   int // read whole
	Splices int // made from the one before and the households approvals changed
}

// FrameStats returns how many shared frames this store has read whole and
// how many it has spliced.
func (s *Store) FrameStats() FrameStats {
	c := &s.frames
	c.mu.Lock()
	defer c.mu.Unlock()
	return FrameStats{Loads: c.loads, Splices: c.splices}
}

// get returns the cached frame if it is at least revision rev and has the
// ids asked for, marking it used. An older frame is kept, to be spliced.
func (c *frameCache) get(rev int64, withIDs bool) *Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil || c.st.rev < rev || (withIDs && !c.ids) {
		return nil
	}
	c.used = c.now()
	return c.f
}

// current returns the cached frame, whatever its revision, with what it was
// read at.
func (c *frameCache) current() (*Frame, frameState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.f, c.st, c.ids
}

// drop forgets f if it is the cached frame.
func (c *frameCache) drop(f *Frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f != nil && c.f == f {
		c.f = nil
	}
}

// put keeps f (read at st; spliced or read whole) unless the cache already
// holds a newer frame, or one of the same revision with ids when f has none.
func (c *frameCache) put(f *Frame, st frameState, withIDs, spliced bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if spliced {
		c.splices++
	} else {
		c.loads++
	}
	if c.f != nil && (c.st.rev > st.rev || (c.st.rev == st.rev && c.ids && !withIDs)) {
		return
	}
	c.f, c.st, c.ids, c.used = f, st, withIDs, c.now()
	if c.timer == nil {
		c.timer = time.AfterFunc(c.idle, c.sweep)
	}
}

// sweep drops the frame if it has been idle for c.idle, or waits for the
// rest of that time.
func (c *frameCache) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		c.timer = nil
		return
	}
	idle := c.now().Sub(c.used)
	if idle >= c.idle {
		c.f, c.timer = nil, nil
		return
	}
	c.timer.Reset(c.idle - idle)
}

// frameMemo holds what callers derive from a shared frame (a scoring run's
// results aligned with it), so that it lives and dies with the frame.
type frameMemo struct {
	mu sync.Mutex
	m  map[any]*memoEntry
}

type memoEntry struct {
	done chan struct{}
	v    any
	err  error
}

// carry returns a memo for a frame with the same keys in the same order as
// m's: the values of m that are built (all depend on the keys only,
// DerivedFromKeys).
func (m *frameMemo) carry() *frameMemo {
	n := &frameMemo{m: map[any]*memoEntry{}}
	if m == nil {
		return n
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.m {
		select {
		case <-e.done:
			if e.err == nil {
				n.m[k] = e
			}
		default: // still being built: the new frame builds its own
		}
	}
	return n
}

// DerivedFromKeys returns what build computes from f for key, computing it
// once for a shared frame (concurrent callers wait for the one computation;
// a failed one is tried again by the next caller) and every time for a frame
// of the caller's own (LoadFrame). The value must depend on the frame's
// household keys only, not on the households' data (a scoring run's results
// aligned with the frame: a run is frozen): it is carried over to the next
// shared frame when that one is spliced from this one (the same households
// in the same order, some of them with new data), instead of being built
// again. Like the frame, the value is shared and must not be changed. key
// must be comparable and name the data completely (a scoring run's results:
// the run id); the frame's identity is the rest of the key.
//
// build runs with ctx's values but without its cancellation, so that a
// caller who gives up does not fail the others waiting for the same value.
func (f *Frame) DerivedFromKeys(ctx context.Context, key any, build func(context.Context) (any, error)) (any, error) {
	m := f.memo
	if m == nil {
		return build(ctx)
	}
	m.mu.Lock()
	e, ok := m.m[key]
	if !ok {
		e = &memoEntry{done: make(chan struct{})}
		m.m[key] = e
		bctx := context.WithoutCancel(ctx)
		go func() {
			e.v, e.err = build(bctx)
			if e.err != nil {
				m.mu.Lock()
				delete(m.m, key)
				m.mu.Unlock()
			}
			close(e.done)
		}()
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.v, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
