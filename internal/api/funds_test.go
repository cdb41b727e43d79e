package api_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

func init() { moreResponseMarks = append(moreResponseMarks, checkFundsResponses) }

// checkFundsResponses records a budget and its modification through the
// API, allocates an envelope, reads balances and movements, and checks every
// request and 200 response against the document; a regional officer of
// another region finds the envelope missing and may not move money.
func checkFundsResponses(t *testing.T, c *checker, ok200 map[string]bool) {
	d := dbtest.Open(t)
	fs := funds.New(d)
	fin := &auth.Principal{Username: "fiona", Role: auth.RoleFinance}
	tokens := tokenMap{
		"fin": {fin, []string{"read", "write"}},
		"r05": {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "05"}, []string{"read", "write"}},
	}
	srv := httptest.NewServer((&api.Server{DB: d, Tokens: tokens, Funds: fs}).Handler())
	defer srv.Close()
	doc := openAPIDoc(t)
	check := func(route, path, method, url, tok, body string, want int) {
		t.Helper()
		var status int
		var b []byte
		if method == "POST" {
			status, b, _ = postJSON(t, srv.URL+url, tok, body)
		} else {
			status, b, _ = fetch(t, srv.URL+url, tok)
		}
		if status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, url, status, b, want)
		}
		if want != 200 {
			return
		}
		if body != "" {
			op := obj(t, doc, "paths", path, "post")
			for _, e := range c.check(obj(t, op, "requestBody", "content", "application/json", "schema"), decodeJSON(t, []byte(body)), "request") {
				t.Errorf("%s: %s", route, e)
			}
		}
		for _, e := range c.check(responseSchema(t, doc, method, path, 200), decodeJSON(t, b), "$") {
			t.Errorf("%s: %s", route, e)
		}
		ok200[method+" "+normalise(path)] = true
	}
	body := `{"year": 2026, "line": "yo-emprendo", "region": "13", "amount": 5000000, "note": "Ley 21.722"}`
	check("assign", "/api/v1/funds/assignments", "POST", "/api/v1/funds/assignments", "fin", body, 200)
	check("modify", "/api/v1/funds/modifications", "POST", "/api/v1/funds/modifications", "fin",
		`{"year": 2026, "line": "yo-emprendo", "region": "13", "amount": -1000000}`, 200)
	check("modify too much", "/api/v1/funds/modifications", "POST", "/api/v1/funds/modifications", "fin",
		`{"year": 2026, "line": "yo-emprendo", "region": "13", "amount": -9000000}`, 409)
	check("regional assigns", "/api/v1/funds/assignments", "POST", "/api/v1/funds/assignments", "r05", body, 403)
	ctx := auth.WithPrincipal(context.Background(), fin)
	if _, err := fs.Allocate(ctx, funds.Key{Year: 2026, Line: "yo-emprendo", Region: "13"}, "YE-13", 2_000_000, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Move(ctx, "YE-13", funds.KindReserve, 500_000, "enrolment", ""); err != nil {
		t.Fatal(err)
	}
	check("balances", "/api/v1/funds/balances", "GET", "/api/v1/funds/balances?year=2026", "fin", "", 200)
	check("movements", "/api/v1/funds/envelopes/{call}/movements", "GET", "/api/v1/funds/envelopes/YE-13/movements", "fin", "", 200)
	check("movements of another region", "/api/v1/funds/envelopes/{call}/movements", "GET", "/api/v1/funds/envelopes/YE-13/movements", "r05", "", 404)
	check("movements of no envelope", "/api/v1/funds/envelopes/{call}/movements", "GET", "/api/v1/funds/envelopes/NONE/movements", "r05", "", 404)
	if rep, err := fs.Verify(ctx); err != nil || !rep.OK() {
		t.Errorf("Verify: %v %v", rep.Problems, err)
	}
}
