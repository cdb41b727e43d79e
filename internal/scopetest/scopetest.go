// Package scopetest gives the scope walks of the web application and the
// API (issue #3) one world to walk: a database with data of every kind in
// two regions — the Metropolitan region (13), where the regional officer
// "rosa" works, and the other region with the most households — and what of
// the other regions' data must never reach her: the household ids, the
// people's RUNs in every format the pages and the API print, their names,
// the communes and regions they live in, the change requests and the
// applications.
//
// It builds stores the way the command line does, from test code only.
package scopetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/knowledge"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/jobs"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

// Password is every account's password.
const Password = "correct horse battery staple"

// Own is the regional officer's region.
const Own = "13"

// Officer is the regional officer of region 13 whose scope the walks check.
const Officer = "rosa"

// Kinds of value a route takes (in its path or its query string).
const (
	Household    = "household"      // a household's extract id
	RUN          = "run"            // a person's RUN as 12345678-5
	RUNDots      = "run-dots"       // … as 12.345.678-5
	RUNCompact   = "run-compact"    // … as 123456785
	Name         = "name"           // a person's name, as the search box takes it
	Commune      = "commune"        // a commune code
	Region       = "region"         // a region code
	ScoringRun   = "scoring-run"    // a scoring run id (national: no region owns one)
	Call         = "call"           // a call code
	SelectedCall = "selected-call"  // the code of a call whose selection has run
	Application  = "application"    // an application id
	Change       = "change"         // a change request id
	Job          = "job"            // a background job id (its owner's, not a region's)
	Import       = "import"         // an import id (national)
	User         = "user"           // a user account id
	Token        = "token"          // an API token id
	Programme    = "programme"      // a programme line code (national catalogue)
	Agency       = "agency"         // an executing agency code
	CoopProject  = "coop-project"   // a cooperation project code
	KnowledgeRef = "knowledge"      // a knowledge catalogue slug
	MovedCursor  = "moved-cursor"   // the cursor of a page of a run diff's moved households
	CommuneAfter = "commune-after"  // the cursor of a page of a commune's households
	ChangeAfter  = "change-after"   // the cursor of a page of the change queue
	AppAfter     = "app-after"      // the cursor of a page of a call's applications
	CaseRef      = "case"           // a delivery case id
	CaseAfter    = "case-after"     // the cursor of a page of cases
	SessionRef   = "session"        // a case session id
	PlanRef      = "plan"           // a case plan version's id
	ServiceRef   = "service"        // a service of the directory (edited by region)
	ReferralRef  = "referral"       // a case's referral to a service
	CourseRef    = "course"         // a training course id
	CourseSess   = "course-session" // a training course session id
	TrainingCase = "training-case"  // a Yo Emprendo Semilla case in a course
)

// Values are a kind's values: in the officer's region (every one is walked),
// in other regions (each must answer like None), and one that does not
// exist. Other is empty for kinds no region owns, and for keyset cursors.
type Values struct {
	Own   []string
	Other []string
	None  string
}

// World is the walked database and its stores.
type World struct {
	DB          *db.DB
	Registry    *registry.Store
	Targeting   *targeting.Store
	Programs    *programs.Store
	Users       *auth.Store
	Cooperation *cooperation.Store
	Knowledge   *knowledge.Store
	// Delivery holds a case in each region, each with a session.
	Delivery *delivery.Store
	// Jobs holds a finished job of the officer's and one of the
	// administrator's.
	Jobs *jobs.Tracker
	// Other is the other region with data: the one with the most households
	// after 13 (its officer is "raul").
	Other string
	// Tokens are API token secrets (read and write) by username.
	Tokens map[string]string
	// Values are the values of each kind.
	Values map[string]Values
	// Forbidden is what of other regions' data the officer must never see.
	Forbidden *Forbidden
	// OwnCommune and OtherCommune are the communes the calls cover: the
	// busiest of region 13 and of Other.
	OwnCommune, OtherCommune string

	terr *geo.Territory
	// national is the country's number of households in the scoring runs.
	national int64
	// print is the database's digest when printOK (no request since).
	print   string
	printOK bool
}

