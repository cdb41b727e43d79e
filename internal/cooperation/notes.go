package cooperation

import (
	"regexp"
	"strconv"

	"github.com/fosis/fosis"
)

// A timeline entry's note is stored as English text (the API and the
// command line read it as such); NotePhrase recognises the notes the
// project path writes (projects.go) and gives each a key of the catalogs
// (coop.note.*), so that pages say it in the reader's language. A note it
// does not know is shown as stored.

var noteForms = []struct {
	re   *regexp.Regexp
	key  string
	args func(m []string) []any
}{
	{regexp.MustCompile(`^request via ([a-z_]+)$`), "coop.note.request", func(m []string) []any {
		return []any{fosis.Phrase{Key: "coop.channel." + m[1], Text: m[1]}}
	}},
	{regexp.MustCompile(`^feasibility: (approve|reject)$`), "coop.note.feasibility", func(m []string) []any {
		return []any{fosis.Phrase{Key: "coop.note.decision." + m[1], Text: m[1]}}
	}},
	{regexp.MustCompile(`^design version (\d+) sent back for revision$`), "coop.note.design_revise", func(m []string) []any { return []any{atoi(m[1])} }},
	{regexp.MustCompile(`^design version (\d+) approved by (.+)$`), "coop.note.design_approved", func(m []string) []any { return []any{atoi(m[1]), m[2]} }},
	{regexp.MustCompile(`^design version (\d+)$`), "coop.note.design", func(m []string) []any { return []any{atoi(m[1])} }},
	{regexp.MustCompile(`^agreement \(([a-z_]+)\) in effect$`), "coop.note.agreement", func(m []string) []any {
		return []any{fosis.Phrase{Key: "coop.agreement.kind." + m[1], Text: m[1]}}
	}},
	{regexp.MustCompile(`^amendment (\d+) proposed \(([a-z_]+)\): (.+)$`), "coop.note.amend_proposed", func(m []string) []any {
		return []any{atoi(m[1]), fosis.Phrase{Key: "coop.agreement.kind." + m[2], Text: m[2]}, m[3]}
	}},
	{regexp.MustCompile(`^amendment (\d+) signed by (.+) \(([^()]*)\); amendment \d+ in effect$`), "coop.note.amend_in_effect", func(m []string) []any { return []any{atoi(m[1]), m[2], m[3]} }},
	{regexp.MustCompile(`^amendment (\d+) signed by (.+) \(([^()]*)\)$`), "coop.note.amend_signed", func(m []string) []any { return []any{atoi(m[1]), m[2], m[3]} }},
	{regexp.MustCompile(`^amendment (\d+) withdrawn: (.+)$`), "coop.note.amend_withdrawn", func(m []string) []any { return []any{atoi(m[1]), m[2]} }},
	{regexp.MustCompile(`^signed by (.+) \(([^()]*)\)$`), "coop.note.signed", func(m []string) []any { return []any{m[1], m[2]} }},
	{regexp.MustCompile(`^project initiated$`), "coop.note.initiated", func([]string) []any { return nil }},
	{regexp.MustCompile(`^systematization and evaluation$`), "coop.note.systematization", func([]string) []any { return nil }},
	{regexp.MustCompile(`^closed \((completed|cancelled|suspended)\)$`), "coop.note.closed", func(m []string) []any {
		return []any{fosis.Phrase{Key: "coop.closure." + m[1], Text: m[1]}}
	}},
}

// NoteKeys are the catalog keys NotePhrase may give (for the catalogs'
// tests).
func NoteKeys() []string {
	out := make([]string, 0, len(noteForms)+2)
	for _, f := range noteForms {
		out = append(out, f.key)
	}
	return append(out, "coop.note.decision.approve", "coop.note.decision.reject")
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// NotePhrase is the entry's note as a phrase of the catalogs.
func (e TimelineEntry) NotePhrase() fosis.Phrase {
	for _, f := range noteForms {
		if m := f.re.FindStringSubmatch(e.Note); m != nil {
			return fosis.Phrase{Key: f.key, Args: f.args(m), Text: e.Note}
		}
	}
	return fosis.Phrase{Text: e.Note}
}
