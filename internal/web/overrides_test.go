package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOverrideProblems: a country pack's word overrides must name keys of
// the catalogs and keep their arguments.
func TestOverrideProblems(t *testing.T) {
	got, err := OverrideProblems(map[string]map[string]string{
		"es": {"home.module.counterpart": "Proyectos con el IISV.", "no.such.key": "x"},
		"en": {"runs.count": "%d homes", "runs.share": "%s%% of all"},
		"fr": {"x": "y"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`en: "runs.count" takes [%s], the override [%d]`,
		`es: "no.such.key" is not a key of the catalogs`,
		"fr: fosis has no catalog in this language",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
