package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// TestCatalogs checks that both languages have the same keys, that every
// {{t "key"}} in the templates exists, that the keys templates build
// (role.<role>, home.role.<role>) exist for every role, and that every word
// of every enum the pages show (code.<enum>.<word>) has a message: a word
// added to a registry enum later fails here until it is translated.
func TestCatalogs(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range Languages {
		for _, b := range Languages {
			for k := range c[a] {
				if _, ok := c[b][k]; !ok {
					t.Errorf("key %q is in %s.json but not in %s.json", k, a, b)
				}
			}
		}
	}
	used := map[string]bool{}
	re := regexp.MustCompile(`\bt "([^"]+)"`)
	codeRe := regexp.MustCompile(`\bcode "([^"]+)"`)
	enumsUsed := map[string]bool{}
	err = fs.WalkDir(templateFS, "templates", func(name string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, name)
		for _, m := range re.FindAllSubmatch(b, -1) {
			used[string(m[1])] = true
		}
		for _, m := range codeRe.FindAllSubmatch(b, -1) {
			enumsUsed[string(m[1])] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Fragments written in Go (fragment.go) name their keys and enums as
	// t(lang, "key"), and their enums as s.codeLabel(lang, "enum", …) or
	// code(t(lang, "key"), "enum", …).
	goKey := regexp.MustCompile(`\bt\(lang, "([^"]+)"\)`)
	goEnum := regexp.MustCompile(`\b(?:codeLabel\(lang, |code\(t\(lang, "[^"]+"\), )"([^"]+)"`)
	for _, b := range goSources(t, ".") {
		for _, m := range goKey.FindAllSubmatch(b, -1) {
			used[string(m[1])] = true
		}
		for _, m := range goEnum.FindAllSubmatch(b, -1) {
			enumsUsed[string(m[1])] = true
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d keys in the templates: is the pattern still right?", len(used))
	}
	if len(enumsUsed) < 7 {
		t.Fatalf("found only %d enums in {{code}} calls in the templates: is the pattern still right?", len(enumsUsed))
	}
	for name := range enumsUsed {
		if _, ok := pageEnums[name]; !ok {
			t.Errorf("templates show enum %q, which is not in pageEnums", name)
		}
	}
	for name, e := range pageEnums {
		if len(e.Words) < 2 {
			t.Errorf("enum %q has no words", name)
		}
		for _, w := range e.Words[1:] {
			used["code."+name+"."+w] = true
		}
	}
	for _, r := range auth.Roles {
		used["role."+string(r)], used["home.role."+string(r)] = true, true
	}
	for _, r := range auth.Roles {
		if !(&auth.Principal{Role: r}).SeesRegistry() {
			used[moduleKey(r)] = true // the dashboard's card for roles without the registry
		}
	}
	for _, sc := range auth.Scopes {
		used["tokens.scope."+sc] = true
	}
	for _, k := range []string{audit.ProblemAltered, audit.ProblemLink, audit.ProblemMissing, audit.ProblemStart} {
		used["audit.kind."+k] = true
	}
	for _, f := range []string{"username", "display_name", "role", "language", "password", "region_code", "other"} {
		for _, code := range []string{fosis.EINVALID, fosis.ECONFLICT} {
			for _, role := range []string{"", "regional", "analyst"} {
				used[fieldErrorKey(code, f, newUserForm{Role: role})] = true
				used[fieldErrorKey(code, f, newUserForm{Role: role, RegionCode: "13"})] = true
			}
		}
	}
	for _, key := range []string{"users.err.self_disable", "users.err.self_role", "tokens.already_revoked", "audit.bad_date", "audit.bad_cursor",
		"lang.es", "lang.en", "error.notfound", "error.forbidden", "error.invalid", "error.internal", "error.crossorigin", "error.conflict", "error.unavailable",
		"signin.failed", "signin.locked", "signin.disabled"} { // keys the handlers pass
		used[key] = true
	}
	for _, key := range moreHandlerKeys {
		used[key] = true
	}
	for k := range used {
		for _, lang := range Languages {
			if _, ok := c[lang][k]; !ok {
				t.Errorf("template key %q is missing from %s.json", k, lang)
			}
		}
	}
}

// goSources returns the text of dir's Go files, tests left out, by path.
func goSources(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

// templateCase is a page rendered with data whose output must contain want.
type templateCase struct {
	page string
	data any
	want string
}

// moreHandlerKeys are catalog keys a feature's handlers pass to its
// templates (appended from the feature's test file).
var moreHandlerKeys []string

// moreTemplateCases are the cases of feature test files, which append to it
// from an init function (templates_<feature>_test.go).
var moreTemplateCases []templateCase

// TestTemplates executes every page in both languages with representative
// data, signed in and out.
func TestTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := &registry.HouseholdView{Key: 7, ID: "H0000007", CommuneCode: "13101", CommuneName: "Santiago", RegionCode: "13",
		RegionName: "Metropolitana de Santiago", Zone: "urban", Tenure: "owner", Rooms: 2, Floor: "good", Walls: "fair",
		Roof: "poor", Water: "public_network", Sanitation: "sewer", VehicleCLP: 3500000, RegisteredOn: "2024-03-01",
		UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), MemberCount: 2,
		Members: []registry.PersonView{
			{RUN: "12.345.678-5", Name: "Ana Núñez", Relation: "head", Sex: "F", Age: 41, Schooling: 12, Employed: true, LaborCLP: 650000},
			{RUN: "23.456.789-K", Relation: "child", Sex: "M", Age: 9, Schooling: 3, InSchool: true},
		}}
	res := &targeting.HouseholdResult{Run: 2, Value: 325000, Percentile: 37.5, Bracket: 40, Poorest5: true}
	scored := &targeting.ScoredHousehold{Run: &targeting.Run{ID: 2, ModelName: "RSH", ModelVersion: 1, AsOf: "2026-11-01"},
		Result: res, Explanation: targeting.Explanation{Kind: targeting.KindIncome}, Stale: true, Summary: "Ingreso por persona bajo."}
	pmt := *scored
	pmt.Explanation.Kind = targeting.KindPMT
	hist := []targeting.HouseholdResult{*res, {Run: 1, Value: 300000, Percentile: 35, Bracket: 40}}
	rural := *h
	rural.Key, rural.ID, rural.Zone, rural.MemberCount = 9, "H0000009", "rural", 4
	listed := &registry.Page[registry.HouseholdView]{Items: []registry.HouseholdView{*h, rural}, Next: "9", Total: 5}
	last := &registry.Page[registry.HouseholdView]{Items: []registry.HouseholdView{*h}, Total: 5}
	empty := &registry.Page[registry.HouseholdView]{Items: []registry.HouseholdView{}}
	communeOf := func(after int64, p *registry.Page[registry.HouseholdView]) communeData {
		return communeData{Code: "13101", Name: "Santiago", RegionName: "Metropolitana de Santiago", After: after, Page: p}
	}
	filtered := func(p *registry.Page[registry.HouseholdView], errs map[string]string) communeData {
		d := communeOf(0, p)
		d.Filter = registry.ListFilter{Zone: "rural", Run: 2, Brackets: []int{40}}
		d.FilterQuery = template.URL(d.Filter.Query().Encode())
		d.Run = &targeting.Run{ID: 2, ModelName: "RSH", ModelVersion: 1}
		d.Brackets = map[int64]uint8{7: 40}
		d.Tenures, d.AllBrackets, d.Errors = registry.Tenure.Words[1:], targeting.Brackets(), errs
		return d
	}
	reg := dashboard{Registry: true}
	picker := homeData{Dash: reg, Regions: []communeGroup{{Name: "Metropolitana de Santiago", Communes: []geo.Commune{
		{Code: "13101", Name: "Santiago", RegionCode: "13"}, {Code: "13102", Name: "Cerrillos", RegionCode: "13"}}}}}
	runs := []targeting.Run{{ID: 2, ModelID: "chile-rsh", ModelName: "RSH", ModelVersion: 1, AsOf: "2026-11-01", Households: 1200, Note: "noviembre"},
		{ID: 1, ModelID: "chile-rsh", ModelName: "RSH", ModelVersion: 1, AsOf: "2026-10-01", Households: 1100}}
	dist0 := []targeting.RegionBrackets{
		{Code: "05", Name: "Valparaíso", Households: 200, Counts: []int64{50, 50, 25, 25, 25, 15, 10}},
		{Code: "13", Name: "Metropolitana de Santiago", Households: 1000, Counts: []int64{400, 100, 100, 100, 100, 100, 100}},
		{Code: "11", Name: "Aysén", Counts: make([]int64, 7)},
	}
	dist := newRunData(&runs[0], dist0)
	national := dashboard{Registry: true, Households: 1200, Persons: 3400, Run: &runs[0]}
	national.setShares(dist0)
	regional := dashboard{Registry: true, RegionName: "Metropolitana de Santiago", Households: 340, Persons: 1000, Run: &runs[0]}
	regional.setShares(dist0[1:])
	noRun := dashboard{Registry: true, Households: 1200, Persons: 3400}
	auditor := dashboard{Registry: true, Households: 1200, Persons: 3400, Run: &runs[0], Audit: true,
		AuditEntries: []audit.Record{{Seq: 3, At: time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC), Actor: "adela", Action: "user.create"}}}
	// The dashboards' texts in each language, by the case's want.
	dashByLang := map[string]map[string][]string{
		`id="dash-share40"`: {"es": {"Registro social · todo el país", ">1.200<", ">3.400<", "37,5 %", "450 de 1.200", `href="/runs/2"`, "RSH, versión 1, al 2026-11-01"},
			"en": {"Social registry · whole country", ">1,200<", ">3,400<", "37.5%", "450 of 1,200", `href="/runs/2"`, "RSH, version 1, as of 2026-11-01"}},
		`id="dash-households">340<`: {"es": {"Registro social · Metropolitana de Santiago", "40,0 %", "400 de 1.000"},
			"en": {"Social registry · Metropolitana de Santiago", "40.0%", "400 of 1,000"}},
		`id="dash-run-empty"`:  {"es": {"Aún no hay procesos de calificación", "fosis score"}, "en": {"No scoring run yet", "fosis score"}},
		`id="dash-audit-link"`: {"es": {"Últimas entradas de auditoría", ">adela<", "user.create", "2026-11-02 03:04:05 UTC"}, "en": {"Newest audit entries", ">adela<", "user.create", "2026-11-02 03:04:05 UTC"}},
		`id="dash-modules"`:    {"es": {"cooperación internacional", "pida a su administrador que lo active"}, "en": {"International cooperation", "ask your administrator to turn it on"}},
		`href="/admin/tokens"`: {"es": {"Los proyectos financiados"}, "en": {"Funded projects"}},
	}
	// Texts that must appear in one language only (the code words translated).
	byLang := map[string]map[string][]string{
		"es": {"run": {"Proceso 2", "40,0 %", "25,0 %", "Hogares por tramo y región", "1.000"}, "runs": {"Procesos de calificación", "Proceso 2"},
			"household": {"jefatura", "hijo(a)", "Mujer", "Hombre", "urbana", "propietario", "buena", "regular", "mala", "red pública", "alcantarillado"},
			"commune":   {"urbana", "rural", "Hogares inscritos: 5"}},
		"en": {"run": {"Run 2", "40.0%", "25.0%", "Households by bracket and region", "1,000"}, "runs": {"Scoring runs", "Run 2"},
			"household": {"head of household", "child", "Woman", "Man", "urban", "owner", "good", "fair", "poor", "public network", "sewer"},
			"commune":   {"urban", "rural", "Registered households: 5"}},
	}
	userRows := []auth.User{{ID: 1, Username: "ana", DisplayName: "Ana", Role: auth.RoleAnalyst, Language: "es", Active: true},
		{ID: 2, Username: "rosa", DisplayName: "Rosa", Role: auth.RoleRegional, RegionCode: "13", Language: "en", FailedLogins: 5,
			LockedUntil: time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)}}
	adminUsers := usersData{Users: userRows, CanManage: true, Roles: auth.Roles,
		Regions: []geo.Region{{Code: "05", Name: "Valparaíso"}, {Code: "13", Name: "Metropolitana de Santiago"}},
		Form:    newUserForm{Username: "Rosa!", DisplayName: "Rosa <b>", Role: "regional", RegionCode: "13", Language: "en"},
		Errors:  map[string]string{"username": "users.err.username"}}
	tokenRows := []auth.Token{{ID: 1, UserID: 1, Username: "ana", Name: "informes", Scopes: []string{"read"}, CreatedAt: time.Now()},
		{ID: 2, UserID: 2, Username: "rosa", Name: "carga", Scopes: []string{"read", "write"}, CreatedAt: time.Now(),
			LastUsedAt: time.Now(), ExpiresAt: time.Now(), RevokedAt: time.Now()}}
	entries := []auditEntry{{Record: audit.Record{Seq: 3, At: time.Now(), Actor: "adela", ActorRole: "admin", Action: "user.create",
		Entity: "user", EntityID: "4", Hash: "abc"}, AfterText: indentJSON(`{"display_name":"<script>"}`)},
		{Record: audit.Record{Seq: 2, At: time.Now(), Actor: "system", Action: "registry.import"}}}
	cases := []templateCase{
		{"signin", signinData{Next: "/"}, `name="password"`},
		{"signin", signinData{Username: "ana", Error: "signin.failed"}, `id="signin-error"`},
		{"home", homeData{Dash: reg}, `id="q"`},
		{"home", homeData{Dash: reg, Query: "x", NotFound: true}, `id="search-none"`},
		{"home", homeData{Dash: national}, `id="dash-share40"`},
		{"home", homeData{Dash: regional}, `id="dash-households">340<`},
		{"home", homeData{Dash: noRun}, `id="dash-run-empty"`},
		{"home", homeData{Dash: dashboard{Module: "home.module.agency", ModuleLink: "/calls"}}, `href="/calls" id="dash-module-link"`},
		{"home", homeData{Dash: auditor}, `id="dash-audit-link"`},
		{"home", homeData{Dash: dashboard{Registry: true, Audit: true}}, `id="dash-audit-empty"`},
		{"home", homeData{Dash: dashboard{Module: moduleKey(auth.RoleCooperation)}}, `id="dash-modules"`},
		{"home", homeData{Dash: dashboard{Module: moduleKey(auth.RoleFinancer)}}, `href="/admin/tokens"`},
		{"home", picker, `<optgroup label="Metropolitana de Santiago">`},
		{"home", picker, `<option value="13102">Cerrillos</option>`},
		{"household", householdData{H: h, Score: scored, History: hist, Income: incomeTotals{Labor: 650000, Total: 650000}}, "Ingreso por persona bajo."},
		{"household", householdData{H: h, Score: &pmt, History: hist}, `id="bracket"`},
		{"household", householdData{H: h}, `id="score-none"`},
		{"household", householdData{H: h}, `href="/communes/13101"`},
		{"commune", communeOf(0, listed), `href="/households/H0000009"`},
		{"commune", communeOf(0, listed), `id="next-page" href="/communes/13101?after=9"`},
		{"commune", communeOf(9, last), `id="first-page" href="/communes/13101"`},
		{"commune", communeOf(0, empty), `id="commune-empty"`},
		{"commune", communeOf(9, empty), `id="commune-end"`},
		{"commune", filtered(listed, nil), `id="next-page" href="/communes/13101?bracket=40&amp;run=2&amp;zone=rural&amp;after=9"`},
		{"commune", filtered(listed, nil), `<td>40%</td>`},
		{"commune", filtered(listed, nil), `id="bracket-40" name="bracket" value="40" checked`},
		{"commune", filtered(empty, nil), `id="commune-none"`},
		{"commune", filtered(empty, map[string]string{"zone": "not a zone"}), `id="zone-error"`},
		{"runs", runsData{Runs: runs}, `href="/runs/2"`},
		{"runs", runsData{}, `id="runs-empty"`},
		{"run", dist, `<rect class="fosis-b40" x="0" y="18" width="225" height="18">`},
		{"run", dist, `<rect class="fosis-b50" x="360" y="58" width="90" height="18">`},
		{"run", dist, `<title id="chart-title">`},
		{"run", dist, `<td class="text-end fosis-total">`},
		{"run", newRunData(&runs[1], nil), `id="run-empty"`},
		{"error", errorData{Message: "error.notfound"}, `id="error"`},
		{"users", adminUsers, `id="user-rosa"`},
		{"users", adminUsers, `<option value="13" selected>13 · Metropolitana de Santiago</option>`},
		{"users", adminUsers, `id="username-error"`},
		{"users", adminUsers, `id="role-form-rosa"`},
		{"users", adminUsers, `<option value="regional" selected>`},
		{"users", usersData{Users: userRows, CanManage: true, Reset: &userRows[1], Password: "WXYZ-1234"}, `id="password-reset"`},
		{"users", adminUsers, `value="Rosa &lt;b&gt;"`},
		{"users", usersData{Users: userRows, CanManage: true, Created: &userRows[0], Password: "ABCD-EFGH"}, `<code class="fs-5 user-select-all" id="new-password">ABCD-EFGH</code>`},
		{"users", usersData{Users: userRows, Message: "users.err.self_disable"}, `id="users-error"`},
		{"users", usersData{Users: userRows}, `id="user-ana"`},
		{"tokens", tokensData{Tokens: tokenRows, All: true, Admin: true}, `id="revoke-1"`},
		{"tokens", tokensData{}, `id="tokens-empty"`},
		{"audit", auditData{Entries: entries, OlderURL: "/audit?actor=ana&before=2", Before: 9, NewestURL: "/audit?actor=ana"}, `href="/audit?actor=ana&amp;before=2"`},
		{"audit", auditData{Entries: entries}, `&#34;display_name&#34;: &#34;&lt;script&gt;&#34;`},
		{"audit", auditData{Verify: &audit.Report{OK: true, Entries: 3, LastSeq: 3, LastHash: "abc"}}, `id="verify-ok"`},
		{"audit", auditData{Verify: &audit.Report{Entries: 3, BrokenSeq: 2, Kind: audit.ProblemAltered, Problem: "entry 2 was altered", LastSeq: 1, LastHash: "abc"}}, `id="verify-broken"`},
		{"audit", auditData{Error: "audit.bad_date", Filter: auditForm{From: "ayer"}}, `id="audit-error"`},
		{"audit", auditData{}, `id="audit-empty"`},
		{"search", searchData{Query: "perez", Results: &registry.NameResults{Query: "perez", More: true, Matches: []registry.NameMatch{
			{RUN: "12345678-5", Name: "Juan <b>Pérez</b>", Relation: "head", Age: 40, HouseholdID: "H0000007", CommuneName: "Santiago"}}}},
			`id="search-more"`},
		{"search", searchData{Query: "zz", Results: &registry.NameResults{Query: "zz", Matches: []registry.NameMatch{}}}, `id="search-none"`},
	}
	cases = append(cases, moreTemplateCases...)
	keyRe := untranslatedKey()
	names, err := pageNames()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if !slices.ContainsFunc(cases, func(c templateCase) bool { return c.page == name }) {
			t.Errorf("page %q has no case in TestTemplates (add one to moreTemplateCases from the feature's test file)", name)
		}
	}
	// The pages as parsed without their static calls written in
	// (resolveStatic): every case must render the same with both.
	unresolved, err := s.parsePages(names, false)
	if err != nil {
		t.Fatal(err)
	}
	users := []*auth.Principal{nil, {Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}, {Username: "ana", Role: auth.RoleAnalyst},
		{Username: "fina", Role: auth.RoleFinancer}, {Username: "adela", Role: auth.RoleAdmin}, {Username: "otto", Role: auth.RoleAuditor}}
	for _, lang := range Languages {
		for _, c := range cases {
			for _, u := range users {
				if c.page == "home" && u == nil {
					continue // home is only for signed-in users
				}
				var buf bytes.Buffer
				err := s.pages[lang][c.page].Execute(&buf, page{Lang: lang, User: u, Name: "Ana", Path: "/x?y=1", Data: c.data})
				if err != nil {
					t.Errorf("%s %s: %v", lang, c.page, err)
					continue
				}
				out := buf.String()
				checkOneLanguage(t, lang, c.page+" "+c.want, out)
				if !strings.Contains(out, c.want) {
					t.Errorf("%s %s: output lacks %q", lang, c.page, c.want)
				}
				var plain bytes.Buffer
				if err := unresolved[lang][c.page].Execute(&plain, page{Lang: lang, User: u, Name: "Ana", Path: "/x?y=1", Data: c.data}); err != nil {
					t.Errorf("%s %s unresolved: %v", lang, c.page, err)
				} else if got, want := strings.ReplaceAll(out, "&#43;", "+"), strings.ReplaceAll(plain.String(), "&#43;", "+"); got != want {
					t.Errorf("%s %s: the page with its static calls written in differs from the page without:\n%s", lang, c.page, firstDiff(got, want))
				}
				if c.want == `href="/communes/13101"` || c.want == `href="/households/H0000009"` || c.want == `href="/runs/2"` || c.want == `<title id="chart-title">` {
					for _, w := range byLang[lang][c.page] {
						if !strings.Contains(out, ">"+w) {
							t.Errorf("%s %s: output lacks %q", lang, c.page, w)
						}
					}
				}
				for _, w := range dashByLang[c.want][lang] {
					if !strings.Contains(out, w) {
						t.Errorf("%s home %s: output lacks %q", lang, c.want, w)
					}
				}
				if c.page == "home" {
					d := c.data.(homeData).Dash
					if hasSearch := strings.Contains(out, `id="q"`); hasSearch != d.Registry {
						t.Errorf("%s home %s: search box shown %v, registry %v", lang, c.want, hasSearch, d.Registry)
					}
					if strings.Contains(out, `id="dash-audit"`) != d.Audit || strings.Contains(out, `id="dash-registry"`) != d.Registry {
						t.Errorf("%s home %s: the audit or registry card does not match the dashboard", lang, c.want)
					}
				}
				if c.page == "run" && strings.Contains(out, `class="fosis-b40" x="0" y="98"`) {
					t.Errorf("%s: a region without households has a bar segment", lang)
				}
				if navRuns := strings.Contains(out, `href="/runs" id="nav-runs"`); navRuns != (u != nil && u.SeesRegistry()) {
					t.Errorf("%s %s: the runs link is shown %v for user %v", lang, c.page, navRuns, u)
				}
				if u != nil && strings.Contains(out, `id="nav-home">`) && u.SeesRegistry() != strings.Contains(out, `id="nav-home">`+s.msgs.T(lang, "nav.search")+`<`) {
					t.Errorf("%s %s: the home link reads as a search for user %v", lang, c.page, u)
				}
				if navAudit := strings.Contains(out, `href="/audit" id="nav-audit"`); navAudit != (u != nil && u.SeesAudit()) {
					t.Errorf("%s %s: the audit link is shown %v for user %v", lang, c.page, navAudit, u)
				}
				if c.page == "commune" && c.data.(communeData).After == 0 && strings.Contains(out, `id="first-page"`) {
					t.Errorf("%s: a first page links to the first page", lang)
				}
				if strings.Contains(out, "style=") || strings.Contains(out, "<script>") {
					t.Errorf("%s %s: inline style or script (the CSP forbids them)", lang, c.page)
				}
				if k := keyRe.FindString(out); k != "" && !slices.Contains([]string{"household.title"}, k) {
					t.Errorf("%s %s: untranslated key %q in the output", lang, c.page, k)
				}
			}
		}
	}
}

