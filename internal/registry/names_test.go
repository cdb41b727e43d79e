package registry

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Núñez":                 "nunez",
		"MUÑOZ-Soto, José":      "munoz soto jose",
		"  María   José ":       "maria jose",
		"O'Ryan":                "o ryan",
		"Ñanculef Huenchumilla": "nanculef huenchumilla",
		"Müller Straße":         "muller strasse",
		"Łukasz Øster":          "lukasz oster",
		"李":                     "",
		"R2-D2":                 "r2 d2",
		"":                      "",
	} {
		if got := FoldName(in); got != want {
			t.Errorf("FoldName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NameKey("María José", "Núñez", ""); got != "nunez maria jose" {
		t.Errorf("NameKey = %q", got)
	}
	if got := FullName("María José", "Núñez", ""); got != "María José Núñez" {
		t.Errorf("FullName = %q", got)
	}
}

func TestCheckName(t *testing.T) {
	for _, tt := range []struct {
		in       string
		required bool
		want     string
	}{
		{"Pérez", true, ""},
		{"", false, ""},
		{"", true, "is empty"},
		{"a\tb", true, "control character"},
		{"\xff", true, "UTF-8"},
		{strings.Repeat("á", 101), true, "longer than 100"},
		{"--", true, "no letters"},
	} {
		if got := checkName(tt.in, tt.required); (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("checkName(%q, %v) = %q, want %q", tt.in, tt.required, got, tt.want)
		}
	}
}

// FuzzFoldName checks the key's alphabet and that folding is idempotent:
// a search term folded once matches keys folded once.
func FuzzFoldName(f *testing.F) {
	for _, s := range []string{"Núñez", "O'Ryan  Soto", "ÆØÅ", "\xff\xfe", "a\u0301b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := FoldName(s)
		for i := 0; i < len(k); i++ {
			c := k[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ') {
				t.Fatalf("FoldName(%q) = %q has byte %q", s, k, c)
			}
		}
		if strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") || strings.Contains(k, "  ") || !utf8.ValidString(k) {
			t.Fatalf("FoldName(%q) = %q: spaces not normalised", s, k)
		}
		if again := FoldName(k); again != k {
			t.Fatalf("FoldName not idempotent: %q → %q → %q", s, k, again)
		}
	})
}

// TestGenerateNames checks that synthetic names read like Chilean families:
// everyone named, the common surnames most common, children carrying a
// parent's surname, and indigenous households with indigenous surnames.
func TestGenerateNames(t *testing.T) {
	out := runGenerate(t, GenerateOptions{Households: 3000, Seed: 11})
	type member struct{ rel, sex, given, pat, mat string }
	byHH := map[string][]member{}
	count := map[string]int{}
	indigenousSurname := map[string]bool{}
	for _, s := range genIndigenousSurnames.names {
		indigenousSurname[s] = true
	}
	var ind, indWithSurname int
	for _, p := range readAllCSV(t, "persons.csv", out.persons, PersonColumns) {
		if p[1] == "" || p[2] == "" {
			t.Fatalf("person %s has no given name or first surname: %q", p[0], p[1:4])
		}
		if reason := checkName(p[3], false); reason != "" {
			t.Fatalf("person %s: maternal surname %q %s", p[0], p[3], reason)
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
