package web

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/knowledge"
)

func init() {
	keyPrefixes = append(keyPrefixes, "coop", "knowledge")
	prog := knowledge.Catalogue()[7]
	prog.Status, prog.Version = "draft", 2
	princ := knowledge.Catalogue()[0]
	princ.Status, princ.Version = "published", 1
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"knowledge", knowledgeData{Q: "familias", SearchLang: "es", Kinds: knowledge.Kinds, Searched: true, Entries: []knowledge.Entry{
			{Item: &prog, Score: 7, Projects: []knowledge.ProjectLink{{Code: "CSS-PY-01", Title: "Acompañamiento", Country: "PY", Lessons: "Equipo espejo"}}},
			{Item: &princ, Score: 2}}}, `href="/cooperation/CSS-PY-01"`},
		templateCase{"knowledge", knowledgeData{Q: "zzz", SearchLang: "en", Kinds: knowledge.Kinds, Searched: true}, `id="knowledge-none"`},
		templateCase{"knowledge", knowledgeData{Q: "de", SearchLang: "es", Kinds: knowledge.Kinds, Searched: true, Error: "knowledge.bad_query"}, `id="knowledge-error"`},
		templateCase{"knowledge", knowledgeData{SearchLang: "es", Kinds: knowledge.Kinds}, `id="knowledge-empty"`},
		templateCase{"knowledge", knowledgeData{SearchLang: "es", Kinds: knowledge.Kinds, CanWrite: true, Saved: "mirrored-teams", Form: map[string]string{}}, `id="knowledge-saved"`},
		templateCase{"knowledge", knowledgeData{SearchLang: "es", Kinds: knowledge.Kinds, CanWrite: true, Form: map[string]string{"slug": "Bad Slug", "kind": "methodology"},
			SaveError: newCoopErr(&fosis.Error{Code: fosis.EINVALID, Message: "the item is not valid: slug: x", Key: "knowledge.err.invalid", Fields: []fosis.FieldError{fosis.KeyedField("slug", "knowledge.err.slug", "%q is not a slug (lower-case words joined by dashes, e.g. financial-inclusion)", "Bad Slug")}})}, `value="Bad Slug"`},
	)
	board := coopBoardData{Count: 2, CanWrite: true, Channels: []string{"agci", "financer"},
		Partners: []cooperation.Org{{Name: "MDS Paraguay", Country: "PY"}}, Others: []cooperation.Org{{Name: "GIZ", Country: "DE"}},
		Form: coopRequestForm{On: "2026-11-27", Channel: "agci"}}
	for _, st := range cooperation.Stages {
		board.Columns = append(board.Columns, coopColumn{Stage: st})
	}
	board.Columns[0].Projects = []cooperation.Project{{Code: "CSS-SV-01", Title: "Capital semilla", PartnerCountry: "SV", Step: cooperation.StepRequested, Stage: cooperation.StageRequest}}
	board.Columns[2].Projects = []cooperation.Project{{Code: "CSS-PY-01", Title: "Acompañamiento", PartnerCountry: "PY", Step: cooperation.StepExecuting,
		Stage: cooperation.StageExecution, Modality: cooperation.Triangular}}
	board.Portfolio, board.PortH = newCoopChart(cooperation.Totals{Parties: []cooperation.Total{
		{Name: "chile", Side: cooperation.SideChile, Budgeted: 55000, BudgetedInKind: 55000},
		{Name: "third", Side: cooperation.SideThird, Budgeted: 33000, BudgetedCash: 33000, Executed: 16000, ExecutedCash: 16000}}})
	board.Total = 88000
	refused := board
	refused.Error = newCoopErr(fosis.KeyedErrorf(fosis.ECONFLICT, "coop.refused.staff_capacity.team_would", "the team would exceed staff availability: %s", "Ana Rojas 2026-03 to 2027-12: 60% asked, 50% available"))
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"cooperation", board, `href="/cooperation/CSS-PY-01"`},
		templateCase{"cooperation", board, `id="portfolio-chart"`},
		templateCase{"cooperation", refused, `id="coop-error"`},
		templateCase{"cooperation", coopBoardData{Columns: board.Columns[:0]}, `id="coop-empty"`},
		templateCase{"cooperation", coopBoardData{CanWrite: true}, `id="coop-no-orgs"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepExecuting), `id="cost-chart"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepExecuting), `<span class="badge text-bg-warning">`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepAgreed), `id="form-sign"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepRequested), `id="form-feasibility"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepDesigning), `id="form-review"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepReviewed), `id="form-agreement"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepSystematizing), `id="form-close"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepClosed), `href="https://fosis.example/c.pdf"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepClosed), `id="shared"`},
		templateCase{"coopproject", cancelledProjectPage(), `id="project-closure-reason"`},
		templateCase{"coopproject", cancelledProjectPage(), `id="project-sdgs"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepExecuting), `id="form-close"`},
		templateCase{"coopproject", sampleProjectPage(cooperation.StepExecuting), `id="form-amend"`},
		templateCase{"coopproject", amendingProjectPage(), `id="form-amend-sign"`},
		templateCase{"coopproject", amendingProjectPage(), `id="amendments"`},
		templateCase{"cooppartners", &partnersData{CanWrite: true, Form: map[string]string{}, Levels: []cooperation.Level{cooperation.LevelDirector},
			Orgs: []cooperation.Org{{Name: "FOSIS", Country: "CL", IATIRef: "CL-RUT-00000000-0", Technical: true, Reporting: true}, {Name: "BID", Financial: true, Technical: true}},
			Staff: []cooperation.Staff{{Name: "Ana Rojas", Level: cooperation.LevelDirector, Programs: []cooperation.Program{{Name: "Puente", Role: "designed"}},
				Avail: []cooperation.Availability{{From: "2026-01", To: "2027-12", Share: 50}}}, {Name: "Marta", Level: cooperation.LevelProfessional}}}, `id="form-staff"`},
		templateCase{"cooppartners", &partnersData{Form: map[string]string{}}, `id="orgs-empty"`},
		templateCase{"coopproject", &coopProjectData{V: &cooperation.View{Project: &cooperation.Project{Code: "X-1", Step: cooperation.StepRequested,
			Stage: cooperation.StageRequest, Channel: "direct"}}, Form: map[string]string{}}, `id="costs-empty"`},
	)
}

// sampleProjectPage is a triangular project at step st with a design whose
// partner team has an unpaired member, a ledger, an agreement, an event and
// a systematization.
func sampleProjectPage(st cooperation.Step) *coopProjectData {
	var d cooperation.Design
	json.Unmarshal([]byte(`{"objectives": ["Diseñar"], "start": "2026-03-01", "end": "2027-12-31",
		"stages": [{"stage": "request", "start": "2026-03-01", "end": "2026-04-30"}, {"stage": "execution", "start": "2026-05-01", "end": "2027-12-31"}],
		"results": [{"title": "Programa", "type": 1, "indicators": [{"title": "Manual", "baseline_year": 2026, "baseline": 0, "target": 1}]}],
		"team": [{"key": "c1", "side": "chile", "staff_id": 1, "name": "Ana Rojas", "level": "director", "mirror": "p1", "share": 30, "from": "2026-03", "to": "2027-12"},
		 {"key": "p1", "side": "partner", "name": "Carmen Benítez", "institution": "MDS", "level": "director"},
		 {"key": "p2", "side": "partner", "name": "Jorge Ayala", "institution": "MDS", "level": "professional"}]}`), &d)
	ledger := []cooperation.Contribution{
		{Org: "FOSIS", Side: cooperation.SideChile, Year: 2026, Category: "experts", Kind: "in_kind", Valuation: "salary cost", Budgeted: 30000, Executed: 12000},
		{Org: "GIZ", Side: cooperation.SideThird, Year: 2026, Category: "travel", Kind: "cash", Budgeted: 18000, Executed: 17000},
	}
	v := &cooperation.View{
		Project: &cooperation.Project{Code: "CSS-PY-01", Title: "Acompañamiento", PartnerCountry: "PY", RequestingOrg: "MDS", Channel: "financer",
			TriangularAsker: "GIZ", Problem: "Familias sin acompañamiento", Step: st, Stage: st.Stage(), Modality: cooperation.Triangular, Public: true, Currency: "USD"},
		Parties: []cooperation.Party{{Org: "GIZ", Side: cooperation.SideThird, IATIRole: 1}, {Org: "FOSIS", Side: cooperation.SideChile, IATIRole: 4},
			{Org: "MDS", Side: cooperation.SidePartner, IATIRole: 4}},
		Design: &d, DesignVersion: 2,
		Flags: []cooperation.Flag{{Rule: "mirrored_teams", Message: "Jorge Ayala (partner, professional) has no counterpart at the same decision level on the other side",
			Key: "coop.flag.no_counterpart", Args: []any{"Jorge Ayala", fosis.Phrase{Key: "coop.side.partner", Text: "partner"}, fosis.Phrase{Key: "coop.level.professional", Text: "professional"}}}},
		Ledger: ledger, Totals: cooperation.Sum(ledger),
		Agreement: &cooperation.AgreementView{Agreement: cooperation.Agreement{Kind: "trilateral", Deadlines: "2027-12", StartupFinancing: 5000},
			Signatures: []cooperation.Signature{{Org: "FOSIS", Commitment: "Expertos", Required: true, SignedOn: mustDate("2026-02-20"), SignedBy: "Director"},
				{Org: "GIZ", Commitment: "Pasajes", Required: true}}},
		Events: []cooperation.Event{{Kind: "study_tour", Mode: "on_site", Start: mustDate("2026-09-01"), End: mustDate("2026-09-10"), Place: "Santiago",
			Report: "Conocieron la operación", Participants: []cooperation.Participant{{Side: cooperation.SideChile, Name: "Ana"}, {Side: cooperation.SidePartner, Name: "Carmen"}}}},
		Systematization: &cooperation.Systematization{Lessons: "Equipo espejo"},
		Documents:       []cooperation.Document{{Title: "Convenio", Category: "A09", URL: "https://fosis.example/c.pdf", Format: "application/pdf", Language: "es", Date: mustDate("2026-02-20")}},
		Timeline:        []cooperation.TimelineEntry{{Step: cooperation.StepRequested, Stage: cooperation.StageRequest, On: mustDate("2026-01-10"), Actor: "carla", Note: "request via financer"}},
	}
	p := &coopProjectData{V: v, CanWrite: true, Today: "2026-11-27", Categories: cooperation.Categories, Form: map[string]string{}, DocCats: cooperation.DocumentCategories,
		SysFields: []string{"lessons", "findings", "management_response"}}
	p.Pairs, p.Unpaired = d.Pairs()
	p.Chart, p.ChartH = newCoopChart(v.Totals)
	if st == cooperation.StepAgreed {
		p.CanSign = []string{"GIZ"}
	}
	p.Shared = []knowledge.Item{knowledge.Catalogue()[0]}
	return p
}

// amendingProjectPage is an executing project with an amendment in effect
// and one waiting for GIZ's signature.
func amendingProjectPage() *coopProjectData {
	p := sampleProjectPage(cooperation.StepExecuting)
	p.V.Amendments = []cooperation.AmendmentView{
		{Number: 1, Kind: "two_bilaterals", ProposedOn: mustDate("2026-04-01"), Reason: "Se suma un organismo ejecutor", Status: "in_effect", InEffectOn: mustDate("2026-04-10"),
			Signatures: []cooperation.AmendmentSignature{{Org: "FOSIS", SignedOn: mustDate("2026-04-10"), SignedBy: "Director"}}},
		{Number: 2, Kind: "trilateral", ProposedOn: mustDate("2026-06-01"), Reason: "GIZ financia la sistematización", Status: "pending",
			Signatures: []cooperation.AmendmentSignature{{Org: "FOSIS", SignedOn: mustDate("2026-06-02"), SignedBy: "Director"}, {Org: "GIZ", Added: true, Commitment: "Sistematización"}}},
	}
	p.Pending, p.CanSignAmend = 2, []string{"GIZ"}
	return p
}

func mustDate(s string) cooperation.Date {
	d, err := cooperation.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestCoopCatalog checks the keys the cooperation pages build from code
// words: every stage, step, modality, channel, side, role, level, category,
// kind, event kind, mode, agreement kind, rule, error code and action has a
// message in both languages.
func TestCoopCatalog(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	add := func(prefix string, words ...string) {
		for _, w := range words {
			keys = append(keys, "coop."+prefix+"."+w)
		}
	}
	for _, s := range cooperation.Stages {
		add("stage", string(s))
	}
	for _, s := range cooperation.Steps {
		add("step", string(s))
	}
	add("modality", string(cooperation.Bilateral), string(cooperation.Triangular))
	add("channel", "partner_agency", "agci", "direct", "financer")
	add("side", "chile", "partner", "third")
	for i := 1; i <= 4; i++ {
		add("iati_role", strconv.Itoa(i))
	}
	add("level", "authority", "director", "coordinator", "professional")
	add("category", cooperation.Categories...)
	add("kind", "cash", "in_kind")
	add("event", cooperation.EventKinds...)
	add("mode", "on_site", "remote")
	add("agreement.kind", "bilateral", "trilateral", "two_bilaterals")
	add("rule", coopRules...)
	add("err", fosis.EINVALID, fosis.ECONFLICT, fosis.ENOTFOUND, fosis.EFORBIDDEN, fosis.EUNAVAILABLE, fosis.EUNAUTHORIZED, fosis.EINTERNAL)
	add("done", coopActions...)
	for _, k := range knowledge.Kinds {
		keys = append(keys, "knowledge.kind."+k)
	}
	keys = append(keys, "knowledge.nav", "knowledge.bad_query")
	add("doccat", cooperation.DocumentCategories...)
	add("sys", "lessons", "challenge", "solution", "results", "sustainability", "replicability", "findings", "management_response")
	keys = append(keys, "coop.nav", "coop.partners.org_saved", "coop.partners.staff_saved", "coop.partners.role.strategic", "coop.partners.role.technical",
		"coop.partners.role.financial", "coop.partners.program.designed", "coop.partners.program.ran")
	for _, k := range keys {
		for _, lang := range Languages {
			if _, ok := c[lang][k]; !ok {
				t.Errorf("%s is missing from %s", k, lang)
			}
		}
	}
}

// cancelledProjectPage is a project cancelled before its 18 months, with
// its reason and its SDGs.
func cancelledProjectPage() *coopProjectData {
	d := sampleProjectPage(cooperation.StepClosed)
	p := *d.V.Project
	p.Closure, p.ClosureReason = "cancelled", "El ministerio socio fue reestructurado y suspendió el programa"
	v := *d.V
	v.Project, v.SDGs = &p, []int{1, 10}
	d.V = &v
	return d
}
