package web

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/targeting"
)

// The rule builder: the common eligibility rules as a form (a kind and its
// values) that writes CEL, and CEL itself as the advanced mode. A rule
// written by the builder is recognised again from its exact text, so that a
// stored rule opens in the row it was made with; anything else opens as
// CEL. Rows are added, removed and turned into CEL by the server (buttons
// named "do"), so the form works without JavaScript.

// Rule kinds of the builder, in the order of its menu.
const (
	ruleAgeMin       = "age_min"
	ruleAgeBetween   = "age_between"
	ruleBracketMax   = "bracket_max"
	ruleCommuneIn    = "commune_in"
	ruleSex          = "sex"
	ruleHead         = "head"
	ruleInProgramme  = "in_programme"
	ruleNotInRecent  = "not_in_programme"
	ruleCEL          = "cel"
	maxFormRows      = 64 // rows of one list a form may hold
	maxRuleListChars = 4000
)

// ruleKinds is the builder's menu (rulerows.html lists it in this order).
var ruleKinds = []string{ruleBracketMax, ruleAgeMin, ruleAgeBetween, ruleCommuneIn, ruleSex, ruleHead, ruleInProgramme, ruleNotInRecent, ruleCEL}

// ruleSexes are the registry's sex words a rule may compare with.
var ruleSexes = []string{"F", "M", "X"}

// ruleRow is one rule of a form as typed: its kind and values (A, B: whole
// numbers; List: communes, a sex or a programme code), or its CEL.
type ruleRow struct {
	Kind, ID, NameES, NameEN, A, B, List, Expr string
	Share                                      string // a reserved share's percentage (reserved groups only)
}

// builderPatterns recognise the exact CEL the builder writes.
var (
	reAgeMin     = regexp.MustCompile(`^age >= (\d+)$`)
	reAgeBetween = regexp.MustCompile(`^age >= (\d+) && age <= (\d+)$`)
	reBracketMax = regexp.MustCompile(`^scored && bracket <= (\d+)$`)
	reCommuneIn  = regexp.MustCompile(`^commune in \[("[0-9A-Za-z]+"(?:, "[0-9A-Za-z]+")*)\]$`)
	reSex        = regexp.MustCompile(`^sex == "([A-Z])"$`)
	reInProg     = regexp.MustCompile(`^"([a-z0-9_-]+)" in participations && participations\["([a-z0-9_-]+)"\] == 0$`)
	reNotInProg  = regexp.MustCompile(`^!\("([a-z0-9_-]+)" in participations\) \|\| participations\["([a-z0-9_-]+)"\] >= (\d+)$`)
)

// rowOf opens a stored rule in the builder: the row of the kind that writes
// its expression, or a CEL row.
func rowOf(r programs.Rule) ruleRow {
	row := ruleRow{Kind: ruleCEL, ID: r.ID, NameES: r.NameES, NameEN: r.NameEN, Expr: r.Expr}
	e := r.Expr
	if m := reAgeBetween.FindStringSubmatch(e); m != nil {
		row.Kind, row.A, row.B = ruleAgeBetween, m[1], m[2]
	} else if m := reAgeMin.FindStringSubmatch(e); m != nil {
		row.Kind, row.A = ruleAgeMin, m[1]
	} else if m := reBracketMax.FindStringSubmatch(e); m != nil {
		row.Kind, row.A = ruleBracketMax, m[1]
	} else if m := reCommuneIn.FindStringSubmatch(e); m != nil {
		row.Kind, row.List = ruleCommuneIn, strings.NewReplacer(`"`, "", ",", "").Replace(m[1])
	} else if m := reSex.FindStringSubmatch(e); m != nil && slices.Contains(ruleSexes, m[1]) {
		row.Kind, row.List = ruleSex, m[1]
	} else if e == `relation == "head"` {
		row.Kind = ruleHead
	} else if m := reInProg.FindStringSubmatch(e); m != nil && m[1] == m[2] {
		row.Kind, row.List = ruleInProgramme, m[1]
	} else if m := reNotInProg.FindStringSubmatch(e); m != nil && m[1] == m[2] {
		row.Kind, row.List, row.A = ruleNotInRecent, m[1], m[3]
	}
	if row.Kind != ruleCEL {
		row.Expr = ""
	}
	return row
}

