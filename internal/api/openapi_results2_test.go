package api_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/scopetest"
)

func init() { moreResponseMarks = append(moreResponseMarks, checkResults2Responses) }

// checkResults2Responses: each region's agency leaves five sessions of
// today unrecorded, so both are behind; the national view holds both, the
// regional officer's her region's agency only.
func checkResults2Responses(t *testing.T, c *checker, ok200 map[string]bool) {
	w := scopetest.New(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	today := time.Now().UTC().Format(time.DateOnly)
	for _, ref := range []string{w.Values[scopetest.CaseRef].Own[0], w.Values[scopetest.CaseRef].Other[0]} {
		id, _ := strconv.ParseInt(ref, 10, 64)
		for range 5 {
			if _, err := w.Delivery.RecordSession(sys, id, delivery.Session{Component: "home", Kind: delivery.SessionHome, Status: delivery.Scheduled, Date: today}); err != nil {
				t.Fatal(err)
			}
		}
	}
	rs := results.NewStore(w.DB, w.Programs, w.Delivery, w.Registry, w.Targeting, nil, nil)
	tokens := tokenMap{
		"adm": {&auth.Principal{Username: "adela", Role: auth.RoleAdmin}, []string{"read", "write"}},
		"r13": {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: scopetest.Own}, []string{"read", "write"}},
	}
	srv := httptest.NewServer((&api.Server{DB: w.DB, Tokens: tokens, Results: rs}).Handler())
	defer srv.Close()
	doc := openAPIDoc(t)
	const path = "/api/v1/results/alerts/agencies"
	get := func(url, tok string) string {
		t.Helper()
		status, b, _ := fetch(t, srv.URL+url, tok)
		if status != 200 {
			t.Fatalf("GET %s: %d %s", url, status, b)
		}
		for _, e := range c.check(responseSchema(t, doc, "GET", path, 200), decodeJSON(t, b), "$") {
			t.Errorf("%s: %s", url, e)
		}
		ok200["GET "+normalise(path)] = true
		return string(b)
	}
	if b := get(path, "adm"); !strings.Contains(b, `"agencia-propia"`) || !strings.Contains(b, `"agencia-otra"`) {
		t.Errorf("national: %s", b)
	}
	if b := get(path+"?line=puente", "r13"); !strings.Contains(b, `"agencia-propia"`) || strings.Contains(b, `"agencia-otra"`) {
		t.Errorf("rosa: %s", b)
	}
}
