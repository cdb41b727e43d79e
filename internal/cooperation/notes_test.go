package cooperation

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
)

// TestNotePhrase: the notes the project path writes are recognised with
// their arguments; any other note is kept as written.
func TestNotePhrase(t *testing.T) {
	for _, c := range []struct {
		note string
		want fosis.Phrase
	}{
		{"request via agci", fosis.Phrase{Key: "coop.note.request", Args: []any{fosis.Phrase{Key: "coop.channel.agci", Text: "agci"}}}},
		{"feasibility: approve", fosis.Phrase{Key: "coop.note.feasibility", Args: []any{fosis.Phrase{Key: "coop.note.decision.approve", Text: "approve"}}}},
		{"design version 3 sent back for revision", fosis.Phrase{Key: "coop.note.design_revise", Args: []any{3}}},
		{"design version 2 approved by Dirección Ejecutiva", fosis.Phrase{Key: "coop.note.design_approved", Args: []any{2, "Dirección Ejecutiva"}}},
		{"design version 2", fosis.Phrase{Key: "coop.note.design", Args: []any{2}}},
		{"agreement (trilateral) in effect", fosis.Phrase{Key: "coop.note.agreement", Args: []any{fosis.Phrase{Key: "coop.agreement.kind.trilateral", Text: "trilateral"}}}},
		{"signed by GIZ (Jefa de proyecto)", fosis.Phrase{Key: "coop.note.signed", Args: []any{"GIZ", "Jefa de proyecto"}}},
		{"project initiated", fosis.Phrase{Key: "coop.note.initiated"}},
		{"systematization and evaluation", fosis.Phrase{Key: "coop.note.systematization"}},
		{"closed (cancelled)", fosis.Phrase{Key: "coop.note.closed", Args: []any{fosis.Phrase{Key: "coop.closure.cancelled", Text: "cancelled"}}}},
		{"amendment 2 proposed (trilateral): GIZ se suma", fosis.Phrase{Key: "coop.note.amend_proposed", Args: []any{2, fosis.Phrase{Key: "coop.agreement.kind.trilateral", Text: "trilateral"}, "GIZ se suma"}}},
		{"amendment 2 signed by GIZ (Directora)", fosis.Phrase{Key: "coop.note.amend_signed", Args: []any{2, "GIZ", "Directora"}}},
		{"amendment 2 signed by GIZ (Directora); amendment 2 in effect", fosis.Phrase{Key: "coop.note.amend_in_effect", Args: []any{2, "GIZ", "Directora"}}},
		{"amendment 1 withdrawn: se redacta de nuevo", fosis.Phrase{Key: "coop.note.amend_withdrawn", Args: []any{1, "se redacta de nuevo"}}},
		{"una nota libre", fosis.Phrase{}},
	} {
		c.want.Text = c.note
		if diff := cmp.Diff(c.want, TimelineEntry{Note: c.note}.NotePhrase()); diff != "" {
			t.Errorf("%q (-want +got):\n%s", c.note, diff)
		}
	}
}
