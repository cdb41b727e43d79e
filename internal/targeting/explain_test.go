package targeting

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fosis/fosis/internal/registry"
)

// workedExample is the household of the worked example in docs/scorecard.md,
// with a richer household beside it so that it has a rank.
func workedExample(t *testing.T) *registry.Frame {
	return buildFrame(t,
		house{id: "H-1", region: 13, vehicle: 30_000_000, members: []person{
			{age: 45, rel: registry.RelHead, sex: registry.SexM, employed: true, labor: 700_000},
			{age: 22, rel: registry.RelChild, inSchool: true, employed: true, labor: 1_300_000},
			{age: 10, rel: registry.RelChild, inSchool: true},
			{age: 72, rel: 4, pension: 250_000, dis: registry.SevSevere},
		}},
		house{id: "H-2", region: 13, members: []person{{age: 40, rel: registry.RelHead, labor: 2_000_000}}},
	)
}

func TestExplainIncome(t *testing.T) {
	f := workedExample(t)
	m := DefaultModel()
	res := mustScore(t, f, m)
	got := Explain(f, 0, m, testAsOf, res)
	div := math.Pow(4, 0.7)
	want := Explanation{
		Household: 0, Key: 1, HouseholdID: "H-1", ModelID: "chile-rsh", ModelName: m.Name, ModelVersion: 1,
		Kind: KindIncome, AsOf: "2026-06-01", Value: 211_478.55, // 1,172,000 / 4^0.7 / 2.1 to the cent
		Rank: &RankExplanation{Households: 2, Percentile: 50, RankedBracket: 50, Bracket: 90, Keys: []float64{211_478.55, -2.1, 0}},
		Income: &IncomeExplanation{
			Members: []MemberExplanation{
				{Member: 1, Relation: "head", Age: 45, Labor: 700_000, LaborCounted: 700_000, Counted: 700_000},
				{Member: 2, Relation: "child", Age: 22, WorkingStudent: true, Labor: 1_300_000,
					LaborCounted: 222_000, LaborExcluded: 1_078_000, Counted: 222_000},
				{Member: 3, Relation: "child", Age: 10, Needs: []NeedsTerm{{"minor", 0.2}}},
				{Member: 4, Relation: "parent", Age: 72, Pension: 250_000, Counted: 250_000,
					Needs: []NeedsTerm{{"older_adult", 0.3}, {"disability_severe", 0.6}}},
			},
			Size: 4, CountedIncome: 1_172_000, ExcludedIncome: 1_078_000, EquivalenceExponent: 0.7,
			EquivalenceDivisor: div, EquivalentIncome: 1_172_000 / div, NeedsIndex: 2.1,
			CorrectedIncome: 211_478.55,
		},
		Upgrades:  []UpgradeExplanation{{Reason: "vehicle", Amount: 30_000_000, Threshold: 25_000_000}},
		UpgradeTo: 90,
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("Explain (-want +got):\n%s", diff)
	}
	if got.Value != res.Value[0] {
		t.Errorf("Explain value %v differs from Score value %v", got.Value, res.Value[0])
	}
}

func TestExplanationJSON(t *testing.T) {
	f := workedExample(t)
	m := DefaultModel()
	b, err := json.Marshal(Explain(f, 0, m, testAsOf, mustScore(t, f, m)))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	income, _ := doc["income"].(map[string]any)
	rank, _ := doc["rank"].(map[string]any)
	for _, k := range []string{"corrected_income_clp", "needs_index", "equivalence_divisor", "excluded_student_income_clp", "members"} {
		if _, ok := income[k]; !ok {
			t.Errorf("income.%s missing from %s", k, b)
		}
	}
	for _, k := range []string{"percentile", "bracket", "ranked_bracket", "poorest_5"} {
		if _, ok := rank[k]; !ok {
			t.Errorf("rank.%s missing from %s", k, b)
		}
	}
	if _, ok := doc["pmt"]; ok {
		t.Errorf("an income explanation has a pmt part: %s", b)
	}
}

