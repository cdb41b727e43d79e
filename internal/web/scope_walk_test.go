package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/scopetest"
	"github.com/fosis/fosis/internal/web"
)

// walkPage says how the scope walk fills one page pattern: what goes in its
// path parameters ("{kind}" is varied over the officer's region, another
// region and a value that does not exist; "{kind:i}" pins the officer's
// i-th value; anything else is literal), which query strings it also
// walks, and, for a route that changes data, its form (url-encoded, with
// placeholders) or files.
type walkPage struct {
	params  map[string]string
	queries []string
	form    string
	files   map[string]string
	opt     scopetest.Options
}

// A call's page shows its quotas by commune code: a call is public (it is
// announced), so an officer who sees a call of two regions sees the other
// region's commune in its quotas. Its applicants there stay out (their
// household ids, RUNs, names, communes' names and applications are still
// forbidden).
var callConfig = scopetest.Options{Allow: []string{scopetest.CatCommuneCode}}

// scopeWalkPages is every page the regional officer is walked through. A
// page registered in the web application and absent from here and from
// scopeWalkSkipped fails TestScopeWalk.
var scopeWalkPages = map[string][]walkPage{
	"GET /{$}":    {{}},
	"GET /signin": {{queries: []string{"?next=/households/{household}"}}},
	"GET /search": {{queries: []string{"?q={run}", "?q={run-dots}", "?q={run-compact}", "?q={household}", "?q={name}"}}},
	"GET /households/{id}": {{params: map[string]string{"id": "{household}"},
		queries: []string{"?as_of={today}", "?submitted={change}", "?done=approved"}}},
	"GET /households/{id}/changes/new": {{params: map[string]string{"id": "{household}"}}},
	"GET /communes":                    {{queries: []string{"?code={commune}"}}},
	"GET /communes/{code}": {{params: map[string]string{"code": "{commune}"},
		queries: []string{"?zone=rural", "?bracket=40&bracket=50", "?run={scoring-run}", "?after={commune-after}", "?female_head=1&min_members=2"}}},
	"GET /runs":          {{}},
	"GET /runs/{id}":     {{params: map[string]string{"id": "{scoring-run}"}}},
	"GET /runs/{id}/map": {{params: map[string]string{"id": "{scoring-run}"}, queries: []string{"?bracket=60"}}},
	"GET /runs/{id}/map/{region}": {{params: map[string]string{"id": "{scoring-run}", "region": "{region}"},
		queries: []string{"?bracket=60"}}},
	"GET /runs/diff": {{queries: []string{"?a={scoring-run:0}&b={scoring-run:1}", "?a={scoring-run}&b={scoring-run:1}",
		"?a={scoring-run:0}&b={scoring-run:1}&after={moved-cursor}"}}},
	"GET /runs/diff/moved.csv": {{queries: []string{"?a={scoring-run:0}&b={scoring-run:1}", "?a={scoring-run}&b={scoring-run:1}"},
		opt: scopetest.Options{OwnMayFail: "without a= and b= there is nothing to download"}}},
	"GET /whatif":                       {{}},
	"GET /admin/users":                  {{}},
	"GET /admin/tokens":                 {{}},
	"GET /audit":                        {{queries: []string{"?entity=household&id={household}", "?actor=adela"}}},
	"GET /imports":                      {{queries: []string{"?before={import}"}}},
	"GET /imports/jobs/{id}":            {{params: map[string]string{"id": "{job}"}}},
	"GET /imports/problems/{id}":        {{params: map[string]string{"id": "{import}"}}},
	"GET /programs":                     {{}},
	"GET /programs/{code}":              {{params: map[string]string{"code": "{programme}"}}},
	"GET /programs/{code}/version.json": {{params: map[string]string{"code": "{programme}"}}},
	"GET /agencies":                     {{}},
	"GET /calls":                        {{}},
	"GET /calls/new":                    {{}},
	"GET /calls/{code}": {{params: map[string]string{"code": "{call}"}, queries: []string{"?enrolled={application}"}, opt: callConfig},
		// The cursor of the next page of the mixed call's applications.
		{params: map[string]string{"code": "{call:1}"}, queries: []string{"?after={app-after}"}, opt: callConfig}},
	"GET /calls/{code}/preview":    {{params: map[string]string{"code": "{call}"}}},
	"GET /calls/{code}/whatif":     {{params: map[string]string{"code": "{call}"}}},
	"GET /applications/{id}":       {{params: map[string]string{"id": "{application}"}, queries: []string{"?done=withdrawn&promoted={application}"}}},
	"GET /changes":                 {{queries: []string{"?state=approved", "?state=submitted&after={change-after}", "?done=approved&id={change}"}}},
	"GET /cooperation":             {{}},
	"GET /cooperation/iati.xml":    {{}},
	"GET /cooperation/partners":    {{}},
	"GET /cooperation/segib.csv":   {{}},
	"GET /cooperation/segib.xlsx":  {{}},
	"GET /cooperation/{code}":      {{params: map[string]string{"code": "{coop-project}"}}},
	"GET /knowledge":               {{queries: []string{"?q=familias"}}},
	"GET /cases":                   {{queries: []string{"?commune={commune}", "?active=1", "?after={case-after}"}}},
	"GET /cases/{id}":              {{params: map[string]string{"id": "{case}"}, queries: []string{"?saved=1"}}},
	"GET /cases/{id}/sessions/new": {{params: map[string]string{"id": "{case}"}}},
	"GET /sessions/{id}/notes":     {{params: map[string]string{"id": "{session}"}, queries: []string{"?case={case}"}}},
	"GET /cases/work":              {{queries: []string{"?days=1"}}},
	"GET /cases/{id}/diagnosis":    {{params: map[string]string{"id": "{case}"}, queries: []string{"?phase=exit"}}},
	"POST /cases/{id}/diagnosis":   {{params: map[string]string{"id": "{case}"}, form: "phase=entry&s_SA1=met&e_SA1=carnet"}},
	"POST /plans/{id}/decision":    {{params: map[string]string{"id": "{plan}"}, form: "approve=1&comment=walk"}},
	"POST /cases/{id}/move":        {{params: map[string]string{"id": "{case}"}, form: "from=open&to=in_diagnosis"}},
	"POST /cases/{id}/sessions":    {{params: map[string]string{"id": "{case}"}, form: "component=home&kind=home&status=held&date={today}&minutes=45&attendees=Rosa"}},
	"GET /funds":                   {{queries: []string{"?year=2026", "?region={region}"}}},
	"GET /funds/execution":         {{queries: []string{"?year=2026", "?year=2026&region={region}", "?year=2026&format=xlsx"}}},
	"GET /funds/envelopes/{call}":  {{params: map[string]string{"call": "{call}"}, queries: []string{"?format=xlsx"}}},
	"GET /funds/institutions":      {{opt: microcreditNational}},
	"GET /funds/institutions/{code}": {{params: map[string]string{"code": "walk-fundacion"}, queries: []string{"?format=xlsx&table=loans", "?format=xlsx&table=settlements"},
		opt: microcreditNational}},
	"POST /funds/institutions/{code}/loans": {{params: map[string]string{"code": "walk-fundacion"},
		files: map[string]string{"file": "run,amount,placed_on,term_months,business_since\n{run-dots:0},300000,2026-03-05,12,2020-01-01\n"}, opt: microcreditNational}},
	"POST /funds/institutions/{code}/settlements": {{params: map[string]string{"code": "walk-fundacion"}, form: "month=2026-03", opt: microcreditNational}},
	"/": {{params: map[string]string{"": "no-such-page/{household}"}, opt: scopetest.Options{OwnMayFail: "no page is there"}}},
	// Results: a regional officer sees their region's coverage and
	// indicators; the computations are national (refused to her).
	"GET /results/funnel":              {{queries: []string{"?region={region}", "?call={call}", "?by=region", "?by=call&region={region}"}}},
	"GET /results/focalisation":        {{queries: []string{"?call={call}"}}},
	"GET /results/indicators":          {{queries: []string{"?period=2026-12", "?line=puente", ""}}},
	"GET /results/report.xlsx":         {{queries: []string{"?line=puente"}}},
	"POST /results/funnel/compute":     {{}},
	"POST /results/indicators/compute": {{form: "period=2026-11"}},
	// A participant's money (scope_walk_funds_participants_test.go gives a
	// case of each region money and a held receipt).
	"GET /cases/{id}/money":         {{params: map[string]string{"id": "{case}"}, queries: []string{"?done=receipt"}}},
	"GET /funds/participants":       {{queries: []string{"?pending=1"}}},
	"GET /funds/receipts/{id}/file": {{params: map[string]string{"id": "{receipt}"}}},
	"POST /cases/{id}/money/receipts": {{params: map[string]string{"id": "{case}"}, files: map[string]string{"file": "not a receipt"},
		opt: scopetest.Options{OwnMayFail: "the walk sends a file without the receipt's fields: invalid"}}},
	"POST /cases/{id}/money/tranches/{seq}": {{params: map[string]string{"id": "{case}", "seq": "1"}}},
	"POST /cases/{id}/money/recover":        {{params: map[string]string{"id": "{case}"}, form: "amount=1"}},
	"POST /funds/receipts/{id}/review":      {{params: map[string]string{"id": "{receipt}"}, form: "accept=1"}},
	"GET /courses":                          {{queries: []string{"?program=yo-emprendo-semilla", "?commune={commune}"}}},
	"POST /courses":                         {{form: "training=yo-emprendo-semilla/training&agency={agency:0}&title=walk&commune={commune}&starts_on={today}&ends_on={today}"}},
	"GET /courses/{id}":                     {{params: map[string]string{"id": "{course}"}, queries: []string{"?saved=attendance"}}},
	"POST /courses/{id}/sessions":           {{params: map[string]string{"id": "{course}"}, form: "date={today}&minutes=90&topic=walk"}},
	"POST /courses/{id}/participants":       {{params: map[string]string{"id": "{course}"}, form: "cases={training-case:0}"}},
	"GET /course-sessions/{id}/attendance":  {{params: map[string]string{"id": "{course-session}"}}},
	"POST /course-sessions/{id}/attendance": {{params: map[string]string{"id": "{course-session}"}, form: "version=0&case={training-case:0}&present={training-case:0}",
		opt: scopetest.Options{OwnMayFail: "the session's version moves at each save: a second save from version 0 is told to reload"}}},
	"POST /cases/{id}/goods": {{params: map[string]string{"id": "{training-case}"}, form: "item=Horno&quantity=1&unit_cost_clp=1000&received_on={today}&received_by=Rosa",
		opt: scopetest.Options{OwnMayFail: "the walked case is open: goods wait for the intervention (409)"}}},
	"POST /plans/{id}/actions/{n}/done": {{params: map[string]string{"id": "{plan}", "n": "0"},
		opt: scopetest.Options{OwnMayFail: "the walked plan is proposed, not approved: its actions are not marked done (409)"}}},

	"POST /admin/users":               {{form: "username=walk-nuevo&display_name=Nuevo&role=regional&region_code={region}&language=es"}},
	"POST /admin/users/{id}/active":   {{params: map[string]string{"id": "{user}"}, form: "active=0"}},
	"POST /admin/users/{id}/role":     {{params: map[string]string{"id": "{user}"}, form: "role=analyst&region="}},
	"POST /admin/users/{id}/password": {{params: map[string]string{"id": "{user}"}}},
	"POST /admin/tokens/{id}/revoke":  {{params: map[string]string{"id": "{token}"}, opt: scopetest.Options{Existence: tokenExistence}}},
	"POST /audit/verify":              {{}},
	"POST /imports":                   {{files: map[string]string{"households": walkHouseholds, "persons": walkPersons}}},
	"POST /programs/{code}":           {{params: map[string]string{"code": "{programme}"}, form: "program=%7B%22code%22%3A%22yo-emprendo-semilla%22%7D"}},
	"POST /agencies":                  {{form: "code=agencia-nueva&name=Nueva"}},
	"POST /agencies/{code}/contracts": {{params: map[string]string{"code": "{agency}"}, form: "program=yo-emprendo-semilla&tender_code=T-1&starts_on={today}&ends_on=2099-12-31&families=1&budget_clp=575000&communes={commune}"}},
	"POST /agencies/{code}/staff":     {{params: map[string]string{"code": "{agency}"}, form: "username=elena"}},
	"POST /calls":                     {{form: "code=walk-nueva&title=Nueva&program=yo-emprendo-semilla&opens_on={today}&closes_on=2099-12-31&run={scoring-run:1}&budget_clp=575000&communes.0.code={commune}&communes.0.places=1"}},
	"POST /calls/{code}/status":       {{params: map[string]string{"code": "{call}"}, form: "status=closed"}},
	"POST /calls/{code}/select":       {{params: map[string]string{"code": "{call}"}}},
	// A refused action on a call shows the call's page again, with its
	// configuration. The open call ({call:2}) covers a commune of each
	// region, so applying there with another region's RUN is refused for
	// scope alone.
	"POST /calls/{code}/apply": {{params: map[string]string{"code": "{call}"}, form: "run={run-dots:0}"},
		{params: map[string]string{"code": "{call:2}"}, form: "run={run-dots}", opt: callConfig},
		{params: map[string]string{"code": "{call:2}"}, form: "run={run}", opt: callConfig}},
	"POST /calls/{code}/import": {{params: map[string]string{"code": "{call}"}, files: map[string]string{"file": "run\n{run-dots:0}\n"}},
		{params: map[string]string{"code": "{call:2}"}, files: map[string]string{"file": "run\n{run-dots}\n"},
			opt: scopetest.Options{Allow: callConfig.Allow, Invalid: "an import is all or nothing: a row whose applicant is not found makes the file wrong"}}},
	"POST /calls/{code}/whatif":        {{params: map[string]string{"code": "{call}"}, form: "communes={commune}%20%3D%201"}},
	"POST /applications/{id}/withdraw": {{params: map[string]string{"id": "{application}"}, form: "reason=walk"}},
	"POST /applications/{id}/enroll":   {{params: map[string]string{"id": "{application}"}, form: "starts_on={today}"}},
	"POST /households/{id}/changes":    {{params: map[string]string{"id": "{household}"}, form: "kind=update&reason=walk&target0=h%3Arooms&value0=9"}},
	"POST /changes/{id}/{decision}": {{params: map[string]string{"id": "{change}", "decision": "approve"}, form: "comment=walk"},
		{params: map[string]string{"id": "{change}", "decision": "reject"}, form: "comment=walk"},
		{params: map[string]string{"id": "{change}", "decision": "withdraw"}}},
	"POST /whatif":                      {{form: "as_of={today}"}},
	"POST /whatif/moved.csv":            {{form: "as_of={today}"}},
	"POST /cooperation":                 {{form: "title=Walk"}},
	"POST /cooperation/partners/{what}": {{params: map[string]string{"what": "org"}, form: "name=Walk"}},
	"POST /cooperation/{code}/{action}": {{params: map[string]string{"code": "{coop-project}", "action": "feasibility"}}},
	"POST /knowledge":                   {{form: "slug=walk&title=Walk"}},
	// The portal's pages show a citizen's own household only (a staff
	// session is not a citizen's): the walk visits them as staff, who see
	// the sign-in invitation and no record; the statement code check is a
	// staff page scoped by the household's region.
	"GET /portal":                     {{}},
	"GET /portal/statement.pdf":       {{}},
	"GET /portal/verify":              {{queries: []string{"?code=ABCD-EFGH-JKMN"}}},
	"GET /portal/calls":               {{}},
	"GET /portal/applications":        {{}},
	"POST /portal/calls/{code}/apply": {{params: map[string]string{"code": "{call}"}, form: "consent=yes&phone=%2B56912345678"}},

	// Payments and runs are national (a regional officer is refused them);
	// contracts are walked by region (paymentsWorld: a contract coded as its region).
	"GET /funds/payments":                                  {{queries: []string{"?state=ready"}}},
	"POST /funds/payments":                                 {{form: "key=walk&call=walk-propia&purpose=tranche&payee_name=Walk&tax_id=12.345.678-5&bank=012&account_kind=vista&account=1&amount=1"}},
	"POST /funds/payments/{id}/reissue":                    {{params: map[string]string{"id": "1"}}},
	"GET /funds/payruns":                                   {{}},
	"POST /funds/payruns":                                  {{form: "note=walk"}},
	"GET /funds/payruns/{id}":                              {{params: map[string]string{"id": "1"}}},
	"POST /funds/payruns/{id}/approve":                     {{params: map[string]string{"id": "1"}}},
	"POST /funds/payruns/{id}/cancel":                      {{params: map[string]string{"id": "1"}}},
	"POST /funds/payruns/{id}/file":                        {{params: map[string]string{"id": "1"}}},
	"POST /funds/payruns/{id}/results":                     {{params: map[string]string{"id": "1"}, files: map[string]string{"file": "payment;amount;status;reason\n1;1;PAID;\nTOTAL;1;1;\n"}}},
	"GET /funds/contracts":                                 {{}},
	"POST /funds/contracts":                                {{form: "code=walk-new&agency=walk&call=walk-propia&region=13&territories=13101=1&schedule=100:start"}},
	"GET /funds/contracts/{code}":                          {{params: map[string]string{"code": "{region}"}, queries: []string{"?done=signed"}}},
	"POST /funds/contracts/{code}/sign":                    {{params: map[string]string{"code": "{region}"}}},
	"POST /funds/contracts/{code}/guarantees":              {{params: map[string]string{"code": "{region}"}, form: "kind=vale_vista&number=1&issuer=x&amount=1&expires_on=2030-01-01"}},
	"POST /funds/contracts/{code}/spending":                {{params: map[string]string{"code": "{region}"}, form: "month=2026-03&spend_other=1"}},
	"POST /funds/contracts/{code}/milestones/{seq}/{step}": {{params: map[string]string{"code": "{region}", "seq": "2", "step": "accept"}, form: "evidence=walk"}},
}

