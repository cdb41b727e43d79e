package registry_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/registry"
)

// TestChangesFollowAsOfScope: a household that moved in from another region
// does not show the new region's officer the change requests submitted
// while it was elsewhere (their old commune and old values), as its
// versions of then are refused to them (issue 11, item 14(c)); the
// requests submitted since are theirs, and national staff see all.
func TestChangesFollowAsOfScope(t *testing.T) {
	s, _ := imported(t)
	// In region 13: one request approved, one left waiting.
	old, err := s.SubmitChange(asUser(rosa), "H1", h1Rooms, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(asUser(raul), old.ID, registry.Approve, "", ""); err != nil {
		t.Fatal(err)
	}
	waiting := h1Rooms
	waiting.Changes = registry.ChangeSet{Household: []registry.FieldChange{{Field: "tenure", To: "owner"}}}
	pending, err := s.SubmitChange(asUser(rosa), "H1", waiting, "")
	if err != nil {
		t.Fatal(err)
	}
	// H1 moves to Temuco (region 9).
	moved := strings.Replace(hRowH1, "13101", "09101", 1)
	if _, err := s.Import(sysCtx, writeExtract(t, hHeader+moved+hRowH2, pHeader+pRowA+pRowB+pRowC)); err != nil {
		t.Fatal(err)
	}
	// Region 9's officer asks for a change there.
	in := h1Rooms
	in.Changes = registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: "5"}}}
	mine, err := s.SubmitChange(asUser(tomas), "H1", in, "")
	if err != nil {
		t.Fatal(err)
	}

	ids := func(rs []registry.ChangeRequest) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	list, err := s.HouseholdChanges(asUser(tomas), "H1")
	if err != nil || len(list) != 1 || list[0].ID != mine.ID {
		t.Errorf("region 9's officer lists %v, %v; want only %d", ids(list), err, mine.ID)
	}
	for _, id := range []int64{old.ID, pending.ID} {
		_, err := s.ChangeRequest(asUser(tomas), id)
		_, missing := s.ChangeRequest(asUser(tomas), 999999)
		if fosis.ErrorCode(err) != fosis.ENOTFOUND || fosis.ErrorMessage(err) != strings.Replace(fosis.ErrorMessage(missing), "999999", itoa(id), 1) {
			t.Errorf("region 9's officer reads request %d from before the move: %v (a missing one: %v)", id, err, missing)
		}
	}
	if _, err := s.Decide(asUser(tomas), pending.ID, registry.Reject, "no", ""); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("region 9's officer decides a request from before the move: %v", err)
	}
	for _, state := range []string{registry.StateApproved, registry.StateSubmitted} {
		page, err := s.ChangeQueue(asUser(tomas), state, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		if state == registry.StateSubmitted {
			want = 1
		}
		if len(page.Items) != want || page.Total != int64(want) {
			t.Errorf("region 9's queue of %s: %v (total %d), want %d", state, ids(page.Items), page.Total, want)
		}
	}
	// Region 13's officer no longer sees the household at all; national
	// staff see every request.
	if _, err := s.HouseholdChanges(asUser(rosa), "H1"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("region 13's officer after the move: %v", err)
	}
	if list, err := s.HouseholdChanges(asUser(ana), "H1"); err != nil || len(list) != 3 {
		t.Errorf("the analyst lists %v, %v; want 3", ids(list), err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
