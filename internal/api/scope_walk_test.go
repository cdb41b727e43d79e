package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/scopetest"
)

// walkEndpoint says how the scope walk fills one API route: what goes in
// its path parameters ("{kind}" is varied over the officer's region,
// another region and a value that does not exist; "{kind:i}" pins the
// officer's i-th value; anything else is literal), which query strings it
// also walks, and the body of a route that changes data (JSON unless
// contentType says otherwise).
type walkEndpoint struct {
	params      map[string]string
	queries     []string
	body        string
	contentType string
	opt         scopetest.Options
}

// callConfig: a call's answer holds its quotas by commune code: a call is
// public (it is announced), so an officer who sees a call of two regions
// sees the other region's commune in its quotas. Its applicants there stay
// out (their household ids, RUNs, names, communes' names and records are
// still forbidden).
var callConfig = scopetest.Options{Allow: []string{scopetest.CatCommuneCode}}

// catalogue: the programme catalogue is national, the same for everyone, and
// its sources cite places ("Antofagasta 2020").
var catalogue = scopetest.Options{Allow: []string{scopetest.CatCommune}}

// scopeWalkEndpoints is every API route the regional officer is walked
// through. A route in the route table absent from here and from
// scopeWalkSkipped fails TestScopeWalk.
// microcreditNational: the microcredit subsidy is national (finance
// officers, institutions' own users); a regional officer is refused on
// every institution alike.
var microcreditNational = scopetest.Options{OwnMayFail: "the microcredit subsidy is national: a regional officer reads no institution"}

