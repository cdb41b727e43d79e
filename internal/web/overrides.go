package web

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
)

// overrideVerbRe finds the fmt verbs of a message ("%s", "%[2]d", "%%").
var overrideVerbRe = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// OverrideProblems checks a country pack's word overrides (language → key →
// text) against the catalogs: every key must exist, and its text must take
// the same arguments as the message it replaces. It returns one line per
// problem, sorted.
func OverrideProblems(over map[string]map[string]string) ([]string, error) {
	c, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	var out []string
	for lang, m := range over {
		base, ok := c[lang]
		if !ok {
			out = append(out, fmt.Sprintf("%s: fosis has no catalog in this language", lang))
			continue
		}
		for k, v := range m {
			orig, ok := base[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s: %q is not a key of the catalogs", lang, k))
				continue
			}
			a, b := overrideVerbRe.FindAllString(orig, -1), overrideVerbRe.FindAllString(v, -1)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				out = append(out, fmt.Sprintf("%s: %q takes %v, the override %v", lang, k, a, b))
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
