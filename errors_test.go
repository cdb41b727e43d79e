package fosis

import (
	"fmt"
	"math"
	"testing"
)

func TestPesos(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1000, "1,000"}, {-1000, "-1,000"}, {1250000, "1,250,000"},
		{-999999, "-999,999"}, {math.MaxInt64, "9,223,372,036,854,775,807"}, {math.MinInt64, "-9,223,372,036,854,775,808"},
	} {
		if got := Pesos(tc.n).String(); got != tc.want {
			t.Errorf("Pesos(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := fmt.Sprintf("$%v of $%s", Pesos(1500), Pesos(20000)); got != "$1,500 of $20,000" {
		t.Errorf("formatted: %q", got)
	}
}