// accounts are the world's users, one per role the walks need; raul is the
// officer of the other region.
func accounts(other string) []auth.NewUser {
	return []auth.NewUser{
		{Username: "adela", DisplayName: "Adela Admin", Role: auth.RoleAdmin, Password: Password},
		{Username: "analista", DisplayName: "Andrés Analista", Role: auth.RoleAnalyst, Password: Password},
		{Username: Officer, DisplayName: "Rosa Regional", Role: auth.RoleRegional, RegionCode: Own, Password: Password},
		{Username: "raul", DisplayName: "Raúl Regional", Role: auth.RoleRegional, RegionCode: other, Password: Password},
		{Username: "otilia", DisplayName: "Otilia Auditora", Role: auth.RoleAuditor, Password: Password},
		{Username: "elena", DisplayName: "Elena Ejecutora", Role: auth.RoleAgency, Password: Password},
		{Username: "carla", DisplayName: "Carla Cooperación", Role: auth.RoleCooperation, Password: Password},
	}
}

// New builds the world: 200 synthetic households (over a third in region
// 13), two scoring runs, change requests (approved and pending) on a
// household of each region, an import with a problem report, the programme
// catalogue, an agency with a contract in each region, a call of each region
// and one of both (all selected) and an open call of both, the cooperation
// and knowledge demos, the accounts and their tokens, and two jobs.
func New(t testing.TB) *World {
	t.Helper()
	sys := auth.WithPrincipal(context.Background(), auth.System())
	d, reg := registrytest.Imported(t, 200, 3)
	w := &World{DB: d, Registry: reg, terr: reg.Territory(), Tokens: map[string]string{}, Values: map[string]Values{}}
	w.Targeting = targeting.NewStore(d, reg, nil)
	w.Programs = programs.NewStore(d, reg, w.Targeting, nil)
	w.Users = auth.NewStore(d, time.Now)
	w.Cooperation = cooperation.NewStore(d, nil, time.Now)
	w.Knowledge = knowledge.NewStore(d, w.Cooperation)
	w.Delivery = delivery.NewStore(d, w.Programs, reg, nil, nil)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// A household that moved into region 13 from another region, with a
	// change request approved while it was there (issue 11, 14(c)).
	movedHH, movedRegion, movedChanges := w.moveIn(t, sys)

	// The households by region, and the other region: the busiest after 13.
	f, err := reg.LoadFrame(sys, true)
	must(err)
	byRegion := map[string][]string{}
	byCommune := map[string][]string{}
	for i, id := range f.ExtID {
		code := w.terr.Regions[f.Region[i]].Code
		byRegion[code] = append(byRegion[code], id)
	}
	for code, ids := range byRegion {
		if code != Own && (w.Other == "" || len(ids) > len(byRegion[w.Other]) || (len(ids) == len(byRegion[w.Other]) && code < w.Other)) {
			w.Other = code
		}
	}
	if len(byRegion[Own]) < 10 || len(byRegion[w.Other]) < 10 {
		t.Fatalf("the world needs households in two regions: %d in 13, %d in %s", len(byRegion[Own]), len(byRegion[w.Other]), w.Other)
	}
	views := map[string]*registry.HouseholdView{}
	heads := map[string][]string{} // commune → heads' RUNs
	for _, id := range f.ExtID {
		h, err := reg.Household(sys, id)
		must(err)
		views[id] = h
		byCommune[h.CommuneCode] = append(byCommune[h.CommuneCode], id)
		for _, m := range h.Members {
			if m.Relation == "head" {
				heads[h.CommuneCode] = append(heads[h.CommuneCode], m.RUN)
			}
		}
	}
	busiest := func(region string) string {
		var best string
		for code, ids := range byCommune {
			if r, _ := w.regionOf(code); r == region && (best == "" || len(ids) > len(byCommune[best]) || (len(ids) == len(byCommune[best]) && code < best)) {
				best = code
			}
		}
		return best
	}
	w.OwnCommune, w.OtherCommune = busiest(Own), busiest(w.Other)
	ownHH, otherHH := byCommune[w.OwnCommune][0], byCommune[w.OtherCommune][0]

	// Accounts, tokens.
	ids := map[string]int64{}
	for _, nu := range accounts(w.Other) {
		u, err := w.Users.CreateUser(sys, auth.System(), nu)
		must(err)
		ids[nu.Username] = u.ID
	}
	principal := func(username string) context.Context {
		u, err := w.Users.UserByUsername(sys, username)
		must(err)
		return auth.WithPrincipal(context.Background(), u.Principal())
	}
	var tokenIDs = map[string]int64{}
	for _, user := range []string{Officer, "raul", "adela"} {
		scopes := []string{"read", "write"}
		secret, tok, err := w.Users.CreateToken(sys, auth.System(), ids[user], "scope walk", scopes, 0)
		must(err)
		w.Tokens[user], tokenIDs[user] = secret, tok.ID
	}
	_, spare, err := w.Users.CreateToken(sys, auth.System(), ids["raul"], "spare", []string{"read"}, 0)
	must(err)

	// Two scoring runs: another model first, then the default (the latest).
	var models []*targeting.Model
	for _, m := range targeting.BuiltinModels() {
		if m.ID != targeting.DefaultModelID {
			models = append(models, m)
		}
	}
	models = append(models, targeting.DefaultModel())
	var runs []int64
	for i, m := range models[len(models)-2:] {
		out, err := w.Targeting.ScoreAll(sys, m, time.Date(2026, 11, 1+i, 0, 0, 0, 0, time.UTC), "", nil)
		must(err)
		runs = append(runs, out.Run.ID)
		w.national = out.Run.Households
	}

	// Change requests: on a household of each region, one approved (so that
	// the household has versions) and one waiting.
	adela, analista := principal("adela"), principal("analista")
	changes := map[string][]int64{}
	for _, id := range []string{ownHH, otherHH} {
		for i, decide := range []bool{true, false} {
			h, err := reg.Household(sys, id)
			must(err)
			in := registry.ChangeInput{Kind: registry.KindUpdate, Reason: "scope walk " + strconv.Itoa(i),
				Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: strconv.Itoa(h.Rooms + 1)}}}}
			cr, err := reg.SubmitChange(adela, id, in, "")
			must(err)
			if decide {
				_, err = reg.Decide(analista, cr.ID, registry.Approve, "ok", "")
				must(err)
			}
			region, _ := w.regionOf(views[id].CommuneCode)
			changes[region] = append(changes[region], cr.ID)
		}
	}

	changes[movedRegion] = append(changes[movedRegion], movedChanges...)

	// An import with a problem report (a household of the other region with
	// a zone that is no zone).
	dir := t.TempDir()
	hh := "household_id,commune_code,zone,tenure,rooms,floor,walls,roof,water,sanitation,vehicle_value_clp,property_value_clp,school_fees_clp,registered_on\n" +
		"X-WALK-1," + w.OtherCommune + ",campo,owner,2,poor,poor,fair,well,latrine,0,0,0,2019-01-10\n"
	pp := "run,given_names,paternal_surname,maternal_surname,household_id,relation,sex,birth_date,schooling_years,in_school,employed,labor_income_clp,pension_income_clp,capital_income_clp,health_plan,disability,dependency,indigenous,pregnant\n" +
		"7.010.912-8,Luis,Peña,,X-WALK-1,head,M,1955-09-09,6,0,0,0,180000,0,fonasa_a,none,none,0,0\n"
	must(os.WriteFile(filepath.Join(dir, "h.csv"), []byte(hh), 0o600))
	must(os.WriteFile(filepath.Join(dir, "p.csv"), []byte(pp), 0o600))
	sum, err := reg.Import(sys, registry.ImportOptions{Households: filepath.Join(dir, "h.csv"), Persons: filepath.Join(dir, "p.csv"),
		ErrorsPath: filepath.Join(dir, "errors.csv"), Source: "scope walk"})
	must(err)
	if sum.Problems == 0 {
		t.Fatalf("the import found no problem: %+v", sum)
	}

	// Programmes: the catalogue, an agency in each region, calls.
	_, err = w.Programs.SeedCatalogue(sys)
	must(err)
	year := time.Now().UTC().Year()
	for i, a := range []struct{ code, commune string }{{"agencia-propia", w.OwnCommune}, {"agencia-otra", w.OtherCommune}} {
		_, err := w.Programs.CreateAgency(sys, a.code, "Agencia "+a.code)
		must(err)
		_, err = w.Programs.AddContract(sys, a.code, programs.Contract{Line: "yo-emprendo-semilla", TenderCode: fmt.Sprintf("WALK-%d-%d", year, i),
			StartsOn: fmt.Sprintf("%d-01-01", year), EndsOn: fmt.Sprintf("%d-12-31", year), Families: 4, BudgetCLP: 4 * 575_000,
			Communes: []string{a.commune}})
		must(err)
	}
	must(w.Programs.AddStaff(sys, ids["elena"], "agencia-otra"))
	today := time.Now().UTC()
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	first := func(xs []string, n int) []string { return slices.Clone(xs[:min(n, len(xs))]) }
	calls := []struct {
		code     string
		communes map[string]int
		runs     []string
		close    bool
	}{
		{"walk-propia", map[string]int{w.OwnCommune: 2}, first(heads[w.OwnCommune], 4), true},
		{"walk-otra", map[string]int{w.OtherCommune: 2}, first(heads[w.OtherCommune], 4), true},
		{"walk-mixta", map[string]int{w.OwnCommune: 1, w.OtherCommune: 1}, append(first(heads[w.OwnCommune], 3), first(heads[w.OtherCommune], 3)...), true},
		{"walk-abierta", map[string]int{w.OwnCommune: 1, w.OtherCommune: 1}, nil, false},
	}
	for _, c := range calls {
		places := 0
		for _, n := range c.communes {
			places += n
		}
		_, err := w.Programs.CreateCall(sys, programs.CallInput{Code: c.code, Title: "Paseo " + c.code, Program: "yo-emprendo-semilla",
			OpensOn: day(-7), ClosesOn: day(30), Run: runs[len(runs)-1], BudgetCLP: int64(places) * 575_000, Communes: c.communes})
		must(err)
		_, err = w.Programs.SetStatus(sys, c.code, programs.StatusOpen)
		must(err)
		for _, r := range c.runs {
			_, err := w.Programs.Apply(sys, c.code, programs.ApplyInput{RUN: r})
			must(err)
		}
		if c.close {
			_, err = w.Programs.SetStatus(sys, c.code, programs.StatusClosed)
			must(err)
			_, err = w.Programs.RunSelection(sys, c.code)
			must(err)
		}
	}
	apps := map[string]map[string][]string{} // call → region → application ids
	for _, c := range calls {
		as, err := w.Programs.Applications(sys, c.code, "")
		must(err)
		apps[c.code] = map[string][]string{}
		for _, a := range as {
			apps[c.code][a.Region] = append(apps[c.code][a.Region], strconv.FormatInt(a.ID, 10))
		}
	}
	if len(apps["walk-mixta"][Own]) == 0 || len(apps["walk-mixta"][w.Other]) == 0 {
		t.Fatalf("the mixed call's applications are not in both regions: %v", apps["walk-mixta"])
	}

	// Cases: one in each region (run by that region's agency), each with a
	// session with notes.
	caseOf, sessionOf, planOf := map[string]string{}, map[string]string{}, map[string]string{}
	courseOf, courseSessionOf, trainingCaseOf := map[string]string{}, map[string]string{}, map[string]string{}
	for region, hh := range map[string]string{Own: ownHH, w.Other: otherHH} {
		agency := "agencia-propia"
		if region != Own {
			agency = "agencia-otra"
		}
		c, err := w.Delivery.Open(sys, delivery.OpenInput{Line: "puente", HouseholdID: hh, Agency: agency})
		must(err)
		x, err := w.Delivery.RecordSession(sys, c.ID, delivery.Session{Component: "home", Kind: delivery.SessionHome, Date: day(-1), Minutes: 45,
			Dimensions: []string{"salud"}, Notes: "Notas reservadas"})
		must(err)
		caseOf[region], sessionOf[region] = strconv.FormatInt(c.ID, 10), strconv.FormatInt(x.ID, 10)
		// A second case, in intervention with a proposed plan.
		c2, err := w.Delivery.Open(sys, delivery.OpenInput{Line: "puente", HouseholdID: hh, Agency: agency})
		must(err)
		_, err = w.Delivery.Transition(sys, c2.ID, delivery.StateOpen, delivery.StateDiagnosis, "", "")
		must(err)
		m, err := w.Delivery.CaseMethodology(sys, c2.ID)
		must(err)
		var marks []delivery.Mark
		for _, dm := range m.Dimensions {
			for _, cd := range dm.Conditions {
				marks = append(marks, delivery.Mark{Condition: cd.Code, Status: delivery.NotMet})
			}
		}
		must(w.Delivery.RecordDiagnosis(sys, c2.ID, delivery.PhaseEntry, marks))
		_, err = w.Delivery.Transition(sys, c2.ID, delivery.StateDiagnosis, delivery.StateIntervention, "", "")
		must(err)
		p, err := w.Delivery.ProposePlan(principal("adela"), c2.ID, delivery.Plan{Kind: delivery.PlanFamily, Goal: "Plan de la familia"})
		must(err)
		planOf[region] = strconv.FormatInt(p.ID, 10)
		// A Yo Emprendo Semilla case in a course of its commune, with a session.
		c3, err := w.Delivery.Open(sys, delivery.OpenInput{Line: "yo-emprendo-semilla", HouseholdID: hh, Agency: agency})
		must(err)
		k, err := w.Delivery.CreateCourse(sys, delivery.CourseInput{Line: "yo-emprendo-semilla", Agency: agency, Commune: c3.Commune, Title: "Curso " + region,
			StartsOn: day(-10), EndsOn: day(30)})
		must(err)
		ks, err := w.Delivery.AddCourseSession(sys, k.ID, day(-1), 180, "Costos")
		must(err)
		_, err = w.Delivery.EnrolInCourse(sys, k.ID, []int64{c3.ID})
		must(err)
		courseOf[region], courseSessionOf[region], trainingCaseOf[region] = strconv.FormatInt(k.ID, 10), strconv.FormatInt(ks.ID, 10), strconv.FormatInt(c3.ID, 10)
	}

	// The services directory and a referral in each region (directory.go).
	serviceOf, referralOf := w.directoryWorld(t, sys, caseOf)

	// Cooperation and knowledge: their demos.
	_, err = w.Cooperation.SeedDemo(sys)
	must(err)
	_, err = w.Knowledge.SeedDemo(sys)
	must(err)
	projects, err := w.Cooperation.List(sys)
	must(err)
	items, err := w.Knowledge.List(sys)
	must(err)
	if len(projects) == 0 || len(items) == 0 {
		t.Fatal("the cooperation or knowledge demo is empty")
	}

	// Jobs: a finished one of the officer's and one of the administrator's.
	w.Jobs = jobs.New(10, nil, nil)
	t.Cleanup(w.Jobs.Wait)
	jobOf := map[string]string{}
	for _, user := range []string{Officer, "adela"} {
		j, err := w.Jobs.Start(principal(user), "walk", false, func(context.Context, jobs.Progress) (any, error) { return "done", nil })
		must(err)
		jobOf[user] = j.ID
	}
	w.Jobs.Wait()

	// The cursors of pages, in 13 and elsewhere (keys of households).
	keyOf := func(id string) string { return strconv.FormatInt(views[id].Key, 10) }

	// The values of each kind.
	person := func(id string) registry.PersonView { return views[id].Members[0] }
	runBody := func(id string) int64 {
		n, err := rut.Parse(person(id).RUN)
		must(err)
		return n
	}
	noRUN := int64(3_333_333) // a RUN with a check digit, in nobody's household
	for {
		var n int
		must(d.QueryRowContext(sys, `SELECT count(*) FROM persons WHERE run = ?`, noRUN).Scan(&n))
		if n == 0 {
			break
		}
		noRUN++
	}
	otherRegionHH := byRegion[w.Other][len(byRegion[w.Other])-1] // a second one, without changes
	w.Values = map[string]Values{
		Household:    {Own: []string{ownHH, movedHH}, Other: []string{otherHH, otherRegionHH}, None: noneLike(ownHH)},
		RUN:          {Own: []string{rut.Format(runBody(ownHH))}, Other: []string{rut.Format(runBody(otherHH))}, None: rut.Format(noRUN)},
		RUNDots:      {Own: []string{rut.FormatDots(runBody(ownHH))}, Other: []string{rut.FormatDots(runBody(otherHH))}, None: rut.FormatDots(noRUN)},
		RUNCompact:   {Own: []string{compact(runBody(ownHH))}, Other: []string{compact(runBody(otherHH))}, None: compact(noRUN)},
		Name:         {Own: []string{searchName(person(ownHH))}, Other: []string{searchName(person(otherHH))}, None: "ZUBIZARRETA Xiomara"},
		Commune:      {Own: []string{w.OwnCommune}, Other: []string{w.OtherCommune}, None: "99999"},
		Region:       {Own: []string{Own}, Other: []string{w.Other}, None: "99"},
		ScoringRun:   {Own: []string{strconv.FormatInt(runs[0], 10), strconv.FormatInt(runs[1], 10)}, None: "999"},
		Call:         {Own: []string{"walk-propia", "walk-mixta", "walk-abierta"}, Other: []string{"walk-otra"}, None: "walk-ninguna"},
		SelectedCall: {Own: []string{"walk-propia", "walk-mixta"}, Other: []string{"walk-otra"}, None: "walk-ninguna"},
		Application:  {Own: append(first(apps["walk-propia"][Own], 1), first(apps["walk-mixta"][Own], 1)...), Other: append(first(apps["walk-mixta"][w.Other], 1), first(apps["walk-otra"][w.Other], 1)...), None: "999999"},
		Change:       {Own: int64s(changes[Own]), Other: int64s(changes[w.Other]), None: "999999"},
		Job:          {Own: []string{jobOf[Officer]}, Other: []string{jobOf["adela"]}, None: strings.Repeat("0", len(jobOf["adela"]))},
		Import:       {Own: []string{strconv.FormatInt(sum.ID, 10)}, None: "999999"},
		User:         {Own: []string{strconv.FormatInt(ids[Officer], 10)}, Other: []string{strconv.FormatInt(ids["raul"], 10)}, None: "999999"},
		Token:        {Own: []string{strconv.FormatInt(tokenIDs[Officer], 10)}, Other: []string{strconv.FormatInt(spare.ID, 10)}, None: "999999"},
		Programme:    {Own: []string{"yo-emprendo-semilla"}, None: "programa-ninguno"},
		Agency:       {Own: []string{"agencia-propia"}, Other: []string{"agencia-otra"}, None: "agencia-ninguna"},
		CoopProject:  {Own: []string{projects[0].Code}, None: "PRJ-NINGUNO"},
		KnowledgeRef: {Own: []string{items[0].Slug}, None: "ninguno"},
		// Keyset cursors: a page after another region's record is a page of
		// the officer's records after that key, not an error; every cursor is
		// walked for leaks.
		MovedCursor:  {Own: []string{keyOf(ownHH), keyOf(otherHH)}, None: "99999999"},
		CommuneAfter: {Own: []string{keyOf(ownHH), keyOf(otherHH)}, None: "99999999"},
		ChangeAfter:  {Own: append(int64s(changes[Own][1:]), int64s(changes[w.Other][1:])...), None: "99999999"},
		AppAfter:     {Own: first(apps["walk-mixta"][Own], 1), Other: first(apps["walk-mixta"][w.Other], 1), None: "99999999"},
		CaseRef:      {Own: []string{caseOf[Own]}, Other: []string{caseOf[w.Other]}, None: "999999"},
		CaseAfter:    {Own: []string{caseOf[Own], caseOf[w.Other]}, None: "99999999"},
		SessionRef:   {Own: []string{sessionOf[Own]}, Other: []string{sessionOf[w.Other]}, None: "999999"},
		PlanRef:      {Own: []string{planOf[Own]}, Other: []string{planOf[w.Other]}, None: "999999"},
		ServiceRef:   {Own: []string{serviceOf[Own]}, Other: []string{serviceOf[w.Other]}, None: "999999"},
		ReferralRef:  {Own: []string{referralOf[Own]}, Other: []string{referralOf[w.Other]}, None: "999999"},
		CourseRef:    {Own: []string{courseOf[Own]}, Other: []string{courseOf[w.Other]}, None: "999999"},
		CourseSess:   {Own: []string{courseSessionOf[Own]}, Other: []string{courseSessionOf[w.Other]}, None: "999999"},
		TrainingCase: {Own: []string{trainingCaseOf[Own]}, Other: []string{trainingCaseOf[w.Other]}, None: "999999"},
	}

	w.Forbidden = w.forbidden(sys, views, apps, changes)
	return w
}

