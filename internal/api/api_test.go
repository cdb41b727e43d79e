package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/jobs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

// newServer serves a registry of 400 synthetic households scored with the
// default model and then, each as a newer run, with the extra models.
func newServer(t *testing.T, extra ...*targeting.Model) (*httptest.Server, *registry.Store) {
	t.Helper()
	srv, reg, _ := newServerJobs(t, extra...)
	return srv, reg
}

// newServerJobs is newServer with the tracker of its background jobs.
func newServerJobs(t *testing.T, extra ...*targeting.Model) (*httptest.Server, *registry.Store, *jobs.Tracker) {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 400, 11)
	ts := targeting.NewStore(d, reg, nil)
	for _, m := range append([]*targeting.Model{targeting.DefaultModel()}, extra...) {
		if _, err := ts.ScoreAll(ctx, m, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil); err != nil {
			t.Fatal(err)
		}
	}
	tracker := jobs.New(10, nil, nil)
	srv := httptest.NewServer((&api.Server{DB: d, Registry: reg, Targeting: ts, Tokens: fakeTokens, Jobs: tracker, UploadDir: t.TempDir()}).Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(tracker.Wait)
	return srv, reg, tracker
}

// fakeTokens stands in for the user store: the API's job is to run each
// request as the token's principal; the slices enforce the scope.
var fakeTokens = tokenMap{
	"admin": {&auth.Principal{Username: "ana", Role: auth.RoleAdmin}, []string{"read", "write"}},
	"rm":    {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}, []string{"read"}},
	"coop":  {&auth.Principal{Username: "carlos", Role: auth.RoleCooperation}, []string{"read"}},
}

type tokenMap map[string]struct {
	p      *auth.Principal
	scopes []string
}

func (m tokenMap) AuthenticateToken(_ context.Context, secret string) (*auth.Principal, []string, error) {
	if e, ok := m[secret]; ok {
		return e.p, e.scopes, nil
	}
	return nil, nil, fosis.Errorf(fosis.EUNAUTHORIZED, "unknown token")
}

// token is the bearer token get sends; tests set it per call.
var token = "admin"

func get(t *testing.T, url string, into any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: content type %q", url, ct)
	}
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func TestAPI(t *testing.T) {
	srv, reg := newServer(t)
	f, err := reg.LoadFrame(auth.WithPrincipal(context.Background(), auth.System()), true)
	if err != nil {
		t.Fatal(err)
	}
	someID := f.ExtID[f.Len()/2]
	var h api.HouseholdResponse
	if code := get(t, srv.URL+"/api/v1/households/"+someID+"?lang=en", &h); code != 200 {
		t.Fatalf("household: status %d", code)
	}
	if h.Household.ID != someID || len(h.Household.Members) != h.Household.MemberCount || h.Household.MemberCount == 0 {
		t.Fatalf("household %s: %+v", someID, h.Household)
	}
	if h.Score == nil || h.Score.Result.Bracket < 40 || h.Score.Summary == "" || !strings.Contains(h.Score.Summary, someID) || len(h.History) != 1 {
		t.Fatalf("household score: %+v, history %v", h.Score, h.History)
	}
	// The same household through a member's RUN, written with dots.
	run := h.Household.Members[0].RUN
	body := run[:len(run)-2]
	dotted := ""
	for i, c := range body {
		if i > 0 && (len(body)-i)%3 == 0 {
			dotted += "."
		}
		dotted += string(c)
	}
	var byRUN api.HouseholdResponse
	if code := get(t, srv.URL+"/api/v1/persons/"+dotted+run[len(run)-2:]+"/household", &byRUN); code != 200 || byRUN.Household.ID != someID {
		t.Fatalf("by RUN %s: status %d, household %v", dotted, code, byRUN.Household)
	}
	// Pagination walks every household of a commune exactly once.
	commune := h.Household.CommuneCode
	seen := map[string]bool{}
	next, pages := "", 0
	for {
		var page registry.Page[registry.HouseholdView]
		url := srv.URL + "/api/v1/communes/" + commune + "/households?limit=3"
		if next != "" {
			url += "&after=" + next
		}
		if code := get(t, url, &page); code != 200 {
			t.Fatalf("list: status %d", code)
		}
		for _, it := range page.Items {
			if seen[it.ID] || it.CommuneCode != commune {
				t.Fatalf("household %s listed twice or in the wrong commune", it.ID)
			}
			seen[it.ID] = true
		}
		pages++
		if page.Next == "" {
			if int64(len(seen)) != page.Total {
				t.Fatalf("listed %d households, total says %d", len(seen), page.Total)
			}
			break
		}
		next = page.Next
	}
	if !seen[someID] {
		t.Errorf("household %s not listed in its commune %s (%d pages)", someID, commune, pages)
	}
}

