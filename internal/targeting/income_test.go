package targeting

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fosis/fosis/internal/registry"
)

func TestStudentRule(t *testing.T) {
	// One-member households, no needs weights: the value is the counted income.
	turns25 := ageCut(testAsOf, 25) // born this day 25 years ago: 25 today
	tests := []struct {
		name   string
		change func(p *IncomeParams)
		member person
		want   float64
	}{
		{"student aged 24 keeps two minimum wages out", nil,
			person{age: 24, inSchool: true, labor: 1_500_000}, 500_000},
		{"student aged 25 counts in full", nil,
			person{age: 25, inSchool: true, labor: 1_500_000}, 1_500_000},
		{"24 but not in school counts in full", nil,
			person{age: 24, labor: 1_500_000}, 1_500_000},
		{"student under two minimum wages counts nothing", nil,
			person{age: 20, inSchool: true, labor: 800_000}, 0},
		{"pension and capital of a student count in full", nil,
			person{age: 24, inSchool: true, labor: 1_200_000, pension: 100_000, capital: 50_000}, 350_000},
		{"25th birthday today counts in full", nil,
			person{born: turns25, inSchool: true, labor: 1_500_000}, 1_500_000},
		{"25th birthday tomorrow is still a student", nil,
			person{born: turns25 + 1, inSchool: true, labor: 1_500_000}, 500_000},
		{"student_age_max 17", func(p *IncomeParams) { p.StudentAgeMax = 17 },
			person{age: 18, inSchool: true, labor: 1_500_000}, 1_500_000},
		{"student_exempt_wages 1.5", func(p *IncomeParams) { p.StudentExemptWages = 1.5 },
			person{age: 18, inSchool: true, labor: 1_500_000}, 750_000},
		{"minimum wage from the model", func(p *IncomeParams) { p.MinimumWageCLP = 539_000 },
			person{age: 18, inSchool: true, labor: 1_500_000}, 422_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := buildFrame(t, house{members: []person{tt.member}})
			res := mustScore(t, f, incomeModel(tt.change))
			if res.Value[0] != quantize(tt.want, pesoUnits) {
				t.Errorf("value %v, want %v", res.Value[0], tt.want)
			}
		})
	}
}

func TestEquivalence(t *testing.T) {
	adults := func(n int, labor int32) []person {
		ps := make([]person, n)
		for k := range ps {
			ps[k] = person{age: 40, labor: labor}
		}
		return ps
	}
	tests := []struct {
		name     string
		exponent float64
		members  []person
		want     float64
	}{
		{"exponent 0.7", 0.7, adults(4, 100_000), 400_000 / math.Pow(4, 0.7)},
		{"exponent 1 is per capita", 1, adults(4, 100_000), 100_000},
		{"exponent 0 is total income", 0, adults(4, 100_000), 400_000},
		{"exponent 0.5", 0.5, adults(4, 100_000), 200_000},
		{"beyond the precomputed sizes", 0.7, adults(70, 1_000), 70_000 / math.Pow(70, 0.7)},
		{"no members", 0.7, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := buildFrame(t, house{members: tt.members})
			res := mustScore(t, f, incomeModel(func(p *IncomeParams) { p.EquivalenceExponent = tt.exponent }))
			if res.Value[0] != quantize(tt.want, pesoUnits) {
				t.Errorf("value %v, want %v", res.Value[0], tt.want)
			}
		})
	}
}