// scopeWalkSkipped are the pages the walk does not visit, and why no
// region's data is at stake there.
var scopeWalkSkipped = map[string]string{
	"POST /signin":         "signing in: the walk's own sign-in goes through it; it names no record",
	"POST /signout":        "ends the session; no record",
	"POST /lang":           "sets the interface language; no record",
	"GET /portal/signin":   "sends a person to the OpenID Connect provider; no record",
	"GET /portal/callback": "finishes a person's sign-in with the provider's answer; no record",
	"POST /portal/signout": "ends a person's portal session; no record",
}

// microcreditNational: the microcredit subsidy is national (finance
// officers, institutions' own users); a regional officer is refused on
// every institution alike.
var microcreditNational = scopetest.Options{OwnMayFail: "the microcredit subsidy is national: a regional officer reads no institution"}

const tokenExistence = "an API token belongs to a user, not to a region: refusing another user's token (403) says that the id exists, and token ids are sequential"

// walkHouseholds and walkPersons are an upload naming the other region's
// commune and a RUN of nobody's.
const (
	walkHouseholds = "household_id,commune_code,zone,tenure,rooms,floor,walls,roof,water,sanitation,vehicle_value_clp,property_value_clp,school_fees_clp,registered_on\n" +
		"W1,{commune},urban,owner,2,good,good,good,public_network,sewer,0,0,0,2019-01-10\n"
	walkPersons = "run,given_names,paternal_surname,maternal_surname,household_id,relation,sex,birth_date,schooling_years,in_school,employed,labor_income_clp,pension_income_clp,capital_income_clp,health_plan,disability,dependency,indigenous,pregnant\n" +
		"{run:0},Luis,Peña,,W1,head,M,1955-09-09,6,0,0,0,180000,0,fonasa_a,none,none,0,0\n"
)

