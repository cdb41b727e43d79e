package programs

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

// previewAsOf is 2026-11-01 as a day number.
var previewAsOf = registry.DayNumber(mustDay("2026-11-01"))

// syntheticInput builds a deterministic frame of n households over Chile's
// communes, results for it (a share unscored) and participations for some.
func syntheticInput(n int, seed uint64) *PreviewInput {
	rng := rand.New(rand.NewPCG(seed, 0xca11))
	terr := geo.Chile()
	m := n * 3
	f := &registry.Frame{Key: make([]int64, n), Commune: make([]int32, n), Region: make([]uint8, n), Zone: make([]uint8, n),
		MemberStart: make([]int32, 1, n+1), BirthDay: make([]int32, 0, m), Relation: make([]uint8, 0, m), Sex: make([]uint8, 0, m),
		Schooling: make([]uint8, 0, m), InSchool: make([]bool, 0, m), Employed: make([]bool, 0, m), Disability: make([]uint8, 0, m),
		Indigenous: make([]bool, 0, m)}
	res := &targeting.Results{Value: make([]float64, n), Percentile: make([]float64, n), Bracket: make([]uint8, n), Poorest5: make([]bool, n)}
	parts := map[int64]map[string]int64{}
	sizes := []int{1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 7}
	for i := range n {
		f.Key[i] = int64(i + 1)
		ci := rng.IntN(len(terr.Communes))
		f.Commune[i], f.Region[i] = int32(ci), uint8(terr.CommuneRegion(ci))
		f.Zone[i] = uint8(1 + rng.IntN(2))
		for k := range sizes[rng.IntN(len(sizes))] {
			age := 18 + rng.IntN(70)
			rel := registry.RelHead
			if k > 0 {
				age, rel = rng.IntN(95), uint8(2+rng.IntN(7))
			}
			f.BirthDay = append(f.BirthDay, previewAsOf-int32(age*365+rng.IntN(365)))
			f.Relation = append(f.Relation, rel)
			f.Sex = append(f.Sex, uint8(1+rng.IntN(2)))
			f.Schooling = append(f.Schooling, uint8(rng.IntN(18)))
			f.InSchool = append(f.InSchool, rng.IntN(4) == 0)
			f.Employed = append(f.Employed, rng.IntN(2) == 0)
			f.Disability = append(f.Disability, uint8(1+rng.IntN(4)))
			f.Indigenous = append(f.Indigenous, rng.IntN(8) == 0)
		}
		f.MemberStart = append(f.MemberStart, int32(len(f.BirthDay)))
		if rng.IntN(20) > 0 {
			p := float64(1+rng.IntN(10000)) / 100
			res.Percentile[i], res.Value[i] = p, p
			res.Bracket[i] = uint8(max(40, 10*int((p+9.999)/10)))
			res.Poorest5[i] = p <= 5
		}
		if rng.IntN(10) == 0 {
			parts[f.Key[i]] = map[string]int64{[]string{"yo-trabajo", "puente", "familias"}[rng.IntN(3)]: int64(max(rng.IntN(40)-10, 0))}
		}
	}
	return &PreviewInput{Frame: f, Results: res, Territory: terr, Unit: UnitPerson, AsOf: previewAsOf, Participations: parts}
}

// TestPreviewMatchesPlainCEL proves the combination-cached preview equal
// to one CEL evaluation per applicant, for rules over every attribute,
// percentile used both as a threshold and otherwise.
func TestPreviewMatchesPlainCEL(t *testing.T) {
	in := syntheticInput(20000, 1)
	for _, tc := range []struct {
		name  string
		exprs []string
		unit  string
	}{
		{"yo trabajo", []string{"age >= 18", "scored && bracket <= 40", "!employed"}, UnitPerson},
		{"percentile thresholds", []string{"percentile <= 40.5 || percentile == 60.0", "40 < percentile || poorest5"}, UnitPerson},
		{"percentile arithmetic", []string{"percentile * 2.0 < 81.0"}, UnitPerson},
		{"place", []string{`commune in ["13101", "08101", "05101"] || region == "09"`, `zone == "rural" || members > 4`}, UnitPerson},
		{"person", []string{`sex == "F" && relation == "head"`, "schooling < 12 && !in_school", "disability || indigenous"}, UnitPerson},
		{"participations", []string{`!("yo-trabajo" in participations) || participations["yo-trabajo"] >= 24`, `!("puente" in participations) || participations["puente"] > 0`}, UnitPerson},
		{"households", []string{"scored && bracket <= 60", "age >= 30"}, UnitHousehold},
		{"seguridades y oportunidades", []string{"sso", `relation == "head"`}, UnitHousehold},
		{"sso of a person's household", []string{"!sso || age >= 30"}, UnitPerson},
		{"nothing read", []string{"true"}, UnitPerson},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rules []Rule
			for k, e := range tc.exprs {
				rules = append(rules, Rule{ID: string(rune('a' + k)), NameES: "r", NameEN: "r", Expr: e})
			}
			rs, err := CompileRules(rules, "rules")
			if err != nil {
				t.Fatal(err)
			}
			in := *in
			in.Unit = tc.unit
			want, err := PreviewPlain(context.Background(), rs, &in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Preview(context.Background(), rs, &in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Combinations == 0 {
				t.Errorf("no combinations evaluated")
			}
			got.Combinations = 0
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("preview differs from plain CEL (-plain +fast):\n%s", diff)
			}
			if want.Eligible == 0 && tc.name != "nothing read" {
				t.Logf("no one eligible: %+v", want.Applicants)
			}
		})
	}
}

func mustDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