// untranslatedKey finds a catalog key left in a page: a known prefix, a dot
// and a word. A feature's test file adds its prefixes to keyPrefixes from init.
func untranslatedKey() *regexp.Regexp {
	return regexp.MustCompile(`\b(` + strings.Join(keyPrefixes, "|") + `)\.[a-zA-Z_]+\b`)
}

var keyPrefixes = []string{"role", "home", "signin", "score", "search", "error", "household", "commune", "code", "dwelling",
	"member", "runs", "nav", "users", "tokens", "audit", "lang"}

func TestGroupDigits(t *testing.T) {
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{{"es", 0, "0"}, {"es", 999, "999"}, {"es", 1000, "1.000"}, {"en", 1234567, "1,234,567"}, {"es", -1234567, "-1.234.567"}} {
		if got := groupDigits(c.lang, c.n); got != c.want {
			t.Errorf("groupDigits(%s, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
}

func TestDecimal(t *testing.T) {
	for _, c := range []struct {
		lang string
		f    float64
		want string
	}{{"es", 0, "0,0"}, {"en", 29.94, "29.9"}, {"es", 999.96, "1.000,0"}, {"es", 99967.7, "99.967,7"}, {"en", 99967.7, "99,967.7"},
		{"es", -1234.5, "-1.234,5"}, {"en", -0.25, "-0.2"}, {"es", 1e7, "10.000.000,0"}} {
		if got := decimal(c.lang, c.f); got != c.want {
			t.Errorf("decimal(%s, %v) = %q, want %q", c.lang, c.f, got, c.want)
		}
	}
}

// firstDiff shows where two renderings of a page part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(i-80, 0)
	return fmt.Sprintf("resolved:   …%s…\nunresolved: …%s…", a[lo:min(i+80, len(a))], b[lo:min(i+80, len(b))])
}
