package programs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
)

func TestCompileRulesErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rule  Rule
		field string
		want  string
	}{
		{"syntax", Rule{"a", "A", "A", "age >= "}, "rules[0].expr", "line 1, column"},
		{"unknown variable", Rule{"a", "A", "A", "agee >= 18"}, "rules[0].expr", "undeclared reference to 'agee'"},
		{"second line", Rule{"a", "A", "A", "age >= 18 &&\n  sex == 1"}, "rules[0].expr", "line 2, column"},
		{"not a boolean", Rule{"a", "A", "A", "age + 1"}, "rules[0].expr", "a rule must give true or false"},
		{"empty", Rule{"a", "A", "A", "  "}, "rules[0].expr", "empty"},
		{"no english name", Rule{"a", "A", "", "age >= 18"}, "rules[0].name", "name in Spanish"},
		{"bad id", Rule{"Age Rule", "A", "A", "age >= 18"}, "rules[0].id", "not a rule id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CompileRules([]Rule{tc.rule}, "rules")
			var fe *fosis.Error
			if err == nil || fosis.ErrorCode(err) != fosis.EINVALID {
				t.Fatalf("got %v, want an invalid error", err)
			}
			fe = err.(*fosis.Error)
			if len(fe.Fields) == 0 || fe.Fields[0].Field != tc.field || !strings.Contains(fe.Fields[0].Message, tc.want) {
				t.Errorf("got %+v, want field %s with %q", fe.Fields, tc.field, tc.want)
			}
		})
	}
}

func TestEvalReportsFailedRulesAndValues(t *testing.T) {
	rs, err := CompileRules([]Rule{
		{"adult", "Mayor de edad", "Adult", "age >= 18"},
		{"bracket40", "Tramo 40", "Bracket 40", "scored && bracket <= 40"},
		{"cooldown", "Sin participación reciente", "No recent participation", `!("yo-trabajo" in participations) || participations["yo-trabajo"] >= 24`},
		{"percentile", "Percentil", "Percentile", "percentile <= 40"},
		{"unguarded", "Sin guardia", "Unguarded", `participations["yo-emprendo"] > 3`},
	}, "rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		a    Attrs
		want []string // failed rule ids
	}{
		{"eligible except the unguarded lookup", Attrs{Age: 30, Scored: true, Bracket: 40, Percentile: 12.5}, []string{"unguarded"}},
		{"boundaries hold", Attrs{Age: 18, Scored: true, Bracket: 40, Percentile: 40, Participations: map[string]int64{"yo-trabajo": 24, "yo-emprendo": 4}}, nil},
		{"just below", Attrs{Age: 17, Scored: true, Bracket: 50, Percentile: 40.0001, Participations: map[string]int64{"yo-trabajo": 23, "yo-emprendo": 3}}, []string{"adult", "bracket40", "cooldown", "percentile", "unguarded"}},
		{"not scored", Attrs{Age: 40, Participations: map[string]int64{"yo-emprendo": 9}}, []string{"bracket40"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range rs.Eval(&tc.a) {
				got = append(got, f.Rule)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("failed rules (-want +got):\n%s", diff)
			}
			if rs.Eligible(&tc.a) != (len(tc.want) == 0) {
				t.Errorf("Eligible disagrees with Eval")
			}
		})
	}
	f := rs.Eval(&Attrs{Age: 17, Scored: true, Bracket: 50})
	if diff := cmp.Diff(map[string]any{"age": int64(17)}, f[0].Values); diff != "" {
		t.Errorf("values of the failed rule (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"scored": true, "bracket": int64(50)}, f[1].Values); diff != "" {
		t.Errorf("values of the failed rule (-want +got):\n%s", diff)
	}
	if f[len(f)-1].Error == "" {
		t.Errorf("an unevaluable rule should report its error")
	}
}

// FuzzCompileRules: any text as a rule either compiles to a rule that
// evaluates without panicking, or is refused with an invalid error that
// names the field.
func FuzzCompileRules(f *testing.F) {
	for _, s := range []string{"age >= 18", "scored && bracket <= 40", `participations["x"] > 3`, "age >", "1 +", `"a" in ["a"]`,
		"percentile <= 40.5 || poorest5", "[1,2].all(x, x > age)", "size(commune) == 5", "\x00", "((((("} {
		f.Add(s)
	}
	a := &Attrs{Age: 30, Sex: "F", Relation: "head", Commune: "13101", Region: "13", Zone: "urban", Members: 3, Scored: true, Bracket: 40,
		Percentile: 12.5, Participations: map[string]int64{"x": 4}}
	f.Fuzz(func(t *testing.T, expr string) {
		rs, err := CompileRules([]Rule{{ID: "r", NameES: "r", NameEN: "r", Expr: expr}}, "rules")
		if err != nil {
			e, ok := err.(*fosis.Error)
			if !ok || e.Code != fosis.EINVALID || len(e.Fields) == 0 || e.Fields[0].Field != "rules[0].expr" {
				t.Fatalf("%q: %v", expr, err)
			}
			return
		}
		failed := rs.Eval(a)
		if rs.Eligible(a) != (len(failed) == 0) {
			t.Fatalf("%q: Eligible and Eval disagree", expr)
		}
	})
}
