package registry

import (
	"testing"
	"time"
)

// TestFrameCacheIdle: the shared frame is dropped once it has not been used
// for the idle time, and kept while it is used (a clock of the test's own,
// so nothing waits).
func TestFrameCacheIdle(t *testing.T) {
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	c := &frameCache{idle: 15 * time.Minute, now: func() time.Time { return now }}
	f := &Frame{}
	c.put(f, frameState{rev: 7}, false, false)
	now = now.Add(10 * time.Minute)
	if c.get(7, false) != f {
		t.Fatal("the frame is not served at its revision")
	}
	now = now.Add(10 * time.Minute) // 10 minutes after its last use
	c.sweep()
	if c.get(7, false) != f {
		t.Fatal("dropped 10 minutes after its last use")
	}
	now = now.Add(20 * time.Minute)
	c.sweep()
	if c.f != nil || c.timer != nil {
		t.Error("kept after 20 idle minutes")
	}
	// A frame of an older revision is not served, but kept (to be spliced);
	// an older one does not replace a newer.
	c.put(f, frameState{rev: 7}, false, false)
	if c.get(8, false) != nil || c.f != f {
		t.Error("a frame of revision 7 served for revision 8, or not kept")
	}
	g := &Frame{}
	c.put(g, frameState{rev: 9}, false, false)
	c.put(f, frameState{rev: 8}, false, false)
	if c.get(8, false) != g {
		t.Error("a later load of an older revision replaced the newer frame")
	}
	if c.get(9, true) != nil {
		t.Error("a frame without ids served a caller who needs them")
	}
	c.timer.Stop()
}