func TestNeedsIndex(t *testing.T) {
	weights := NeedsWeights{Minor: 0.2, OlderAdult: 0.3, DisabilityModerate: 0.3, DisabilitySevere: 0.6,
		DependencyModerate: 0.4, DependencySevere: 0.8}
	mod, sev, mild := registry.SevModerate, registry.SevSevere, registry.SevMild
	type terms = [][]NeedsTerm
	tests := []struct {
		name      string
		olderAge  int
		members   []person
		wantIndex float64
		wantTerms terms
	}{
		{"adult without needs", 60, []person{{age: 40}}, 1, terms{nil}},
		{"minor", 60, []person{{age: 17}}, 1.2, terms{{{"minor", 0.2}}}},
		{"18 is not a minor", 60, []person{{age: 18}}, 1, terms{nil}},
		{"older adult at 60", 60, []person{{age: 60}}, 1.3, terms{{{"older_adult", 0.3}}}},
		{"59 is not an older adult", 60, []person{{age: 59}}, 1, terms{nil}},
		{"older_adult_age 65", 65, []person{{age: 64}, {age: 65}}, 1.3, terms{nil, {{"older_adult", 0.3}}}},
		{"older adult with severe disability adds both", 60, []person{{age: 70, dis: sev}}, 1.9,
			terms{{{"older_adult", 0.3}, {"disability_severe", 0.6}}}},
		{"disability and dependency count the larger", 60, []person{{age: 40, dis: mod, dep: sev}}, 1.8,
			terms{{{"dependency_severe", 0.8}}}},
		{"larger disability wins over dependency", 60, []person{{age: 40, dis: sev, dep: mod}}, 1.6,
			terms{{{"disability_severe", 0.6}}}},
		{"minor with moderate dependency", 60, []person{{age: 5, dep: mod}}, 1.6,
			terms{{{"minor", 0.2}, {"dependency_moderate", 0.4}}}},
		{"mild disability adds nothing", 60, []person{{age: 40, dis: mild, dep: mild}}, 1, terms{nil}},
		{"family", 60, []person{{age: 40}, {age: 38}, {age: 10}, {age: 7}, {age: 66, dis: mod}}, 2,
			terms{nil, nil, {{"minor", 0.2}}, {{"minor", 0.2}}, {{"older_adult", 0.3}, {"disability_moderate", 0.3}}}},
	}
	approx := cmpopts.EquateApprox(0, 1e-12)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k := range tt.members {
				tt.members[k].labor = 100_000
			}
			f := buildFrame(t, house{members: tt.members})
			m := incomeModel(func(p *IncomeParams) { p.Needs, p.OlderAdultAge = weights, tt.olderAge })
			res := mustScore(t, f, m)
			e := Explain(f, 0, m, testAsOf, res)
			if diff := cmp.Diff(tt.wantIndex, e.Income.NeedsIndex, approx); diff != "" {
				t.Errorf("needs index (-want +got):\n%s", diff)
			}
			var got terms
			for _, me := range e.Income.Members {
				got = append(got, me.Needs)
			}
			if diff := cmp.Diff(tt.wantTerms, got, approx); diff != "" {
				t.Errorf("members' needs terms (-want +got):\n%s", diff)
			}
			n := float64(len(tt.members))
			want := quantize(100_000*n/math.Pow(n, 0.7)/tt.wantIndex, pesoUnits)
			if diff := cmp.Diff(want, res.Value[0], approx); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNeedsTieNamesDisability(t *testing.T) {
	m := incomeModel(func(p *IncomeParams) {
		p.Needs = NeedsWeights{DisabilityModerate: 0.4, DependencyModerate: 0.4}
	})
	f := buildFrame(t, house{members: []person{{age: 40, dis: registry.SevModerate, dep: registry.SevModerate}}})
	e := Explain(f, 0, m, testAsOf, nil)
	if diff := cmp.Diff([]NeedsTerm{{"disability_moderate", 0.4}}, e.Income.Members[0].Needs); diff != "" {
		t.Errorf("needs terms (-want +got):\n%s", diff)
	}
}

func TestMeansTestUpgrades(t *testing.T) {
	mt := &MeansTest{UpgradeToBracket: 90, VehicleMinCLP: ptr[int64](1000), PropertyMinCLP: ptr[int64](5000),
		IsapreMinIncomeCLP: ptr[int64](300_000), SchoolFeesMinCLP: ptr[int64](100)}
	isapre := registry.HealthIsapre
	tests := []struct {
		name string
		mt   *MeansTest
		h    house
		want uint8
	}{
		{"vehicle at the threshold", mt, house{vehicle: 1000}, UpgradeVehicle},
		{"vehicle below the threshold", mt, house{vehicle: 999}, 0},
		{"property at the threshold", mt, house{property: 5000}, UpgradeProperty},
		{"property below the threshold", mt, house{property: 4999}, 0},
		{"isapre with income at the threshold", mt,
			house{members: []person{{age: 40, labor: 300_000, health: isapre}}}, UpgradeIsapre},
		{"isapre with income below the threshold", mt,
			house{members: []person{{age: 40, labor: 299_999, health: isapre}}}, 0},
		{"high income without isapre", mt,
			house{members: []person{{age: 40, labor: 9_000_000, health: registry.HealthFonasaD}}}, 0},
		{"school fees at the threshold", mt, house{schoolFees: 100}, UpgradeSchoolFees},
		{"several tests record every reason", mt, house{vehicle: 2000, schoolFees: 500},
			UpgradeVehicle | UpgradeSchoolFees},
		{"threshold 0 means any vehicle", &MeansTest{UpgradeToBracket: 90, VehicleMinCLP: ptr[int64](0)},
			house{vehicle: 1}, UpgradeVehicle},
		{"threshold 0 and no vehicle", &MeansTest{UpgradeToBracket: 90, VehicleMinCLP: ptr[int64](0)},
			house{vehicle: 0}, 0},
		{"disabled test", &MeansTest{UpgradeToBracket: 90, VehicleMinCLP: ptr[int64](1)},
			house{property: 1e12}, 0},
		{"no means test", nil, house{vehicle: 1e12}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.h.members == nil {
				tt.h.members = []person{{age: 40, labor: 1000}}
			}
			// A poorer household, so the tested one ranks at 100 without the test.
			poorer := house{members: []person{{age: 40}}}
			m := incomeModel(nil)
			m.MeansTest = tt.mt
			res := mustScore(t, buildFrame(t, poorer, tt.h), m)
			if res.Upgrade[1] != tt.want {
				t.Errorf("upgrade %04b, want %04b", res.Upgrade[1], tt.want)
			}
			if res.Upgrade[0] != 0 || res.Bracket[0] != 50 {
				t.Errorf("the other household: upgrade %d bracket %d, want 0 and 50", res.Upgrade[0], res.Bracket[0])
			}
		})
	}
}

func TestUpgradeReasons(t *testing.T) {
	got := UpgradeReasons(UpgradeVehicle | UpgradeIsapre | UpgradeSchoolFees)
	if diff := cmp.Diff([]string{"vehicle", "isapre", "school_fees"}, got); diff != "" {
		t.Errorf("UpgradeReasons (-want +got):\n%s", diff)
	}
	if got := UpgradeReasons(0); got != nil {
		t.Errorf("UpgradeReasons(0) = %v, want nil", got)
	}
}
