package scopetest

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
)

// Categories of forbidden strings; a route may allow some (the territory
// endpoint names every commune: it is geography, not data).
const (
	CatHousehold   = "household id"
	CatRUN         = "RUN"
	CatName        = "person's name"
	CatCommune     = "commune"      // a commune's name
	CatCommuneCode = "commune code" // a commune's code
	CatRegion      = "region"
	CatChange      = "change request"
	CatApplication = "application"
	// CatNationalCount is the number of households in the whole country (a
	// scoring run's total): an officer is told their territory's count, or
	// the other regions' size would show (issue 11, item 14(a)).
	CatNationalCount = "national count"
)

// Forbidden is what of other regions' data must not appear in an answer to
// the regional officer of region 13.
type Forbidden struct {
	tokens   map[string]needle   // whole tokens: ids, RUNs, commune codes
	phrases  map[string][]needle // phrases (names), by their longest word
	links    map[string]needle   // "changes/12", "applications/7"
	regionOf func(string) (string, bool)
	national int64 // the country's number of households (CatNationalCount)
}

type needle struct{ text, cat, what string }

// Len is the number of forbidden strings.
func (f *Forbidden) Len() int {
	n := len(f.tokens) + len(f.links)
	for _, ps := range f.phrases {
		n += len(ps)
	}
	return n
}

func (f *Forbidden) token(text, cat, what string) {
	if text != "" {
		f.tokens[text] = needle{text, cat, what}
	}
}

func (f *Forbidden) phrase(text, cat, what string) {
	words := splitWords(text)
	if len(words) == 0 {
		return
	}
	key := slices.MaxFunc(words, func(a, b string) int { return utf8.RuneCountInString(a) - utf8.RuneCountInString(b) })
	f.phrases[key] = append(f.phrases[key], needle{text, cat, what})
}

// forbidden gathers every household, person, commune and region of the
// regions other than 13 that hold data, and the change requests and
// applications of households there. A person's name that someone in region
// 13 also has is left out (it would be found for them).
func (w *World) forbidden(ctx context.Context, views map[string]*registry.HouseholdView, apps map[string]map[string][]string, changes map[string][]int64) *Forbidden {
	f := &Forbidden{tokens: map[string]needle{}, phrases: map[string][]needle{}, links: map[string]needle{}, regionOf: w.regionOf}
	ownNames := map[string]bool{}
	ownWords := map[string]bool{} // words of region 13's data, which no commune name may be
	for _, h := range views {
		if h.RegionCode == Own {
			for _, m := range h.Members {
				ownNames[m.Name] = true
				for _, word := range splitWords(m.Name) {
					ownWords[word] = true
				}
			}
		}
	}
	dataCommunes, dataRegions := map[string]bool{}, map[string]bool{}
	for _, h := range views {
		if h.RegionCode == Own {
			continue
		}
		where := fmt.Sprintf("of region %s", h.RegionCode)
		f.token(h.ID, CatHousehold, "household "+h.ID+" "+where)
		for _, m := range h.Members {
			n, err := rut.Parse(m.RUN)
			if err != nil {
				continue
			}
			for _, form := range []string{rut.Format(n), rut.FormatDots(n), compact(n)} {
				f.token(form, CatRUN, "RUN "+form+" of household "+h.ID+" "+where)
			}
			if !ownNames[m.Name] {
				f.phrase(m.Name, CatName, "name "+m.Name+" of household "+h.ID+" "+where)
			}
		}
		dataCommunes[h.CommuneCode], dataRegions[h.RegionCode] = true, true
	}
	// The interface's own examples (the search box's placeholder) are no
	// one's data, even where the fixture has a household of that id.
	for _, ex := range examples {
		delete(f.tokens, ex)
	}
	// The rejected row of the import (it names a household of the other
	// region and its head).
	f.token("X-WALK-1", CatHousehold, "household X-WALK-1 of the import's problem report")
	f.token("7.010.912-8", CatRUN, "RUN of the import's problem report")
	f.token("7010912-8", CatRUN, "RUN of the import's problem report")
	f.national = w.national
	for code := range dataCommunes {
		ci, _ := w.terr.CommuneIndex(code)
		c := w.terr.Communes[ci]
		f.token(c.Code, CatCommuneCode, "commune code "+c.Code+" of region "+c.RegionCode)
		if !ownWords[c.Name] && !w.ownCommuneName(c.Name) {
			f.phrase(c.Name, CatCommune, "commune "+c.Name+" of region "+c.RegionCode)
		}
	}
	for code := range dataRegions {
		ri, _ := w.terr.RegionIndex(code)
		f.phrase(w.terr.Regions[ri].Name, CatRegion, "region "+w.terr.Regions[ri].Name)
	}
	for region, ids := range changes {
		if region != Own {
			for _, id := range ids {
				f.links["changes/"+strconv.FormatInt(id, 10)] = needle{"", CatChange, fmt.Sprintf("change request %d of region %s", id, region)}
			}
		}
	}
	for _, byRegion := range apps {
		for region, ids := range byRegion {
			if region != Own {
				for _, id := range ids {
					f.links["applications/"+id] = needle{"", CatApplication, fmt.Sprintf("application %s of region %s", id, region)}
				}
			}
		}
	}
	return f
}

