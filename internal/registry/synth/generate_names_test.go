package synth

import (
	"testing"
	"unicode/utf8"

	"github.com/fosis/fosis/internal/registry"
)

// TestGenerateNames checks that synthetic names read like Chilean families:
// everyone named, the common surnames most common, children carrying a
// parent's surname, and indigenous households with indigenous surnames.
func TestGenerateNames(t *testing.T) {
	out := runGenerate(t, Options{Households: 3000, Seed: 11})
	type member struct{ rel, sex, given, pat, mat string }
	byHH := map[string][]member{}
	count := map[string]int{}
	indigenousSurname := map[string]bool{}
	for _, s := range genIndigenousSurnames.names {
		indigenousSurname[s] = true
	}
	var ind, indWithSurname int
	for _, p := range readAllCSV(t, "persons.csv", out.persons, registry.PersonColumns) {
		if p[1] == "" || p[2] == "" {
			t.Fatalf("person %s has no given name or first surname: %q", p[0], p[1:4])
		}
		if m := p[3]; m != "" && (!utf8.ValidString(m) || utf8.RuneCountInString(m) > 100 || registry.FoldName(m) == "") {
			t.Fatalf("person %s: maternal surname %q is not a name the registry accepts", p[0], m)
		}
		count[p[2]]++
		byHH[p[4]] = append(byHH[p[4]], member{p[5], p[6], p[1], p[2], p[3]})
		if p[17] == "1" && p[5] == "head" {
			ind++
			if indigenousSurname[p[2]] || indigenousSurname[p[3]] {
				indWithSurname++
			}
		}
	}
	if count["González"] <= count["Rojas"] || count["Rojas"] <= count["Fica"] {
		t.Errorf("surname frequencies: González %d, Rojas %d, Fica %d", count["González"], count["Rojas"], count["Fica"])
	}
	if ind == 0 || float64(indWithSurname)/float64(ind) < 0.6 {
		t.Errorf("%d of %d indigenous heads carry an indigenous surname", indWithSurname, ind)
	}
	var kids, shared int
	for _, mem := range byHH {
		head := mem[0]
		for _, m := range mem[1:] {
			if m.rel != "child" {
				continue
			}
			kids++
			parents := map[string]bool{head.pat: true}
			for _, s := range mem {
				if s.rel == "spouse" {
					parents[s.pat] = true
				}
			}
			if parents[m.pat] || parents[m.mat] {
				shared++
			}
		}
	}
	if kids == 0 || shared != kids {
		t.Errorf("%d of %d children carry a parent's surname", shared, kids)
	}
}
