package targeting

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fosis/fosis"
)

func TestMeasureAccuracy(t *testing.T) {
	f := valueFrame(t, 1, 1, 1, 1, 1, 1, 1)
	f.Region = []uint8{1, 1, 1, 2, 2, 2, 2}
	res := &Results{Bracket: []uint8{40, 40, 50, 40, 60, 100, 40}}
	// Households 3 (NaN) and 6 (negative) are unknown. The known incomes
	// sort 100 (0), 200 (2), 200 (4), 500 (1), 900 (5): the tie at 200
	// straddles 40 % and shares rank 2, so 0, 2 and 4 are truly poor.
	truth := []float64{100, 500, 200, math.NaN(), 200, 900, -1}
	got, err := MeasureAccuracy(f, res, truth)
	if err != nil {
		t.Fatal(err)
	}
	want := Accuracy{
		CutOff: 40,
		ErrorRates: ErrorRates{Households: 5, Selected: 2, TrulyPoor: 3, SelectedPoor: 1,
			InclusionError: 0.5, ExclusionError: 2.0 / 3},
		ByRegion: []RegionAccuracy{
			{1, ErrorRates{Households: 3, Selected: 2, TrulyPoor: 2, SelectedPoor: 1, InclusionError: 0.5, ExclusionError: 0.5}},
			{2, ErrorRates{Households: 2, Selected: 0, TrulyPoor: 1, SelectedPoor: 0, InclusionError: 0, ExclusionError: 1}},
		},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("MeasureAccuracy (-want +got):\n%s", diff)
	}
}

func TestMeasureAccuracyShortTruth(t *testing.T) {
	f := valueFrame(t, 1, 1, 1)
	res := &Results{Bracket: []uint8{40, 40, 40}}
	got, err := MeasureAccuracy(f, res, []float64{10})
	if err != nil {
		t.Fatal(err)
	}
	if got.Households != 1 || got.TrulyPoor != 0 || got.Selected != 1 || got.InclusionError != 1 {
		t.Errorf("got %+v, want 1 known household, selected and not truly poor (1 × 100/1 = 100 %%)", got.ErrorRates)
	}
	if _, err := MeasureAccuracy(f, res, make([]float64, 4)); err == nil {
		t.Error("more true incomes than households: no error")
	}
}

func TestReadTruth(t *testing.T) {
	keys := map[string]int{"A": 0, "B": 1, "C": 2, "D": 3}
	nan := math.NaN()
	tests := []struct {
		name, csv string
		want      []float64
	}{
		{"plain", "household_id,per_capita_income_clp\nA,100\nB,\nC,250.5\n", []float64{100, nan, 250.5, nan}},
		{"semicolons", "household_id;per_capita_income_clp\r\nC;3\r\n", []float64{nan, nan, 3, nan}},
		{"BOM, other order, extra column, spaces", "\ufeffper_capita_income_clp,note,Household_ID\n 7 ,x, D \n-1,y,A\n",
			[]float64{-1, nan, nan, 7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTruth(strings.NewReader(tt.csv), keys)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("ReadTruth (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadTruthErrors(t *testing.T) {
	keys := map[string]int{"A": 0, "B": 1, "C": 2}
	fe := func(field, msg string) fosis.FieldError { return fosis.FieldError{Field: field, Message: msg} }
	tests := []struct {
		name, csv   string
		wantMessage string
		wantFields  []fosis.FieldError
	}{
		{"empty", "", "truth file: the header household_id,per_capita_income_clp is missing", nil},
		{"wrong header", "id,income\nA,1\n",
			`truth file: line 1: the header must name household_id and per_capita_income_clp, got "id,income"`, nil},
		{"bad rows", "household_id,per_capita_income_clp\nA,1\nZ,2\nA,3\nB,abc\n,4\nC,Inf\n",
			"truth file: 5 problems: line 3: household_id \"Z\" is not in the registry; line 4: household_id \"A\" is also on line 2; " +
				"line 5: per_capita_income_clp \"abc\" is not a number; line 6: household_id is empty; line 7: per_capita_income_clp \"Inf\" is not a number",
			[]fosis.FieldError{
				fe("line 3", `household_id "Z" is not in the registry`),
				fe("line 4", `household_id "A" is also on line 2`),
				fe("line 5", `per_capita_income_clp "abc" is not a number`),
				fe("line 6", "household_id is empty"),
				fe("line 7", `per_capita_income_clp "Inf" is not a number`),
			}},
		{"wrong number of fields", "household_id,per_capita_income_clp\nA,1\nB,2,3\n",
			"truth file: line 3: wrong number of fields",
			[]fosis.FieldError{fe("line 3", "wrong number of fields")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTruth(strings.NewReader(tt.csv), keys)
			var e *fosis.Error
			if !errors.As(err, &e) || e.Code != fosis.EINVALID {
				t.Fatalf("error %v, want an EINVALID *fosis.Error", err)
			}
			if e.Message != tt.wantMessage {
				t.Errorf("message:\n got %s\nwant %s", e.Message, tt.wantMessage)
			}
			if diff := cmp.Diff(tt.wantFields, e.Fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHouseholdIndex(t *testing.T) {
	f := valueFrame(t, 1, 2, 3)
	f.ExtID = []string{"a", "", "c"}
	if diff := cmp.Diff(map[string]int{"a": 0, "c": 2}, HouseholdIndex(f)); diff != "" {
		t.Errorf("HouseholdIndex (-want +got):\n%s", diff)
	}
}
