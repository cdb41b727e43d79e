package knowledge

import (
	"strings"
	"unicode"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/spanish"
)

// TermScheme names the way Terms turns text into index terms. It is stored
// with the index (knowledge_index), and an index written under another
// scheme is rebuilt before the next search (Store.ensureIndex), so that a
// database made by an older fosis finds what a new one would.
const TermScheme = "snowball-v1"

// fold maps accented Latin letters to their base letter, so that "población"
// and "poblacion" index alike.
var fold = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n", "à", "a", "è", "e", "ì", "i", "ò", "o", "ù", "u", "ç", "c")

// Terms returns the index terms of a text in lang ("es" or "en"; anything
// else is read as Spanish): lower-cased, split on anything but letters and
// digits, the language's stop words ("el", "de", "the") and one-letter words
// dropped, each word reduced to its stem by the language's Snowball stemmer
// (https://snowballstem.org/algorithms/spanish/stemmer.html and
// …/english/stemmer.html) and then its accents folded; in order, with
// repeats. So "país" and "países", "mes" and "meses", "policy" and
// "policies" meet. Spanish writes the plural of a word in -z with -ces
// (luz, luces), which the Snowball algorithm leaves apart: a Spanish stem's
// final z is written c, so that both reach "luc".
func Terms(lang, text string) []string {
	text = strings.ToLower(text)
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) < 2 {
			continue
		}
		var s string
		if lang == "en" {
			if english.IsStopWord(w) {
				continue
			}
			s = english.Stem(w, true)
		} else {
			if spanish.IsStopWord(w) {
				continue
			}
			s = spanish.Stem(w, true)
			if strings.HasSuffix(s, "z") {
				s = s[:len(s)-1] + "c"
			}
		}
		out = append(out, fold.Replace(s))
	}
	return out
}