var scopeWalkEndpoints = map[string][]walkEndpoint{
	"GET /healthz": {{}},
	"GET /readyz":  {{}},
	// The API's description is the same for everyone; its numbers are
	// status codes and bounds ("200"), never a count of households.
	"GET /api/v1/openapi.json": {{opt: scopetest.Options{Allow: []string{scopetest.CatNationalCount}}}},
	// The territory is Chile's geography, the same for everyone: every
	// region and commune by name, and no record of anyone.
	"GET /api/v1/territory": {{opt: scopetest.Options{Allow: []string{scopetest.CatCommune, scopetest.CatCommuneCode, scopetest.CatRegion}}}},

	"GET /api/v1/households/{id}":           {{params: map[string]string{"id": "{household}"}, queries: []string{"?lang=en"}}},
	"GET /api/v1/households/{id}/sensitive": {{params: map[string]string{"id": "{household}"}}},
	"GET /api/v1/persons": {{queries: []string{"?name={name}", "?name={name}&limit=200"},
		opt: scopetest.Options{OwnMayFail: "without a name there is nothing to search"}}},
	"GET /api/v1/persons/{run}/household": {{params: map[string]string{"run": "{run}"}}, {params: map[string]string{"run": "{run-dots}"}},
		{params: map[string]string{"run": "{run-compact}"}}},
	"GET /api/v1/communes/{code}/households": {{params: map[string]string{"code": "{commune}"},
		queries: []string{"?limit=500", "?zone=rural", "?bracket=40&bracket=50", "?run={scoring-run}&bracket=40", "?after={commune-after}", "?female_head=1"}}},

	"GET /api/v1/score/runs":                                 {{}},
	"GET /api/v1/score/runs/{run}":                           {{params: map[string]string{"run": "{scoring-run}"}}},
	"GET /api/v1/score/runs/{run}/regions":                   {{params: map[string]string{"run": "{scoring-run}"}}},
	"GET /api/v1/score/runs/{run}/regions/{region}/communes": {{params: map[string]string{"run": "{scoring-run}", "region": "{region}"}}},
	"GET /api/v1/score/diff":                                 {{queries: []string{"?a={scoring-run:0}&b={scoring-run:1}", "?a={scoring-run}&b={scoring-run:1}"}, opt: scopetest.Options{OwnMayFail: "a= and b= are required"}}},
	"GET /api/v1/score/diff/moved":                           {{queries: []string{"?a={scoring-run:0}&b={scoring-run:1}&limit=1000", "?a={scoring-run:0}&b={scoring-run:1}&limit=2&after={moved-cursor}"}, opt: scopetest.Options{OwnMayFail: "a= and b= are required"}}},
	"GET /api/v1/imports":                                    {{queries: []string{"?before={import}"}}},
	"GET /api/v1/imports/{id}/problems":                      {{params: map[string]string{"id": "{import}"}}},
	"GET /api/v1/jobs/{id}":                                  {{params: map[string]string{"id": "{job}"}}},
	"GET /api/v1/users":                                      {{}},
	"GET /api/v1/tokens":                                     {{queries: []string{"?user_id={user}"}}},
	"GET /api/v1/audit":                                      {{queries: []string{"?entity=household&entity_id={household}"}}},
	"GET /api/v1/programs":                                   {{opt: catalogue}},
	"GET /api/v1/programs/{code}":                            {{params: map[string]string{"code": "{programme}"}, opt: catalogue}},
	"GET /api/v1/programs/{code}/versions":                   {{params: map[string]string{"code": "{programme}"}, opt: catalogue}},
	"GET /api/v1/agencies":                                   {{}},
	"GET /api/v1/calls":                                      {{opt: callConfig}},
	"GET /api/v1/calls/{code}":                               {{params: map[string]string{"code": "{call}"}, opt: callConfig}},
	"GET /api/v1/calls/{code}/applications": {{params: map[string]string{"code": "{call}"}, queries: []string{"?status=selected", "?limit=1"}},
		{params: map[string]string{"code": "{call:1}"}, queries: []string{"?after={app-after}"}}},
	"GET /api/v1/calls/{code}/preview": {{params: map[string]string{"code": "{call}"}}},
	"GET /api/v1/calls/{code}/selection": {{params: map[string]string{"code": "{selected-call}"}, queries: []string{"?verify=true"},
		opt: callConfig}},
	"GET /api/v1/applications/{id}": {{params: map[string]string{"id": "{application}"}}},

	"GET /api/v1/households/{id}/changes":      {{params: map[string]string{"id": "{household}"}}},
	"GET /api/v1/households/{id}/versions":     {{params: map[string]string{"id": "{household}"}}},
	"GET /api/v1/households/{id}/as-of/{date}": {{params: map[string]string{"id": "{household}", "date": "{today}"}}},
	"GET /api/v1/changes":                      {{queries: []string{"?state=approved", "?after={change-after}", "?limit=1"}}},
	"GET /api/v1/changes/{change}":             {{params: map[string]string{"change": "{change}"}}},
	"GET /api/v1/cooperation/orgs":             {{}},
	"GET /api/v1/cooperation/staff":            {{}},
	"GET /api/v1/cooperation/projects":         {{}},
	"GET /api/v1/cooperation/projects/{code}":  {{params: map[string]string{"code": "{coop-project}"}}},
	"GET /api/v1/cooperation/iati":             {{}},
	"GET /api/v1/cooperation/segib":            {{}},
	"GET /api/v1/knowledge":                    {{queries: []string{"?q=familias"}}},
	"GET /api/v1/knowledge/{slug}":             {{params: map[string]string{"slug": "{knowledge}"}}},
	"GET /api/v1/knowledge/{slug}/package":     {{params: map[string]string{"slug": "{knowledge}"}}},

	"POST /api/v1/imports": {{body: "--b\r\nContent-Disposition: form-data; name=\"households\"; filename=\"h.csv\"\r\n\r\nhousehold_id,commune_code\r\nW1,{commune}\r\n--b--\r\n",
		contentType: "multipart/form-data; boundary=b"}},
	"POST /api/v1/users":               {{body: `{"username": "walk-nuevo", "role": "regional", "region_code": "{region}"}`}},
	"POST /api/v1/users/{id}/active":   {{params: map[string]string{"id": "{user}"}, body: `{"active": false}`}},
	"POST /api/v1/users/{id}/role":     {{params: map[string]string{"id": "{user}"}, body: `{"role": "analyst"}`}},
	"POST /api/v1/users/{id}/password": {{params: map[string]string{"id": "{user}"}, body: `{"password": "another horse battery staple"}`}},
	"POST /api/v1/tokens/{id}/revoke":  {{params: map[string]string{"id": "{token}"}, opt: scopetest.Options{Existence: tokenExistence}}},
	"POST /api/v1/audit/verify":        {{}},
	"POST /api/v1/score/what-if":       {{body: `{}`}},
	"POST /api/v1/score/what-if/moved": {{body: `{}`}},
	"POST /api/v1/programs":            {{body: `{"code": "walk-programa"}`}},
	"POST /api/v1/agencies":            {{body: `{"code": "agencia-nueva", "name": "Nueva"}`}},
	"POST /api/v1/agencies/{code}/contracts": {{params: map[string]string{"code": "{agency}"},
		body: `{"program": "yo-emprendo-semilla", "tender_code": "T-1", "starts_on": "{today}", "ends_on": "2099-12-31", "families": 1, "budget_clp": 575000, "communes": ["{commune}"]}`}},
	"POST /api/v1/agencies/{code}/staff": {{params: map[string]string{"code": "{agency}"}, body: `{"user_id": 1}`}},
	"POST /api/v1/calls":                 {{body: `{"code": "walk-nueva", "title": "Nueva", "program": "yo-emprendo-semilla", "opens_on": "{today}", "closes_on": "2099-12-31", "run": {scoring-run:1}, "budget_clp": 575000, "communes": {"{commune}": 1}}`}},
	"POST /api/v1/calls/{code}/status":   {{params: map[string]string{"code": "{call}"}, body: `{"status": "closed"}`}},
	// The open call ({call:2}) covers a commune of each region, so applying
	// there with another region's RUN is refused for scope alone.
	"POST /api/v1/calls/{code}/applications": {{params: map[string]string{"code": "{call}"}, body: `{"run": "{run:0}"}`},
		{params: map[string]string{"code": "{call:2}"}, body: `{"run": "{run}"}`},
		{params: map[string]string{"code": "{call:2}"}, body: `{"run": "{run-dots}"}`},
		{params: map[string]string{"code": "{call:2}"}, body: `{"household_id": "{household}"}`,
			opt: scopetest.Options{Invalid: "the call takes people: a household id is refused, whoever's it is"}}},
	"POST /api/v1/calls/{code}/applications/import": {{params: map[string]string{"code": "{call}"}, body: "run\n{run:0}\n", contentType: "text/csv"},
		{params: map[string]string{"code": "{call:2}"}, body: "run\n{run-dots}\n", contentType: "text/csv",
			opt: scopetest.Options{Invalid: "an import is all or nothing: a row whose applicant is not found makes the file wrong"}}},
	"POST /api/v1/calls/{code}/whatif":        {{params: map[string]string{"code": "{call}"}, body: `{"max_bracket": 40}`}},
	"POST /api/v1/calls/{code}/selection":     {{params: map[string]string{"code": "{call}"}}},
	"POST /api/v1/applications/{id}/withdraw": {{params: map[string]string{"id": "{application}"}, body: `{"reason": "walk"}`}},
	"POST /api/v1/applications/{id}/enroll":   {{params: map[string]string{"id": "{application}"}, body: `{"starts_on": "{today}"}`}},
	"POST /api/v1/households/{id}/changes": {{params: map[string]string{"id": "{household}"},
		body: `{"kind": "update", "reason": "walk", "changes": {"household": [{"field": "rooms", "to": "9"}]}}`}},
	"POST /api/v1/changes/{change}/approve":  {{params: map[string]string{"change": "{change}"}, body: `{"comment": "walk"}`}},
	"POST /api/v1/changes/{change}/reject":   {{params: map[string]string{"change": "{change}"}, body: `{"comment": "walk"}`}},
	"POST /api/v1/changes/{change}/withdraw": {{params: map[string]string{"change": "{change}"}}},

	// Funds: a regional officer reads only their region's budget lines and
	// envelopes, and moves no money.
	"GET /api/v1/funds/balances":                                              {{queries: []string{"?year=2026", "?region={region}"}}},
	"GET /api/v1/funds/envelopes/{call}/movements":                            {{params: map[string]string{"call": "{call}"}}},
	"POST /api/v1/funds/assignments":                                          {{body: `{"year": 2026, "line": "walk", "region": "13", "amount": 1}`}},
	"POST /api/v1/funds/modifications":                                        {{body: `{"year": 2026, "line": "walk", "region": "13", "amount": 1}`}},
	"POST /api/v1/cooperation/orgs":                                           {{body: `{"name": "Walk"}`}},
	"POST /api/v1/cooperation/staff":                                          {{body: `{"name": "Walk"}`}},
	"POST /api/v1/cooperation/members":                                        {{body: `{"user_id": 1, "org": "FOSIS"}`}},
	"POST /api/v1/cooperation/projects":                                       {{body: `{"title": "Walk"}`}},
	"POST /api/v1/cooperation/projects/{code}/feasibility":                    {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/designs":                        {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/review":                         {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/agreement":                      {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/signatures":                     {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/amendments":                     {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/amendments/{number}/signatures": {{params: map[string]string{"code": "{coop-project}", "number": "1"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/amendments/{number}/withdrawal": {{params: map[string]string{"code": "{coop-project}", "number": "1"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/transitions":                    {{params: map[string]string{"code": "{coop-project}"}, body: `{"to": "start"}`}},
	"POST /api/v1/cooperation/projects/{code}/events":                         {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/execution":                      {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"PUT /api/v1/cooperation/projects/{code}/systematization":                 {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/cooperation/projects/{code}/documents":                      {{params: map[string]string{"code": "{coop-project}"}, body: `{}`}},
	"POST /api/v1/knowledge":                                                  {{body: `{"slug": "walk"}`}},
	"POST /api/v1/knowledge/{slug}/projects":                                  {{params: map[string]string{"slug": "{knowledge}"}, body: `{}`}},
	"POST /api/v1/knowledge/packages":                                         {{body: `{}`}},

	// Results: a regional officer reads their region's coverage, calls and
	// indicators; the computations, declarations and open data are national.
	"GET /api/v1/results/funnel":                  {{queries: []string{"?region={region}", "?call={call}", "?by=region", "?by=call&region={region}"}}},
	"POST /api/v1/results/funnel/compute":         {{}},
	"GET /api/v1/results/focalisation/{call}":     {{params: map[string]string{"call": "{call}"}}},
	"GET /api/v1/results/opendata":                {{queries: []string{"?format=csv"}}},
	"GET /api/v1/results/indicators":              {{queries: []string{"?line=puente"}}},
	"POST /api/v1/results/indicators":             {{body: `{"program": "puente", "program_version": 1, "code": "walk2", "name_es": "x", "name_en": "x", "numerator": "true", "unit": "count", "tolerance": 0, "targets": []}`}},
	"POST /api/v1/results/indicators/compute":     {{body: `{"period": "2026-11"}`}},
	"GET /api/v1/results/indicators/values":       {{queries: []string{"?region={region}", "?off_track=1"}}},
	"GET /api/v1/results/indicators/{id}/history": {{params: map[string]string{"id": "1"}, queries: []string{"?region={region}"}}},
	"GET /api/v1/results/alerts":                  {{}},
	"GET /api/v1/results/alerts/agencies":         {{queries: []string{"?line=puente"}}},
	// Participants' money (scopetest.FundParticipants gives a case of each
	// region money and a held receipt): the case's readers see it; money
	// moves only by finance officers.
	"GET /api/v1/funds/participants":                       {{queries: []string{"?pending=1", "?region={region}"}}},
	"GET /api/v1/funds/cases/{id}":                         {{params: map[string]string{"id": "{case}"}}},
	"POST /api/v1/funds/cases/{id}/receipts":               {{params: map[string]string{"id": "{case}"}, body: "not a form", contentType: "text/plain", opt: scopetest.Options{OwnMayFail: "the walk sends no receipt: invalid"}}},
	"POST /api/v1/funds/cases/{id}/tranches/{seq}/order":   {{params: map[string]string{"id": "{case}", "seq": "1"}, body: `{}`}},
	"POST /api/v1/funds/cases/{id}/recoveries":             {{params: map[string]string{"id": "{case}"}, body: `{"amount": 1}`}},
	"POST /api/v1/funds/receipts/{id}/review":              {{params: map[string]string{"id": "{receipt}"}, body: `{"accept": true}`}},
	"GET /api/v1/funds/tranche-payments":                   {{}},
	"POST /api/v1/funds/tranche-payments/{id}/settlement":  {{params: map[string]string{"id": "1"}, body: `{"paid": true}`}},
	"GET /api/v1/funds/tranche-schedules/{line}/{version}": {{params: map[string]string{"line": "{programme}", "version": "1"}}},
	"PUT /api/v1/funds/tranche-schedules/{line}/{version}": {{params: map[string]string{"line": "{programme}", "version": "1"}, body: `{"tranches": [{"percent": 100, "due": "approval", "payee": "participant", "justify_days": 30}]}`}},
	"POST /api/v1/funds/overdue":                           {{body: `{}`}},

	"GET /api/v1/cases":                   {{queries: []string{"?commune={commune}", "?active=true&limit=500", "?after={case-after}"}}},
	"GET /api/v1/cases/{id}":              {{params: map[string]string{"id": "{case}"}}},
	"GET /api/v1/cases/alerts":            {{queries: []string{"?days=1", "?days=365&limit=1000"}}},
	"GET /api/v1/cases/agenda":            {{queries: []string{"?days=60"}}},
	"POST /api/v1/cases/{id}/plans":       {{params: map[string]string{"id": "{case}"}, body: `{"kind": "family", "goal": "walk"}`}},
	"POST /api/v1/plans/{id}/decision":    {{params: map[string]string{"id": "{plan}"}, body: `{"approve": true}`}},
	"GET /api/v1/sessions/{id}/notes":     {{params: map[string]string{"id": "{session}"}}},
	"POST /api/v1/cases/{id}/transitions": {{params: map[string]string{"id": "{case}"}, body: `{"from": "open", "to": "in_diagnosis"}`}},
	"POST /api/v1/cases/{id}/diagnosis":   {{params: map[string]string{"id": "{case}"}, body: `{"phase": "entry", "marks": [{"condition": "SA1", "status": "met"}]}`}},
	"POST /api/v1/cases/{id}/sessions":    {{params: map[string]string{"id": "{case}"}, body: `{"component": "home", "kind": "home", "date": "{today}", "minutes": 45}`}},
	"POST /api/v1/sessions/import": {{body: "case,ref,date,component,kind,status,minutes,attendees,dimensions,notes\n{case},W1,{today},home,home,held,45,,,\n", contentType: "text/csv",
		opt: scopetest.Options{Invalid: "an import is all or nothing: a row of a case out of reach makes the file wrong"}}},

	// Payments and runs are national (a regional officer is refused them);
	// contracts are walked by region (fundsPaymentsWorld: a contract coded
	// as its region).
	"GET /api/v1/funds/payments":                                  {{queries: []string{"?state=ready"}}},
	"POST /api/v1/funds/payments":                                 {{body: `{"key": "walk", "call": "walk-propia", "purpose": "tranche", "payee": {"name": "W", "tax_id": "12.345.678-5", "bank": "012", "account_kind": "vista", "account": "1"}, "amount": 1}`}},
	"POST /api/v1/funds/payments/{id}/reissue":                    {{params: map[string]string{"id": "1"}}},
	"GET /api/v1/funds/payruns":                                   {{}},
	"POST /api/v1/funds/payruns":                                  {{body: `{"note": "walk"}`}},
	"GET /api/v1/funds/payruns/{id}":                              {{params: map[string]string{"id": "1"}}},
	"POST /api/v1/funds/payruns/{id}/approve":                     {{params: map[string]string{"id": "1"}}},
	"POST /api/v1/funds/payruns/{id}/cancel":                      {{params: map[string]string{"id": "1"}}},
	"POST /api/v1/funds/payruns/{id}/file":                        {{params: map[string]string{"id": "1"}, body: `{}`}},
	"POST /api/v1/funds/payruns/{id}/results":                     {{params: map[string]string{"id": "1"}, body: `{"file": "payment;amount;status;reason\n1;1;PAID;\nTOTAL;1;1;\n"}`}},
	"GET /api/v1/funds/contracts":                                 {{}},
	"POST /api/v1/funds/contracts":                                {{body: `{"code": "walk-new"}`}},
	"GET /api/v1/funds/contracts/{code}":                          {{params: map[string]string{"code": "{region}"}}},
	"POST /api/v1/funds/contracts/{code}/sign":                    {{params: map[string]string{"code": "{region}"}}},
	"POST /api/v1/funds/contracts/{code}/guarantees":              {{params: map[string]string{"code": "{region}"}, body: `{"kind": "vale_vista", "number": "1", "issuer": "x", "amount": 1, "expires_on": "2030-01-01"}`}},
	"POST /api/v1/funds/contracts/{code}/spending":                {{params: map[string]string{"code": "{region}"}, body: `{"month": "2026-03", "lines": {"other": 1}}`}},
	"POST /api/v1/funds/contracts/{code}/milestones/{seq}/{step}": {{params: map[string]string{"code": "{region}", "seq": "2", "step": "accept"}, body: `{"evidence": "walk"}`}},
	"GET /api/v1/funds/guarantees/alerts":                         {{queries: []string{"?days=365"}}},
	"GET /api/v1/funds/execution":                                 {{queries: []string{"?year=2026", "?year=2026&region={region}", "?year=2026&month=3"}}},
	"GET /api/v1/funds/institutions":                              {{opt: microcreditNational}},
	"POST /api/v1/funds/institutions":                             {{body: `{"code": "walk-nueva", "name": "Nueva", "kind": "bank", "tax_id": "76000000-0"}`, opt: microcreditNational}},
	"POST /api/v1/funds/institutions/{code}/agreements": {{params: map[string]string{"code": "walk-fundacion"},
		body: `{"call": "{call}", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "cap": 1000, "bands": [{"min": 1, "max": 10, "subsidy": 1}]}`, opt: microcreditNational}},
	"GET /api/v1/funds/institutions/{code}/loans": {{params: map[string]string{"code": "walk-fundacion"}, opt: microcreditNational}},
	"POST /api/v1/funds/institutions/{code}/loans": {{params: map[string]string{"code": "walk-fundacion"},
		body: `{"loans": [{"run": "{run-dots:0}", "amount": 300000, "placed_on": "2026-03-05", "term_months": 12, "business_since": "2020-01-01"}]}`, opt: microcreditNational}},
	"GET /api/v1/funds/institutions/{code}/settlements":  {{params: map[string]string{"code": "walk-fundacion"}, opt: microcreditNational}},
	"POST /api/v1/funds/institutions/{code}/settlements": {{params: map[string]string{"code": "walk-fundacion"}, body: `{"month": "2026-03"}`, opt: microcreditNational}},
	"GET /api/v1/courses":                                {{queries: []string{"?program=yo-emprendo-semilla", "?commune={commune}"}}},
	"POST /api/v1/courses":                               {{body: `{"program": "yo-emprendo-semilla", "agency": "{agency:0}", "commune": "{commune}", "title": "walk", "starts_on": "{today}", "ends_on": "{today}"}`}},
	"GET /api/v1/courses/{id}":                           {{params: map[string]string{"id": "{course}"}}},
	"POST /api/v1/courses/{id}/sessions":                 {{params: map[string]string{"id": "{course}"}, body: `{"date": "{today}", "minutes": 90}`}},
	"POST /api/v1/courses/{id}/participants":             {{params: map[string]string{"id": "{course}"}, body: `{"cases": [{training-case:0}]}`}},
	"POST /api/v1/course-sessions/{id}/attendance": {{params: map[string]string{"id": "{course-session}"}, body: `{"version": 0, "marks": [{"case_id": {training-case:0}, "present": true}]}`,
		opt: scopetest.Options{OwnMayFail: "the session's version moves at each save: a second save from version 0 is told to reload (409)"}}},
	"POST /api/v1/attendance/import": {{body: "course,session,case,present,minutes\n{course},1,{training-case},1,\n", contentType: "text/csv",
		opt: scopetest.Options{Invalid: "an import is all or nothing: a row of a course out of reach makes the file wrong"}}},
	"GET /api/v1/progress/{id}": {{params: map[string]string{"id": "{training-case}"}}},
	"GET /api/v1/goods":         {{queries: []string{"?case={training-case}"}, opt: scopetest.Options{OwnMayFail: "without ?case= there is no case whose goods to list (400)"}}},
	"POST /api/v1/goods": {{body: `{"case_id": {training-case}, "item": "Horno", "quantity": 1, "unit_cost_clp": 1000, "received_on": "{today}", "received_by": "Rosa"}`,
		opt: scopetest.Options{OwnMayFail: "the walked case is open: goods wait for the intervention (409)"}}},
	"POST /api/v1/plan-actions/{id}/done": {{params: map[string]string{"id": "{plan}"}, body: `{"index": 0}`,
		opt: scopetest.Options{OwnMayFail: "the walked plan is proposed, not approved: its actions are not marked done (409)"}}},
}

// scopeWalkSkipped are the routes the walk does not visit, and why no
// region's data is at stake there (none today: every route is walked).
var scopeWalkSkipped = map[string]string{}

const tokenExistence = "an API token belongs to a user, not to a region: refusing another user's token (403) says that the id exists, and token ids are sequential"

var routeParam = regexp.MustCompile(`\{([^}]*)\}`)

// TestScopeWalk is issue #3's proof for the API: with a token of a
// regional officer of region 13, it calls every route of the route table —
// each parameter filled with a record of region 13, of another region and
// one that does not exist, and each query string that selects data — and
// finds nothing of another region's data: another region's record answers
// exactly like a missing one, no answer (lists, exports, maps, counts,
// selections) holds another region's household ids, RUNs, names, communes,
// change requests or applications, nor a JSON record located in another
// region, and every change attempted on another region's records is refused
// and leaves the database as it was.
func TestScopeWalk(t *testing.T) {
	w := scopetest.New(t)
	fundsWorld(t, w)
	rs := resultsWorld(t, w)
	srv := httptest.NewServer((&api.Server{DB: w.DB, Registry: w.Registry, Targeting: w.Targeting, Programs: w.Programs,
		Tokens: w.Users, Users: w.Users, Jobs: w.Jobs, UploadDir: t.TempDir(), MaxUpload: 1 << 20,
		Cooperation: w.Cooperation, Knowledge: w.Knowledge, Delivery: w.Delivery, Funds: scopetest.FundParticipants(t, w), Results: rs}).Handler())
	t.Cleanup(srv.Close)
	secret := w.Tokens[scopetest.Officer]
	do := func(req scopetest.Request) scopetest.Answer {
		hr, err := http.NewRequest(req.Method, srv.URL+req.Target, strings.NewReader(req.Body))
		if err != nil {
			t.Fatal(err)
		}
		hr.Header.Set("Authorization", "Bearer "+secret)
		if req.ContentType != "" {
			hr.Header.Set("Content-Type", req.ContentType)
		}
		resp, err := http.DefaultTransport.RoundTrip(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 401 {
			t.Fatalf("%s: the officer's token was refused: %s", req, body)
		}
		if os.Getenv("WALK_DEBUG") != "" {
			t.Logf("%d %s", resp.StatusCode, req)
		}
		a := scopetest.Answer{Status: resp.StatusCode,
			Text: fmt.Sprintf("Content-Disposition %s\n\n%s", resp.Header.Get("Content-Disposition"), body)}
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&a.JSON); err != nil {
				t.Errorf("%s: not JSON: %v", req, err)
			}
		}
		return a
	}

	var patterns []string
	for _, rt := range api.Routes() {
		patterns = append(patterns, rt.Method+" "+rt.Pattern)
	}
	// Reads first, then changes: the refused changes then follow each other,
	// and the walk digests the database once between two of them.
	slices.SortStableFunc(patterns, func(a, b string) int { return cmpBool(!strings.HasPrefix(a, "GET "), !strings.HasPrefix(b, "GET ")) })
	for pattern := range scopeWalkEndpoints {
		if !contains(patterns, pattern) {
			t.Errorf("scopeWalkEndpoints has %q, which is not in the route table: remove it", pattern)
		}
	}
	requests, walked := 0, 0
	for _, pattern := range patterns {
		if why, ok := scopeWalkSkipped[pattern]; ok {
			t.Logf("not walked: %s (%s)", pattern, why)
			continue
		}
		cases, ok := scopeWalkEndpoints[pattern]
		if !ok {
			t.Errorf("the route %q is not in the scope walk: add it to scopeWalkEndpoints in internal/api/scope_walk_test.go with what fills its parameters and query strings (or, if it shows and changes no record, to scopeWalkSkipped with why)", pattern)
			continue
		}
		walked++
		t.Run(pattern, func(t *testing.T) {
			method, path, _ := strings.Cut(pattern, " ")
			for _, wc := range cases {
				target := routeParam.ReplaceAllStringFunc(path, func(p string) string {
					fill, ok := wc.params[p[1:len(p)-1]]
					if !ok {
						t.Fatalf("nothing fills the parameter %s: add it to the route's params", p)
					}
					return fill
				})
				tpl := scopetest.Template{Method: method, Target: target, Body: wc.body, ContentType: wc.contentType}
				if tpl.ContentType == "" && method != "GET" {
					tpl.ContentType = "application/json"
				}
				opt := wc.opt
				opt.Write = method != "GET"
				requests += w.Walk(t, tpl, opt, do)
				for _, q := range wc.queries {
					tq := tpl
					tq.Target += q
					requests += w.Walk(t, tq, opt, do)
				}
			}
		})
	}
	t.Logf("walked %d of %d routes in %d requests; %d forbidden strings of region %s and others", walked, len(patterns),
		requests, w.Forbidden.Len(), w.Other)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
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

// fundsWorld gives the walk's calls envelopes: the own region's calls draw
// on a budget line of region 13, walk-otra on one of the other region.
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
	fundsPaymentsWorld(t, w, fs) // funds_payments_test.go
}