func TestAPIErrors(t *testing.T) {
	srv, _ := newServer(t)
	tests := []struct {
		path   string
		status int
		code   string
		field  string
	}{
		{"/api/v1/households/nope", 404, "not_found", ""},
		{"/api/v1/persons/12.345.678-4/household", 400, "invalid", "run"},
		{"/api/v1/persons/12.345.678-5/household", 404, "not_found", ""},
		{"/api/v1/persons/'%20OR%201=1--/household", 400, "invalid", "run"},
		{"/api/v1/communes/99999/households", 404, "not_found", "commune"},
		{"/api/v1/communes/13101/households?limit=0", 400, "invalid", "limit"},
		{"/api/v1/communes/13101/households?after=x", 400, "invalid", "after"},
		{"/api/v1/score/runs/abc", 400, "invalid", ""},
		{"/api/v1/score/runs/999", 404, "not_found", ""},
		{"/api/v1/unknown", 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var body api.ErrorBody
			if code := get(t, srv.URL+tt.path, &body); code != tt.status {
				t.Errorf("status %d, want %d", code, tt.status)
			}
			if body.Error.Code != tt.code || body.Error.Message == "" {
				t.Errorf("error %+v, want code %s", body.Error, tt.code)
			}
			if tt.field != "" && (len(body.Error.Fields) == 0 || body.Error.Fields[0].Field != tt.field) {
				t.Errorf("fields %+v, want %s", body.Error.Fields, tt.field)
			}
		})
	}
	var health map[string]any
	if code := get(t, srv.URL+"/healthz", &health); code != 200 || health["status"] != "ok" {
		t.Errorf("health: %d %v", code, health)
	}
}

func as(who string) func() {
	old := token
	token = who
	return func() { token = old }
}