func TestSummary(t *testing.T) {
	f := workedExample(t)
	rsh := DefaultModel()
	pmt := BuiltinModels()[0]
	tests := []struct {
		name string
		m    *Model
		res  bool
		lang string
		want string
	}{
		{"income, Spanish", rsh, true, "es",
			"El hogar H-1 fue calificado el 2026-06-01 con el modelo «" + rsh.Name + "» (chile-rsh v1). " +
				"Sus 4 integrantes suman un ingreso mensual considerado de $1.172.000, sin contar $1.078.000 de ingresos laborales de estudiantes que trabajan. " +
				"Dividido por 2,64 (4 integrantes elevado a 0,7) da un ingreso equivalente de $444.105; " +
				"el índice de necesidades es 2,1 (1 menor de edad, 1 adulto mayor, 1 persona con discapacidad severa), por lo que el ingreso equivalente corregido es $211.479. " +
				"Con ello queda en el percentil 50 de los 2 hogares calificados, en el tramo del 50%. " +
				"El test de medios lo ubica al menos en el tramo del 90% porque el avalúo fiscal de sus vehículos ($30.000.000) alcanza el umbral de $25.000.000."},
		{"income, English", rsh, true, "en",
			"Household H-1 was scored on 2026-06-01 with model “" + rsh.Name + "” (chile-rsh v1). " +
				"Its 4 members have a counted monthly income of $1,172,000, leaving out $1,078,000 of working students' wages. " +
				"Divided by 2.64 (4 members to the power 0.7) that is an equivalent income of $444,105; " +
				"the needs index is 2.1 (1 minor, 1 older adult, 1 person with a severe disability), so the corrected equivalent income is $211,479. " +
				"That places it at percentile 50 of the 2 households scored, in the 50% bracket. " +
				"The means test places it at least in the 90% bracket because its vehicles' fiscal value ($30,000,000) reaches the $25,000,000 threshold."},
		{"pmt without a run, Spanish", pmt, false, "es",
			"El hogar H-1 fue calificado el 2026-06-01 con el modelo «" + pmt.Name + "» (chile-fps-pmt v1) y obtuvo 6.588,8 puntos: " +
				"una base de 6.000 más sus características ponderadas. Lo que más movió su puntaje: " +
				"ingreso per cápita (logaritmo) 13,24 (+1.588,8), integrantes 4 (-1.000), proporción de adultos ocupados 0,67 (+1.000)."},
		{"unknown language is English", pmt, false, "fr",
			"Household H-1 was scored on 2026-06-01 with model “" + pmt.Name + "” (chile-fps-pmt v1) at 6,588.8 points: " +
				"a base of 6,000 plus its weighted characteristics. What moved its score most: " +
				"per-capita income (log) 13.24 (+1,588.8), members 4 (-1,000), share of adults employed 0.67 (+1,000)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res *Results
			if tt.res {
				res = mustScore(t, f, tt.m)
			}
			if got := Explain(f, 0, tt.m, testAsOf, res).Summary(tt.lang); got != tt.want {
				t.Errorf("Summary(%q):\n got %s\nwant %s", tt.lang, got, tt.want)
			}
		})
	}
}

func TestSummaryPoorest5AndNoNeeds(t *testing.T) {
	vals := make([]house, 20)
	for i := range vals {
		vals[i] = house{id: "X", members: []person{{age: 40, labor: int32(1000 * (i + 1))}}}
	}
	f := buildFrame(t, vals...)
	m := incomeModel(nil)
	got := Explain(f, 0, m, testAsOf, mustScore(t, f, m)).Summary("en")
	want := "Household X was scored on 2026-06-01 with model “test” (test-income v1). " +
		"Its 1 members have a counted monthly income of $1,000. Divided by 1 (1 members to the power 0.7) that is an equivalent income of $1,000; " +
		"the needs index is 1 (no member adds needs), so the corrected equivalent income is $1,000. " +
		"That places it at percentile 5 of the 20 households scored, in the 40% bracket, and among the poorest 5%."
	if got != want {
		t.Errorf("Summary:\n got %s\nwant %s", got, want)
	}
}

func TestNumberFormat(t *testing.T) {
	es, en := languages["es"], languages["en"]
	tests := []struct {
		p        *phrases
		v        float64
		decimals int
		want     string
	}{
		{es, 1234567.891, 2, "1.234.567,89"},
		{en, 1234567.891, 2, "1,234,567.89"},
		{en, -1000, 1, "-1,000"},
		{en, 0.5, 0, "0"},
		{en, -0.001, 1, "0"},
		{es, 999, 0, "999"},
		{es, 2.10, 2, "2,1"},
	}
	for _, tt := range tests {
		if got := tt.p.number(tt.v, tt.decimals); got != tt.want {
			t.Errorf("number(%v, %d) = %q, want %q", tt.v, tt.decimals, got, tt.want)
		}
	}
	if got := es.money(-1234.5); got != "-$1.235" {
		t.Errorf("money(-1234.5) = %q, want -$1.235", got)
	}
}
