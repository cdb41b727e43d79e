package programs

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
)

// TestReasons: a stored reason reads back as its key with its arguments and
// its English; what rows written before hold (English text, or anything
// that is not a reason of Messages) reads as it is.
func TestReasons(t *testing.T) {
	for _, tc := range []struct {
		stored string
		want   fosis.Phrase
	}{
		{storeReason("programs.reason.waitlist", 12, 3, "13"),
			fosis.Phrase{Key: "programs.reason.waitlist", Args: []any{"12", "3", "13"}, Text: "rank 12: position 3 on the waiting list of region 13"}},
		{storeReason("programs.reason.withdrawn", `se fue "lejos" {x}`),
			fosis.Phrase{Key: "programs.reason.withdrawn", Args: []any{`se fue "lejos" {x}`}, Text: `withdrawn: se fue "lejos" {x}`}},
		{storeReason("programs.reason.ineligible"), fosis.Phrase{Key: "programs.reason.ineligible", Args: []any{}, Text: "not eligible: see the failed rules"}},
		{"rank 4: place of commune 13101", fosis.Phrase{Text: "rank 4: place of commune 13101"}},
		{`{"key":"programs.reason.nope","args":["1"]}`, fosis.Phrase{Text: `{"key":"programs.reason.nope","args":["1"]}`}},
		{`{"key":`, fosis.Phrase{Text: `{"key":`}},
		{"", fosis.Phrase{}},
	} {
		if diff := cmp.Diff(tc.want, readReason(tc.stored)); diff != "" {
			t.Errorf("readReason(%q) (-want +got):\n%s", tc.stored, diff)
		}
	}
}
