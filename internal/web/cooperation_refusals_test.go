package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
)

// TestCoopRefusalKeys: every refusal the cooperation slice and its pages can
// produce is keyed (issue 12: no English text matched with a regular
// expression), and both catalogs say it with arguments that fit its English
// format. The source is scanned for `"coop.err.…"` and `"coop.refused.…"`
// keys followed by their English format.
func TestCoopRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	keyRe := regexp.MustCompile(`"(coop\.(?:err|refused)\.[a-z0-9_.]+)",\s*("(?:[^"\\]|\\.)*")`)
	found := 0
	for _, dir := range []string{"../cooperation", "."} {
		for name, b := range goSources(t, dir) {
			if dir == "." && !strings.HasPrefix(name, "cooperation") {
				continue
			}
			for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
				found++
				english, err := strconv.Unquote(m[2])
				if err != nil {
					t.Fatalf("%s: %s: %v", name, m[2], err)
				}
				checkMessage(t, c, m[1], english)
				if rule := cooperation.RuleOf(m[1]); strings.HasPrefix(m[1], cooperation.RefusedPrefix) {
					if _, ok := c["en"]["coop.rule."+rule]; !ok {
						t.Errorf("%s: %s names rule %q, which has no coop.rule.%s", name, m[1], rule, rule)
					}
				}
			}
			// Every error the slice returns to a user is keyed: no bare
			// fosis.Errorf or hand-made *fosis.Error without a Key.
			if dir == "../cooperation" && !strings.HasSuffix(name, "_test.go") && strings.Contains(string(b), "fosis.Errorf(") {
				t.Errorf("%s: fosis.Errorf makes a refusal without a key; use fosis.KeyedErrorf, invalid or blocked", name)
			}
		}
	}
	if found < 150 {
		t.Fatalf("found only %d keys in the source: is the pattern still right?", found)
	}
	for _, k := range []string{"coop.word.or", "coop.word.either", "coop.err.design_incomplete", "coop.err.team_not_qualify", "coop.err.iati_refused"} {
		checkMessage(t, c, k, map[string]string{"coop.word.either": "%s%s%s", "coop.err.iati_refused": "%d"}[k])
	}
	for _, st := range cooperation.Steps {
		checkMessage(t, c, "coop.step."+string(st), "")
	}
}

// TestCoopRefusalSaid: a refusal by a rule is shown with the rule's name
// and its reason in the reader's language, the rule read from the key.
func TestCoopRefusalSaid(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	e := fosis.KeyedErrorf(fosis.ECONFLICT, "coop.refused.workflow.needs_project", "%s needs project %s to be %s; it is %s",
		fosis.Phrase{Key: "coop.action.start", Text: "starting execution"}, "CSS-PY-01",
		fosis.Phrase{Key: "coop.word.either", Args: []any{fosis.Phrase{Key: "coop.step.agreed", Text: "agreed"}, fosis.Phrase{Key: "coop.word.or", Text: " or "}, fosis.Phrase{Key: "coop.step.reviewed", Text: "reviewed"}}, Text: "agreed or reviewed"},
		fosis.Phrase{Key: "coop.step.designing", Text: "designing"})
	ce := newCoopErr(e)
	if ce.Rule != "coop.rule.workflow" {
		t.Errorf("rule %q, want coop.rule.workflow", ce.Rule)
	}
	for lang, want := range map[string]string{
		"es": "iniciar la ejecución requiere que el proyecto CSS-PY-01 esté convenio en firma o diseño aprobado; está en diseño",
		"en": "starting execution needs project CSS-PY-01 to be " + c.Say("en", fosis.Phrase{Key: "coop.step.agreed"}) + " or " + c.Say("en", fosis.Phrase{Key: "coop.step.reviewed"}) + "; it is " + c.Say("en", fosis.Phrase{Key: "coop.step.designing"}),
	} {
		if got := c.sayAny(lang, ce.Detail); got != want {
			t.Errorf("%s: got %q, want %q", lang, got, want)
		}
	}
	if ce := newCoopErr(fosis.KeyedErrorf(fosis.EINVALID, "coop.err.form.number", "%q is not a whole number; write digits only, without separators", "12.5")); ce.Rule != "coop.err.invalid" {
		t.Errorf("an invalid field: rule %q", ce.Rule)
	}
}
