package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
	"github.com/fosis/fosis/internal/web"
)

// programmesFixture is a served web application over 300 scored synthetic
// households with the programme catalogue seeded, an analyst ("analista")
// and a regional officer of another region than the busiest commune's
// ("rosa"); commune and heads are the busiest commune and its heads of
// household (RUNs with dots).
type programmesFixture struct {
	*fixture
	commune string
	heads   []string
	run     int64
	ps      *programs.Store
}

func newProgrammesFixture(t *testing.T) *programmesFixture {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 300, 5)
	ts := targeting.NewStore(d, reg, nil)
	out, err := ts.ScoreAll(ctx, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ps := programs.NewStore(d, reg, ts, nil)
	if _, err := ps.SeedCatalogue(ctx); err != nil {
		t.Fatal(err)
	}
	f := &programmesFixture{fixture: &fixture{d: d}, run: out.Run.ID, ps: ps}
	byCommune := map[string][]string{}
	for _, key := range out.Frame.Key {
		h, err := reg.HouseholdByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range h.Members {
			if m.Relation == "head" {
				byCommune[h.CommuneCode] = append(byCommune[h.CommuneCode], m.RUN)
			}
		}
	}
	for k, v := range byCommune {
		if len(v) > len(byCommune[f.commune]) || (len(v) == len(byCommune[f.commune]) && k < f.commune) {
			f.commune = k
		}
	}
	f.heads = byCommune[f.commune]
	other := "13"
	if strings.HasPrefix(f.commune, "13") {
		other = "05"
	}
	users := auth.NewStore(d, time.Now)
	for _, nu := range []auth.NewUser{
		{Username: "analista", DisplayName: "Andrés Analista", Role: auth.RoleAnalyst, Password: password},
		{Username: "rosa", DisplayName: "Rosa Regional", Role: auth.RoleRegional, RegionCode: other, Password: password, Language: "en"},
	} {
		if _, err := users.CreateUser(ctx, auth.System(), nu); err != nil {
			t.Fatal(err)
		}
	}
	w, err := web.New(web.Config{DB: d, Registry: reg, Targeting: ts, Programs: ps, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(w.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

var appRow = regexp.MustCompile(`<tr id="app-(\d+)">`)

// TestCallPages walks a call through the pages: an empty list, a refused
// and an accepted creation, open, applications (one refused: a duplicate),
// close, selection, publication, a not-eligible applicant's reasons,
// withdrawal with promotion, enrolment; a regional officer of another
// region cannot see the call.
func TestCallPages(t *testing.T) {
	f := newProgrammesFixture(t)
	c := f.client(t)
	c.signIn("analista")
	if _, body := c.do("GET", "/calls", nil); !strings.Contains(body, `id="calls-empty"`) || !strings.Contains(body, `id="call-new"`) {
		t.Fatalf("empty calls page:\n%s", body)
	}
	if _, body := c.do("GET", "/programs", nil); !strings.Contains(body, `id="program-yo-trabajo-jovenes"`) {
		t.Fatalf("catalogue page lacks Yo Trabajo Jóvenes")
	}
	form := url.Values{"code": {"web-call"}, "title": {"Semilla web"}, "program": {"yo-emprendo-semilla"}, "opens_on": {"2026-11-01"},
		"closes_on": {"2026-11-30"}, "run": {fmt.Sprint(f.run)}, "budget_clp": {"1.000.000"}, "communes.0.code": {f.commune}, "communes.0.places": {"2"},
		"cooldown_months": {"24"}, "rules.0.kind": {"bracket_max"}, "rules.0.a": {"60"}, "do": {"save"}}
	resp, body := c.do("POST", "/calls", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "más que el presupuesto de la convocatoria") || !strings.Contains(body, `value="web-call"`) {
		t.Fatalf("over budget: %d\n%s", resp.StatusCode, body)
	}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("rules.0.kind", "cel")
	bad.Set("rules.0.id", "tramo")
	bad.Set("rules.0.name_es", "Tramo")
	bad.Set("rules.0.name_en", "Bracket")
	bad.Set("rules.0.expr", "bracket <=")
	if resp, body := c.do("POST", "/calls", bad); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "en la línea 1, columna") {
		t.Fatalf("bad rule: %d\n%s", resp.StatusCode, body)
	}
	// Every problem at once, next to its field, in Spanish, no field names.
	bad = url.Values{"code": {"Mal Código"}, "title": {""}, "program": {"yo-emprendo-semilla"}, "opens_on": {"mañana"}, "closes_on": {"2026-11-30"},
		"run": {fmt.Sprint(f.run)}, "budget_clp": {"mucho"}, "cooldown_months": {"-1"}, "communes.0.code": {f.commune}, "communes.0.places": {"dos"},
		"reserved.0.kind": {"head"}, "reserved.0.share": {"130"}, "do": {"save"}}
	resp, body = c.do("POST", "/calls", bad)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("many problems: %d", resp.StatusCode)
	}
	for _, want := range []string{"Código: ", "Título: ", "Abre: ", "Presupuesto", "Meses sin haber participado: ", "Cupos por comuna, fila 1: ",
		"Cupos reservados, fila 1: "} {
		if !strings.Contains(body, want) {
			t.Errorf("the problems do not say %q", want)
		}
	}
	for _, raw := range []string{"closes_on:", "opens_on:", "budget_clp:", "spec.cooldown_months"} {
		if strings.Contains(body, raw) {
			t.Errorf("the problems show %q", raw)
		}
	}
	if n := strings.Count(body, `class="invalid-feedback"`); n < 5 {
		t.Errorf("%d problems next to their fields, want at least 5", n)
	}
	// Adding a row keeps what was typed and stores nothing.
	more := url.Values{}
	for k, v := range form {
		more[k] = v
	}
	more.Set("do", "add:regions")
	if resp, body := c.do("POST", "/calls", more); resp.StatusCode != 200 || !strings.Contains(body, `id="regions-0-code"`) || !strings.Contains(body, `value="web-call"`) {
		t.Fatalf("add a region: %d", resp.StatusCode)
	}
	form.Set("budget_clp", "1150000")
	resp, body = c.do("POST", "/calls", form)
	if resp.Request.URL.Path != "/calls/web-call" || !strings.Contains(body, `id="call-open"`) || !strings.Contains(body, `id="call-created"`) {
		t.Fatalf("create: landed on %s\n%s", resp.Request.URL, body)
	}
	c.do("POST", "/calls/web-call/status", url.Values{"status": {"open"}})
	for _, run := range f.heads {
		resp, body := c.do("POST", "/calls/web-call/apply", url.Values{"run": {run}})
		if !strings.HasPrefix(resp.Request.URL.Path, "/applications/") || !strings.Contains(body, `id="trace-eligible"`) {
			t.Fatalf("apply %s: landed on %s\n%s", run, resp.Request.URL, body)
		}
	}
	if resp, body := c.do("POST", "/calls/web-call/apply", url.Values{"run": {f.heads[0]}}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "ya postuló a la convocatoria") {
		t.Fatalf("duplicate: %d\n%s", resp.StatusCode, body)
	}
	if _, body := c.do("GET", "/calls/web-call/preview", nil); !strings.Contains(body, `id="preview-regions"`) {
		t.Fatalf("preview:\n%s", body)
	}
	if _, body := c.do("POST", "/calls/web-call/whatif", url.Values{"communes": {f.commune + " = 3"}}); !strings.Contains(body, `id="whatif-enter"`) ||
		!strings.Contains(body, "Seleccionados: 2 → 3") {
		t.Fatalf("what-if:\n%s", body)
	}
	if resp, _ := c.do("POST", "/calls/web-call/whatif", url.Values{"communes": {"nonsense"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad what-if: %d", resp.StatusCode)
	}
	c.do("POST", "/calls/web-call/status", url.Values{"status": {"closed"}})
	resp, body = c.do("POST", "/calls/web-call/select", nil)
	if !strings.Contains(body, `id="call-publish"`) {
		t.Fatalf("select:\n%s", body)
	}
	_, body = c.do("POST", "/calls/web-call/status", url.Values{"status": {"published"}})
	if !strings.Contains(body, `data-status="published">publicada<`) {
		t.Fatalf("publish:\n%s", body)
	}
	// Rows: selected first (rank order), then waitlisted, then not eligible.
	var selected, ineligible []string
	for _, m := range appRow.FindAllStringSubmatch(body, -1) {
		row := body[strings.Index(body, m[0]):]
		row = row[:strings.Index(row, "</tr>")]
		switch {
		case strings.Contains(row, ">seleccionada<"):
			selected = append(selected, m[1])
		case strings.Contains(row, ">no elegible<"):
			ineligible = append(ineligible, m[1])
		}
	}
	if len(selected) != 2 || len(ineligible) == 0 {
		t.Fatalf("selected %v, not eligible %v:\n%s", selected, ineligible, body)
	}
	_, body = c.do("GET", "/applications/"+ineligible[0], nil)
	if !strings.Contains(body, `id="trace-failures"`) || !strings.Contains(body, "Pertenecer al tramo 60% del RSH o menos") || !strings.Contains(body, "bracket = ") {
		t.Fatalf("not eligible trace:\n%s", body)
	}
	_, body = c.do("POST", "/applications/"+selected[0]+"/withdraw", url.Values{"reason": {"se cambió de comuna"}})
	if !strings.Contains(body, `id="promoted"`) || !strings.Contains(body, ">retirada<") || strings.Contains(body, `id="trace-seat"`) ||
		!strings.Contains(body, `id="trace-reason">retirada: se cambió de comuna<`) {
		t.Fatalf("withdraw:\n%s", body)
	}
	promoted := regexp.MustCompile(`id="promoted">[^<]*<a href="(/applications/\d+)"`).FindStringSubmatch(body)
	if promoted == nil {
		t.Fatalf("no link to the promoted application:\n%s", body)
	}
	if _, body := c.do("GET", promoted[1], nil); !strings.Contains(body, ">seleccionada<") || !regexp.MustCompile(`id="trace-seat">Cupo de la (comuna|región)`).MatchString(body) ||
		!regexp.MustCompile(`id="trace-reason">puesto \d+: pasó de la lista de espera al cupo que dejó la postulación \d+<`).MatchString(body) {
		t.Fatalf("promoted trace:\n%s", body)
	}
	resp, body = c.do("POST", "/applications/"+selected[1]+"/enroll", nil)
	if resp.Request.URL.Path != "/calls/web-call" || !strings.Contains(body, ">inscrita<") || !strings.Contains(body, `id="flash"`) {
		t.Fatalf("enrol: %s\n%s", resp.Request.URL, body)
	}
	if resp, body := c.do("POST", "/applications/"+selected[1]+"/enroll", nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="call-error"`) {
		t.Fatalf("enrol twice: %d\n%s", resp.StatusCode, body)
	}
	// A regional officer of another region: the call looks missing.
	r := f.client(t)
	r.signIn("rosa")
	if resp, _ := r.do("GET", "/calls/web-call", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another region's call: %d", resp.StatusCode)
	}
	if _, body := r.do("GET", "/calls", nil); !strings.Contains(body, `id="calls-empty"`) || strings.Contains(body, `id="call-new"`) {
		t.Errorf("regional officer's calls page:\n%s", body)
	}
}

// TestBrowserCall drives a real browser: create a call, open it, apply,
// close, run the selection, publish, read a rejected applicant's reasons,
// and withdraw a selected applicant to promote the first of the waiting
// list.
func TestBrowserCall(t *testing.T) {
	ctx := browser(t)
	f := newProgrammesFixture(t)
	click := func(sel, wait string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(wait))); err != nil {
			t.Fatalf("click %s, wait %s: %v", sel, wait, err)
		}
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(f.srv.URL+"/calls"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), "analista"),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS("#calls-empty")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	click("#call-new", "#call-form")
	// A rule from the builder: its row comes back from the server.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#rules-new-kind"), "bracket_max")); err != nil {
		t.Fatal(err)
	}
	click("#rules-add", "#rules-0-a")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#code"), "browser-call"),
		chromedp.SendKeys(chromedp.CSS("#title"), "Semilla en el navegador"),
		chromedp.SetValue(chromedp.CSS("#program"), "yo-emprendo-semilla"),
		chromedp.SetValue(chromedp.CSS("#budget_clp"), "1150000"),
		chromedp.SetValue(chromedp.CSS("#communes-0-code"), f.commune),
		chromedp.SendKeys(chromedp.CSS("#communes-0-places"), "2"),
		chromedp.SetValue(chromedp.CSS("#rules-0-a"), "60"),
	)
	if err != nil {
		t.Fatalf("fill the form: %v", err)
	}
	click("#call-create", "#call-open")
	click("#call-open", "#apply-form")
	// Three applications through the page, the rest as staff would in bulk
	// (a browser round trip each would take most of the test's time).
	for k, run := range f.heads {
		if k >= 3 {
			sys := auth.WithPrincipal(context.Background(), auth.System())
			if _, err := f.ps.Apply(sys, "browser-call", programs.ApplyInput{RUN: run}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err := chromedp.Do(sctx,
			chromedp.Navigate(f.srv.URL+"/calls/browser-call"),
			chromedp.WaitVisible(chromedp.CSS("#apply-form #run")),
			chromedp.SetValue(chromedp.CSS("#apply-form #run"), run),
			chromedp.Submit(chromedp.CSS("#apply-form")),
			chromedp.WaitVisible(chromedp.CSS("#trace-eligible")),
		)
		cancel()
		if err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("apply %s: %v at %s\n%s", run, err, loc, body)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/calls/browser-call"), chromedp.WaitVisible(chromedp.CSS("#call-close"))); err != nil {
		t.Fatal(err)
	}
	click("#call-close", "#call-select")
	click("#call-select", "#call-publish")
	click("#call-publish", `#call-status[data-status="published"]`)
	if st := text(t, ctx, "#call-status"); st != "publicada" {
		t.Errorf("status %q", st)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("#applications")))
	if err != nil {
		t.Fatal(err)
	}
	var selected, rejected string
	for _, m := range appRow.FindAllStringSubmatch(html, -1) {
		row := html[strings.Index(html, m[0]):]
		row = row[:strings.Index(row, "</tr>")]
		if selected == "" && strings.Contains(row, ">seleccionada<") {
			selected = m[1]
		}
		if rejected == "" && strings.Contains(row, ">no elegible<") {
			rejected = m[1]
		}
	}
	if selected == "" || rejected == "" {
		t.Fatalf("the published list lacks a selected or a rejected applicant:\n%s", html)
	}
	if dir := os.Getenv("FOSIS_SCREENSHOTS"); dir != "" {
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(dir+"/call-published.png", png, 0o644)
		}
	}
	click(`#app-`+rejected+` a`, "#trace-failures")
	if got := text(t, ctx, "#trace-failures"); !strings.Contains(got, "tramo 60% del RSH o menos") || !strings.Contains(got, "bracket = ") {
		t.Errorf("rejected applicant's reasons: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(f.srv.URL+"/calls/browser-call"), chromedp.WaitVisible(chromedp.CSS("#withdraw-"+selected))); err != nil {
		t.Fatal(err)
	}
	// Withdrawing asks first, with the reason the application keeps; the
	// answer is a redirect to the application, which says what was done.
	click("#withdraw-"+selected, "#withdraw-reason-"+selected)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#withdraw-reason-"+selected), "se mudó")); err != nil {
		t.Fatal(err)
	}
	click("#withdraw-confirm-"+selected, "#promoted")
	if got := text(t, ctx, "#flash"); !strings.Contains(got, "retirada") {
		t.Errorf("after the withdrawal the page says %q", got)
	}
	if u, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.Contains(u, "/applications/"+selected+"?done=withdrawn") {
		t.Errorf("after the withdrawal the browser is at %s (%v), not the application's page", u, err)
	}
	if got := text(t, ctx, "#trace-status"); got != "retirada" {
		t.Errorf("withdrawn status %q", got)
	}
}

// TestRefusalsInTheViewersLanguage: the programmes slice's refusals reach
// the pages in the reader's language — a refused application on the call
// page, the rows of a refused CSV import, a refused contract on the
// agencies page — in Spanish for a Spanish reader and in English for an
// English one, while the API keeps the English text.
func TestRefusalsInTheViewersLanguage(t *testing.T) {
	f := newProgrammesFixture(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	users := auth.NewStore(f.d, time.Now)
	if _, err := users.CreateUser(ctx, auth.System(), auth.NewUser{Username: "ellen", DisplayName: "Ellen Analyst", Role: auth.RoleAnalyst,
		Password: password, Language: "en"}); err != nil {
		t.Fatal(err)
	}
	draft := programs.CallInput{Code: "lang-draft", Title: "Borrador", Program: "yo-trabajo", OpensOn: "2026-11-01", ClosesOn: "2026-11-30",
		Run: f.run, BudgetCLP: 10 * 300_000, Communes: map[string]int{f.commune: 2}}
	if _, err := f.ps.CreateCall(ctx, draft); err != nil {
		t.Fatal(err)
	}
	open := draft
	open.Code, open.Title = "lang-open", "Abierta"
	if _, err := f.ps.CreateCall(ctx, open); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ps.SetStatus(ctx, open.Code, programs.StatusOpen); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user                   string
		apply, importRow, cont []string
		missing                string
	}{
		{"analista",
			[]string{"La postulación no se registró:", "la convocatoria lang-draft está en estado «borrador»: solo se reciben postulaciones mientras está abierta"},
			[]string{"Línea 2", "no es válido: el dígito verificador no corresponde"},
			[]string{"No se guardó:", "el contrato no es válido: families: un contrato cubre al menos una familia"},
			"no existe la convocatoria «nope»"},
		{"ellen",
			[]string{"The application was not recorded:", "call lang-draft is draft: applications are taken only while it is open"},
			[]string{"Line 2", "is not valid: the check digit does not match"},
			[]string{"the contract is not valid: families: a contract covers at least one family"},
			"there is no call &#34;nope&#34;"},
	} {
		t.Run(tc.user, func(t *testing.T) {
			c := f.client(t)
			c.signIn(tc.user)
			resp, body := c.do("POST", "/calls/lang-draft/apply", url.Values{"run": {f.heads[0]}})
			if resp.StatusCode != http.StatusConflict {
				t.Errorf("apply to a draft: status %d", resp.StatusCode)
			}
			for _, want := range tc.apply {
				if !strings.Contains(body, want) {
					t.Errorf("apply to a draft: the page lacks %q:\n%s", want, pageText(body, "call-error"))
				}
			}
			_, body = c.uploadCSV("/calls/lang-open/import", "run\n12.345.678-0\n")
			for _, want := range tc.importRow {
				if !strings.Contains(body, want) {
					t.Errorf("import with a wrong check digit: the page lacks %q:\n%s", want, pageText(body, "import-report"))
				}
			}
			if _, err := f.ps.CreateAgency(ctx, "ong-"+tc.user, "ONG"); err != nil {
				t.Fatal(err)
			}
			_, body = c.do("POST", "/agencies/ong-"+tc.user+"/contracts", url.Values{"program": {"yo-trabajo"}, "tender_code": {"LIC-" + tc.user},
				"starts_on": {"2026-12-01"}, "ends_on": {"2027-11-30"}, "families": {"0"}, "budget_clp": {"1000"}, "communes": {f.commune}})
			for _, want := range tc.cont {
				if !strings.Contains(body, want) {
					t.Errorf("contract without families: the page lacks %q:\n%s", want, pageText(body, "agencies-error"))
				}
			}
			// The error page says a keyed refusal under its heading.
			if resp, body := c.do("GET", "/calls/nope", nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, tc.missing) {
				t.Errorf("a call that does not exist: %d, the page lacks %q:\n%s", resp.StatusCode, tc.missing, pageText(body, "error"))
			}
		})
	}
	// The slice's message, which the API and the command line show, stays English.
	_, err := f.ps.Apply(ctx, "lang-draft", programs.ApplyInput{RUN: f.heads[0]})
	if got := fmt.Sprint(err); got != "conflict: call lang-draft is draft: applications are taken only while it is open" {
		t.Errorf("the slice's message: %s", got)
	}
}

// pageText returns the element with id in body, or the whole body if it is
// not there, for failure messages.
func pageText(body, id string) string {
	if i := strings.Index(body, `id="`+id+`"`); i >= 0 {
		return body[i:min(len(body), i+600)]
	}
	return body
}
