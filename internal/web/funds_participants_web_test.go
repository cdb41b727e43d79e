package web_test

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

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/web"
)

// postReceipt posts the receipt form with a file, as a browser does.
func (c *client) postReceipt(path string, fields map[string]string, file []byte) (*http.Response, string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "factura.png")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func signInPlain(c *client, user string) {
	c.t.Helper()
	if resp, body := c.do("POST", "/signin", map[string][]string{"username": {user}, "password": {password}, "next": {"/"}}); resp.StatusCode != 200 {
		c.t.Fatalf("sign-in as %s: %d\n%s", user, resp.StatusCode, body)
	}
}

// TestMoneyPage: the regional officer sends receipts from a participant's
// money page (accepted, held, refused with the field named in Spanish); the
// finance officer reviews the held one and orders the next tranche; the
// receipt's file comes back as sent; an agency's staff without the case
// sees nothing.
// moneyServer is a web server over a participant (case 7, region 13) whose
// plan is committed and first tranche paid, with finance (fiona) and
// regional (rosa, raul) users.
func moneyServer(t *testing.T) (*fixture, *funds.Store) {
	t.Helper()
	ctx := context.Background()
	d, _ := registrytest.Imported(t, 20, 1)
	users := auth.NewStore(d, time.Now)
	for _, nu := range []auth.NewUser{
		{Username: "fiona", DisplayName: "Fiona Finanzas", Role: auth.RoleFinance, Password: password},
		{Username: "rosa", DisplayName: "Rosa Regional", Role: auth.RoleRegional, RegionCode: "13", Password: password},
		{Username: "raul", DisplayName: "Raúl Regional", Role: auth.RoleRegional, RegionCode: "05", Password: password},
	} {
		if _, err := users.CreateUser(ctx, auth.System(), nu); err != nil {
			t.Fatal(err)
		}
	}
	fs := funds.New(d)
	sys := auth.WithPrincipal(ctx, auth.System())
	k := funds.Key{Year: 2026, Line: "yo-emprendo", Region: "13"}
	fs.Assign(sys, k, 10_000_000, "")
	fs.Allocate(sys, k, "YE-13", 4_000_000, "")
	err := d.Transact(sys, func(tx *db.Tx) error {
		if err := fs.OnEnrol(sys, tx, funds.Enrolment{Participation: 1, CaseID: 7, Call: "YE-13", Line: "yo-emprendo", Version: 1, Region: "13",
			Commune: "13101", HouseholdID: "H7", RUN: "12345678-5", Amount: 575_000}); err != nil {
			return err
		}
		return fs.OnPlanApproved(sys, tx, funds.PlanApproval{CaseID: 7, PlanID: 1, Version: 1, Kind: "business",
			Lines: []funds.PlanLine{{Item: "Horno", Amount: 400_000}, {Item: "Harina", Amount: 100_000}}, Total: 500_000, On: time.Now().UTC()})
	})
	if err != nil {
		t.Fatal(err)
	}
	y, err := fs.OrderTranche(sys, 7, funds.OrderInput{Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	fs.SettlePayment(sys, y.ID, true, "")

	w, err := web.New(web.Config{DB: d, Users: users, Funds: fs})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: httptest.NewServer(w.Handler()), d: d}
	t.Cleanup(f.srv.Close)
	return f, fs
}

func TestMoneyPage(t *testing.T) {
	f, fs := moneyServer(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40)...)
	today := time.Now().UTC().Format(time.DateOnly)
	receipt := func(number, line, amount, rut string) map[string]string {
		return map[string]string{"doc_type": "factura", "doc_number": number, "supplier_rut": rut, "issued_on": today, "amount": amount, "plan_line": line}
	}

	rosa := f.client(t)
	signInPlain(rosa, "rosa")
	resp, body := rosa.do("GET", "/cases/7/money", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "Dinero del caso 7") || !strings.Contains(body, `id="form-receipt"`) || strings.Contains(body, `id="order-2"`) {
		t.Fatalf("money page: %d\n%s", resp.StatusCode, body)
	}
	resp, body = rosa.postReceipt("/cases/7/money/receipts", receipt("1", "1", "280.000", "76.086.428-5"), png)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="money-done"`) || !strings.Contains(body, "Comprobante aceptado") {
		t.Fatalf("receipt: %d\n%s", resp.StatusCode, body)
	}
	resp, body = rosa.postReceipt("/cases/7/money/receipts", receipt("2", "0", "70000", "76.086.428-5"), png)
	if resp.StatusCode != 200 || !strings.Contains(body, "retenido para revisión") || !strings.Contains(body, "fuera del plan") {
		t.Fatalf("held receipt: %d\n%s", resp.StatusCode, body)
	}
	resp, body = rosa.postReceipt("/cases/7/money/receipts", receipt("3", "1", "1000", "76.086.428-4"), png)
	if resp.StatusCode != 400 || !strings.Contains(body, "no es un RUT válido") || !strings.Contains(body, `value="76.086.428-4"`) {
		t.Fatalf("bad RUT: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := rosa.do("POST", "/funds/receipts/2/review", map[string][]string{"accept": {"1"}}); resp.StatusCode != 403 {
		t.Errorf("a regional officer reviews: %d\n%s", resp.StatusCode, body)
	}
	resp, body = rosa.do("GET", "/funds/receipts/1/file", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || body != string(png) {
		t.Errorf("file: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	raul := f.client(t)
	signInPlain(raul, "raul")
	for _, p := range []string{"/cases/7/money", "/funds/receipts/1/file"} {
		if resp, body := raul.do("GET", p, nil); resp.StatusCode != 404 || strings.Contains(body, "H7") {
			t.Errorf("another region's %s: %d", p, resp.StatusCode)
		}
	}

	fiona := f.client(t)
	signInPlain(fiona, "fiona")
	resp, body = fiona.do("POST", "/funds/receipts/2/review", map[string][]string{"accept": {"1"}, "note": {"compra necesaria"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "Comprobante aceptado.") {
		t.Fatalf("review: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `id="order-2"`) {
		t.Fatalf("everything paid is justified, yet tranche 2 cannot be ordered:\n%s", body)
	}
	resp, body = fiona.do("POST", "/cases/7/money/tranches/2", map[string][]string{})
	if resp.StatusCode != 200 || !strings.Contains(body, "Cuota ordenada") {
		t.Fatalf("order: %d\n%s", resp.StatusCode, body)
	}
	resp, body = fiona.do("POST", "/cases/7/money/tranches/2", map[string][]string{})
	if resp.StatusCode != 409 || !strings.Contains(body, `id="money-error"`) {
		t.Fatalf("order twice: %d\n%s", resp.StatusCode, body)
	}
	resp, body = fiona.do("GET", "/funds/participants", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `href="/cases/7/money"`) {
		t.Fatalf("participants: %d\n%s", resp.StatusCode, body)
	}
	rep, err := fs.Verify(sys)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", rep.Problems, err)
	}
}
