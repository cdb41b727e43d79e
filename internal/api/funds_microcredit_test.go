package api_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/rut"
)

func init() { moreResponseMarks = append(moreResponseMarks, checkMicrocreditResponses) }

// checkMicrocreditResponses reports loans, settles a month and reads the
// execution, institutions, loans and settlements through the API, checking
// every request and 200 response against the document; a bad report is
// refused naming its rows; an institution's user sees only its own.
func checkMicrocreditResponses(t *testing.T, c *checker, ok200 map[string]bool) {
	d := dbtest.Open(t)
	fs := funds.New(d)
	fs.Borrowers = func(_ context.Context, runs []int64) (map[int64]funds.Borrower, error) {
		out := map[int64]funds.Borrower{}
		for _, r := range runs {
			out[r] = funds.Borrower{Found: true, Scored: true, Bracket: 50}
		}
		return out, nil
	}
	sys := auth.WithPrincipal(context.Background(), auth.System())
	k := funds.Key{Year: 2026, Line: "microcredito", Region: "13"}
	if _, err := fs.Assign(sys, k, 10_000_000, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Allocate(sys, k, "MC-2026", 5_000_000, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.CreateInstitution(sys, funds.Institution{Code: "banco", Name: "banco", Kind: funds.Bank, TaxID: rut.Format(97_000_001)}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.CreateAgreement(sys, funds.Agreement{Institution: "banco", Call: "MC-2026", StartsOn: "2026-01-01", EndsOn: "2026-12-31", Cap: 1_000_000,
		Bands: []funds.Band{{Min: 1, Max: 1_000_000, Subsidy: 25_000}}}); err != nil {
		t.Fatal(err)
	}
	fin := &auth.Principal{Username: "fiona", Role: auth.RoleFinance}
	pre := httptest.NewServer((&api.Server{DB: d, Tokens: tokenMap{"fin": {fin, []string{"read", "write"}}}, Funds: fs}).Handler())
	doc0 := openAPIDoc(t)
	for _, x := range []struct{ path, url, body string }{
		{"/api/v1/funds/institutions", "/api/v1/funds/institutions", `{"code": "fundacion", "name": "Fundación", "kind": "foundation", "tax_id": "` + rut.Format(97_000_000) + `"}`},
		{"/api/v1/funds/institutions/{code}/agreements", "/api/v1/funds/institutions/fundacion/agreements",
			`{"call": "MC-2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "cap": 1000000, "bands": [{"min": 1, "max": 1000000, "subsidy": 25000}]}`},
	} {
		status, b, _ := postJSON(t, pre.URL+x.url, "fin", x.body)
		if status != 200 {
			t.Fatalf("POST %s: %d %s", x.url, status, b)
		}
		for _, e := range c.check(obj(t, obj(t, doc0, "paths", x.path, "post"), "requestBody", "content", "application/json", "schema"), decodeJSON(t, []byte(x.body)), "request") {
			t.Errorf("%s: %s", x.path, e)
		}
		for _, e := range c.check(responseSchema(t, doc0, "POST", x.path, 200), decodeJSON(t, b), "$") {
			t.Errorf("POST %s: %s", x.path, e)
		}
		ok200["POST "+normalise(x.path)] = true
	}
	pre.Close()
	users := auth.NewStore(d, time.Now)
	u, err := users.CreateUser(sys, auth.System(), auth.NewUser{Username: "ines", DisplayName: "Inés", Role: auth.RoleInstitution, Password: "una clave larga 123"})
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.AddInstitutionStaff(sys, "fundacion", u); err != nil {
		t.Fatal(err)
	}
	tokens := tokenMap{
		"fin":  {&auth.Principal{Username: "fiona", Role: auth.RoleFinance}, []string{"read", "write"}},
		"inst": {u.Principal(), []string{"read", "write"}},
	}
	srv := httptest.NewServer((&api.Server{DB: d, Tokens: tokens, Funds: fs}).Handler())
	defer srv.Close()
	doc := openAPIDoc(t)
	check := func(path, method, url, tok, body string, want int) string {
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
			return string(b)
		}
		if body != "" {
			op := obj(t, doc, "paths", path, "post")
			for _, e := range c.check(obj(t, op, "requestBody", "content", "application/json", "schema"), decodeJSON(t, []byte(body)), "request") {
				t.Errorf("%s: %s", path, e)
			}
		}
		for _, e := range c.check(responseSchema(t, doc, method, path, 200), decodeJSON(t, b), "$") {
			t.Errorf("%s %s: %s", method, path, e)
		}
		ok200[method+" "+normalise(path)] = true
		return string(b)
	}
	loans := `{"loans": [{"run": "` + rut.Format(11_111_111) + `", "amount": 300000, "placed_on": "2026-03-05", "term_months": 12, "business_since": "2020-01-01"},
		{"run": "` + rut.Format(22_222_222) + `", "amount": 500000, "placed_on": "2026-03-07", "term_months": 18, "business_since": "2021-06-01"}]}`
	lp := "/api/v1/funds/institutions/{code}/loans"
	sp := "/api/v1/funds/institutions/{code}/settlements"
	if b := check(lp, "POST", "/api/v1/funds/institutions/fundacion/loans", "inst", loans, 200); !strings.Contains(b, `"stored":2`) {
		t.Errorf("report: %s", b)
	}
	if b := check(lp, "POST", "/api/v1/funds/institutions/fundacion/loans", "inst", loans, 200); !strings.Contains(b, `"again":true`) {
		t.Errorf("report again: %s", b)
	}
	bad := `{"loans": [{"run": "1-1", "amount": 0, "placed_on": "2026-03-05", "term_months": 12, "business_since": "2020-01-01"}]}`
	if b := check(lp, "POST", "/api/v1/funds/institutions/banco/loans", "fin", bad, 400); !strings.Contains(b, "row 1: run") || !strings.Contains(b, "row 1: amount") {
		t.Errorf("bad report: %s", b)
	}
	check(lp, "POST", "/api/v1/funds/institutions/banco/loans", "inst", loans, 404)
	check(lp, "GET", "/api/v1/funds/institutions/fundacion/loans?month=2026-03&limit=1", "inst", "", 200)
	check(sp, "POST", "/api/v1/funds/institutions/fundacion/settlements", "inst", `{"month": "2026-03"}`, 403)
	if b := check(sp, "POST", "/api/v1/funds/institutions/fundacion/settlements", "fin", `{"month": "2026-03"}`, 200); !strings.Contains(b, `"amount":50000`) {
		t.Errorf("settle: %s", b)
	}
	check(sp, "GET", "/api/v1/funds/institutions/fundacion/settlements", "inst", "", 200)
	if b := check("/api/v1/funds/institutions", "GET", "/api/v1/funds/institutions", "inst", "", 200); strings.Contains(b, "banco") {
		t.Errorf("an institution's user sees another: %s", b)
	}
	check("/api/v1/funds/execution", "GET", "/api/v1/funds/execution?year=2026", "fin", "", 200)
}
