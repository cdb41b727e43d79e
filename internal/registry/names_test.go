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
