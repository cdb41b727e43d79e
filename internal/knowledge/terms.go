package knowledge

import (
	"strings"
	"unicode"
)

// fold maps accented Latin letters to their base letter, so that "población"
// and "poblacion" index alike.
var fold = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n", "à", "a", "è", "e", "ì", "i", "ò", "o", "ù", "u", "ç", "c")

// stop are words too common to search by, in either language.
var stop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a al ante bajo con contra de del desde durante e en entre hacia hasta la las le les lo los mas mediante o para pero por que se segun sin sobre su sus tras u un una unas unos y ya es son como este esta estos estas ese esa
		the an and or of to in on for with by at from as is are be was were it its this that these those into over under not no`) {
		stop[w] = true
	}
}

// stem strips plural endings, a light stemmer that serves Spanish and
// English alike: "familias" → "familia", "programs" → "program",
// "oportunidades" → "oportunidad", "policies" → "policy".
func stem(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 5 && strings.HasSuffix(w, "des"), n > 5 && strings.HasSuffix(w, "nes"), n > 5 && strings.HasSuffix(w, "res"), n > 5 && strings.HasSuffix(w, "les"):
		return w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		return w[:n-1]
	}
	return w
}

// Terms returns the index terms of a text: lower-cased, accents folded,
// split on anything but letters and digits, stop words and one-letter words
// dropped, plurals stemmed; in order, with repeats.
func Terms(text string) []string {
	text = fold.Replace(strings.ToLower(text))
	var out []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) < 2 || stop[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}
