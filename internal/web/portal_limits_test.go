package web

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/portal"
)

// TestPortalLimits: applications and statements are limited per person
// and per address; a refusal is a 429 saying when to try again; the
// window ends.
func TestPortalLimits(t *testing.T) {
	s, err := New(Config{PortalRate: PortalRate{ApplyPerPerson: 2, ApplyPerAddress: 3, StatementPerPerson: 1, StatementPerAddress: 5}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	r1 := httptest.NewRequest("POST", "/portal/calls/x/apply", nil)
	r1.RemoteAddr = "203.0.113.1:5000"
	r2 := httptest.NewRequest("POST", "/portal/calls/x/apply", nil)
	r2.RemoteAddr = "203.0.113.2:5000"
	ana, luis, rosa := portal.Citizen(r1.Context(), 11111111), portal.Citizen(r1.Context(), 22222222), portal.Citizen(r1.Context(), 33333333)
	for i := range 2 {
		if err := s.portalLimit(ana, r1, "apply"); err != nil {
			t.Fatalf("Ana's application %d: %v", i+1, err)
		}
	}
	err = s.portalLimit(ana, r1, "apply")
	if fosis.ErrorCode(err) != fosis.ELIMITED || fosis.HTTPStatus(fosis.ErrorCode(err)) != 429 || fosis.RetryAfter(err) != 3600 {
		t.Errorf("Ana's third application: %v (retry after %d s), want limited for an hour", err, fosis.RetryAfter(err))
	}
	// Another address does not help Ana; another person at the same
	// address is limited by the address (3 in all from there).
	if err := s.portalLimit(ana, r2, "apply"); fosis.ErrorCode(err) != fosis.ELIMITED {
		t.Errorf("Ana from another address: %v, want limited", err)
	}
	if err := s.portalLimit(luis, r1, "apply"); fosis.ErrorCode(err) != fosis.ELIMITED {
		t.Errorf("Luis at Ana's address, its 4th attempt: %v, want limited", err)
	}
	if err := s.portalLimit(rosa, r2, "apply"); err != nil {
		t.Errorf("Rosa elsewhere: %v", err)
	}
	// Statements count apart from applications.
	if err := s.portalLimit(luis, r2, "statement"); err != nil {
		t.Errorf("Luis's statement: %v", err)
	}
	if err := s.portalLimit(luis, r2, "statement"); fosis.ErrorCode(err) != fosis.ELIMITED {
		t.Errorf("Luis's second statement: %v, want limited", err)
	}
	now = now.Add(time.Hour)
	if err := s.portalLimit(ana, r1, "apply"); err != nil {
		t.Errorf("an hour later: %v", err)
	}
}