// communeList splits a typed list of commune codes.
func communeList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// cel writes the row's expression (the typed one for a CEL row). It does not
// check the values: ruleChecker does.
func (r ruleRow) cel() string {
	switch r.Kind {
	case ruleAgeMin:
		return "age >= " + strings.TrimSpace(r.A)
	case ruleAgeBetween:
		return "age >= " + strings.TrimSpace(r.A) + " && age <= " + strings.TrimSpace(r.B)
	case ruleBracketMax:
		return "scored && bracket <= " + strings.TrimSpace(r.A)
	case ruleCommuneIn:
		var q []string
		for _, c := range communeList(r.List) {
			q = append(q, strconv.Quote(c))
		}
		return "commune in [" + strings.Join(q, ", ") + "]"
	case ruleSex:
		return "sex == " + strconv.Quote(r.List)
	case ruleHead:
		return `relation == "head"`
	case ruleInProgramme:
		return fmt.Sprintf("%q in participations && participations[%q] == 0", r.List, r.List)
	case ruleNotInRecent:
		return fmt.Sprintf("!(%q in participations) || participations[%q] >= %s", r.List, r.List, strings.TrimSpace(r.A))
	}
	return strings.TrimSpace(r.Expr)
}

// CEL is the expression the row stands for, as the page shows it.
func (r ruleRow) CEL() string { return r.cel() }

// autoID is the identifier a row gets when none is typed.
func (r ruleRow) autoID() string {
	switch r.Kind {
	case ruleAgeMin:
		return "age-min"
	case ruleAgeBetween:
		return "age"
	case ruleBracketMax:
		return "bracket"
	case ruleCommuneIn:
		return "communes"
	case ruleSex:
		return "sex"
	case ruleHead:
		return "head"
	case ruleInProgramme:
		return "in-" + r.List
	case ruleNotInRecent:
		return "not-" + r.List
	}
	return "rule"
}

// ruleContext is what the builder needs to name rules and check values: the
// catalogs, the territory's commune names and the programme lines' names.
type ruleContext struct {
	s         *Server
	communes  func(code string) (string, bool)
	programme func(code, lang string) (string, bool)
}

// ruleContext returns the builder's context for this server.
func (s *Server) ruleContext(progs []programs.Program) ruleContext {
	return ruleContext{s: s,
		communes: func(code string) (string, bool) {
			terr := s.cfg.Registry.Territory()
			if ci, ok := terr.CommuneIndex(code); ok {
				return terr.Communes[ci].Name, true
			}
			return "", false
		},
		programme: func(code, lang string) (string, bool) {
			for _, p := range progs {
				if p.Code == code {
					return p.Name(lang), true
				}
			}
			return "", false
		}}
}

// autoName is the name a row gets in lang when none is typed.
func (x ruleContext) autoName(r ruleRow, lang string) string {
	t := func(key string, args ...any) string { return x.s.msgs.T(lang, key, args...) }
	switch r.Kind {
	case ruleAgeMin:
		return t("rulebuilder.name.age_min", strings.TrimSpace(r.A))
	case ruleAgeBetween:
		return t("rulebuilder.name.age_between", strings.TrimSpace(r.A), strings.TrimSpace(r.B))
	case ruleBracketMax:
		return t("rulebuilder.name.bracket_max", strings.TrimSpace(r.A))
	case ruleCommuneIn:
		var names []string
		for _, c := range communeList(r.List) {
			n, ok := x.communes(c)
			if !ok {
				n = c
			}
			names = append(names, n)
		}
		return t("rulebuilder.name.commune_in", strings.Join(names, ", "))
	case ruleSex:
		return t("rulebuilder.name.sex", t("code.sex."+r.List))
	case ruleHead:
		return t("rulebuilder.name.head")
	case ruleInProgramme:
		n, _ := x.programme(r.List, lang)
		return t("rulebuilder.name.in_programme", n)
	case ruleNotInRecent:
		n, _ := x.programme(r.List, lang)
		return t("rulebuilder.name.not_in_programme", n, strings.TrimSpace(r.A))
	}
	return ""
}

