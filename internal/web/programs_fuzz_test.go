package web

import (
	"strings"
	"testing"
)

// FuzzCallFormParsers: the new-call form's quota and rule parsers never
// panic, and either give entries or an error naming the field and a line.
func FuzzCallFormParsers(f *testing.F) {
	for _, s := range []string{"13101 = 10\n13110: 5", "13 = x", "a | b | c | age >= 18", "a | b", "\n\n", "x=1=2", "|||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		q, err := parseQuotas("communes", text)
		if err != nil && (err.Field != "communes" || !strings.HasPrefix(err.Message, "line ")) {
			t.Fatalf("quotas %q: %+v", text, err)
		}
		if err == nil && len(q) > strings.Count(text, "\n")+1 {
			t.Fatalf("quotas %q: %d entries from fewer lines", text, len(q))
		}
		rs, err := parseRules("rules", text)
		if err != nil && (err.Field != "rules" || !strings.HasPrefix(err.Message, "line ")) {
			t.Fatalf("rules %q: %+v", text, err)
		}
		for _, r := range rs {
			if strings.ContainsRune(r.ID, '|') || strings.ContainsRune(r.NameEN, '|') {
				t.Fatalf("rules %q: a field kept a separator: %+v", text, r)
			}
		}
	})
}
