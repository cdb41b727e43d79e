// Package natid reads, checks and writes national identity numbers under a
// scheme a country pack declares (docs/country-packs.md): Chile's RUN
// (a body of up to 8 digits and a módulo-11 check digit, 0–9 or K), or a
// fixed number of digits whose last one is a Luhn, Verhoeff or ISO 7064
// MOD 97-10 check, or digits matching a pattern with no check at all.
//
// Every scheme keeps an identity as an int64 key (the RUN's body; the
// whole number otherwise), so the registry stores any country's IDs in the
// same column. Schemes are numeric: an ID with letters (other than the
// RUN's K check digit) is out of reach of this package.
package natid

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"

	"github.com/fosis/fosis/internal/platform/rut"
)

// The algorithms a scheme may name.
const (
	RUN      = "rut-mod11"        // Chile's RUN/RUT: body ≤ 8 digits and a módulo-11 check digit (0–9, K)
	Luhn     = "luhn"             // the last digit is the Luhn (mod 10) check of the others
	Verhoeff = "verhoeff"         // the last digit is the Verhoeff check of the others
	Mod97    = "iso7064-mod97-10" // the last two digits make the whole number ≡ 1 (mod 97)
	None     = "none"             // digits matching the pattern; no check digit
)

// Algorithms lists the algorithms, for messages and docs.
var Algorithms = []string{RUN, Luhn, Verhoeff, Mod97, None}

// Errors of Parse, wrapped with the scheme's name and the text.
var (
	ErrEmpty  = errors.New("empty")
	ErrSyntax = errors.New("not written as the scheme says")
	ErrCheck  = errors.New("check digit does not match")
)

// Scheme is a country's national ID.
type Scheme struct {
	// Name is what people call it ("RUN", "CUI", "DNI").
	Name string `json:"name"`
	// Algorithm is one of Algorithms.
	Algorithm string `json:"algorithm"`
	// Digits is the number of digits of an ID, check digits included
	// (not for RUN, whose body has 1 to 8).
	Digits int `json:"digits,omitempty"`
	// Pattern, when set, is a regular expression the normalised ID (digits
	// only) must match in full, e.g. "[1-9][0-9]{12}".
	Pattern string `json:"pattern,omitempty"`
	// Display is how an ID is written for people: '#' stands for each
	// digit in order, anything else is written as is ("#### ##### ####").
	// Empty: the digits alone. RUN ignores it (12.345.678-5).
	Display string `json:"display,omitempty"`
	// Reveals says what an ID gives away about its holder (for example
	// "the department and municipality of registration"), for the data
	// protection notes; empty when it encodes nothing.
	Reveals string `json:"reveals,omitempty"`

	re *regexp.Regexp
}

// Chile is the RUN scheme.
func Chile() *Scheme { return &Scheme{Name: "RUN", Algorithm: RUN} }

// Validate checks the scheme itself; it returns a problem per field.
func (s *Scheme) Validate() []error {
	var errs []error
	if strings.TrimSpace(s.Name) == "" {
		errs = append(errs, fmt.Errorf("name: give the ID's name, e.g. RUN or CUI"))
	}
	switch s.Algorithm {
	case RUN:
	case Luhn, Verhoeff, Mod97, None:
		min := map[string]int{Luhn: 2, Verhoeff: 2, Mod97: 3, None: 1}[s.Algorithm]
		if s.Digits < min || s.Digits > 18 {
			errs = append(errs, fmt.Errorf("digits: %d is not between %d and 18 (the ID is kept as a 64-bit number)", s.Digits, min))
		}
	default:
		errs = append(errs, fmt.Errorf("algorithm: %q is not one of %s", s.Algorithm, strings.Join(Algorithms, ", ")))
	}
	if s.Pattern != "" {
		re, err := regexp.Compile("^(?:" + s.Pattern + ")$")
		if err != nil {
			errs = append(errs, fmt.Errorf("pattern: %v", err))
		}
		s.re = re
	}
	if s.Display != "" && s.Algorithm != RUN && strings.Count(s.Display, "#") != s.Digits {
		errs = append(errs, fmt.Errorf("display: %q has %d '#' for %d digits", s.Display, strings.Count(s.Display, "#"), s.Digits))
	}
	return errs
}

// normalise keeps the digits of s: spaces, dots, hyphens and slashes are
// how people group them; anything else is a syntax error.
func normalise(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '/' || r == '\u00a0':
		default:
			return "", false
		}
	}
	return b.String(), true
}

