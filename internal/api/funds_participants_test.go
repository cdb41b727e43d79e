package api_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

func init() { moreResponseMarks = append(moreResponseMarks, checkFundsParticipantResponses) }

// sendReceipt posts a receipt's fields and file as a multipart form.
func sendReceipt(t *testing.T, url, tok string, fields map[string]string, file []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "factura.pdf")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", url, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// checkFundsParticipantResponses walks a participant's money through the
// API — a tranche schedule, the case's money, a tranche ordered twice with
// one key, the bank's answer, receipts (accepted and held), the review by
// another finance officer, the overdue flag and a recovery — checking every
// request and 200 response against the document; a regional officer of
// another region finds the case missing.
func checkFundsParticipantResponses(t *testing.T, c *checker, ok200 map[string]bool) {
	d := dbtest.Open(t)
	fs := funds.New(d)
	fin := &auth.Principal{Username: "fiona", Role: auth.RoleFinance}
	tokens := tokenMap{
		"fin":  {fin, []string{"read", "write"}},
		"fin2": {&auth.Principal{Username: "felipe", Role: auth.RoleFinance}, []string{"read", "write"}},
		"r13":  {&auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}, []string{"read", "write"}},
		"r05":  {&auth.Principal{Username: "raul", Role: auth.RoleRegional, RegionCode: "05"}, []string{"read", "write"}},
	}
	srv := httptest.NewServer((&api.Server{DB: d, Tokens: tokens, Funds: fs}).Handler())
	defer srv.Close()
	doc := openAPIDoc(t)
	mark := func(method, path string, status int, b []byte, want int) {
		t.Helper()
		if status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, status, b, want)
		}
		if want != 200 {
			return
		}
		for _, e := range c.check(responseSchema(t, doc, method, path, 200), decodeJSON(t, b), "$") {
			t.Errorf("%s %s: %s", method, path, e)
		}
		ok200[method+" "+normalise(path)] = true
	}
	send := func(method, path, url, tok, body string, want int) []byte {
		t.Helper()
		var status int
		var b []byte
		switch method {
		case "GET":
			status, b, _ = fetch(t, srv.URL+url, tok)
		default:
			req, _ := http.NewRequest(method, srv.URL+url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
			if body != "" && status == 200 {
				op := obj(t, doc, "paths", path, strings.ToLower(method))
				for _, e := range c.check(obj(t, op, "requestBody", "content", "application/json", "schema"), decodeJSON(t, []byte(body)), "request") {
					t.Errorf("%s %s: %s", method, path, e)
				}
			}
		}
		mark(method, path, status, b, want)
		return b
	}
	const sched = "/api/v1/funds/tranche-schedules/{line}/{version}"
	send("PUT", sched, "/api/v1/funds/tranche-schedules/yo-emprendo/1", "fin",
		`{"tranches": [{"percent": 60, "due": "approval", "payee": "participant", "justify_days": 30}, {"percent": 40, "due": "justified", "payee": "supplier", "justify_days": 30}]}`, 200)
	send("PUT", sched, "/api/v1/funds/tranche-schedules/yo-emprendo/1", "fin", `{"tranches": [{"percent": 60, "due": "approval", "payee": "participant", "justify_days": 30}]}`, 400)
	send("GET", sched, "/api/v1/funds/tranche-schedules/yo-emprendo/1", "r13", "", 200)

	ctx := auth.WithPrincipal(context.Background(), fin)
	k := funds.Key{Year: 2026, Line: "yo-emprendo", Region: "13"}
	fs.Assign(ctx, k, 10_000_000, "")
	fs.Allocate(ctx, k, "YE-13", 4_000_000, "")
	err := d.Transact(ctx, func(tx *db.Tx) error {
		if err := fs.OnEnrol(ctx, tx, funds.Enrolment{Participation: 1, CaseID: 5, Call: "YE-13", Line: "yo-emprendo", Version: 1, Region: "13",
			Commune: "13101", HouseholdID: "H5", RUN: "12345678-5", Amount: 575_000}); err != nil {
			return err
		}
		return fs.OnPlanApproved(ctx, tx, funds.PlanApproval{CaseID: 5, PlanID: 1, Version: 1, Kind: "business",
			Lines: []funds.PlanLine{{Item: "Horno", Amount: 400_000}, {Item: "Harina", Amount: 100_000}}, Total: 500_000, On: time.Now().UTC()})
	})
	if err != nil {
		t.Fatal(err)
	}
	const order = "/api/v1/funds/cases/{id}/tranches/{seq}/order"
	b := send("POST", order, "/api/v1/funds/cases/5/tranches/1/order", "fin", `{"idempotency_key": "pago-5-1"}`, 200)
	again := send("POST", order, "/api/v1/funds/cases/5/tranches/1/order", "fin", `{"idempotency_key": "pago-5-1"}`, 200)
	if string(b) != string(again) {
		t.Errorf("the same order twice:\n%s\n%s", b, again)
	}
	send("POST", order, "/api/v1/funds/cases/5/tranches/1/order", "r13", `{}`, 403)
	send("GET", "/api/v1/funds/tranche-payments", "/api/v1/funds/tranche-payments", "fin", "", 200)
	send("POST", "/api/v1/funds/tranche-payments/{id}/settlement", "/api/v1/funds/tranche-payments/1/settlement", "fin", `{"paid": true}`, 200)
	send("POST", "/api/v1/funds/tranche-payments/{id}/settlement", "/api/v1/funds/tranche-payments/1/settlement", "fin", `{"paid": true}`, 409)

	pdf := []byte("%PDF-1.4\n%receipt\n")
	today := time.Now().UTC().Format(time.DateOnly)
	const receipts = "/api/v1/funds/cases/{id}/receipts"
	status, rb := sendReceipt(t, srv.URL+"/api/v1/funds/cases/5/receipts", "r13", map[string]string{"doc_type": "factura", "doc_number": "77",
		"supplier_rut": "76.086.428-5", "issued_on": today, "amount": "200000", "plan_line": "1"}, pdf)
	mark("POST", receipts, status, rb, 200)
	status, rb = sendReceipt(t, srv.URL+"/api/v1/funds/cases/5/receipts", "fin", map[string]string{"doc_type": "boleta", "doc_number": "78",
		"supplier_rut": "76.086.428-5", "issued_on": today, "amount": "5000", "plan_line": "0", "note": "flete"}, pdf)
	mark("POST", receipts, status, rb, 200)
	if !strings.Contains(string(rb), `"outside_plan"`) {
		t.Errorf("a receipt outside the plan: %s", rb)
	}
	status, rb = sendReceipt(t, srv.URL+"/api/v1/funds/cases/5/receipts", "r05", map[string]string{"doc_type": "boleta", "doc_number": "79",
		"supplier_rut": "76.086.428-5", "issued_on": today, "amount": "5000", "plan_line": "1"}, pdf)
	mark("POST", receipts, status, rb, 404)
	const review = "/api/v1/funds/receipts/{id}/review"
	send("POST", review, "/api/v1/funds/receipts/2/review", "fin", `{"accept": true}`, 403) // its submitter
	send("POST", review, "/api/v1/funds/receipts/2/review", "fin2", `{"accept": true, "note": "gasto necesario"}`, 200)

	send("POST", "/api/v1/funds/overdue", "/api/v1/funds/overdue", "fin", `{"as_of": "2099-01-01"}`, 200)
	send("POST", "/api/v1/funds/cases/{id}/recoveries", "/api/v1/funds/cases/5/recoveries", "fin", `{"amount": 95000, "note": "depósito 123"}`, 200)
	send("GET", "/api/v1/funds/cases/{id}", "/api/v1/funds/cases/5", "r13", "", 200)
	send("GET", "/api/v1/funds/cases/{id}", "/api/v1/funds/cases/5", "r05", "", 404)
	send("GET", "/api/v1/funds/participants", "/api/v1/funds/participants?pending=1", "fin", "", 200)
	send("GET", "/api/v1/funds/participants", "/api/v1/funds/participants", "r13", "", 200)
	if rep, err := fs.Verify(ctx); err != nil || !rep.OK() {
		t.Errorf("Verify: %v %v", rep.Problems, err)
	}
}