// forForm opens stored rules as rows, leaving blank the identifiers and
// names the builder would write itself (so that they follow its values
// when these change).
func (x ruleContext) forForm(rules []programs.Rule) []ruleRow {
	out := make([]ruleRow, 0, len(rules))
	for _, r := range rules {
		row := rowOf(r)
		if row.Kind != ruleCEL && row.NameES == x.autoName(row, "es") && row.NameEN == x.autoName(row, "en") {
			row.NameES, row.NameEN = "", ""
		}
		out = append(out, row)
	}
	return out
}

// rules turns rows into rules, checking the builder's values; problems are
// field errors named block[i].field as the slice names them (so that both
// are shown next to the same row).
func (x ruleContext) rules(block string, rows []ruleRow) ([]programs.Rule, []fosis.FieldError) {
	var out []programs.Rule
	var bad []fosis.FieldError
	ids := map[string]bool{}
	for _, r := range rows {
		if id := strings.TrimSpace(r.ID); id != "" {
			ids[id] = true
		}
	}
	for i, r := range rows {
		at := fmt.Sprintf("%s[%d]", block, i)
		whole := func(v, field string, lo, hi int) {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < lo || n > hi {
				bad = append(bad, fosis.KeyedField(at+"."+field, "rulebuilder.err.whole", "write a whole number from %d to %d", lo, hi))
			}
		}
		switch r.Kind {
		case ruleAgeMin:
			whole(r.A, "a", 0, 120)
		case ruleAgeBetween:
			whole(r.A, "a", 0, 120)
			whole(r.B, "b", 0, 120)
			if a, err1 := strconv.Atoi(strings.TrimSpace(r.A)); err1 == nil {
				if b, err2 := strconv.Atoi(strings.TrimSpace(r.B)); err2 == nil && b < a {
					bad = append(bad, fosis.KeyedField(at+".b", "rulebuilder.err.age_order", "the upper age (%d) is below the lower one (%d)", b, a))
				}
			}
		case ruleBracketMax:
			whole(r.A, "a", 1, 100)
		case ruleCommuneIn:
			cs := communeList(r.List)
			if len(cs) == 0 {
				bad = append(bad, fosis.KeyedField(at+".list", "rulebuilder.err.no_communes", "name at least one commune by its code"))
			}
			for _, c := range cs {
				if _, ok := x.communes(c); !ok {
					bad = append(bad, fosis.KeyedField(at+".list", "rulebuilder.err.commune", "%q is not a commune code", c))
				}
			}
		case ruleSex:
			if !slices.Contains(ruleSexes, r.List) {
				bad = append(bad, fosis.KeyedField(at+".list", "rulebuilder.err.sex", "choose a sex"))
			}
		case ruleHead:
		case ruleInProgramme, ruleNotInRecent:
			if _, ok := x.programme(r.List, "es"); !ok {
				bad = append(bad, fosis.KeyedField(at+".list", "rulebuilder.err.programme", "choose a programme line"))
			}
			if r.Kind == ruleNotInRecent {
				whole(r.A, "a", 1, 240)
			}
		case ruleCEL:
		default:
			bad = append(bad, fosis.KeyedField(at+".kind", "rulebuilder.err.kind", "choose the kind of rule"))
		}
		rule := programs.Rule{ID: strings.TrimSpace(r.ID), NameES: strings.TrimSpace(r.NameES), NameEN: strings.TrimSpace(r.NameEN), Expr: r.cel()}
		if rule.ID == "" {
			rule.ID = r.autoID()
			for k := 2; ids[rule.ID]; k++ {
				rule.ID = fmt.Sprintf("%s-%d", r.autoID(), k)
			}
			ids[rule.ID] = true
		}
		if r.Kind != ruleCEL {
			if rule.NameES == "" {
				rule.NameES = x.autoName(r, "es")
			}
			if rule.NameEN == "" {
				rule.NameEN = x.autoName(r, "en")
			}
		}
		out = append(out, rule)
	}
	return out, bad
}

