package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

func newServer(t *testing.T) (*httptest.Server, *registry.Store) {
	t.Helper()
	ctx := context.Background()
	d := dbtest.Open(t)
	reg := registry.NewStore(d, geo.Chile(), nil)
	if err := reg.SyncTerritory(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := registry.GenerateDir(ctx, dir, registry.GenerateOptions{Households: 400, Seed: 11}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, registry.ImportOptions{Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv")}); err != nil {
		t.Fatal(err)
	}
	ts := targeting.NewStore(d, reg, nil)
	if _, err := ts.ScoreAll(ctx, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&api.Server{DB: d, Registry: reg, Targeting: ts, Log: nil}).Handler())
	t.Cleanup(srv.Close)
	return srv, reg
}

func get(t *testing.T, url string, into any) int {
	t.Helper()
	resp, err := http.Get(url)
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
	f, err := reg.LoadFrame(context.Background(), true)
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
