package web

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
)

func init() {
	keyPrefixes = append(keyPrefixes, "changes")
	h := &registry.HouseholdView{Key: 7, ID: "H0000007", CommuneCode: "13101", CommuneName: "Santiago", RegionCode: "13",
		RegionName: "Metropolitana de Santiago", Zone: "urban", Tenure: "owner", Rooms: 2, Floor: "good", Walls: "fair",
		Roof: "poor", Water: "public_network", Sanitation: "sewer", RegisteredOn: "2024-03-01", MemberCount: 1,
		Members: []registry.PersonView{{RUN: "12345678-5", Relation: "head", Sex: "F", Age: 41}}}
	s, err := New(Config{})
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)
	reqs := []registry.ChangeRequest{
		{ID: 3, HouseholdID: "H0000007", Kind: "update", State: "submitted", Reason: "nueva pieza", Maker: "rosa", SubmittedAt: at,
			Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "tenure", From: "renter", To: "owner"}},
				Members: []registry.MemberChange{{RUN: "12345678-5", Field: "disability", From: "(sensitive)", To: "(sensitive)"}},
				Add:     []registry.MemberValues{{"run": "6265837-1", "relation": "child", "sex": "M", "birth_date": "2026-09-01"}},
				Remove:  []string{"20000003-K"}}},
		{ID: 2, HouseholdID: "H0000007", Kind: "rectify", State: "approved", Reason: "error", Evidence: "cédula <b>", Maker: "ana",
			Checker: "raul", SubmittedAt: at, DecidedAt: &at, Comment: "ok",
			Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", From: "2", To: "3"}}}},
	}
	items := func(lang string, p *auth.Principal) []changeItem { return s.changeItems(lang, p, reqs) }
	rosa := &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}
	section := func(f changeForm) *changesSection {
		c := &changesSection{Requests: items("es", rosa), CanSubmit: true, Kinds: registry.ChangeKinds, AddFields: s.addFields("es"),
			Today: "2026-11-27", Form: f,
			Targets: []changeTarget{{Value: "h:rooms", Field: "rooms", Label: "Hogar · Dormitorios"},
				{Value: "m:12345678-5:employed", RUN: "12345678-5", Field: "employed", Label: "12345678-5 · <b>Ocupado</b>"}},
			Versions: []registry.Version{{ID: 2, ValidFrom: at, CommuneCode: "13101", Source: "change", SourceID: 2}, {ID: 1, ValidFrom: at, CommuneCode: "13101", Source: "import", SourceID: 1}}}
		return c
	}
	bad := changeForm{Kind: "rectify", Reason: "<script>", Rows: [changeRows]changeRow{{Target: "h:rooms", Value: "99"}},
		Remove: map[string]bool{"12345678-5": true}, Add: map[string]string{"sex": "M"}, Message: "changes.err.form",
		Errors: map[string]string{"row0": "debe estar entre 0 y 50", "evidence": "requiere respaldo", "add.run": "está vacío", "changes": "El hogar quedaría sin integrantes."}}
	asOf := section(changeForm{})
	asOf.AsOf = &registry.HouseholdVersion{AsOf: "2026-10-01", Version: registry.Version{ValidFrom: at, Source: "import", SourceID: 1}, Household: h}
	asOf.AsOfDate, asOf.CanSubmit = "2026-10-01", false
	long := section(changeForm{})
	long.OlderVersions = 30
	empty := section(changeForm{})
	empty.Requests, empty.Versions, empty.CanSubmit = nil, nil, false
	queue := queueData{State: "submitted", States: registry.ChangeStates, Decide: true, Items: items("en", rosa),
		Page: &registry.Page[registry.ChangeRequest]{Items: reqs, Next: "2", Total: 5}, Done: "changes.done.approve"}
	analystQueue := queue
	analystQueue.Items = items("es", &auth.Principal{Username: "ana", Role: auth.RoleAnalyst})
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"household", householdData{H: h, Changes: section(changeForm{Kind: "update"})}, `id="change-3-state"`},
		templateCase{"household", householdData{H: h, Changes: section(changeForm{Kind: "update"})}, `id="new-change"`},
		templateCase{"household", householdData{H: h, Changes: section(changeForm{Kind: "update"})}, `href="/households/H0000007?as_of=2026-11-02"`},
		templateCase{"change_new", householdData{H: h, Changes: section(changeForm{Kind: "update"})}, `<option value="m:12345678-5:employed">12345678-5 · &lt;b&gt;Ocupado&lt;/b&gt;</option>`},
		templateCase{"change_new", householdData{H: h, Changes: section(changeForm{Kind: "update"})}, `id="change-members"`},
		templateCase{"change_new", householdData{H: h, Changes: section(bad)}, `<div class="invalid-feedback" id="row0-error">debe estar entre 0 y 50</div>`},
		templateCase{"change_new", householdData{H: h, Changes: section(bad)}, `<option value="h:rooms" selected>`},
		templateCase{"change_new", householdData{H: h, Changes: section(bad)}, `id="remove-12345678-5" checked`},
		templateCase{"change_new", householdData{H: h, Changes: section(bad)}, `&lt;script&gt;</textarea>`},
		templateCase{"change_new", householdData{H: h, Changes: section(bad)}, `id="change-error"`},
		templateCase{"household", householdData{H: h, Changes: asOf}, `id="as-of-banner"`},
		templateCase{"household", householdData{H: h, Changes: asOf}, `id="as-of-noscore"`},
		templateCase{"household", householdData{H: h, Changes: long}, `id="versions-older">`},
		templateCase{"household", householdData{H: h, Changes: empty}, `id="changes-empty"`},
		templateCase{"household", householdData{H: h, Changes: empty}, `id="versions-empty"`},
		templateCase{"changes", queue, `id="own-3"`},
		templateCase{"changes", queue, `id="change-decided"`},
		templateCase{"changes", analystQueue, `id="approve-3"`},
		templateCase{"changes", queueData{State: "submitted", States: registry.ChangeStates, Page: &registry.Page[registry.ChangeRequest]{}}, `id="queue-empty"`},
	)
}

