package web

import (
	"bytes"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// BenchmarkRenderHousehold executes the household page's template alone,
// with a household of four members, a score, three runs of history, two
// change requests and three versions: the part of the page's time that is
// html/template's.
func BenchmarkRenderHousehold(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)
	h := &registry.HouseholdView{Key: 7, ID: "H0000007", CommuneCode: "13101", CommuneName: "Santiago", RegionCode: "13",
		RegionName: "Metropolitana de Santiago", Zone: "urban", Tenure: "owner", Rooms: 2, Floor: "good", Walls: "fair",
		Roof: "poor", Water: "public_network", Sanitation: "sewer", VehicleCLP: 3500000, RegisteredOn: "2024-03-01",
		UpdatedAt: at, MemberCount: 4}
	for i, rel := range []string{"head", "spouse", "child", "child"} {
		h.Members = append(h.Members, registry.PersonView{RUN: "12.345.67" + string(rune('0'+i)) + "-5", Name: "Ana María Núñez Pérez",
			Relation: rel, Sex: "F", Age: 41 - 10*i, Schooling: 12, Employed: i == 0, LaborCLP: 650000})
	}
	res := &targeting.HouseholdResult{Run: 3, Value: 325000, Percentile: 37.5, Bracket: 40, Poorest5: true}
	d := householdData{H: h, Score: &targeting.ScoredHousehold{Run: &targeting.Run{ID: 3, ModelName: "RSH", ModelVersion: 1, AsOf: "2026-11-01"},
		Result: res, Explanation: targeting.Explanation{Kind: targeting.KindIncome}, Summary: "Ingreso por persona bajo."},
		History: []targeting.HouseholdResult{*res, *res, *res}}
	rosa := &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}
	reqs := []registry.ChangeRequest{{ID: 3, HouseholdID: "H0000007", Kind: "update", State: "submitted", Reason: "nueva pieza", Maker: "rosa", SubmittedAt: at,
		Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", From: "2", To: "3"}}}},
		{ID: 2, HouseholdID: "H0000007", Kind: "rectify", State: "approved", Reason: "error", Maker: "ana", Checker: "raul", SubmittedAt: at, DecidedAt: &at,
			Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", From: "1", To: "2"}}}}}
	d.Changes = &changesSection{Requests: s.changeItems("es", rosa, reqs), CanSubmit: true,
		Versions: []registry.Version{{ID: 3, ValidFrom: at, CommuneCode: "13101", Source: "change", SourceID: 2},
			{ID: 2, ValidFrom: at, CommuneCode: "13101", Source: "import", SourceID: 2}, {ID: 1, ValidFrom: at, CommuneCode: "13101", Source: "import", SourceID: 1}}}
	p := page{Lang: "es", User: rosa, Name: "Rosa", Path: "/households/H0000007", Data: d}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := s.pages["es"]["household"].Execute(&buf, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/page")
}

func BenchmarkRenderParts(b *testing.B) {
	s, _ := New(Config{})
	rosa := &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}
	h := &registry.HouseholdView{ID: "H1", MemberCount: 0}
	run := func(name string, d householdData) {
		b.Run(name, func(b *testing.B) {
			p := page{Lang: "es", User: rosa, Name: "Rosa", Path: "/households/H1", Data: d}
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := s.pages["es"]["household"].Execute(&buf, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("empty", householdData{H: h})
	m := *h
	for range 4 {
		m.Members = append(m.Members, registry.PersonView{RUN: "12.345.678-5", Name: "Ana", Relation: "head", Sex: "F"})
	}
	run("4members", householdData{H: &m})
	res := &targeting.HouseholdResult{Run: 3}
	run("history3", householdData{H: h, History: []targeting.HouseholdResult{*res, *res, *res}})
	run("score", householdData{H: h, Score: &targeting.ScoredHousehold{Run: &targeting.Run{ID: 3}, Result: res}})
	at := time.Now()
	run("versions3", householdData{H: h, Changes: &changesSection{Versions: []registry.Version{{ValidFrom: at, Source: "import"}, {ValidFrom: at, Source: "import"}, {ValidFrom: at, Source: "import"}}}})
	run("changes-empty", householdData{H: h, Changes: &changesSection{}})
	rs := []registry.ChangeRequest{{ID: 3, Kind: "update", State: "submitted", SubmittedAt: at, Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", From: "2", To: "3"}}}}}
	run("requests1", householdData{H: h, Changes: &changesSection{Requests: s.changeItems("es", rosa, rs)}})
}

func BenchmarkRenderLayout(b *testing.B) {
	s, _ := New(Config{})
	rosa := &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}
	p := page{Lang: "es", User: rosa, Name: "Rosa", Path: "/x", Data: errorData{Message: "error.notfound"}}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := s.pages["es"]["error"].Execute(&buf, p); err != nil {
			b.Fatal(err)
		}
	}
}