// moveIn moves a household of the busiest region after 13 into region 13
// by two approved change requests made there: one of its rooms, then its
// commune. It returns the household, the region it came from and the two
// requests, which region 13's officer must not see (they hold its old
// commune and old values, of versions refused to them).
func (w *World) moveIn(t testing.TB, sys context.Context) (string, string, []int64) {
	t.Helper()
	f, err := w.Registry.LoadFrame(sys, true)
	if err != nil {
		t.Fatal(err)
	}
	byRegion := map[string][]int{}
	for i := range f.ExtID {
		code := w.terr.Regions[f.Region[i]].Code
		byRegion[code] = append(byRegion[code], i)
	}
	from := ""
	for code, is := range byRegion {
		if code != Own && (from == "" || len(is) > len(byRegion[from]) || (len(is) == len(byRegion[from]) && code < from)) {
			from = code
		}
	}
	id := f.ExtID[byRegion[from][len(byRegion[from])/2]]
	h, err := w.Registry.Household(sys, id)
	if err != nil {
		t.Fatal(err)
	}
	to, err := w.Registry.Household(sys, f.ExtID[byRegion[Own][0]])
	if err != nil {
		t.Fatal(err)
	}
	maker := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "mudanza", Role: auth.RoleAdmin})
	checker := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "revisora", Role: auth.RoleAnalyst})
	var ids []int64
	for _, c := range []registry.FieldChange{{Field: "rooms", To: strconv.Itoa(h.Rooms + 2)}, {Field: "commune_code", To: to.CommuneCode}} {
		cr, err := w.Registry.SubmitChange(maker, id, registry.ChangeInput{Kind: registry.KindUpdate, Reason: "scope walk: moving in",
			Changes: registry.ChangeSet{Household: []registry.FieldChange{c}}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Registry.Decide(checker, cr.ID, registry.Approve, "ok", ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cr.ID)
	}
	return id, from, ids
}

// regionOf returns the region of a commune code.
func (w *World) regionOf(commune string) (string, bool) {
	ci, ok := w.terr.CommuneIndex(commune)
	if !ok {
		return "", false
	}
	return w.terr.Communes[ci].RegionCode, true
}

// noneLike returns an id of the same shape as id that no household has.
func noneLike(id string) string {
	b := []byte(id)
	for i := range b {
		if b[i] >= '0' && b[i] <= '9' {
			b[i] = '9'
		}
	}
	return string(b)
}

func compact(run int64) string { return strings.ReplaceAll(rut.Format(run), "-", "") }

// searchName is how a user types a person's name in the search box.
func searchName(p registry.PersonView) string {
	return strings.ToUpper(p.Paternal) + " " + strings.Fields(p.GivenNames)[0]
}

func int64s(xs []int64) []string {
	var out []string
	for _, x := range xs {
		out = append(out, strconv.FormatInt(x, 10))
	}
	return out
}

// Echoes are the forms in which a page or an answer may repeat value v of
// kind: v itself and, for a RUN, its other formats. Comparing the answers
// for two values, each is replaced by a placeholder first.
// For a RUN they come longest first and always in the same order, so that
// the forms of two RUNs pair up.
func Echoes(kind, v string) []string {
	switch kind {
	case RUN, RUNDots, RUNCompact:
		if n, err := rut.Parse(v); err == nil {
			return []string{rut.FormatDots(n), rut.Format(n), compact(n), strconv.FormatInt(n, 10)}
		}
	}
	return []string{v}
}
