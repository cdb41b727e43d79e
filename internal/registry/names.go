package registry

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Persons carry their names as the national extract records them: given
// names and the two surnames of Chilean use (paternal, then maternal; the
// maternal one may be absent). Names are personal data but not a sensitive
// category: every role that reads the registry sees them.
//
// Search uses a folded key of each person, surnames first: lower case, no
// diacritics ("Núñez" → "nunez"), every run of other characters a single
// space, so "MUÑOZ-Soto, José" and "munoz soto jose" are the same words. The
// key's alphabet is [a-z0-9 ], which sorts the same under PostgreSQL's "C"
// collation and SQLite's binary one, so a prefix is an index range on both.

// maxNameLen bounds each name field, in characters.
const maxNameLen = 100

// FullName returns "given paternal maternal", as shown to users.
func FullName(given, paternal, maternal string) string {
	return strings.Join(strings.Fields(given+" "+paternal+" "+maternal), " ")
}

// NameKey returns the folded search key of a person: surnames first, then
// the given names.
func NameKey(given, paternal, maternal string) string {
	return FoldName(paternal + " " + maternal + " " + given)
}

// FoldName folds s to the search alphabet: lower-case ASCII letters and
// digits separated by single spaces.
func FoldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // no leading space
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent: dropped
			continue
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		default:
			if f, ok := nameFold[r]; ok {
				b.WriteString(f)
				space = false
				continue
			}
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSuffix(b.String(), " ")
}

// nameFold spells letters without an ASCII decomposition.
var nameFold = map[rune]string{'ß': "ss", 'æ': "ae", 'Æ': "ae", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'œ': "oe", 'Œ': "oe"}

// checkName reports what is wrong with a name field, or "".
func checkName(s string, required bool) string {
	switch {
	case s == "":
		if required {
			return "is empty"
		}
		return ""
	case !utf8.ValidString(s):
		return "is not valid UTF-8 text (save the file as UTF-8)"
	case utf8.RuneCountInString(s) > maxNameLen:
		return "is longer than 100 characters"
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "contains a control character"
	case FoldName(s) == "":
		return "has no letters"
	}
	return ""
}