// TestScopeWalk is issue #3's proof for the pages: signed in as a regional
// officer of region 13, it visits every page the web application registers
// — each parameter filled with a record of region 13, of another region and
// one that does not exist, and each query string that selects data — and
// finds nothing of another region's data: another region's record answers
// exactly like a missing one, no page, list, export, map or count shows
// another region's household ids, RUNs, names, communes, change requests or
// applications, and every change attempted on another region's records is
// refused and leaves the database as it was.
func TestScopeWalk(t *testing.T) {
	w := scopetest.New(t)
	fundsWorld(t, w)
	rs := resultsWorld(t, w)
	s, err := web.New(web.Config{DB: w.DB, Registry: w.Registry, Targeting: w.Targeting, Programs: w.Programs, Users: w.Users,
		Cooperation: w.Cooperation, Knowledge: w.Knowledge, Delivery: w.Delivery, Funds: scopetest.FundParticipants(t, w), Jobs: w.Jobs, PageSize: 5, UploadDir: t.TempDir(), MaxUpload: 1 << 20,
		Results: rs})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	// The officer's browser: it follows redirects on GET; a POST's answer
	// is taken as it comes (a redirect is a success).
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: srv.URL, http: &http.Client{Jar: jar}}
	c.signIn(scopetest.Officer)
	post := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(req scopetest.Request) scopetest.Answer {
		hr, err := http.NewRequest(req.Method, srv.URL+req.Target, strings.NewReader(req.Body))
		if err != nil {
			t.Fatal(err)
		}
		hr.Header.Set("Sec-Fetch-Site", "same-origin")
		if req.ContentType != "" {
			hr.Header.Set("Content-Type", req.ContentType)
		}
		hc := c.http
		if req.Method != "GET" {
			hc = post
		}
		resp, err := hc.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.Request.URL.Path == "/signin" && req.Target != "/signin" && !strings.HasPrefix(req.Target, "/signin?") {
			t.Fatalf("%s: signed out (at %s)", req, resp.Request.URL)
		}
		text := fmt.Sprintf("URL %s\nLocation %s\nContent-Disposition %s\n\n%s", resp.Request.URL.RequestURI(),
			resp.Header.Get("Location"), resp.Header.Get("Content-Disposition"), body)
		if testing.Verbose() && os.Getenv("WALK_DEBUG") != "" {
			t.Logf("%d %s", resp.StatusCode, req)
		}
		return scopetest.Answer{Status: resp.StatusCode, Text: text}
	}

	// Reads first, then changes: the refused changes then follow each other,
	// and the walk digests the database once between two of them.
	patterns := s.PagePatterns()
	slices.SortStableFunc(patterns, func(a, b string) int { return cmpBool(!strings.HasPrefix(a, "GET "), !strings.HasPrefix(b, "GET ")) })
	for pattern := range scopeWalkPages {
		if !slices.Contains(patterns, pattern) {
			t.Errorf("scopeWalkPages has %q, which the web application no longer registers: remove it", pattern)
		}
	}
	requests, walked := 0, 0
	for _, pattern := range patterns {
		if why, ok := scopeWalkSkipped[pattern]; ok {
			t.Logf("not walked: %s (%s)", pattern, why)
			continue
		}
		cases, ok := scopeWalkPages[pattern]
		if !ok {
			t.Errorf("the page %q is not in the scope walk: add it to scopeWalkPages in %s with what fills its parameters and query strings (or, if it shows and changes no record, to scopeWalkSkipped with why)",
				pattern, "internal/web/scope_walk_test.go")
			continue
		}
		walked++
		t.Run(pattern, func(t *testing.T) {
			for _, wc := range cases {
				for _, tpl := range walkTemplates(t, pattern, wc) {
					opt := wc.opt
					opt.Write = tpl.Method != "GET"
					requests += w.Walk(t, tpl, opt, do)
				}
			}
		})
	}
	t.Logf("walked %d of %d page patterns in %d requests; %d forbidden strings of region %s and others", walked, len(patterns),
		requests, w.Forbidden.Len(), w.Other)
}

