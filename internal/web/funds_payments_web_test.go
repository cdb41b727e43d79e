package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/scopetest"
	"github.com/fosis/fosis/internal/web"
)

// paymentsWorld gives the scope walk a signed contract in each region
// (coded 13 and <other>, with a guarantee and a month's spending), and
// a prepared payment run (1) with its payment (1).
func paymentsWorld(t *testing.T, w *scopetest.World, fs *funds.Store) {
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

// postFile posts one file as a multipart form, as the browser does.
func postFile(t *testing.T, c *client, path, field, name, content string) (*http.Response, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestPaymentPages: a finance officer records payments and prepares a run
// on the pages, cannot approve it herself, another approves it, downloads
// the bank file and imports the bank's answer (a bad file names its rows,
// the same file twice changes nothing); a contract's milestone is released
// by maker-checker; an agency's staff sees its contract only.
func TestPaymentPages(t *testing.T) {
	ctx := context.Background()
	d, _ := registrytest.Imported(t, 20, 1)
	users := auth.NewStore(d, time.Now)
	ids := map[string]int64{}
	for _, nu := range []auth.NewUser{
		{Username: "fiona", DisplayName: "Fiona Finanzas", Role: auth.RoleFinance, Password: password},
		{Username: "fred", DisplayName: "Fred Finance", Role: auth.RoleFinance, Password: password, Language: "en"},
		{Username: "alba", DisplayName: "Alba Agencia", Role: auth.RoleAgency, Password: password},
		{Username: "beto", DisplayName: "Beto Agencia", Role: auth.RoleAgency, Password: password},
	} {
		u, err := users.CreateUser(ctx, auth.System(), nu)
		if err != nil {
			t.Fatal(err)
		}
		ids[nu.Username] = u.ID
	}
	fs := funds.New(d)
	fs.AgencyOf = func(_ context.Context, id int64) (string, error) {
		return map[int64]string{ids["alba"]: "AG1", ids["beto"]: "AG2"}[id], nil
	}
	sys := auth.WithPrincipal(ctx, auth.System())
	k := funds.Key{Year: 2026, Line: "yo-emprendo", Region: "13"}
	for _, step := range []func() error{
		func() error { _, err := fs.Assign(sys, k, 200_000_000, ""); return err },
		func() error { _, err := fs.Allocate(sys, k, "YE-13", 200_000_000, ""); return err },
		func() error { _, err := fs.Move(sys, "YE-13", funds.KindReserve, 1_000_000, "", ""); return err },
		func() error { _, err := fs.Move(sys, "YE-13", funds.KindCommit, 1_000_000, "", ""); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	w, err := web.New(web.Config{DB: d, Users: users, Funds: fs})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: httptest.NewServer(w.Handler()), d: d}
	t.Cleanup(f.srv.Close)
	signIn := func(user string) *client {
		c := f.client(t)
		if resp, body := c.do("POST", "/signin", url.Values{"username": {user}, "password": {password}, "next": {"/"}}); resp.StatusCode != 200 {
			t.Fatalf("sign-in as %s: %d\n%s", user, resp.StatusCode, body)
		}
		return c
	}
	fiona, fred := signIn("fiona"), signIn("fred")
	expect := func(c *client, method, path string, form url.Values, status int, want ...string) string {
		t.Helper()
		resp, body := c.do(method, path, form)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, status, body)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s %s: no %q in\n%s", method, path, w, body)
			}
		}
		return body
	}
	payment := url.Values{"key": {"plan:1/1"}, "call": {"YE-13"}, "purpose": {"tranche"}, "payee_name": {"Ana Pérez"}, "tax_id": {"12.345.678-5"},
		"bank": {"012"}, "account_kind": {"vista"}, "account": {"12345678"}, "amount": {"430.000"}}
	expect(fiona, "POST", "/funds/payments", payment, 200, `id="done"`, "Pago registrado", "12345678-5")
	payment.Set("key", "plan:2/1")
	payment.Set("amount", "180000")
	expect(fiona, "POST", "/funds/payments", payment, 200, `id="done"`)
	bad := url.Values{"key": {""}, "call": {"YE-13"}, "purpose": {"tranche"}, "tax_id": {"1-1"}, "bank": {"12"}, "account_kind": {"vista"}, "account": {"x"}, "amount": {"cero"}}
	expect(fiona, "POST", "/funds/payments", bad, 400, `id="form-problems"`, "no es un RUN/RUT válido")
	expect(fiona, "POST", "/funds/payruns", url.Values{"note": {"marzo"}}, 200, "Nómina de pago 1", `id="maker-note"`)
	expect(fiona, "POST", "/funds/payruns/1/approve", url.Values{}, 403, "cuatro ojos")
	expect(fred, "POST", "/funds/payruns/1/approve", url.Values{}, 200, "Run approved", `id="file-form"`)
	resp, file := fred.do("POST", "/funds/payruns/1/file", url.Values{})
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "payrun-1.txt") || strings.Count(file, "\r\n") != 4 {
		t.Errorf("file: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Disposition"), file)
	}
	resp, body := postFile(t, fred, "/funds/payruns/1/results", "file", "r.csv", "payment;amount;status;reason\n1;430000;PAID;\n2;5;MAYBE;\nTOTAL;430005;2;\n")
	if resp.StatusCode != 400 || !strings.Contains(body, "line 3") || !strings.Contains(body, `id="form-error"`) {
		t.Errorf("bad results: %d\n%s", resp.StatusCode, body)
	}
	good := "payment;amount;status;reason\n1;430000;PAID;\n2;180000;REJECTED;R04\nTOTAL;610000;2;\n"
	if resp, body := postFile(t, fred, "/funds/payruns/1/results", "file", "r.csv", good); resp.StatusCode != 200 || !strings.Contains(body, "answer was imported") {
		t.Errorf("results: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := postFile(t, fred, "/funds/payruns/1/results", "file", "r.csv", good); resp.StatusCode != 200 || !strings.Contains(body, "nothing changed") {
		t.Errorf("results again: %d\n%s", resp.StatusCode, body)
	}
	expect(fiona, "POST", "/funds/payments/2/reissue", url.Values{"account": {"99887766"}}, 200, "Pago reemitido", "reemite el pago 2")
	expect(fiona, "GET", "/funds/payruns", nil, 200, "cerrada", `href="/funds/payruns/1"`)

	// A contract on the pages.
	contract := url.Values{"code": {"CT-1"}, "agency": {"AG1"}, "call": {"YE-13"}, "region": {"13"}, "starts_on": {"2026-03-01"}, "ends_on": {"2026-12-31"},
		"territories": {"13101=60000000,13102=40000000"}, "schedule": {"30:start,40:midterm_report,30:final_report"},
		"payee_name": {"Fundación"}, "tax_id": {"76.543.210-3"}, "bank": {"001"}, "account_kind": {"checking"}, "account": {"1234"}}
	expect(fiona, "POST", "/funds/contracts", contract, 200, "Contrato CT-1", `id="sign-form"`)
	expect(fiona, "POST", "/funds/contracts/CT-1/sign", url.Values{}, 200, "firmado")
	expect(fiona, "POST", "/funds/contracts/CT-1/milestones/1/request", url.Values{}, 200, "liberación solicitada")
	expect(fiona, "POST", "/funds/contracts/CT-1/milestones/1/release", url.Values{}, 403)
	expect(fred, "POST", "/funds/contracts/CT-1/milestones/1/release", url.Values{}, 200, "payment 4")
	expect(fiona, "POST", "/funds/contracts/CT-1/guarantees", url.Values{"kind": {"bank_guarantee"}, "number": {"BG-1"}, "issuer": {"BancoEstado"},
		"amount": {"5000000"}, "expires_on": {"2020-01-01"}}, 200, "vencida")
	alba, beto := signIn("alba"), signIn("beto")
	expect(alba, "POST", "/funds/contracts/CT-1/spending", url.Values{"month": {"2026-03"}, "spend_personnel": {"8.000.000"}}, 200, "$8.000.000")
	expect(alba, "GET", "/funds/contracts", nil, 200, `href="/funds/contracts/CT-1"`)
	expect(beto, "GET", "/funds/contracts/CT-1", nil, 404)
	if body := expect(beto, "GET", "/funds/contracts", nil, 200, `id="contracts-empty"`); strings.Contains(body, "CT-1") {
		t.Errorf("another agency sees the contract")
	}
	expect(alba, "GET", "/funds/payruns", nil, 403)
	if rep, err := fs.Verify(sys); err != nil || !rep.OK() {
		t.Errorf("Verify: %v %v", rep.Problems, err)
	}
}