// Parse reads an ID written with or without its grouping and returns its
// key, after checking its check digit.
func (s *Scheme) Parse(in string) (int64, error) {
	in = strings.TrimSpace(in)
	if in == "" {
		return 0, fmt.Errorf("%s: %w", s.Name, ErrEmpty)
	}
	if s.Algorithm == RUN {
		n, err := rut.Parse(in)
		switch {
		case errors.Is(err, rut.ErrCheckDigit):
			return 0, fmt.Errorf("%s %q: %w", s.Name, in, ErrCheck)
		case err != nil:
			return 0, fmt.Errorf("%s %q: %w", s.Name, in, ErrSyntax)
		}
		return n, nil
	}
	d, ok := normalise(in)
	if !ok || len(d) != s.Digits || s.re != nil && !s.re.MatchString(d) {
		return 0, fmt.Errorf("%s %q: %w (%d digits)", s.Name, in, ErrSyntax, s.Digits)
	}
	if !s.checks(d) {
		return 0, fmt.Errorf("%s %q: %w", s.Name, in, ErrCheck)
	}
	n, err := strconv.ParseInt(d, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s %q: %w", s.Name, in, ErrSyntax)
	}
	return n, nil
}

// checks reports whether the digits d carry a valid check.
func (s *Scheme) checks(d string) bool {
	switch s.Algorithm {
	case Luhn:
		return luhnDigit(d[:len(d)-1]) == d[len(d)-1]
	case Verhoeff:
		return verhoeffDigit(d[:len(d)-1]) == d[len(d)-1]
	case Mod97:
		return mod97(d) == 1
	}
	return true
}

// digits writes key with its leading zeros.
func (s *Scheme) digits(key int64) string {
	d := strconv.FormatInt(key, 10)
	if len(d) < s.Digits {
		d = strings.Repeat("0", s.Digits-len(d)) + d
	}
	return d
}

// Canonical writes key as files and the API carry it: the RUN with its
// hyphen ("12345678-5"), other IDs as their digits.
func (s *Scheme) Canonical(key int64) string {
	if s.Algorithm == RUN {
		return rut.Format(key)
	}
	return s.digits(key)
}

// Display writes key for people: the RUN with dots ("12.345.678-5"), other
// IDs through the scheme's Display mask.
func (s *Scheme) Format(key int64) string {
	if s.Algorithm == RUN {
		return rut.FormatDots(key)
	}
	d := s.digits(key)
	if s.Display == "" {
		return d
	}
	var b strings.Builder
	i := 0
	for _, r := range s.Display {
		if r == '#' && i < len(d) {
			b.WriteByte(d[i])
			i++
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Make returns a valid key for serial (the synthetic generator's n-th
// person): the RUN with serial as its body; otherwise serial's digits,
// padded with a first digit from rng when the pattern needs one, and the
// check digit(s).
func (s *Scheme) Make(serial int64, rng *rand.Rand) (int64, error) {
	if s.Algorithm == RUN {
		if serial <= 0 || serial > rut.MaxBody {
			return 0, fmt.Errorf("%s: serial %d out of range", s.Name, serial)
		}
		return serial, nil
	}
	check := map[string]int{Luhn: 1, Verhoeff: 1, Mod97: 2, None: 0}[s.Algorithm]
	body := s.Digits - check
	for range 1000 {
		lead := strconv.FormatInt(serial, 10)
		if len(lead) > body {
			return 0, fmt.Errorf("%s: serial %d has more than %d digits", s.Name, serial, body)
		}
		// A random first part keeps the IDs from all starting with zeros.
		var b strings.Builder
		for b.Len() < body-len(lead) {
			b.WriteByte(byte('1' + rng.IntN(9)))
		}
		d := b.String() + lead
		switch s.Algorithm {
		case Luhn:
			d += string(luhnDigit(d))
		case Verhoeff:
			d += string(verhoeffDigit(d))
		case Mod97:
			d += fmt.Sprintf("%02d", 98-mod97(d+"00"))
		}
		if s.re != nil && !s.re.MatchString(d) {
			continue
		}
		return strconv.ParseInt(d, 10, 64)
	}
	return 0, fmt.Errorf("%s: no ID for serial %d matches the pattern %q", s.Name, serial, s.Pattern)
}

// luhnDigit is the Luhn check digit of the digits d.
func luhnDigit(d string) byte {
	sum := 0
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if (len(d)-1-i)%2 == 0 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return byte('0' + (10-sum%10)%10)
}

// The Verhoeff tables: multiplication in the dihedral group D5, the
// permutation and the inverse.
var (
	verhoeffD = [10][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
	verhoeffInv = [10]int{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}
)

// verhoeffDigit is the Verhoeff check digit of the digits d.
func verhoeffDigit(d string) byte {
	c := 0
	for i := len(d) - 1; i >= 0; i-- {
		c = verhoeffD[c][verhoeffP[(len(d)-i)%8][int(d[i]-'0')]]
	}
	return byte('0' + verhoeffInv[c])
}

// mod97 is the number written by the digits d, modulo 97 (ISO 7064).
func mod97(d string) int {
	r := 0
	for i := 0; i < len(d); i++ {
		r = (r*10 + int(d[i]-'0')) % 97
	}
	return r
}
