package api

import (
	"context"
	"net/http"
	"time"

	"github.com/fosis/fosis"
)

// ready answers whether this instance should receive traffic: the database
// answers, its schema is the newest this build knows (no migration pending),
// and, when the server keeps the registry's frame warm, the frame in memory
// is at the registry's revision (so that the first eligibility preview does
// not wait for a load). A load balancer sends requests only to a 200;
// /healthz says only whether the process is alive.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	if err := s.DB.Ping(ctx); err != nil {
		checks["database"], ok = "unreachable", false
	} else {
		checks["database"] = "ok"
		cur, newest, err := s.DB.SchemaStatus(ctx)
		switch {
		case err != nil:
			checks["migrations"], ok = "unknown", false
		case cur != newest:
			checks["migrations"], ok = "pending", false
		default:
			checks["migrations"] = "current"
		}
		if s.Registry != nil {
			warm, err := s.Registry.FrameWarm(ctx)
			switch {
			case err != nil:
				checks["frame"], ok = "unknown", false
			case warm:
				checks["frame"] = "warm"
			case s.WarmFrame:
				checks["frame"], ok = "loading", false
			default:
				checks["frame"] = "cold" // loaded on first use; not a reason to wait
			}
		}
	}
	status, code := "ready", http.StatusOK
	if !ok {
		status, code = "not ready", fosis.HTTPStatus(fosis.EUNAVAILABLE)
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": checks})
}
