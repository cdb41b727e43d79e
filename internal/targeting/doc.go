// Package targeting ranks households by vulnerability: the Social Protection
// Scorecard.
//
// A scorecard model is a versioned data file (JSON or YAML) of one of two
// kinds: an income model in the style of Chile's Registro Social de Hogares
// (equivalised income divided by a needs index) or a linear proxy-means test
// in the style of the older Ficha de Protección Social. Score applies a model
// to a whole registry.Frame in parallel and ranks every household nationally
// into a percentile and one of seven brackets (40, 50, …, 100); means-test
// upgrades then raise the bracket of households whose assets contradict
// their income. Explain tells one household why it got its value, Compare
// and Changed show who moves between two runs (what-if), and MeasureAccuracy
// checks a run against true incomes.
//
// Lower values are always more vulnerable. docs/scorecard.md describes every
// parameter and formula.
package targeting