// ruleRowsFrom reads block's rows from a posted form (block.N.field).
func ruleRowsFrom(form url.Values, block string) []ruleRow {
	var out []ruleRow
	for i := range maxFormRows {
		p := fmt.Sprintf("%s.%d.", block, i)
		kind := form.Get(p + "kind")
		if kind == "" {
			break
		}
		out = append(out, ruleRow{Kind: kind, ID: form.Get(p + "id"), NameES: form.Get(p + "name_es"), NameEN: form.Get(p + "name_en"),
			A: form.Get(p + "a"), B: form.Get(p + "b"), List: strings.TrimSpace(limit(form.Get(p+"list"), maxRuleListChars)),
			Expr: form.Get(p + "expr"), Share: form.Get(p + "share")})
	}
	return out
}

// limit cuts s to at most n bytes.
func limit(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// rowAction is what a form's "do" button asks of a list: add a row, remove
// row i, or turn row i into CEL. It reports whether do named this block.
func rowAction[T any](do, block string, rows []T, blank T, toCEL func(*T)) ([]T, bool) {
	verb, rest, _ := strings.Cut(do, ":")
	name, idx, _ := strings.Cut(rest, ":")
	if name != block {
		return rows, false
	}
	i, err := strconv.Atoi(idx)
	switch verb {
	case "add":
		if len(rows) < maxFormRows {
			rows = append(rows, blank)
		}
	case "del":
		if err == nil && i >= 0 && i < len(rows) {
			rows = slices.Delete(rows, i, i+1)
		}
	case "cel":
		if err == nil && i >= 0 && i < len(rows) && toCEL != nil {
			toCEL(&rows[i])
		}
	}
	return rows, true
}

// asCEL turns a builder row into the same rule written as CEL, its names
// kept as they would be saved.
func (x ruleContext) asCEL(r *ruleRow) {
	if r.Kind == ruleCEL {
		return
	}
	if strings.TrimSpace(r.NameES) == "" {
		r.NameES = x.autoName(*r, "es")
	}
	if strings.TrimSpace(r.NameEN) == "" {
		r.NameEN = x.autoName(*r, "en")
	}
	if strings.TrimSpace(r.ID) == "" {
		r.ID = r.autoID()
	}
	r.Expr, r.Kind = r.cel(), ruleCEL
}

// ruleBlockView is one list of rules on a page: its rows with their
// problems, and what the selects offer.
type ruleBlockView struct {
	Block    string // the form's name of the list: rules, priorities, reserved
	Rows     []ruleRowView
	Share    bool // reserved groups: a share per row
	Sexes    []string
	Brackets []uint8
	Programs []programView
}

// ruleRowView is a row with its position and problems.
type ruleRowView struct {
	ruleRow
	Index    int
	Number   int // Index+1, as the page counts
	Problems []fosis.FieldError
}

// rowKey is where a problem's field points: "rules[2]" for a row of a
// list (the slice says spec.rules[2].expr, the builder rules[2].a), the
// field itself otherwise ("spec." dropped: spec.cooldown_months is
// cooldown_months).
func rowKey(field string) string {
	field = strings.TrimPrefix(field, "spec.")
	if i := strings.IndexByte(field, ']'); i >= 0 {
		return field[:i+1]
	}
	return field
}

// byField groups problems by rowKey.
func byField(bad []fosis.FieldError) map[string][]fosis.FieldError {
	out := map[string][]fosis.FieldError{}
	for _, fe := range bad {
		k := rowKey(fe.Field)
		out[k] = append(out[k], fe)
	}
	return out
}

// ruleBlock builds the view of a list of rule rows with their problems.
func ruleBlock(block string, rows []ruleRow, problems map[string][]fosis.FieldError, progs []programView) ruleBlockView {
	v := ruleBlockView{Block: block, Sexes: ruleSexes, Brackets: targeting.Brackets(), Programs: progs, Rows: []ruleRowView{}}
	for i, r := range rows {
		v.Rows = append(v.Rows, ruleRowView{ruleRow: r, Index: i, Number: i + 1, Problems: problems[fmt.Sprintf("%s[%d]", block, i)]})
	}
	return v
}
