package targeting

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/registry"
)

// AccuracyCutOff is the percentile cut-off accuracy is measured at: the
// households a run selects are those in bracket 40, the truly poor those in
// the bottom 40 % of true per-capita income.
const AccuracyCutOff = 40

// ErrorRates are the targeting errors of a run over a set of households.
type ErrorRates struct {
	Households   int `json:"households"`    // households with a known true income
	Selected     int `json:"selected"`      // in bracket 40 after upgrades
	TrulyPoor    int `json:"truly_poor"`    // in the national bottom 40 % of true per-capita income
	SelectedPoor int `json:"selected_poor"` // both
	// InclusionError is the share of the selected who are not truly poor
	// (0 when none is selected).
	InclusionError float64 `json:"inclusion_error"`
	// ExclusionError is the share of the truly poor who are not selected
	// (0 when none is truly poor).
	ExclusionError float64 `json:"exclusion_error"`
}

func (e *ErrorRates) add(selected, poor bool) {
	e.Households++
	if selected {
		e.Selected++
	}
	if poor {
		e.TrulyPoor++
	}
	if selected && poor {
		e.SelectedPoor++
	}
}

func (e *ErrorRates) finish() {
	if e.Selected > 0 {
		e.InclusionError = float64(e.Selected-e.SelectedPoor) / float64(e.Selected)
	}
	if e.TrulyPoor > 0 {
		e.ExclusionError = float64(e.TrulyPoor-e.SelectedPoor) / float64(e.TrulyPoor)
	}
}

// RegionAccuracy is the ErrorRates of one region. Who is truly poor is
// decided nationally, as the selection is.
type RegionAccuracy struct {
	Region uint8 `json:"region"`
	ErrorRates
}

// Accuracy compares a run's selection with the truth at AccuracyCutOff.
type Accuracy struct {
	CutOff int `json:"cut_off"`
	ErrorRates
	ByRegion []RegionAccuracy `json:"by_region"` // ascending region number
}

// MeasureAccuracy measures run res of frame f against truth, the true
// monthly per-capita income of each household (aligned with f; NaN or
// negative means unknown, and households past len(truth) are unknown).
// Households of unknown truth are left out of every count; the truly poor
// are ranked among the known ones the way Score ranks (ties share a rank).
func MeasureAccuracy(f *registry.Frame, res *Results, truth []float64) (Accuracy, error) {
	n := f.Len()
	if res.Len() != n || len(f.Region) != n {
		return Accuracy{}, fmt.Errorf("targeting: accuracy of a run of %d households on a frame of %d", res.Len(), n)
	}
	if len(truth) > n {
		return Accuracy{}, fmt.Errorf("targeting: %d true incomes for a frame of %d households", len(truth), n)
	}
	known := func(i int) bool { return i < len(truth) && truth[i] >= 0 } // false for NaN
	var pairs []rankPair
	for i := range truth {
		if known(i) {
			pairs = append(pairs, rankPair{key: floatKey(truth[i]), idx: uint32(i)})
		}
	}
	poor := make([]bool, n)
	if k := len(pairs); k > 0 {
		ranks := make([]uint32, n)
		sorted := radixSort(pairs, make([]rankPair, k))
		none := make([]float64, n) // truth has one key: no tie-breakers
		tiedRanks(sorted, none, none, ranks)
		for _, p := range sorted {
			poor[p.idx] = bracketFor(int(ranks[p.idx]), k) <= AccuracyCutOff
		}
	}
	acc := Accuracy{CutOff: AccuracyCutOff, ByRegion: []RegionAccuracy{}}
	var regions [256]ErrorRates
	for i := range n {
		if !known(i) {
			continue
		}
		selected := res.Bracket[i] <= AccuracyCutOff
		acc.add(selected, poor[i])
		regions[f.Region[i]].add(selected, poor[i])
	}
	acc.finish()
	for r := range regions {
		if regions[r].Households > 0 {
			regions[r].finish()
			acc.ByRegion = append(acc.ByRegion, RegionAccuracy{Region: uint8(r), ErrorRates: regions[r]})
		}
	}
	return acc, nil
}