// ownCommuneName reports whether a commune of region 13 has name too.
func (w *World) ownCommuneName(name string) bool {
	for _, c := range w.terr.Communes {
		if c.RegionCode == Own && c.Name == name {
			return true
		}
	}
	return false
}

// examples are strings the interface prints as examples.
var examples = []string{"H0000001", "12.345.678-5", "12345678-5"}

var linkRE = regexp.MustCompile(`\b(changes|applications)/([0-9]+)\b`)

// Find returns what of other regions' data text holds, leaving out the
// categories allowed.
func (f *Forbidden) Find(text string, allow ...string) []string {
	var out []string
	add := func(n needle, at string) {
		if slices.Contains(allow, n.cat) {
			return
		}
		what := n.what
		if i := strings.Index(text, at); i >= 0 {
			what += fmt.Sprintf(" (…%s…)", strings.ReplaceAll(text[max(0, i-80):min(len(text), i+len(at)+40)], "\n", " "))
		}
		if !slices.Contains(out, what) {
			out = append(out, what)
		}
	}
	if f.national > 0 && !slices.Contains(allow, CatNationalCount) && !isJSON(text) {
		// A whole number only, not a piece of a decimal ("200.6" in a map's
		// outline) nor of a date. In JSON, where a household's key may be the
		// same number, JSON checks the runs' "households" instead.
		n := strconv.FormatInt(f.national, 10)
		for _, tok := range strings.FieldsFunc(text, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != ',' && r != '-' && r != '_'
		}) {
			if strings.Trim(tok, ".,-_") == n {
				add(needle{n, CatNationalCount, fmt.Sprintf("the national number of households (%s) of a scoring run", n)}, n)
				break
			}
		}
	}
	seen := map[string]bool{}
	for _, tok := range splitTokens(text) {
		if seen[tok] {
			continue
		}
		seen[tok] = true
		if n, ok := f.tokens[tok]; ok {
			add(n, tok)
		}
		for _, n := range f.phrases[tok] {
			for _, p := range []string{n.text, html.EscapeString(n.text)} {
				if containsPhrase(text, p) {
					add(n, p)
					break
				}
			}
		}
	}
	for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
		if n, ok := f.links[m[1]+"/"+m[2]]; ok {
			add(n, m[0])
		}
	}
	return out
}

// JSON returns the objects of a decoded JSON answer that are another
// region's records: an object with an identity (id, household_id, run) that
// says where it is (region, region_code, or a commune of another region).
func (f *Forbidden) JSON(v any) []string {
	var out []string
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			_, id := v["id"]
			_, hid := v["household_id"]
			_, run := v["run"]
			region := ""
			for _, k := range []string{"region", "region_code"} {
				if s, ok := v[k].(string); ok && s != "" {
					region = s
				}
			}
			for _, k := range []string{"commune", "commune_code"} {
				if s, ok := v[k].(string); ok && region == "" {
					region, _ = f.regionOf(s)
				}
			}
			if (id || hid || run) && region != "" && region != Own {
				out = append(out, fmt.Sprintf("%s: a record of region %s: %s", at, region, short(v)))
			}
			// A scoring run tells the officer its households in their
			// territory, not in the country.
			if n, ok := v["households"].(float64); ok && f.national > 0 && int64(n) == f.national {
				if _, isRun := v["model_id"]; isRun {
					out = append(out, fmt.Sprintf("%s: a scoring run with the national number of households (%d): %s", at, f.national, short(v)))
				}
			}
			for k, x := range v {
				walk(x, at+"."+k)
			}
		case []any:
			for i, x := range v {
				walk(x, at+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	walk(v, "$")
	return out
}

// isJSON reports whether text is a JSON object or array (an API answer).
func isJSON(text string) bool {
	t := strings.TrimSpace(text)
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// splitTokens cuts text into tokens of letters, digits, dots, hyphens and
// underscores, trimmed of dots and hyphens at either end: "12.345.678-5",
// "H0000012", "13101", "Peñalolén".
func splitTokens(text string) []string {
	fs := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '-' && r != '_'
	})
	out := make([]string, 0, len(fs))
	for _, t := range fs {
		if t = strings.Trim(t, ".-_"); t != "" {
			out = append(out, t)
		}
		// A token with dots or hyphens also offers its words, so that a
		// phrase keyed on one is found ("Juan-Pablo", "Sr.").
		if strings.ContainsAny(t, ".-_") {
			out = append(out, splitWords(t)...)
		}
	}
	return out
}

// splitWords cuts text into words of letters and digits.
func splitWords(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// containsPhrase reports whether text holds p not inside a longer word.
func containsPhrase(text, p string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], p)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(p)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		i = start + 1
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
