package registry_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/registry"
)

// TestChangeDecidedOnce: forty deciders at once on one submitted request
// (approvals and rejections by two checkers, withdrawals by its maker) —
// exactly one decision is taken, every other one is a conflict, and the
// audit trail holds one decision and still verifies (issue 11, item 12).
// Run it on PostgreSQL too (FOSIS_TEST_DB=postgres), where the deciders
// really overlap.
func TestChangeDecidedOnce(t *testing.T) {
	s, d := imported(t)
	r, err := s.SubmitChange(asUser(rosa), "H1", h1Rooms, "")
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch i % 4 {
			case 0:
				_, errs[i] = s.Decide(asUser(raul), r.ID, registry.Approve, "", "")
			case 1:
				_, errs[i] = s.Decide(asUser(ana), r.ID, registry.Reject, fmt.Sprintf("no (%d)", i), "")
			case 2:
				_, errs[i] = s.Decide(asUser(rosa), r.ID, registry.Withdraw, "", "")
			case 3:
				_, errs[i] = s.Decide(asUser(ana), r.ID, registry.Approve, "", "")
			}
		}()
	}
	close(start)
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch fosis.ErrorCode(err) {
		case "":
			if won >= 0 {
				t.Errorf("deciders %d and %d both succeeded", won, i)
			}
			won = i
		case fosis.ECONFLICT:
		default:
			t.Errorf("decider %d: %v, want success or conflict", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("no decision taken: %v", errs)
	}
	got, err := s.ChangeRequest(sysCtx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{0: registry.StateApproved, 1: registry.StateRejected, 2: registry.StateWithdrawn, 3: registry.StateApproved}[won%4]
	if got.State != want {
		t.Errorf("state %s, want %s (decider %d's)", got.State, want, won)
	}
	var decisions, versions int
	d.QueryRowContext(sysCtx, `SELECT count(*) FROM audit_log WHERE entity = 'change_request' AND entity_id = ? AND action <> 'change_request.submit'`,
		fmt.Sprint(r.ID)).Scan(&decisions)
	d.QueryRowContext(sysCtx, `SELECT count(*) FROM household_versions WHERE source = 'change' AND source_id = ?`, r.ID).Scan(&versions)
	wantVersions := 0
	if want == registry.StateApproved {
		wantVersions = 1
	}
	if decisions != 1 || versions != wantVersions {
		t.Errorf("%d decisions audited, %d versions written; want 1, %d", decisions, versions, wantVersions)
	}
	if h, _ := s.Household(sysCtx, "H1"); (h.Rooms == 4) != (want == registry.StateApproved) {
		t.Errorf("rooms %d after %s", h.Rooms, want)
	}
	if rep, err := audit.Verify(sysCtx, d); err != nil || !rep.OK {
		t.Errorf("audit chain: %+v, %v", rep, err)
	}
}

// TestChangeApprovalsRace: thirty requests each setting H1's rooms from 3
// to another value, approved all at once: one is applied, the others are
// conflicts (the household changed underneath), never two applied over the
// same old value.
func TestChangeApprovalsRace(t *testing.T) {
	s, d := imported(t)
	const n = 30
	ids := make([]int64, n)
	for i := range ids {
		in := h1Rooms
		in.Changes = registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: fmt.Sprint(10 + i)}}}
		r, err := s.SubmitChange(asUser(rosa), "H1", in, "")
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = r.ID
	}
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			checker := raul
			if i%2 == 1 {
				checker = ana
			}
			_, errs[i] = s.Decide(asUser(checker), id, registry.Approve, "", "")
		}()
	}
	close(start)
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch fosis.ErrorCode(err) {
		case "":
			if won >= 0 {
				t.Errorf("approvals %d and %d both applied", won, i)
			}
			won = i
		case fosis.ECONFLICT:
		default:
			t.Errorf("approval %d: %v, want success or conflict", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("nothing approved: %v", errs)
	}
	if h, _ := s.Household(sysCtx, "H1"); h.Rooms != 10+won {
		t.Errorf("rooms %d, want %d (the winner's)", h.Rooms, 10+won)
	}
	var approved int
	d.QueryRowContext(sysCtx, `SELECT count(*) FROM change_requests WHERE state = 'approved'`).Scan(&approved)
	if approved != 1 {
		t.Errorf("%d requests approved, want 1", approved)
	}
	if rep, err := audit.Verify(sysCtx, d); err != nil || !rep.OK {
		t.Errorf("audit chain: %+v, %v", rep, err)
	}
}
