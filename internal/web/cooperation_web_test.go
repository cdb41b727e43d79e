package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/knowledge"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/web"
)

// coopFixture serves the web application with the cooperation module: the
// organisations of a triangular project with Paraguay and of a request from
// Guatemala, two FOSIS professionals, and accounts for a cooperation officer
// ("carla"), counterparts of Paraguay ("paula") and Guatemala ("gabriel") and
// a financer of GIZ ("felipe").
func coopFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d := dbtest.Open(t)
	cs := cooperation.NewStore(d, nil, time.Now)
	for _, o := range []cooperation.Org{
		{Name: "FOSIS", Country: "CL", IATIRef: "CL-RUT-00000000-0", Technical: true, Reporting: true},
		{Name: "MDS Paraguay", Country: "PY", Technical: true},
		{Name: "MIDES Guatemala", Country: "GT", Technical: true},
		{Name: "GIZ", Country: "DE", IATIRef: "XM-DAC-5-7", Financial: true},
	} {
		if _, err := cs.SaveOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []cooperation.Staff{
		{Name: "Ana Rojas", Level: cooperation.LevelDirector, Programs: []cooperation.Program{{Name: "Puente", Role: "designed"}}, Avail: []cooperation.Availability{{From: "2025-01", To: "2029-12", Share: 50}}},
		{Name: "Luis Soto", Level: cooperation.LevelProfessional, Programs: []cooperation.Program{{Name: "Yo Emprendo", Role: "ran"}}, Avail: []cooperation.Availability{{From: "2025-01", To: "2029-12", Share: 20}}},
	} {
		if _, err := cs.SaveStaff(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	users := auth.NewStore(d, time.Now)
	for _, u := range []struct {
		nu  auth.NewUser
		org string
	}{
		{auth.NewUser{Username: "carla", DisplayName: "Carla Cooperación", Role: auth.RoleCooperation, Password: password}, ""},
		{auth.NewUser{Username: "paula", DisplayName: "Paula Contraparte", Role: auth.RoleCounterpart, Password: password}, "MDS Paraguay"},
		{auth.NewUser{Username: "gabriel", DisplayName: "Gabriel Contraparte", Role: auth.RoleCounterpart, Password: password}, "MIDES Guatemala"},
		{auth.NewUser{Username: "felipe", DisplayName: "Felipe Financiador", Role: auth.RoleFinancer, Password: password, Language: "en"}, "GIZ"},
	} {
		created, err := users.CreateUser(ctx, auth.System(), u.nu)
		if err != nil {
			t.Fatal(err)
		}
		if u.org != "" {
			if err := cs.LinkMember(ctx, created.ID, u.org); err != nil {
				t.Fatal(err)
			}
		}
	}
	ks := knowledge.NewStore(d, cs)
	for _, it := range knowledge.Catalogue() {
		if _, err := ks.Save(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	w, err := web.New(web.Config{DB: d, Users: users, Cooperation: cs, Knowledge: ks})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: httptest.NewServer(w.Handler()), d: d}
	t.Cleanup(f.srv.Close)
	return f
}

// coopSignIn signs in and lands on the cooperation board.
func (c *client) coopSignIn(user string) {
	c.t.Helper()
	resp, body := c.do("POST", "/signin", url.Values{"username": {user}, "password": {password}, "next": {"/cooperation"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="nav-cooperation"`) {
		c.t.Fatalf("sign-in as %s: %d\n%s", user, resp.StatusCode, body)
	}
}

// designJSON is a 22-month design with mirrored teams and a triangular
// budget; start and end are relative to today so that the dates the forms
// default to (today) fall where the rules want them.
func designJSON() string {
	now := time.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	d := func(m int) string { return start.AddDate(0, m, 0).Format(time.DateOnly) }
	mo := func(m int) string { return start.AddDate(0, m, 0).Format("2006-01") }
	y := start.Year()
	return `{"summary": "Acompañamiento psicosocial", "objectives": ["Diseñar el programa con el equipo paraguayo"], "start": "` + d(0) + `", "end": "` + d(22) + `",
 "stages": [{"stage": "request", "start": "` + d(0) + `", "end": "` + d(2) + `"}, {"stage": "planning", "start": "` + d(2) + `", "end": "` + d(5) + `"},
  {"stage": "execution", "start": "` + d(5) + `", "end": "` + d(19) + `"}, {"stage": "systematization", "start": "` + d(19) + `", "end": "` + d(22) + `"}],
 "results": [{"title": "Programa diseñado", "type": 1, "indicators": [{"title": "Manual aprobado", "baseline_year": ` + mo(0)[:4] + `, "baseline": 0, "target": 1}]}],
 "activities": [{"title": "Misión de diagnóstico", "stage": "request", "start": "` + d(1) + `", "end": "` + d(1) + `"}],
 "team": [{"key": "c1", "side": "chile", "staff_id": 1, "name": "Ana Rojas", "level": "director", "mirror": "p1", "share": 30, "from": "` + mo(0) + `", "to": "` + mo(22) + `"},
  {"key": "c2", "side": "chile", "staff_id": 2, "name": "Luis Soto", "level": "professional", "share": 10, "from": "` + mo(0) + `", "to": "` + mo(22) + `"},
  {"key": "p1", "side": "partner", "name": "Carmen Benítez", "institution": "MDS Paraguay", "level": "director"}],
 "budget": [{"org": "MDS Paraguay", "year": ` + itoa(y) + `, "category": "office", "kind": "in_kind", "valuation": "market rent", "amount": 5000},
  {"org": "FOSIS", "year": ` + itoa(y) + `, "category": "experts", "kind": "in_kind", "valuation": "salary cost", "amount": 30000},
  {"org": "GIZ", "year": ` + itoa(y) + `, "category": "travel", "kind": "cash", "amount": 18000},
  {"org": "GIZ", "year": ` + itoa(y+1) + `, "category": "systematization", "kind": "cash", "amount": 9000}]}`
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCooperationPages takes a triangular request through the forms to an
// initiated project, checks a refusal names its rule, downloads the IATI and
// SEGIB files, and checks who sees what.
func TestCooperationPages(t *testing.T) {
	f := coopFixture(t)
	c := f.client(t)
	c.coopSignIn("carla")
	today := time.Now().Format(time.DateOnly)
	post := func(path string, form url.Values, want string) string {
		t.Helper()
		resp, body := c.do("POST", path, form)
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Fatalf("POST %s: %d, lacks %q\n%s", path, resp.StatusCode, want, body)
		}
		return body
	}
	post("/cooperation", url.Values{"code": {"css-py-01"}, "title": {"Acompañamiento psicosocial"}, "org": {"MDS Paraguay"}, "channel": {"financer"},
		"asker": {"GIZ"}, "on": {today}, "public": {"1"}, "sdgs": {"1, 10"}}, `id="project-sdgs"`)
	if resp, body := c.do("POST", "/cooperation", url.Values{"code": {"CSS-PY-02"}, "title": {"x"}, "org": {"MDS Paraguay"}, "channel": {"direct"},
		"on": {today}, "sdgs": {"1, diez"}}); resp.StatusCode != 400 || !strings.Contains(body, "no es un número entero") {
		t.Errorf("a mistyped SDG: %d", resp.StatusCode)
	}
	post("/cooperation", url.Values{"code": {"CSS-GT-01"}, "title": {"Solicitud de Guatemala"}, "org": {"MIDES Guatemala"}, "channel": {"direct"}, "on": {today}}, `CSS-GT-01`)
	P := "/cooperation/CSS-PY-01/"
	post(P+"feasibility", url.Values{"criteria": {"Alineación con programas de FOSIS\nCompromiso de la institución solicitante\nDisponibilidad de profesionales"}, "all_met": {"1"}, "decision": {"approve"}, "on": {today}, "by": {"Comité"}}, `id="form-design"`)
	body := post(P+"design", url.Values{"design": {designJSON()}}, `id="form-review"`)
	if !strings.Contains(body, `Luis Soto`) || !strings.Contains(body, `fosis-unpaired`) {
		t.Errorf("the design's unpaired member is not flagged")
	}
	// The design opens in its form (issue 20): a row added by the server,
	// then the design saved again from the form, its summary changed; the
	// review below approves that version.
	dg := formValues(t, body, "form-design")
	if dg.Get("team.0.first") == "" || dg.Get("budget.0.first") == "" || dg.Get("start") == "" {
		t.Fatalf("the design does not open in the form: %v", dg)
	}
	nBudget := 0
	for dg.Has(fmt.Sprintf("budget.%d.first", nBudget)) {
		nBudget++
	}
	dg.Set("do", "add:budget")
	if resp, dgBody := c.do("POST", P+"design", dg); resp.StatusCode != 200 || !strings.Contains(dgBody, fmt.Sprintf(`id="budget-%d"`, nBudget)) {
		t.Fatalf("add a budget line: %d", resp.StatusCode)
	}
	dg.Set("summary", "Acompañamiento psicosocial con equipos espejo (versión del formulario)")
	dg.Set("do", "save")
	body = post(P+"design", dg, `id="form-review"`)
	if !strings.Contains(body, "versión del formulario") {
		t.Errorf("the design saved from the form is not shown")
	}
	post(P+"review", url.Values{"decision": {"approve"}, "on": {today}, "directors": {"Dirección ejecutiva"}, "financer_decisions": {"GIZ=approve"}}, `id="form-agreement"`)
	body = post(P+"agreement", url.Values{"kind": {"trilateral"}, "on": {today}, "deadlines": {"Manual en 12 meses"}, "resources": {"Según presupuesto"}, "startup": {"5000"},
		"party": {"GIZ", "FOSIS", "MDS Paraguay"}, "commitment": {"Pasajes", "Expertos", "Equipo espejo"}, "required": {"GIZ", "FOSIS", "MDS Paraguay"}}, `id="form-sign"`)
	resp, body := c.do("POST", P+"start", url.Values{"on": {today}})
	if resp.StatusCode != 409 || !strings.Contains(body, `Firmas:`) || !strings.Contains(body, "faltan: FOSIS, GIZ, MDS Paraguay") {
		t.Fatalf("early start: %d\n%s", resp.StatusCode, body)
	}
	for _, org := range []string{"FOSIS", "GIZ"} {
		post(P+"sign", url.Values{"org": {org}, "by": {"Autoridad " + org}, "on": {today}}, `id="done"`)
	}
	// The counterpart signs for its own ministry.
	pc := f.client(t)
	pc.coopSignIn("paula")
	resp, body = pc.do("POST", P+"sign", url.Values{"org": {"GIZ"}, "by": {"x"}, "on": {today}})
	if resp.StatusCode != 403 {
		t.Errorf("a counterpart signs for another organisation: %d", resp.StatusCode)
	}
	if resp, body = pc.do("POST", P+"sign", url.Values{"org": {"MDS Paraguay"}, "by": {"Ministra"}, "on": {today}}); resp.StatusCode != 200 {
		t.Fatalf("the counterpart signs: %d\n%s", resp.StatusCode, body)
	}
	body = post(P+"start", url.Values{"on": {today}}, `id="done"`)
	body = post(P+"document", url.Values{"title": {"Convenio trilateral"}, "category": {"A09"}, "url": {"https://fosis.example/convenio.pdf"},
		"format": {"application/pdf"}, "language": {"es"}, "on": {today}}, `href="https://fosis.example/convenio.pdf"`)
	// An exchange from the form: a participant row added by the server,
	// then the exchange recorded with its participants (issue 20).
	ev := formValues(t, body, "form-event")
	ev.Set("kind", "workshop")
	ev.Set("place", "Asunción")
	ev.Set("participants.0.name", "Luis Pérez")
	ev.Set("participants.0.institution", "FOSIS")
	ev.Set("participants.1.name", "Carmen Benítez")
	ev.Set("do", "add:participants")
	if resp, evBody := c.do("POST", P+"event", ev); resp.StatusCode != 200 || !strings.Contains(evBody, `id="participants-2-name"`) || !strings.Contains(evBody, `value="Luis Pérez"`) {
		t.Fatalf("add a participant: %d", resp.StatusCode)
	}
	ev.Set("do", "save")
	if evBody := post(P+"event", ev, `id="done"`); !strings.Contains(evBody, "Asunción") {
		t.Errorf("the exchange is not on the project page")
	}
	// A mistyped number is refused, naming the field, never read as 0
	// (issue 12).
	for field, v := range map[string]string{"amount": "17.250", "year": "2O26"} {
		vals := url.Values{"org": {"GIZ"}, "year": {strconv.Itoa(time.Now().Year())}, "category": {"travel"}, "kind": {"cash"}, "amount": {"100"}, "on": {today}}
		vals.Set(field, v)
		if resp, body := c.do("POST", P+"execution", vals); resp.StatusCode != 400 || !strings.Contains(body, "no es un número entero") || !strings.Contains(body, "<code>"+field+"</code>") {
			t.Errorf("execution with %s=%q: %d\n%s", field, v, resp.StatusCode, body)
		}
	}
	for _, want := range []string{`id="project-step">en ejecución`, `id="cost-chart"`, `id="project-modality">triangular`, `Carmen Benítez`} {
		if !strings.Contains(body, want) {
			t.Errorf("project page lacks %q", want)
		}
	}
	resp, body = c.do("GET", "/cooperation/iati.xml", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `<collaboration-type code="8">`) || !strings.Contains(body, "CL-RUT-00000000-0-CSS-PY-01") {
		t.Errorf("IATI download: %d\n%s", resp.StatusCode, body)
	}
	if resp, body = c.do("GET", "/cooperation/segib.csv", nil); resp.StatusCode != 200 || !strings.HasPrefix(body, "Código,Título") {
		t.Errorf("SEGIB download: %d %q", resp.StatusCode, body[:min(len(body), 60)])
	}

	// Scope: Guatemala's counterpart sees its request only; the PY project
	// answers like a missing one. The financer sees what it funds, without forms.
	gc := f.client(t)
	gc.coopSignIn("gabriel")
	_, board := gc.do("GET", "/cooperation", nil)
	if !strings.Contains(board, "CSS-GT-01") || strings.Contains(board, "CSS-PY-01") || strings.Contains(board, `id="new-request"`) || strings.Contains(board, `id="portfolio-chart"`) {
		t.Errorf("Guatemala's board:\n%s", board)
	}
	r1, hidden := gc.do("GET", P[:len(P)-1], nil)
	r2, missing := gc.do("GET", "/cooperation/CSS-XX-99", nil)
	if r1.StatusCode != 404 || r2.StatusCode != 404 || strings.Count(hidden, "error") != strings.Count(missing, "error") {
		t.Errorf("another country's project: %d vs missing %d", r1.StatusCode, r2.StatusCode)
	}
	// Partners and professionals: the officer adds an organisation and a
	// professional; a refusal names the field; a counterpart sees no staff.
	post("/cooperation/partners/org", url.Values{"name": {"AGCI"}, "country": {"CL"}, "type": {"10"}, "role": {"strategic", "technical"}, "agency": {"1"}}, `id="done"`)
	body = post("/cooperation/partners/staff", url.Values{"name": {"Marcela Pino"}, "level": {"professional"}, "programs": {"Yo Emprendo:ran"},
		"availability": {"2026-01:2027-12:30"}}, `Marcela Pino`)
	if !strings.Contains(body, "2026-01 – 2027-12: 30 %") || !strings.Contains(body, "AGCI") {
		t.Errorf("partners page after saving:\n%s", body)
	}
	if resp, body = c.do("POST", "/cooperation/partners/staff", url.Values{"name": {"X"}, "level": {"professional"}, "availability": {"2026-01:2025-12:30"}}); resp.StatusCode != 400 || !strings.Contains(body, "termina (2025-12) antes de empezar") {
		t.Errorf("bad availability: %d", resp.StatusCode)
	}
	if _, body = gc.do("GET", "/cooperation/partners", nil); strings.Contains(body, `id="staff"`) || strings.Contains(body, `id="form-org"`) {
		t.Errorf("a counterpart sees the staff or the forms")
	}
	// The knowledge catalogue: search in either language, and it lists
	// the projects that shared an item only within the reader's scope.
	if err := knowledgeLink(f, "psychosocial-support", "CSS-PY-01"); err != nil {
		t.Fatal(err)
	}
	resp, body = gc.do("GET", "/knowledge?q=acompa%C3%B1amiento&lang=es", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="item-psychosocial-support"`) || strings.Contains(body, "CSS-PY-01") {
		t.Errorf("Guatemala's search: %d\n%s", resp.StatusCode, body)
	}
	if _, body = c.do("GET", "/knowledge?q=psycho-social+support&lang=en", nil); !strings.Contains(body, `href="/cooperation/CSS-PY-01"`) {
		t.Errorf("the officer's search in English lacks the project:\n%s", body)
	}
	if _, body = c.do("GET", P[:len(P)-1], nil); !strings.Contains(body, `id="shared"`) || !strings.Contains(body, "Acompañamiento psicosocial (Puente)") {
		t.Errorf("the project page lacks what it shared")
	}
	post("/knowledge", url.Values{"slug": {"rights-based-approach"}, "kind": {"principle"}, "title_es": {"Enfoque de derechos"}, "title_en": {"Rights-based approach"},
		"summary_es": {"Autonomía y vínculos comunitarios"}, "summary_en": {"Autonomy and community bonds"}}, `id="knowledge-saved"`)
	if resp, body = c.do("POST", "/knowledge", url.Values{"slug": {"Bad Slug"}, "kind": {"principle"}, "title_es": {"x"}, "title_en": {"x"}}); resp.StatusCode != 400 || !strings.Contains(body, `value="Bad Slug"`) {
		t.Errorf("a bad slug: %d", resp.StatusCode)
	}
	if resp, _ = gc.do("POST", "/knowledge", url.Values{"slug": {"x"}, "kind": {"principle"}, "title_es": {"x"}, "title_en": {"x"}}); resp.StatusCode != 403 {
		t.Errorf("a counterpart writes the catalogue: %d", resp.StatusCode)
	}
	if resp, _ = c.do("GET", "/knowledge?q=de", nil); resp.StatusCode != 400 {
		t.Errorf("a query of stop words: %d", resp.StatusCode)
	}
	fc := f.client(t)
	fc.coopSignIn("felipe")
	_, page := fc.do("GET", P[:len(P)-1], nil)
	if !strings.Contains(page, `id="cost-chart"`) || strings.Contains(page, `id="next-h"`) {
		t.Errorf("financer's page: forms shown or chart missing")
	}
	if resp, _ := fc.do("GET", "/cooperation/CSS-GT-01", nil); resp.StatusCode != 404 {
		t.Errorf("a financer reads a project it does not fund: %d", resp.StatusCode)
	}
}

// TestCooperationBrowser drives Chromium: a cooperation officer records a
// request, takes it through feasibility, design, review, agreement and
// signatures to an initiated project, then downloads the IATI file.
func TestCooperationBrowser(t *testing.T) {
	ctx := browser(t)
	f := coopFixture(t)
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// The first run starts the browser and must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " stale=" + document.documentElement.dataset.stale + " " + document.querySelector("main").innerText.slice(0, 300)`))
			t.Fatalf("%s: %v\npage: %s", what, err, page)
		}
	}
	// submit clicks a button and waits for sel on the page that answers,
	// not on the old page still on screen (marked stale first).
	submit := func(button, sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.WaitVisible(css(button)),
			// A click through the DOM, not at screen coordinates: the page
			// may still be scrolling to the #done anchor of the last answer.
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := chromedp.Evaluate[bool](`document.documentElement.dataset.stale = "1", document.querySelector(`+strconv.Quote(button)+`).click(), true`)(ctx, tg)
				return err
			}),
			chromedp.WaitVisible(css("html:not([data-stale]) "+sel)))
	}
	do("sign in",
		chromedp.Navigate(f.srv.URL+"/cooperation"),
		chromedp.WaitVisible(css("#username")),
		chromedp.SendKeys(css("#username"), "carla"),
		chromedp.SendKeys(css("#password"), password),
		chromedp.Click(css("#signin")),
		chromedp.WaitVisible(css("#new-request")))
	do("request",
		chromedp.SendKeys(css("#code"), "CSS-PY-01"),
		chromedp.SendKeys(css("#title"), "Acompañamiento psicosocial"),
		chromedp.SetValue(css("#channel"), "financer"),
		chromedp.SetValue(css("#org"), "MDS Paraguay"),
		chromedp.SetValue(css("#asker"), "GIZ"),
		chromedp.Click(css("#public")),
		submit("#create-request", "#form-feasibility"))
	do("feasibility",
		chromedp.SendKeys(css("#by"), "Comité"),
		submit("#submit-feasibility", "#form-design"))
	// The design form at 360 px: no wider than the window (issue 20).
	do("narrow", chromedp.EmulateViewport(360, 800))
	if c, err := chromedp.Run(ctx, chromedp.Evaluate[screenCheck](pageTextJS+";"+screenJS)); err != nil || c.ScrollWidth > c.InnerWidth {
		t.Errorf("the design form at 360 px: %+v, %v", c, err)
	}
	if src, _ := axeSource(); src != "" {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+";true")); err != nil {
			t.Fatal(err)
		}
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](axeJS, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Errorf("axe-core: %v", err)
		}
		for _, s := range v {
			t.Errorf("axe-core, the design form: %s", s)
		}
	}
	do("wide", chromedp.EmulateViewport(1366, 900))
	do("design",
		chromedp.SetValue(css("#design"), designJSON()),
		submit("#submit-design", "#form-review"))
	do("review",
		chromedp.SendKeys(css("#directors"), "Dirección ejecutiva"),
		chromedp.SendKeys(css("#financer-decisions"), "GIZ=approve"),
		submit("#submit-review", "#form-agreement"))
	do("agreement",
		chromedp.SendKeys(css("#deadlines"), "Manual en 12 meses"),
		chromedp.SendKeys(css("#resources"), "Según presupuesto"),
		chromedp.SendKeys(css("#commitment-0"), "Pasajes y consultores"),
		chromedp.SendKeys(css("#commitment-1"), "Expertos"),
		chromedp.SendKeys(css("#commitment-2"), "Equipo espejo"),
		submit("#submit-agreement", "#form-sign"))
	for i := 0; i < 3; i++ {
		do("sign",
			chromedp.SendKeys(css("#sign-by"), "Autoridad"),
			submit("#submit-sign", "#done"))
	}
	do("start",
		submit("#submit-start", "#form-systematize"))
	if step := text(t, ctx, "#project-step"); step != "en ejecución" {
		t.Errorf("step after starting: %q", step)
	}
	if dir := os.Getenv("FOSIS_SCREENSHOTS"); dir != "" {
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(dir+"/cooperation-project-es.png", png, 0o644)
		}
	}
	// The download link serves the IATI file of the public project; read it
	// as the page's own fetch would (a navigation would become a download).
	do("board", chromedp.Navigate(f.srv.URL+"/cooperation"), chromedp.WaitVisible(css("#download-iati")))
	xml, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#download-iati').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download the IATI file: %v", err)
	}
	if !strings.Contains(xml, `<collaboration-type code="8">`) || !strings.Contains(xml, "CL-RUT-00000000-0-CSS-PY-01") {
		t.Errorf("IATI file from the browser:\n%s", xml)
	}
}

// knowledgeLink links an item to a project as the system.
func knowledgeLink(f *fixture, slug, code string) error {
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	return knowledge.NewStore(f.d, cooperation.NewStore(f.d, nil, time.Now)).Link(ctx, slug, code)
}
