package web

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/programs"
)

// verbRe finds the fmt verbs of a message (%d, %q, %[2]s, %.2f; not %%).
var verbRe = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?([a-zA-Z%])`)

// sampleArgs returns an argument of the right kind for every verb of
// english, in order, so that a translation can be tried with them.
func sampleArgs(english string) []any {
	var args []any
	for _, m := range verbRe.FindAllStringSubmatch(english, -1) {
		switch m[3] {
		case "%":
			continue
		case "d":
			args = append(args, 7)
		case "f", "g", "e":
			args = append(args, 1.5)
		default:
			args = append(args, "x")
		}
	}
	return args
}

// checkMessage fails if a catalog lacks key or says it with arguments that
// do not fit the English format (a missing, extra or mistyped argument
// prints %! in fmt).
func checkMessage(t *testing.T, c catalog, key, english string) {
	t.Helper()
	args := sampleArgs(english)
	for _, lang := range Languages {
		msg, ok := c[lang][key]
		if !ok {
			t.Errorf("%s: key %q is missing", lang, key)
			continue
		}
		if got := c.Say(lang, fosis.Phrase{Key: key, Args: args, Text: "?"}); strings.Contains(got, "%!") {
			t.Errorf("%s: %q = %q does not fit the arguments of %q: %s", lang, key, msg, english, got)
		} else if p := otherLanguage(lang, got); p != "" {
			t.Errorf("%s: %q = %q says %q, which is not %s (issue 20)", lang, key, msg, p, lang)
		}
	}
}

// TestProgrammeRefusalKeys: every refusal the programmes slice (and the
// programmes pages themselves) can produce has a key in both languages,
// with arguments that fit its English format, and so does every word it
// passes as an argument.
func TestProgrammeRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if len(programs.Messages) < 50 {
		t.Fatalf("programs.Messages has only %d messages", len(programs.Messages))
	}
	for key, english := range programs.Messages {
		checkMessage(t, c, key, english)
	}
	for _, key := range programs.TermKeys() {
		checkMessage(t, c, key, "")
	}
	// The keys written in the source: the slice's (each must be in
	// Messages, so that refuse finds its English) and the pages' own, which
	// give their English right after the key.
	keyRe := regexp.MustCompile(`"((?:programs\.err|programs\.reason|calls\.form|callwhatif\.form|agencies\.form|progedit\.form|progform\.err|rulebuilder\.err|callform\.err)\.[a-z0-9_.]+)"(?:,\s*("(?:[^"\\]|\\.)*"))?`)
	found := 0
	for _, dir := range []string{"../programs", "."} {
		for name, b := range goSources(t, dir) {
			for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
				found++
				key := m[1]
				if dir == "../programs" && (strings.HasPrefix(key, "programs.err.") && !strings.HasPrefix(key, "programs.err.run.") || strings.HasPrefix(key, "programs.reason.")) {
					if _, ok := programs.Messages[key]; !ok {
						t.Errorf("%s uses %q, which is not in programs.Messages", name, key)
					}
					continue
				}
				english := ""
				if m[2] != "" {
					if english, err = strconv.Unquote(m[2]); err != nil {
						t.Fatalf("%s: %s: %v", name, m[2], err)
					}
				}
				checkMessage(t, c, key, english)
			}
		}
	}
	if found < 80 {
		t.Fatalf("found only %d keys in the source: is the pattern still right?", found)
	}
}

// TestSay: a keyed message is said in the reader's language with its
// arguments (words among them translated too); one without a key, or
// with a key no catalog has, keeps its English.
func TestSay(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	closed := fosis.Phrase{Key: "calls.status.closed", Text: "closed"}
	e := fosis.KeyedErrorf(fosis.ECONFLICT, "programs.err.call_not_open", "call %s is %s: applications are taken only while it is open", "yt-2027", closed)
	for _, tc := range []struct {
		lang string
		v    any
		want string
	}{
		{"es", e, "la convocatoria yt-2027 está en estado «cerrada»: solo se reciben postulaciones mientras está abierta"},
		{"en", e, "call yt-2027 is closed: applications are taken only while it is open"},
		{"es", fosis.Errorf(fosis.EINVALID, "plain English"), "plain English"},
		{"es", &fosis.Error{Code: fosis.EINVALID, Message: "unknown key", Key: "programs.err.nope"}, "unknown key"},
		{"es", fosis.KeyedField("run", "calls.form.choose_run", "choose a scoring run"), "elija un proceso de calificación"},
		{"es", fosis.KeyedErrorf(fosis.ECONFLICT, "programs.err.envelope", "the envelope of call %s cannot cover another $%v: nothing was enrolled", "yt-2027", fosis.Pesos(1250000)),
			"el presupuesto de la convocatoria yt-2027 no alcanza para otros $1.250.000: no se inscribió a nadie"},
		{"en", fosis.KeyedErrorf(fosis.ECONFLICT, "programs.err.envelope", "the envelope of call %s cannot cover another $%v: nothing was enrolled", "yt-2027", fosis.Pesos(1250000)),
			"the budget envelope of call yt-2027 cannot cover another $1,250,000: nothing was enrolled"},
		{"es", programs.RowError{Line: 3, Message: "x", Key: "programs.err.same_applicant", Args: []any{2, fosis.Phrase{Key: "programs.unit_word.household", Text: "household"}}},
			"es la misma postulación de la línea 2 (una postulación por hogar en cada convocatoria)"},
	} {
		if got := c.sayAny(tc.lang, tc.v); got != tc.want {
			t.Errorf("%s %v: got %q, want %q", tc.lang, tc.v, got, tc.want)
		}
	}
}