// TestRegionalOfficerSeesOnlyTheirRegion walks every route as a regional
// officer of the Metropolitan region (13) and finds nothing from another
// region: every household of another region answers exactly like a missing
// one, every other region's commune list is refused, and lists and lookups
// in region 13 contain region 13 only.
func TestRegionalOfficerSeesOnlyTheirRegion(t *testing.T) {
	srv, reg := newServer(t)
	f, err := reg.LoadFrame(auth.WithPrincipal(context.Background(), auth.System()), true)
	if err != nil {
		t.Fatal(err)
	}
	defer as("rm")()
	terr := reg.Territory()
	own := 0
	for i, id := range f.ExtID {
		inRM := terr.Regions[f.Region[i]].Code == "13"
		var h api.HouseholdResponse
		code := get(t, srv.URL+"/api/v1/households/"+id, &h)
		switch {
		case inRM && (code != 200 || h.Household.RegionCode != "13" || h.Score == nil):
			t.Fatalf("own region's household %s: status %d", id, code)
		case !inRM && code != 404:
			t.Fatalf("household %s of region %s: status %d, want 404", id, terr.Regions[f.Region[i]].Code, code)
		}
		if inRM {
			own++
			// Its members' RUNs work; another region's do not (checked below).
			var byRUN api.HouseholdResponse
			if code := get(t, srv.URL+"/api/v1/persons/"+h.Household.Members[0].RUN+"/household", &byRUN); code != 200 {
				t.Fatalf("RUN in own region: %d", code)
			}
		}
	}
	if own == 0 || own == f.Len() {
		t.Fatalf("%d of %d households in region 13: the test needs both kinds", own, f.Len())
	}
	// Every person of another region, by RUN, answers 404 — seen as admin first.
	seen := 0
	for i, id := range f.ExtID {
		if terr.Regions[f.Region[i]].Code == "13" || seen == 25 {
			continue
		}
		seen++
		restore := as("admin")
		var h api.HouseholdResponse
		get(t, srv.URL+"/api/v1/households/"+id, &h)
		restore()
		if code := get(t, srv.URL+"/api/v1/persons/"+h.Household.Members[0].RUN+"/household", nil); code != 404 {
			t.Fatalf("RUN of region %s: status %d, want 404", h.Household.RegionCode, code)
		}
		// By name, the same person is not found, and whoever is listed lives
		// in region 13.
		m := h.Household.Members[0]
		var found registry.NameResults
		if code := get(t, srv.URL+"/api/v1/persons?limit=200&name="+url.QueryEscape(m.Paternal+" "+m.GivenNames), &found); code != 200 {
			t.Fatalf("name search: status %d", code)
		}
		for _, x := range found.Matches {
			if x.RUN == m.RUN || x.RegionCode != "13" {
				t.Fatalf("name search %q lists %+v of region %s", m.Paternal+" "+m.GivenNames, x, x.RegionCode)
			}
		}
	}
	listed := 0
	for _, c := range terr.Communes {
		var page registry.Page[registry.HouseholdView]
		code := get(t, srv.URL+"/api/v1/communes/"+c.Code+"/households?limit=500", &page)
		if c.RegionCode != "13" {
			if code != 404 {
				t.Fatalf("commune %s of region %s: status %d, want 404", c.Code, c.RegionCode, code)
			}
			continue
		}
		if code != 200 {
			t.Fatalf("own commune %s: status %d", c.Code, code)
		}
		for _, h := range page.Items {
			if h.RegionCode != "13" {
				t.Fatalf("household %s of region %s listed", h.ID, h.RegionCode)
			}
		}
		listed += len(page.Items)
	}
	if listed != own {
		t.Errorf("communes of region 13 list %d households, the region has %d", listed, own)
	}
	if code := get(t, srv.URL+"/api/v1/score/runs", nil); code != 200 {
		t.Errorf("runs: %d", code)
	}
}

func TestAPIAuthentication(t *testing.T) {
	srv, _ := newServer(t)
	tests := []struct {
		token  string
		path   string
		status int
	}{
		{"", "/api/v1/score/runs", 401},
		{"wrong", "/api/v1/score/runs", 401},
		{"coop", "/api/v1/households/H0000001", 403},
		{"admin", "/api/v1/score/runs", 200},
		{"", "/healthz", 200},
	}
	for _, tt := range tests {
		restore := as(tt.token)
		var body api.ErrorBody
		if code := get(t, srv.URL+tt.path, &body); code != tt.status {
			t.Errorf("token %q %s: status %d, want %d (%+v)", tt.token, tt.path, code, tt.status, body.Error)
		}
		restore()
	}
}

// TestSensitiveReadsAreAudited: a sensitive read returns the data and leaves
// an audit entry naming the reader and the RUNs read; a refused one leaves none.
func TestSensitiveReadsAreAudited(t *testing.T) {
	srv, reg := newServer(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	f, err := reg.LoadFrame(sys, true)
	if err != nil {
		t.Fatal(err)
	}
	id := f.ExtID[7]
	var got registry.SensitiveRead
	if code := get(t, srv.URL+"/api/v1/households/"+id+"/sensitive", &got); code != 200 || len(got.Members) == 0 || got.AuditSeq == 0 {
		t.Fatalf("sensitive read: status %d, %+v", code, got)
	}
	func() {
		defer as("coop")()
		if code := get(t, srv.URL+"/api/v1/households/"+id+"/sensitive", nil); code != 403 {
			t.Errorf("sensitive read by a cooperation officer: %d", code)
		}
	}()
	recs, err := audit.List(sys, reg.DB(), audit.Filter{Action: "person.sensitive_read"})
	if err != nil || len(recs) != 1 {
		t.Fatalf("audit entries of sensitive reads: %d (%v)", len(recs), err)
	}
	r := recs[0]
	if r.Actor != "ana" || r.EntityID != id || r.Seq != got.AuditSeq || r.IP != "127.0.0.1" || !strings.Contains(r.After, got.Members[0].RUN) {
		t.Errorf("audit entry %+v", r)
	}
}
