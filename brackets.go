package fosis

// Brackets returns the seven brackets of the social protection scorecard,
// most vulnerable first: bracket b holds the households whose national
// percentile is above b-10 and at most b (the first holds percentiles up to
// 40), as Chile's Registro Social de Hogares tramos. It is the one
// declaration the scoring slice, the registry's filters and the command line
// share; an array value, so no caller can change it for the others.
func Brackets() [7]uint8 { return [7]uint8{40, 50, 60, 70, 80, 90, 100} }

// BracketIndex returns b's position in Brackets (0 for 40 … 6 for 100), or
// -1 if b is not a bracket.
func BracketIndex(b int) int {
	for i, x := range Brackets() {
		if int(x) == b {
			return i
		}
	}
	return -1
}
