package jobs

// Active returns a copy of every job still running, oldest first, whoever
// started it: for the service's own monitoring (metrics), never for users,
// who see their jobs through Get and Running.
func (t *Tracker) Active() []Job {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Job
	for _, id := range t.order {
		if j := t.jobs[id]; j != nil && j.Running() {
			out = append(out, *j)
		}
	}
	return out
}
