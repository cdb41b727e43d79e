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

	mu    sync.Mutex
	f     *Frame
	rev   int64 // the revision f was read at (or before)
	ids   bool  // f has ExtID
	used  time.Time
	timer *time.Timer
	loads int // frames loaded, for tests and logs
}

// SharedFrame returns the whole registry as a columnar Frame, like
// LoadFrame, but shared: it is loaded once per registry revision and handed
// to every caller until the registry changes (an import, an approved change
// request) or it has not been used for FrameIdle. Concurrent callers wait
// for one load. withIDs asks for ExtID too (a frame with them serves callers
// that do not need them).
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
		t0 := time.Now()
		f, err := s.loadFrame(load, withIDs)
		if err != nil {
			return nil, err
		}
		f.memo = &frameMemo{m: map[any]*memoEntry{}}
		c.put(f, rev, withIDs)
		s.log.Info("registry frame loaded", "revision", rev, "households", f.Len(), "persons", len(f.BirthDay),
			"ids", withIDs, "elapsed", time.Since(t0).Round(time.Millisecond))
		return f, nil
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

// ReleaseFrame drops the shared frame now (callers holding it keep their
// copy). The next SharedFrame loads it again.
func (s *Store) ReleaseFrame() {
	c := &s.frames
	c.mu.Lock()
	defer c.mu.Unlock()
	c.f = nil
}

// FramesLoaded returns how many shared frames this store has loaded.
func (s *Store) FramesLoaded() int {
	c := &s.frames
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loads
}

// get returns the cached frame if it is at least revision rev and has the
// ids asked for, marking it used. A frame older than rev is dropped at once,
// so that its memory can go before the new one is read.
func (c *frameCache) get(rev int64, withIDs bool) *Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.f == nil:
		return nil
	case c.rev < rev:
		c.f = nil
		return nil
	case withIDs && !c.ids:
		return nil
	}
	c.used = c.now()
	return c.f
}

// put keeps f (read at revision rev) unless the cache already holds a newer
// frame, or one of the same revision with ids when f has none.
func (c *frameCache) put(f *Frame, rev int64, withIDs bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loads++
	if c.f != nil && (c.rev > rev || (c.rev == rev && c.ids && !withIDs)) {
		return
	}
	c.f, c.rev, c.ids, c.used = f, rev, withIDs, c.now()
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

// Derived returns what build computes from f for key, computing it once for
// a shared frame (concurrent callers wait for the one computation; a failed
// one is tried again by the next caller) and every time for a frame of the
// caller's own (LoadFrame). Like the frame, the value is shared and must not
// be changed. key must be comparable and name the data completely (a scoring
// run's results: the run id); the frame's identity is the rest of the key.
//
// build runs with ctx's values but without its cancellation, so that a
// caller who gives up does not fail the others waiting for the same value.
func (f *Frame) Derived(ctx context.Context, key any, build func(context.Context) (any, error)) (any, error) {
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