var pathParam = regexp.MustCompile(`\{([^}]*)\}`)

// walkTemplates turns a page pattern and its table entry into request
// templates: the path with its parameters filled, then each query string.
func walkTemplates(t *testing.T, pattern string, wc walkPage) []scopetest.Template {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern // a pattern for every method: walked as a page
	}
	path = strings.ReplaceAll(path, "{$}", "")
	path = pathParam.ReplaceAllStringFunc(path, func(p string) string {
		name := strings.TrimSuffix(p[1:len(p)-1], "...")
		fill, ok := wc.params[name]
		if !ok {
			t.Fatalf("%s: nothing fills the parameter {%s}: add it to the page's params", pattern, name)
		}
		return fill
	})
	if fill, ok := wc.params[""]; ok { // the catch-all: some path under it
		path = "/" + fill
	}
	base := scopetest.Template{Method: method, Target: path}
	switch {
	case wc.files != nil:
		const boundary = "scopewalkboundary"
		var b strings.Builder
		names := make([]string, 0, len(wc.files))
		for name := range wc.files {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			fmt.Fprintf(&b, "--%s\r\nContent-Disposition: form-data; name=%q; filename=%q\r\nContent-Type: text/csv\r\n\r\n%s\r\n",
				boundary, name, name+".csv", wc.files[name])
		}
		fmt.Fprintf(&b, "--%s--\r\n", boundary)
		base.Body, base.ContentType = b.String(), "multipart/form-data; boundary="+boundary
	case method != "GET":
		base.Body, base.ContentType, base.Escape = wc.form, "application/x-www-form-urlencoded", url.QueryEscape
	}
	out := []scopetest.Template{base}
	for _, q := range wc.queries {
		tpl := base
		tpl.Target += q
		out = append(out, tpl)
	}
	return out
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// resultsWorld computes the coverage of the walk's calls and an indicator
// over its cases (one in each region) for this month, so that the results
// pages have another region's figures to hide.
func resultsWorld(t *testing.T, w *scopetest.World) *results.Store {
	t.Helper()
	rs := results.NewStore(w.DB, w.Programs, w.Delivery, w.Registry, w.Targeting, nil, nil)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	if _, err := rs.ComputeFunnel(ctx); err != nil {
		t.Fatal(err)
	}
	month := time.Now().UTC().Format("2006-01")
	if _, err := rs.SaveIndicator(ctx, results.Indicator{Line: "puente", Version: 1, Code: "walk", NameES: "Sesiones", NameEN: "Sessions",
		Numerator: "sessions_held", Denominator: "true", Unit: results.UnitRatio, Targets: []results.Target{{Period: month, Target: 5}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.ComputeIndicators(ctx, month); err != nil {
		t.Fatal(err)
	}
	return rs
}

// fundsWorld gives both regions a budget line with envelopes for the walk's
// calls, so that the budget-execution page has another region's to hide.
func fundsWorld(t *testing.T, w *scopetest.World) {
	t.Helper()
	fs := funds.New(w.DB)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	for region, calls := range map[string][]string{scopetest.Own: {"walk-propia", "walk-mixta", "walk-abierta"}, w.Other: {"walk-otra"}} {
		k := funds.Key{Year: 2026, Line: "walk", Region: region}
		if _, err := fs.Assign(ctx, k, 10_000_000, ""); err != nil {
			t.Fatal(err)
		}
		for _, c := range calls {
			if _, err := fs.Allocate(ctx, k, c, 1_000_000, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	paymentsWorld(t, w, fs) // funds_payments_web_test.go
}
