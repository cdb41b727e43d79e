package web

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// PortalRate is how many applications and statements a person, and an
// address (a shared computer at a municipality serves many people), may
// ask for in an hour. Every attempt counts, refused ones too.
type PortalRate struct {
	ApplyPerPerson      int
	ApplyPerAddress     int
	StatementPerPerson  int
	StatementPerAddress int
}

// DefaultPortalRate is the portal's rate when the configuration gives none.
var DefaultPortalRate = PortalRate{ApplyPerPerson: 20, ApplyPerAddress: 200, StatementPerPerson: 20, StatementPerAddress: 200}

// rateWindow is the window the limits count in.
const rateWindow = time.Hour

// rateLimiter counts attempts per key in fixed windows, in this process's
// memory (a restart forgets them; several instances each count their own).
type rateLimiter struct {
	mu   sync.Mutex
	hits map[string]*rateWindowCount
}

type rateWindowCount struct {
	start time.Time
	n     int
}

// take counts an attempt for key and reports, when over max, how long until
// the window ends.
func (l *rateLimiter) take(key string, max int, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hits == nil {
		l.hits = map[string]*rateWindowCount{}
	}
	if len(l.hits) > 100_000 { // forget ended windows
		for k, c := range l.hits {
			if now.Sub(c.start) >= rateWindow {
				delete(l.hits, k)
			}
		}
	}
	c := l.hits[key]
	if c == nil || now.Sub(c.start) >= rateWindow {
		c = &rateWindowCount{start: now}
		l.hits[key] = c
	}
	c.n++
	if c.n > max {
		return c.start.Add(rateWindow).Sub(now)
	}
	return 0
}

// portalLimit counts a person's attempt at action ("apply", "statement")
// by person and by address, and refuses it (429, Retry-After) when either
// is over its limit.
func (s *Server) portalLimit(ctx context.Context, r *http.Request, action string) error {
	rate := s.cfg.PortalRate
	if rate == (PortalRate{}) {
		rate = DefaultPortalRate
	}
	perPerson, perAddress := rate.ApplyPerPerson, rate.ApplyPerAddress
	if action == "statement" {
		perPerson, perAddress = rate.StatementPerPerson, rate.StatementPerAddress
	}
	now := s.now()
	var wait time.Duration
	if p := auth.FromContext(ctx); p != nil && perPerson > 0 {
		wait = max(wait, s.limits.take(action+"|p|"+strconv.FormatInt(p.PersonKey, 10), perPerson, now))
	}
	if ip := clientIP(r); ip != "" && perAddress > 0 {
		wait = max(wait, s.limits.take(action+"|a|"+ip, perAddress, now))
	}
	if wait <= 0 {
		return nil
	}
	minutes := int((wait + time.Minute - 1) / time.Minute)
	err := fosis.KeyedErrorf(fosis.ELIMITED, "portal2.err.limited", "too many attempts; try again in %d minutes", minutes)
	err.RetryAfter = wait
	return err
}
