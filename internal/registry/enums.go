package registry

import "fmt"

// The registry's categorical attributes are small integer codes in memory (so
// that national-scale frames stay compact) and lower-case words in files, the
// API and the database. Each enum has one table of words; index 0 is never a
// valid value, so a zero Code means "not set".

// Enum is the word table of one categorical attribute.
type Enum struct {
	Name  string   // column name, used in error messages
	Words []string // Words[code] is the word for code; Words[0] is ""
}

// Parse returns the code of word, or an error naming the allowed words.
func (e Enum) Parse(word string) (uint8, error) {
	for i := 1; i < len(e.Words); i++ {
		if e.Words[i] == word {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("%q is not a valid %s (allowed: %s)", word, e.Name, e.allowed())
}

// Word returns the word for code, or "" if code is out of range.
func (e Enum) Word(code uint8) string {
	if int(code) >= len(e.Words) {
		return ""
	}
	return e.Words[code]
}

func (e Enum) allowed() string {
	s := ""
	for i := 1; i < len(e.Words); i++ {
		if i > 1 {
			s += "|"
		}
		s += e.Words[i]
	}
	return s
}

// The enums of the interchange format (see docs/extract-format.md).
var (
	Zone       = Enum{"zone", []string{"", "urban", "rural"}}
	Tenure     = Enum{"tenure", []string{"", "owner", "renter", "ceded", "usufruct", "irregular", "other"}}
	Condition  = Enum{"condition", []string{"", "good", "fair", "poor"}}
	Water      = Enum{"water", []string{"", "public_network", "well", "truck", "river", "other"}}
	Sanitation = Enum{"sanitation", []string{"", "sewer", "septic", "latrine", "none"}}
	Relation   = Enum{"relation", []string{"", "head", "spouse", "child", "parent", "sibling", "grandchild", "other_relative", "non_relative"}}
	Sex        = Enum{"sex", []string{"", "F", "M", "X"}}
	HealthPlan = Enum{"health_plan", []string{"", "fonasa_a", "fonasa_b", "fonasa_c", "fonasa_d", "isapre", "none", "other"}}
	Severity   = Enum{"severity", []string{"", "none", "mild", "moderate", "severe"}}
)

// Codes of the enums that model code branches on. They must match the word
// tables above.
const (
	ZoneUrban uint8 = 1
	ZoneRural uint8 = 2

	RelHead   uint8 = 1
	RelSpouse uint8 = 2
	RelChild  uint8 = 3

	SexF uint8 = 1
	SexM uint8 = 2
	SexX uint8 = 3

	HealthFonasaA uint8 = 1
	HealthFonasaB uint8 = 2
	HealthFonasaC uint8 = 3
	HealthFonasaD uint8 = 4
	HealthIsapre  uint8 = 5
	HealthNone    uint8 = 6
	HealthOther   uint8 = 7

	SevNone     uint8 = 1
	SevMild     uint8 = 2
	SevModerate uint8 = 3
	SevSevere   uint8 = 4

	CondGood uint8 = 1
	CondFair uint8 = 2
	CondPoor uint8 = 3
)