// maxTruthProblems bounds the problems ReadTruth reports before it stops.
const maxTruthProblems = 20

// ReadTruth reads a CSV of true incomes (truth.csv of the synthetic
// generator) with the header household_id,per_capita_income_clp (either
// order, other columns ignored, ; accepted as the separator)
// and returns them aligned with the frame: keys maps household_id to frame
// index (see HouseholdIndex), the result has length 1 + the largest index,
// and households absent from the file, or with an empty value, are NaN
// (unknown). An id not in keys, a duplicate id or a value that is not a
// finite number is an EINVALID *fosis.Error naming each line (up to 20).
func ReadTruth(r io.Reader, keys map[string]int) ([]float64, error) {
	size := 0
	for _, i := range keys {
		size = max(size, i+1)
	}
	truth := make([]float64, size)
	for i := range truth {
		truth[i] = math.NaN()
	}
	br := bufio.NewReader(r)
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	if first, _ := br.Peek(br.Size()); semicolonHeader(first) {
		cr.Comma = ';' // as the extract readers, accept ; when the header uses it
	}
	header, err := cr.Read()
	if err != nil {
		return nil, truthReadError(err, "the header household_id,per_capita_income_clp is missing")
	}
	idCol, valCol := -1, -1
	for c, name := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))) {
		case "household_id":
			idCol = c
		case "per_capita_income_clp":
			valCol = c
		}
	}
	if idCol < 0 || valCol < 0 {
		return nil, fosis.Errorf(fosis.EINVALID, "truth file: line 1: the header must name household_id and per_capita_income_clp, got %q", strings.Join(header, ","))
	}
	var problems []fosis.FieldError
	seen := make(map[int]int, len(keys)) // frame index → line
	for len(problems) < maxTruthProblems {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			problems = append(problems, fosis.FieldError{Field: fmt.Sprintf("line %d", pe.Line), Message: pe.Err.Error()})
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read truth file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		bad := func(format string, args ...any) {
			problems = append(problems, fosis.FieldError{Field: fmt.Sprintf("line %d", line), Message: fmt.Sprintf(format, args...)})
		}
		id := strings.TrimSpace(rec[idCol])
		i, ok := keys[id]
		switch {
		case id == "":
			bad("household_id is empty")
			continue
		case !ok:
			bad("household_id %q is not in the registry", id)
			continue
		case seen[i] > 0:
			bad("household_id %q is also on line %d", id, seen[i])
			continue
		}
		seen[i] = line
		text := strings.TrimSpace(rec[valCol])
		if text == "" {
			continue // unknown
		}
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(v, 0) {
			bad("per_capita_income_clp %q is not a number", text)
			continue
		}
		truth[i] = v
	}
	if len(problems) > 0 {
		return nil, invalid("truth file", problems)
	}
	return truth, nil
}

// semicolonHeader reports whether the first line of b separates its fields
// with ; rather than ,.
func semicolonHeader(b []byte) bool {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return bytes.IndexByte(line, ';') >= 0 && bytes.IndexByte(line, ',') < 0
}

func truthReadError(err error, emptyMsg string) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return fosis.Errorf(fosis.EINVALID, "truth file: %s", emptyMsg)
	case errors.As(err, &pe):
		return fosis.Errorf(fosis.EINVALID, "truth file: line %d: %v", pe.Line, pe.Err)
	}
	return fmt.Errorf("read truth file: %w", err)
}

// HouseholdIndex maps the household_id of each household of f (f.ExtID) to
// its index; households without an ExtID are left out.
func HouseholdIndex(f *registry.Frame) map[string]int {
	m := make(map[string]int, len(f.ExtID))
	for i, id := range f.ExtID {
		if id != "" {
			m[id] = i
		}
	}
	return m
}
