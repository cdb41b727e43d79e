package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/scopetest"
)

func init() { moreResponseMarks = append(moreResponseMarks, checkFundsPaymentResponses) }

// checkFundsPaymentResponses walks a payment's life and a contract's
// through the API, checking every request and 200 response against the
// document: maker-checker refusals (403), the bank file, the result file
// imported twice (the second changes nothing), a re-issue; an agency sees
// its contract and not another's.
func checkFundsPaymentResponses(t *testing.T, c *checker, ok200 map[string]bool) {
	d := dbtest.Open(t)
	fs := funds.New(d)
	fs.AgencyOf = func(_ context.Context, id int64) (string, error) {
		return map[int64]string{7: "AG1", 8: "AG2"}[id], nil
	}
	maker := &auth.Principal{Username: "maker", Role: auth.RoleFinance}
	tokens := tokenMap{
		"maker":   {maker, []string{"read", "write"}},
		"checker": {&auth.Principal{Username: "checker", Role: auth.RoleFinance}, []string{"read", "write"}},
		"ag1":     {&auth.Principal{UserID: 7, Username: "ag1", Role: auth.RoleAgency}, []string{"read", "write"}},
		"ag2":     {&auth.Principal{UserID: 8, Username: "ag2", Role: auth.RoleAgency}, []string{"read", "write"}},
		"r05":     {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "05"}, []string{"read", "write"}},
	}
	srv := httptest.NewServer((&api.Server{DB: d, Tokens: tokens, Funds: fs}).Handler())
	defer srv.Close()
	doc := openAPIDoc(t)
	check := func(route, path, method, url, tok, body string, want int) []byte {
		t.Helper()
		var status int
		var b []byte
		if method == "POST" {
			status, b, _ = postJSON(t, srv.URL+url, tok, body)
		} else {
			status, b, _ = fetch(t, srv.URL+url, tok)
		}
		if status != want {
			t.Fatalf("%s: %s %s: %d %s, want %d", route, method, url, status, b, want)
		}
		if want != 200 {
			return b
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
		return b
	}
	ctx := auth.WithPrincipal(context.Background(), maker)
	k := funds.Key{Year: 2026, Line: "yo-emprendo", Region: "13"}
	for _, step := range []func() error{
		func() error { _, err := fs.Assign(ctx, k, 200_000_000, ""); return err },
		func() error { _, err := fs.Allocate(ctx, k, "YE-13", 200_000_000, ""); return err },
		func() error { _, err := fs.Move(ctx, "YE-13", funds.KindReserve, 1_000_000, "", ""); return err },
		func() error { _, err := fs.Move(ctx, "YE-13", funds.KindCommit, 1_000_000, "", ""); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	const payee = `{"name": "Ana Pérez", "tax_id": "12.345.678-5", "bank": "012", "account_kind": "vista", "account": "12345678"}`
	pay := func(key string, amount int) string {
		return fmt.Sprintf(`{"key": %q, "call": "YE-13", "purpose": "tranche", "ref": "plan 1", "payee": %s, "amount": %d}`, key, payee, amount)
	}
	const P, R = "/api/v1/funds/payments", "/api/v1/funds/payruns"
	var created struct {
		Payment funds.Payment `json:"payment"`
	}
	json.Unmarshal(check("payment", P, "POST", P, "maker", pay("plan:1/1", 430_000), 200), &created)
	check("payment 2", P, "POST", P, "maker", pay("plan:2/1", 180_000), 200)
	check("replay", P, "POST", P, "maker", pay("plan:1/1", 430_000), 200)
	check("clash", P, "POST", P, "maker", pay("plan:1/1", 1), 409)
	check("regional pays", P, "POST", P, "r05", pay("x", 1), 403)
	check("payments", P, "GET", P+"?state=ready", "maker", "", 200)
	var run funds.Run
	json.Unmarshal(check("prepare", R, "POST", R, "maker", `{"note": "march"}`, 200), &run)
	check("cancel", R+"/{id}/cancel", "POST", R+"/"+fmt.Sprint(run.ID)+"/cancel", "maker", "", 200)
	json.Unmarshal(check("prepare again", R, "POST", R, "maker", `{"note": "march"}`, 200), &run)
	id := fmt.Sprint(run.ID)
	check("maker approves", R+"/{id}/approve", "POST", R+"/"+id+"/approve", "maker", "", 403)
	check("approve", R+"/{id}/approve", "POST", R+"/"+id+"/approve", "checker", "", 200)
	check("runs", R, "GET", R, "maker", "", 200)
	var detail funds.Run
	b := check("run", R+"/{id}", "GET", R+"/"+id, "maker", "", 200)
	var rd struct {
		Run      funds.Run       `json:"run"`
		Payments []funds.Payment `json:"payments"`
	}
	json.Unmarshal(b, &rd)
	detail = rd.Run
	if detail.Count != 2 {
		t.Errorf("run = %+v", detail)
	}
	check("file", R+"/{id}/file", "POST", R+"/"+id+"/file", "maker", `{"layout": ""}`, 200)
	check("bad layout", R+"/{id}/file", "POST", R+"/"+id+"/file", "maker", `{"layout": "format: fixed"}`, 400)
	var lines []string
	var sum int64
	for _, p := range rd.Payments {
		status := "PAID;"
		if p.Amount == 180_000 {
			status = "REJECTED;R04"
		}
		lines = append(lines, fmt.Sprintf("%d;%d;%s", p.ID, p.Amount, status))
		sum += p.Amount
	}
	file := "payment;amount;status;reason\n" + strings.Join(lines, "\n") + fmt.Sprintf("\nTOTAL;%d;%d;\n", sum, len(lines))
	body, _ := json.Marshal(map[string]string{"file": file})
	check("results", R+"/{id}/results", "POST", R+"/"+id+"/results", "maker", string(body), 200)
	b = check("results again", R+"/{id}/results", "POST", R+"/"+id+"/results", "maker", string(body), 200)
	if !strings.Contains(string(b), `"unchanged":2`) {
		t.Errorf("second import: %s", b)
	}
	check("bad results", R+"/{id}/results", "POST", R+"/"+id+"/results", "maker", `{"file": "payment;amount;status;reason\n1;1;PAID;\n"}`, 400)
	var rejected int64
	for _, p := range rd.Payments {
		if p.Amount == 180_000 {
			rejected = p.ID
		}
	}
	check("reissue", P+"/{id}/reissue", "POST", fmt.Sprintf("%s/%d/reissue", P, rejected), "maker",
		`{"payee": {"name": "Ana Pérez", "tax_id": "12.345.678-5", "bank": "001", "account_kind": "checking", "account": "99"}}`, 200)

	// A contract.
	const C = "/api/v1/funds/contracts"
	contract := fmt.Sprintf(`{"code": "CT-1", "agency": "AG1", "call": "YE-13", "region": "13", "title": "Familias", "payee": %s,
		"starts_on": "2026-03-01", "ends_on": "2026-12-31", "territories": [{"territory": "13101", "amount": 60000000}, {"territory": "13102", "amount": 40000000}],
		"schedule": [{"percent": 30, "condition": "start"}, {"percent": 40, "condition": "midterm_report"}, {"percent": 30, "condition": "coverage", "target": 100}]}`, payee)
	check("contract", C, "POST", C, "maker", contract, 200)
	check("sign", C+"/{code}/sign", "POST", C+"/CT-1/sign", "maker", "", 200)
	const M = C + "/{code}/milestones/{seq}/{step}"
	check("accept", M, "POST", C+"/CT-1/milestones/2/accept", "maker", `{"evidence": "informe de avance aprobado"}`, 200)
	check("request", M, "POST", C+"/CT-1/milestones/1/request", "maker", "", 200)
	check("maker releases", M, "POST", C+"/CT-1/milestones/1/release", "maker", "", 403)
	check("release", M, "POST", C+"/CT-1/milestones/1/release", "checker", "", 200)
	check("guarantee", C+"/{code}/guarantees", "POST", C+"/CT-1/guarantees", "maker",
		`{"kind": "bank_guarantee", "number": "BG-1", "issuer": "BancoEstado", "amount": 5000000, "expires_on": "2020-01-31"}`, 200)
	check("spending", C+"/{code}/spending", "POST", C+"/CT-1/spending", "ag1", `{"month": "2026-03", "lines": {"personnel": 8000000, "materials": 1200000}}`, 200)
	check("contract of the agency", C+"/{code}", "GET", C+"/CT-1", "ag1", "", 200)
	check("contract of another agency", C+"/{code}", "GET", C+"/CT-1", "ag2", "", 404)
	check("agency's contracts", C, "GET", C, "ag1", "", 200)
	check("alerts", "/api/v1/funds/guarantees/alerts", "GET", "/api/v1/funds/guarantees/alerts?days=60", "maker", "", 200)
	if rep, err := fs.Verify(ctx); err != nil || !rep.OK() {
		t.Errorf("Verify: %v %v", rep.Problems, err)
	}
}

// fundsPaymentsWorld gives the scope walk a signed contract in each region
// (coded 13 and <other>, with a guarantee and a month's spending), and
// a prepared payment run (1) with its payment (1).
func fundsPaymentsWorld(t *testing.T, w *scopetest.World, fs *funds.Store) {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	for region, call := range map[string]string{scopetest.Own: "walk-propia", w.Other: "walk-otra"} {
		commune := w.OwnCommune
		if region != scopetest.Own {
			commune = w.OtherCommune
		}
		code := region // the walk varies the region in the path
		_, err := fs.CreateContract(ctx, funds.NewContract{Code: code, Agency: "walk", Call: call, Region: region,
			Payee:    funds.Payee{Name: "Fundación " + region, TaxID: "76.543.210-3", Bank: "001", AccountKind: "checking", Account: "1"},
			StartsOn: "2026-03-01", EndsOn: "2026-12-31", Territories: []funds.TerritoryAmount{{Territory: commune, Amount: 100_000}},
			Schedule: []funds.MilestoneSpec{{Percent: 30, Condition: funds.CondStart}, {Percent: 70, Condition: funds.CondFinalReport}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fs.SignContract(ctx, code); err != nil {
			t.Fatal(err)
		}
		if _, err := fs.AddGuarantee(ctx, code, funds.Guarantee{Kind: "bank_guarantee", Number: "BG-" + region, Issuer: "BancoEstado", Amount: 10_000, ExpiresOn: "2026-01-31"}); err != nil {
			t.Fatal(err)
		}
		if _, err := fs.ReportSpending(ctx, code, "2026-03", map[string]int64{"personnel": 5_000}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := fs.CreatePayment(ctx, funds.NewPayment{Key: "walk:1", Call: "walk-propia", Purpose: funds.PurposeTranche,
		Payee: funds.Payee{Name: "Walk", TaxID: "12.345.678-5", Bank: "012", AccountKind: "vista", Account: "1"}, Amount: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.PrepareRun(ctx, "", "walk"); err != nil {
		t.Fatal(err)
	}
}