// TestChangesTemplatesDetail checks what the generic template test cannot:
// the maker sees no approve button on their own request, the form keeps
// what was typed, and the as-of page offers no form.
func TestChangesTemplatesDetail(t *testing.T) {
	for _, c := range moreTemplateCases {
		if c.page != "changes" && c.page != "household" && c.page != "change_new" {
			continue
		}
		out := renderCase(t, c)
		switch d := c.data.(type) {
		case queueData:
			for _, it := range d.Items {
				if it.Mine && contains(out, `id="approve-3"`) && it.ID == 3 {
					t.Errorf("the maker sees an approve button on their own request")
				}
			}
		case householdData:
			if d.Changes != nil && d.Changes.AsOf != nil && contains(out, `id="new-change"`) {
				t.Errorf("the as-of page offers to submit a change")
			}
			if c.page == "household" && contains(out, `id="change-form"`) {
				t.Errorf("the household page carries the change form")
			}
			if d.Changes != nil && d.Changes.Form.Kind == "rectify" && !contains(out, `<option value="rectify" selected>`) {
				t.Errorf("the form forgot the kind")
			}
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// renderCase renders a case in Spanish for a regional officer.
func renderCase(t *testing.T, c templateCase) string {
	t.Helper()
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p := &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}
	if err := s.pages["es"][c.page].Execute(&buf, page{Lang: "es", User: p, Name: "Rosa", Path: "/", Data: c.data}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestChangesCatalog checks the keys the change pages build at run time:
// every problem code, kind, state, source, field and decision, in both
// languages, with as many arguments as the English message takes.
func TestChangesCatalog(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, code := range registry.ProblemCodes() {
		keys = append(keys, "changes.err."+code)
	}
	for _, k := range registry.ChangeKinds {
		keys = append(keys, "changes.kind."+k)
	}
	for _, st := range registry.ChangeStates {
		keys = append(keys, "changes.state."+st)
	}
	for _, src := range []string{"import", "change", "baseline"} {
		keys = append(keys, "changes.source."+src)
	}
	for _, f := range append(append([]string{"run"}, registry.HouseholdFields...), registry.MemberFields...) {
		keys = append(keys, "changes.field."+f)
	}
	for _, d := range []registry.Decision{registry.Approve, registry.Reject, registry.Withdraw} {
		keys = append(keys, doneKey(string(d)))
	}
	for _, code := range []string{"invalid", "conflict", "forbidden"} {
		keys = append(keys, "changes.err.decide."+code)
	}
	for _, e := range []registry.Enum{registry.HealthPlan, registry.Severity} {
		for _, w := range e.Words[1:] {
			keys = append(keys, "changes.code."+e.Name+"."+w)
		}
	}
	keys = append(keys, "changes.err.choose_field", "changes.err.form", "changes.bad_date", "changes.masked")
	for _, k := range keys {
		for _, lang := range Languages {
			msg, ok := c[lang][k]
			if !ok {
				t.Errorf("%s: no message %q", lang, k)
				continue
			}
			if strings.Count(msg, "%") != strings.Count(c["en"][k], "%") {
				t.Errorf("%s: %q takes another number of arguments than in English", lang, k)
			}
		}
	}
}
