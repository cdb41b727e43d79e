package registry

import "context"

// FrameWarm reports whether the shared frame in memory is at the registry's
// current revision, so that the next preview need not wait for a load (the
// readiness check, /readyz). It reads the revision and nothing else.
func (s *Store) FrameWarm(ctx context.Context) (bool, error) {
	rev, err := s.revision(ctx)
	if err != nil {
		return false, err
	}
	c := &s.frames
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.f != nil && c.st.rev >= rev, nil
}
