package registry_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// Principals of the change-request tests: two regional officers of the
// Metropolitan region (13, where H1 is), one of La Araucanía (9, where H2
// is), an analyst, an auditor and a financer.
var (
	rosa    = &auth.Principal{UserID: 1, Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"}
	raul    = &auth.Principal{UserID: 2, Username: "raul", Role: auth.RoleRegional, RegionCode: "13"}
	tomas   = &auth.Principal{UserID: 3, Username: "tomas", Role: auth.RoleRegional, RegionCode: "09"}
	ana     = &auth.Principal{UserID: 4, Username: "ana", Role: auth.RoleAnalyst}
	otilia  = &auth.Principal{UserID: 5, Username: "otilia", Role: auth.RoleAuditor}
	fina    = &auth.Principal{UserID: 6, Username: "fina", Role: auth.RoleFinancer}
	asUser  = func(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }
	sysCtx  = asUser(auth.System())
	h1Rooms = registry.ChangeInput{Kind: registry.KindUpdate, Reason: "built a room",
		Changes: registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: "4"}}}}
)

// imported returns a registry holding H1 (Santiago: head 12.345.678-5 and a
// child 20.000.003-K) and H2 (Temuco: head 9.868.503-0).
func imported(t *testing.T) (*registry.Store, *db.DB) {
	t.Helper()
	s, d := newStore(t)
	if _, err := s.Import(sysCtx, writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+pRowC)); err != nil {
		t.Fatal(err)
	}
	return s, d
}

func TestChangeApproved(t *testing.T) {
	s, d := imported(t)
	in := registry.ChangeInput{Kind: registry.KindUpdate, Reason: "lost her job in October; a second child was born",
		Evidence: "finiquito 2026-10-31",
		Changes: registry.ChangeSet{
			Household: []registry.FieldChange{{Field: "rooms", To: " 4 "}, {Field: "tenure", To: "owner"}},
			Members: []registry.MemberChange{{RUN: "12345678-5", Field: "employed", To: "0"},
				{RUN: "12.345.678-5", Field: "labor_income_clp", To: "0"}},
			Add: []registry.MemberValues{{"run": "6.265.837-1", "given_names": "Trinidad", "paternal_surname": "Pérez", "maternal_surname": "Núñez", "relation": "child", "sex": "F", "birth_date": "2026-09-01",
				"schooling_years": "0", "in_school": "0", "employed": "0", "labor_income_clp": "0", "pension_income_clp": "0",
				"capital_income_clp": "0", "health_plan": "fonasa_b", "disability": "none", "dependency": "none", "indigenous": "0", "pregnant": "0"}},
		}}
	r, err := s.SubmitChange(asUser(rosa), "H1", in, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := registry.ChangeSet{
		Household: []registry.FieldChange{{Field: "rooms", From: "3", To: "4"}, {Field: "tenure", From: "renter", To: "owner"}},
		Members: []registry.MemberChange{{RUN: "12345678-5", Field: "employed", From: "1", To: "0"},
			{RUN: "12345678-5", Field: "labor_income_clp", From: "450000", To: "0"}},
		Add:    []registry.MemberValues{in.Changes.Add[0]},
		Remove: []string{},
	}
	want.Add[0]["run"] = "6265837-1"
	if diff := cmp.Diff(want, r.Changes); diff != "" {
		t.Errorf("submitted changes (-want +got):\n%s", diff)
	}
	if r.State != registry.StateSubmitted || r.Maker != "rosa" || r.Checker != "" || r.DecidedAt != nil {
		t.Errorf("submitted request: %+v", r)
	}
	// The household does not change until a checker approves.
	if h, _ := s.Household(sysCtx, "H1"); h.Rooms != 3 || h.MemberCount != 2 {
		t.Errorf("before approval: rooms %d, members %d", h.Rooms, h.MemberCount)
	}
	// The maker cannot approve their own request; another officer can.
	if _, err := s.Decide(asUser(rosa), r.ID, registry.Approve, "", ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("maker approving: %v, want forbidden", err)
	}
	done, err := s.Decide(asUser(raul), r.ID, registry.Approve, "checked the documents", "10.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	if done.State != registry.StateApproved || done.Checker != "raul" || done.DecidedAt == nil || done.Comment != "checked the documents" {
		t.Errorf("approved request: %+v", done)
	}
	h, err := s.Household(sysCtx, "H1")
	if err != nil {
		t.Fatal(err)
	}
	if h.Rooms != 4 || h.Tenure != "owner" || h.MemberCount != 3 || len(h.Members) != 3 {
		t.Errorf("after approval: %+v", h)
	}
	for _, m := range h.Members {
		if m.RUN == "12345678-5" && (m.Employed || m.LaborCLP != 0) {
			t.Errorf("head after approval: %+v", m)
		}
	}
	// The derived score inputs follow (a scoring run reads them).
	if rep, err := s.Integrity(sysCtx); err != nil || !rep.OK() {
		t.Errorf("integrity after approval: %+v, %v", rep, err)
	}
	f, err := s.LoadFrame(sysCtx, true)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(f.ExtID, "H1")
	if got := f.Rooms[i]; got != 4 {
		t.Errorf("frame rooms of H1 = %d, want 4", got)
	}
	// A decided request cannot be decided again.
	if _, err := s.Decide(asUser(ana), r.ID, registry.Reject, "no", ""); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("deciding twice: %v, want conflict", err)
	}
	// Both transitions are in the audit trail, with before and after.
	recs, err := audit.List(sysCtx, d, audit.Filter{Entity: "change_request"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, rec := range recs {
		actions = append(actions, rec.Action+" by "+rec.Actor)
	}
	if diff := cmp.Diff([]string{"change_request.approve by raul", "change_request.submit by rosa"}, actions); diff != "" {
		t.Errorf("audit entries (-want +got):\n%s", diff)
	}
	var before, after struct {
		State     string
		Household struct{ Fields map[string]string }
	}
	json.Unmarshal([]byte(recs[0].Before), &before)
	json.Unmarshal([]byte(recs[0].After), &after)
	if before.State != "submitted" || after.State != "approved" || before.Household.Fields["rooms"] != "3" ||
		after.Household.Fields["rooms"] != "4" || recs[0].IP != "10.0.0.2" {
		t.Errorf("approval audit entry: before %s, after %s", recs[0].Before, recs[0].After)
	}
	if rep, err := audit.Verify(sysCtx, d); err != nil || !rep.OK {
		t.Errorf("audit chain: %+v, %v", rep, err)
	}
	// The household's page lists the request.
	list, err := s.HouseholdChanges(asUser(rosa), "H1")
	if err != nil || len(list) != 1 || list[0].ID != r.ID || list[0].State != registry.StateApproved {
		t.Errorf("household's requests: %+v, %v", list, err)
	}
}

// TestChangeInvalid: every problem is reported with its field, and nothing
// is written.
func TestChangeInvalid(t *testing.T) {
	s, d := imported(t)
	type prob struct{ Field, Code string }
	upd := func(cs registry.ChangeSet) registry.ChangeInput {
		return registry.ChangeInput{Kind: registry.KindUpdate, Reason: "r", Changes: cs}
	}
	hc := func(f, to string) registry.ChangeSet {
		return registry.ChangeSet{Household: []registry.FieldChange{{Field: f, To: to}}}
	}
	mc := func(run, f, to string) registry.ChangeSet {
		return registry.ChangeSet{Members: []registry.MemberChange{{RUN: run, Field: f, To: to}}}
	}
	newChild := func(run string) registry.MemberValues {
		return registry.MemberValues{"run": run, "given_names": "Amanda", "paternal_surname": "Pérez", "relation": "child", "sex": "F", "birth_date": "2020-01-01", "schooling_years": "0",
			"in_school": "1", "employed": "0", "labor_income_clp": "0", "pension_income_clp": "0", "capital_income_clp": "0",
			"health_plan": "fonasa_b", "disability": "none", "dependency": "none", "indigenous": "0", "pregnant": "0"}
	}
	badChild := newChild("12.345.678-4")
	badChild["birth_date"], badChild["sex"], badChild["colour"], badChild["paternal_surname"] = "2030-01-01", "W", "blue", " "
	head := newChild("6.265.837-1")
	head["relation"] = "head"
	tests := []struct {
		name string
		as   *auth.Principal
		in   registry.ChangeInput
		want []prob
	}{
		{"no kind, no reason", ana, registry.ChangeInput{Changes: hc("rooms", "4")}, []prob{{"kind", "kind"}, {"reason", "required"}}},
		{"no changes", ana, upd(registry.ChangeSet{}), []prob{{"changes", "no_changes"}}},
		{"rooms out of range", ana, upd(hc("rooms", "51")), []prob{{"household[0].to", "range"}}},
		{"rooms not a number", ana, upd(hc("rooms", "3.5")), []prob{{"household[0].to", "integer"}}},
		{"unknown word", ana, upd(hc("tenure", "rented")), []prob{{"household[0].to", "enum"}}},
		{"unknown field", ana, upd(hc("household_id", "H9")), []prob{{"household[0].field", "unknown_field"}}},
		{"same value", ana, upd(hc("zone", "urban")), []prob{{"household[0].to", "same_value"}}},
		{"twice", ana, upd(registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: "4"}, {Field: "rooms", To: "5"}}}),
			[]prob{{"household[1].field", "duplicate"}}},
		{"not a commune", ana, upd(hc("commune_code", "99999")), []prob{{"household[0].to", "commune"}}},
		{"regional officer moving a household out of the region", rosa, upd(hc("commune_code", "09101")), []prob{{"household[0].to", "commune_region"}}},
		{"registration date is corrected, not updated", ana, upd(hc("registered_on", "2020-01-01")), []prob{{"household[0].field", "not_allowed"}}},
		{"a rectification needs evidence", ana, registry.ChangeInput{Kind: registry.KindRectify, Reason: "typo", Changes: mc("12.345.678-5", "birth_date", "1985-03-20")},
			[]prob{{"evidence", "evidence_required"}}},
		{"a complement adds, it does not change the dwelling", ana, registry.ChangeInput{Kind: registry.KindComplement, Reason: "r", Changes: hc("rooms", "4")},
			[]prob{{"household[0].field", "not_allowed"}}},
		{"a complement does not remove", ana, registry.ChangeInput{Kind: registry.KindComplement, Reason: "r", Changes: registry.ChangeSet{Remove: []string{"20.000.003-K"}}},
			[]prob{{"remove[0]", "remove_not_allowed"}}},
		{"member of another household", ana, upd(mc("9.868.503-0", "employed", "1")), []prob{{"members[0].run", "not_member"}}},
		{"bad check digit", ana, upd(mc("12.345.678-4", "employed", "0")), []prob{{"members[0].run", "run_check"}}},
		{"flag", ana, upd(mc("12.345.678-5", "employed", "yes")), []prob{{"members[0].to", "flag"}}},
		{"future birth", ana, registry.ChangeInput{Kind: registry.KindRectify, Reason: "r", Evidence: "cédula", Changes: mc("20.000.003-K", "birth_date", "2099-01-01")},
			[]prob{{"members[0].to", "date_future"}}},
		{"new member with problems", ana, upd(registry.ChangeSet{Add: []registry.MemberValues{badChild}}),
			[]prob{{"add[0].colour", "unknown_field"}, {"add[0].run", "run_check"}, {"add[0].paternal_surname", "required"}, {"add[0].sex", "enum"}, {"add[0].birth_date", "date_future"}}},
		{"new member already in another household", ana, upd(registry.ChangeSet{Add: []registry.MemberValues{newChild("9.868.503-0")}}),
			[]prob{{"add[0].run", "run_taken"}}},
		{"removing the head leaves none", ana, upd(registry.ChangeSet{Remove: []string{"12.345.678-5"}}), []prob{{"changes", "heads"}}},
		{"a second head", ana, upd(registry.ChangeSet{Add: []registry.MemberValues{head}}), []prob{{"changes", "heads"}}},
		{"a member who leaves is not also changed", ana, upd(registry.ChangeSet{Members: []registry.MemberChange{{RUN: "20.000.003-K", Field: "employed", To: "1"}},
			Remove: []string{"20000003K"}}), []prob{{"remove[0]", "duplicate"}}},
		{"removing everyone", ana, upd(registry.ChangeSet{Remove: []string{"12.345.678-5", "20.000.003-K"}}), []prob{{"changes", "no_members"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.SubmitChange(asUser(tt.as), "H1", tt.in, "")
			if fosis.ErrorCode(err) != fosis.EINVALID {
				t.Fatalf("err = %v, want invalid", err)
			}
			ps, ok := registry.AsChangeError(err)
			if !ok {
				t.Fatalf("err %v carries no field problems", err)
			}
			var got []prob
			for _, p := range ps {
				got = append(got, prob{p.Field, p.Code})
				if p.Message() == "" || strings.Contains(p.Message(), "%!") {
					t.Errorf("message of %s: %q", p.Code, p.Message())
				}
			}
			slices.SortFunc(got, func(a, b prob) int { return strings.Compare(a.Field+a.Code, b.Field+b.Code) })
			slices.SortFunc(tt.want, func(a, b prob) int { return strings.Compare(a.Field+a.Code, b.Field+b.Code) })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
	var n int
	d.QueryRowContext(sysCtx, `SELECT count(*) FROM change_requests`).Scan(&n)
	if n != 0 {
		t.Errorf("%d requests written by invalid submissions", n)
	}
	if recs, _ := audit.List(sysCtx, d, audit.Filter{Entity: "change_request"}); len(recs) != 0 {
		t.Errorf("%d audit entries for invalid submissions", len(recs))
	}
}

// TestChangeConflict: a request approved after the household changed
// underneath is refused, field by field, and nothing is applied.
func TestChangeConflict(t *testing.T) {
	s, _ := imported(t)
	a, err := s.SubmitChange(asUser(rosa), "H1", h1Rooms, "")
	if err != nil {
		t.Fatal(err)
	}
	five := h1Rooms
	five.Changes = registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: "5"}, {Field: "water", To: "well"}}}
	b, err := s.SubmitChange(asUser(raul), "H1", five, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(asUser(raul), a.ID, registry.Approve, "", ""); err != nil {
		t.Fatal(err)
	}
	_, err = s.Decide(asUser(rosa), b.ID, registry.Approve, "", "")
	ps, _ := registry.AsChangeError(err)
	if fosis.ErrorCode(err) != fosis.ECONFLICT || len(ps) != 1 || ps[0].Field != "household[0].to" || ps[0].Code != "changed" ||
		!slices.Equal(ps[0].Args, []string{"3", "4"}) {
		t.Fatalf("approving a stale request: %v %+v, want a conflict on rooms (3 → now 4)", err, ps)
	}
	if h, _ := s.Household(sysCtx, "H1"); h.Rooms != 4 || h.Water != "public_network" {
		t.Errorf("the stale request was applied in part: rooms %d, water %s", h.Rooms, h.Water)
	}
	if r, _ := s.ChangeRequest(sysCtx, b.ID); r.State != registry.StateSubmitted {
		t.Errorf("the refused request is %s, want still submitted", r.State)
	}
	// An import that changes the member underneath conflicts too.
	c, err := s.SubmitChange(asUser(rosa), "H1", registry.ChangeInput{Kind: registry.KindUpdate, Reason: "r",
		Changes: registry.ChangeSet{Members: []registry.MemberChange{{RUN: "12.345.678-5", Field: "labor_income_clp", To: "500000"}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(sysCtx, writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+strings.Replace(pRowA, "450000", "470000", 1)+pRowB+pRowC)); err != nil {
		t.Fatal(err)
	}
	_, err = s.Decide(asUser(raul), c.ID, registry.Approve, "", "")
	if ps, _ := registry.AsChangeError(err); fosis.ErrorCode(err) != fosis.ECONFLICT || len(ps) != 1 || !slices.Equal(ps[0].Args, []string{"450000", "470000"}) {
		t.Errorf("approving after an import changed the value: %v %+v", err, ps)
	}
}

// TestChangeWho: who may submit, decide, withdraw and see.
func TestChangeWho(t *testing.T) {
	s, _ := imported(t)
	r, err := s.SubmitChange(asUser(rosa), "H1", h1Rooms, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*auth.Principal{otilia, fina} {
		if _, err := s.SubmitChange(asUser(p), "H1", h1Rooms, ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
			t.Errorf("%s submitting: %v, want forbidden", p.Role, err)
		}
		if _, err := s.Decide(asUser(p), r.ID, registry.Approve, "", ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
			t.Errorf("%s approving: %v, want forbidden", p.Role, err)
		}
	}
	if _, err := s.SubmitChange(context.Background(), "H1", h1Rooms, ""); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("no principal: %v", err)
	}
	// Another region's officer finds neither the household nor the request.
	_, outside := s.SubmitChange(asUser(tomas), "H1", h1Rooms, "")
	_, missing := s.SubmitChange(asUser(tomas), "H9", h1Rooms, "")
	if fosis.ErrorCode(outside) != fosis.ENOTFOUND || strings.Replace(outside.Error(), "H1", "H9", 1) != missing.Error() {
		t.Errorf("another region's household: %v; a missing one: %v", outside, missing)
	}
	_, outside = s.Decide(asUser(tomas), r.ID, registry.Approve, "", "")
	_, missing = s.Decide(asUser(tomas), 999, registry.Approve, "", "")
	if fosis.ErrorCode(outside) != fosis.ENOTFOUND || strings.Replace(outside.Error(), "1", "999", 1) != missing.Error() {
		t.Errorf("another region's request: %v; a missing one: %v", outside, missing)
	}
	if _, err := s.ChangeRequest(asUser(tomas), r.ID); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("another region's request read: %v", err)
	}
	if q, err := s.ChangeQueue(asUser(tomas), "", 0, 50); err != nil || q.Total != 0 || len(q.Items) != 0 {
		t.Errorf("another region's queue: %+v, %v", q, err)
	}
	if q, err := s.ChangeQueue(asUser(raul), "", 0, 50); err != nil || q.Total != 1 || q.Items[0].ID != r.ID {
		t.Errorf("own region's queue: %+v, %v", q, err)
	}
	if _, err := s.ChangeQueue(asUser(ana), "pending", 0, 50); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("unknown state: %v", err)
	}
	// Rejecting needs a reason; only the maker withdraws.
	if _, err := s.Decide(asUser(raul), r.ID, registry.Reject, "  ", ""); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("reject without a comment: %v", err)
	}
	if _, err := s.Decide(asUser(raul), r.ID, registry.Withdraw, "", ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("withdrawn by another user: %v", err)
	}
	w, err := s.Decide(asUser(rosa), r.ID, registry.Withdraw, "", "")
	if err != nil || w.State != registry.StateWithdrawn || w.Checker != "" {
		t.Fatalf("withdrawn by the maker: %+v, %v", w, err)
	}
	if _, err := s.Decide(asUser(raul), r.ID, registry.Approve, "", ""); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("approving a withdrawn request: %v", err)
	}
	// Rejected by an analyst, with the reason.
	r2, _ := s.SubmitChange(asUser(rosa), "H1", h1Rooms, "")
	rej, err := s.Decide(asUser(ana), r2.ID, registry.Reject, "no building permit", "")
	if err != nil || rej.State != registry.StateRejected || rej.Comment != "no building permit" {
		t.Errorf("rejected: %+v, %v", rej, err)
	}
	if h, _ := s.Household(sysCtx, "H1"); h.Rooms != 3 {
		t.Errorf("a rejected request changed the household")
	}
	// Sensitive values are masked for the auditor and shown to the officer.
	r3, err := s.SubmitChange(asUser(rosa), "H1", registry.ChangeInput{Kind: registry.KindComplement, Reason: "certificate",
		Changes: registry.ChangeSet{Members: []registry.MemberChange{{RUN: "20.000.003-K", Field: "disability", To: "mild"}}}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ChangeRequest(asUser(otilia), r3.ID); got.Changes.Members[0].To != "(sensitive)" {
		t.Errorf("auditor sees the sensitive value %q", got.Changes.Members[0].To)
	}
	if got, _ := s.ChangeRequest(asUser(raul), r3.ID); got.Changes.Members[0].To != "mild" {
		t.Errorf("officer sees %q", got.Changes.Members[0].To)
	}
}

// shift moves every version of household id recorded so far back by days,
// as if it had been recorded then.
func shift(t *testing.T, d *db.DB, id string, days int) {
	t.Helper()
	rows, err := d.QueryContext(sysCtx, `SELECT v.id, v.valid_from FROM household_versions v JOIN households h ON h.id = v.household
		WHERE h.household_id = ?`, id)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id int64
		at time.Time
	}
	var rs []row
	for rows.Next() {
		var r row
		var at db.Instant
		rows.Scan(&r.id, &at)
		r.at = at.Time
		rs = append(rs, r)
	}
	rows.Close()
	for _, r := range rs {
		if _, err := d.ExecContext(sysCtx, `UPDATE household_versions SET valid_from = ? WHERE id = ?`, d.Time(r.at.AddDate(0, 0, -days)), r.id); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHistory: the household as of a date is what was recorded then, from
// imports and approved requests; scope follows the commune at the date.
func TestHistory(t *testing.T) {
	s, d := imported(t)
	today := time.Now().UTC()
	day := func(n int) time.Time { return today.AddDate(0, 0, n) }
	shift(t, d, "H1", 30) // imported 30 days ago
	if _, err := s.AsOf(sysCtx, "H1", day(-31)); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("before the first import: %v, want not found", err)
	}
	r, _ := s.SubmitChange(asUser(rosa), "H1", h1Rooms, "")
	if _, err := s.Decide(asUser(raul), r.ID, registry.Approve, "", ""); err != nil {
		t.Fatal(err)
	}
	shift(t, d, "H1", 10) // imported 40 days ago, changed 10 days ago
	for _, c := range []struct {
		day   int
		rooms int
		src   string
	}{{-40, 3, "import"}, {-11, 3, "import"}, {-10, 4, "change"}, {0, 4, "change"}} {
		v, err := s.AsOf(asUser(rosa), "H1", day(c.day))
		if err != nil {
			t.Errorf("as of day %d: %v", c.day, err)
			continue
		}
		if v.Household.Rooms != c.rooms || v.Version.Source != c.src || v.Household.ID != "H1" || v.Household.MemberCount != 2 ||
			v.Household.CommuneName != "Santiago" || v.AsOf != day(c.day).Format(time.DateOnly) {
			t.Errorf("as of day %d: rooms %d from %s, want %d from %s (%+v)", c.day, v.Household.Rooms, v.Version.Source, c.rooms, c.src, v)
		}
	}
	// Re-importing the same extract records nothing new: nothing changed.
	var before, after int
	d.QueryRowContext(sysCtx, `SELECT count(*) FROM household_versions`).Scan(&before)
	if _, err := s.Import(sysCtx, writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+pRowC)); err != nil {
		t.Fatal(err)
	}
	d.QueryRowContext(sysCtx, `SELECT count(*) FROM household_versions`).Scan(&after)
	// H1 differs from the extract (4 rooms since the change): the import
	// sets it back to 3 and records that; H2 is unchanged.
	if after != before+1 {
		t.Errorf("re-import wrote %d versions, want 1 (H1 only)", after-before)
	}
	shift(t, d, "H1", 5)
	// H1 moves to Temuco (region 9) today.
	moved := strings.Replace(hRowH1, "13101", "09101", 1)
	if _, err := s.Import(sysCtx, writeExtract(t, hHeader+moved+hRowH2, pHeader+pRowA+pRowB+pRowC)); err != nil {
		t.Fatal(err)
	}
	if v, err := s.AsOf(asUser(tomas), "H1", day(0)); err != nil || v.Household.CommuneCode != "09101" || v.Household.RegionCode != "09" {
		t.Errorf("region 9's officer, today: %+v, %v", v, err)
	}
	_, outside := s.AsOf(asUser(tomas), "H1", day(-20))
	_, missing := s.AsOf(asUser(tomas), "H9", day(-20))
	if fosis.ErrorCode(outside) != fosis.ENOTFOUND || strings.Replace(outside.Error(), "H1", "H9", 1) != missing.Error() {
		t.Errorf("region 9's officer, before the move: %v; a missing household: %v", outside, missing)
	}
	if v, err := s.AsOf(asUser(rosa), "H1", day(-12)); err != nil || v.Household.Rooms != 4 {
		t.Errorf("region 13's officer, before the move: %+v, %v", v, err)
	}
	if _, err := s.AsOf(asUser(rosa), "H1", day(0)); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("region 13's officer, after the move: %v", err)
	}
	all, err := s.Versions(asUser(ana), "H1")
	if err != nil || len(all) != 4 {
		t.Fatalf("versions for the analyst: %+v, %v", all, err)
	}
	var srcs []string
	for _, v := range all {
		srcs = append(srcs, v.Source+" "+v.RegionCode)
	}
	if diff := cmp.Diff([]string{"import 09", "import 13", "change 13", "import 13"}, srcs); diff != "" {
		t.Errorf("versions, newest first (-want +got):\n%s", diff)
	}
	if mine, err := s.Versions(asUser(rosa), "H1"); err != nil || len(mine) != 3 {
		t.Errorf("versions for region 13's officer: %d, %v", len(mine), err)
	}
	// From a household just read, the same lists; and a file read by one
	// user gives nothing to another outside its territory.
	file, err := s.HouseholdFileByID(asUser(tomas), "H1")
	if err != nil {
		t.Fatal(err)
	}
	if vs, err := s.VersionsOf(asUser(ana), file); err != nil || !cmp.Equal(vs, all) {
		t.Errorf("VersionsOf for the analyst: %+v, %v; Versions gives %+v", vs, err, all)
	}
	if vs, err := s.VersionsOf(asUser(tomas), file); err != nil || len(vs) != 1 || vs[0].RegionCode != "09" {
		t.Errorf("VersionsOf for region 9's officer: %+v, %v", vs, err)
	}
	want, _ := s.HouseholdChanges(asUser(ana), "H1")
	if got, err := s.ChangesOf(asUser(ana), file); err != nil || len(got) != len(want) || len(got) == 0 {
		t.Errorf("ChangesOf: %d requests, %v; HouseholdChanges gives %d", len(got), err, len(want))
	}
	if _, err := s.VersionsOf(asUser(rosa), file); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("VersionsOf of a household now in region 9, for region 13's officer: %v", err)
	}
	if _, err := s.ChangesOf(asUser(rosa), file); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("ChangesOf of a household now in region 9, for region 13's officer: %v", err)
	}
	if _, err := registry.ParseAsOf("2026-13-01"); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("bad date: %v", err)
	}
}

// TestBaseline: a household imported before history was kept gets its
// state before the first approved change as a baseline version.
func TestBaseline(t *testing.T) {
	s, d := imported(t)
	if _, err := d.ExecContext(sysCtx, `DELETE FROM household_versions`); err != nil {
		t.Fatal(err)
	}
	r, _ := s.SubmitChange(asUser(rosa), "H1", h1Rooms, "")
	if _, err := s.Decide(asUser(raul), r.ID, registry.Approve, "", ""); err != nil {
		t.Fatal(err)
	}
	vs, err := s.Versions(sysCtx, "H1")
	if err != nil || len(vs) != 2 || vs[0].Source != "change" || vs[1].Source != "baseline" {
		t.Fatalf("versions: %+v, %v", vs, err)
	}
	if _, err := d.ExecContext(sysCtx, `UPDATE household_versions SET valid_from = ? WHERE source = 'baseline'`,
		d.Time(time.Now().AddDate(0, 0, -2))); err != nil {
		t.Fatal(err)
	}
	if v, err := s.AsOf(sysCtx, "H1", time.Now().AddDate(0, 0, -2)); err != nil || v.Household.Rooms != 3 || v.Version.Source != "baseline" {
		t.Errorf("baseline: %+v, %v", v, err)
	}
}

// TestChangeConcurrentApprovals: two requests on the same value approved at
// the same moment — one wins, the other is a conflict, never both applied.
func TestChangeConcurrentApprovals(t *testing.T) {
	s, _ := imported(t)
	var ids []int64
	for _, to := range []string{"4", "5"} {
		in := h1Rooms
		in.Changes = registry.ChangeSet{Household: []registry.FieldChange{{Field: "rooms", To: to}}}
		r, err := s.SubmitChange(asUser(rosa), "H1", in, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	errs := make([]error, len(ids))
	done := make(chan struct{})
	start := make(chan struct{})
	for i, id := range ids {
		go func() {
			<-start
			_, errs[i] = s.Decide(asUser(raul), id, registry.Approve, "", "")
			done <- struct{}{}
		}()
	}
	close(start)
	<-done
	<-done
	won := -1
	for i, err := range errs {
		switch fosis.ErrorCode(err) {
		case "":
			if won >= 0 {
				t.Fatalf("both approvals succeeded")
			}
			won = i
		case fosis.ECONFLICT:
		default:
			t.Fatalf("approval %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("neither approval succeeded: %v", errs)
	}
	if h, _ := s.Household(sysCtx, "H1"); h.Rooms != 4+won {
		t.Errorf("rooms = %d, want %d (the winner's)", h.Rooms, 4+won)
	}
}

// TestRunTakenAudited: a RUN can be in one household only, so adding one
// that is registered elsewhere is refused, which tells the user it exists.
// When the household it is in is outside the user's territory, the refusal
// leaves an entry in the audit trail (registry.run_taken), at submission
// and at approval; inside it, or for national staff, it does not.
func TestRunTakenAudited(t *testing.T) {
	s, d := imported(t)
	child := func(run string) registry.ChangeInput {
		return registry.ChangeInput{Kind: registry.KindUpdate, Reason: "born", Changes: registry.ChangeSet{Add: []registry.MemberValues{{
			"run": run, "given_names": "Amanda", "paternal_surname": "Pérez", "relation": "child", "sex": "F", "birth_date": "2020-01-01",
			"schooling_years": "0", "in_school": "1", "employed": "0", "labor_income_clp": "0", "pension_income_clp": "0", "capital_income_clp": "0",
			"health_plan": "fonasa_b", "disability": "none", "dependency": "none", "indigenous": "0", "pregnant": "0"}}}}
	}
	entries := func() []audit.Record {
		recs, err := audit.List(sysCtx, d, audit.Filter{Action: "registry.run_taken"})
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	// rosa (region 13) adds to H1 the head of H2 (region 9): refused, and recorded.
	_, err := s.SubmitChange(asUser(rosa), "H1", child("9.868.503-0"), "10.0.0.7")
	if ps, ok := registry.AsChangeError(err); !ok || len(ps) != 1 || ps[0].Code != "run_taken" {
		t.Fatalf("adding a RUN registered in another region: %v", err)
	}
	recs := entries()
	if len(recs) != 1 || recs[0].Actor != "rosa" || recs[0].EntityID != "H1" || recs[0].IP != "10.0.0.7" || !strings.Contains(recs[0].After, `"9868503-0"`) {
		t.Fatalf("the audit trail after rosa's refusal: %+v", recs)
	}
	// An analyst sees the whole registry: the refusal tells them nothing new.
	if _, err := s.SubmitChange(asUser(ana), "H1", child("9.868.503-0"), ""); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Fatalf("the analyst: %v", err)
	}
	// A RUN of the household itself is not a disclosure either.
	if _, err := s.SubmitChange(asUser(rosa), "H1", child("20.000.003-K"), ""); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Fatalf("a member of the same household: %v", err)
	}
	if n := len(entries()); n != 1 {
		t.Fatalf("%d entries, want still 1", n)
	}
	// At approval: rosa asks to add a newborn to H1; meanwhile the same RUN
	// joins H2 in region 9. raul's approval is refused, and recorded as his.
	r, err := s.SubmitChange(asUser(rosa), "H1", child("24.681.357-4"), "")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.SubmitChange(asUser(ana), "H2", child("24.681.357-4"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(asUser(tomas), r2.ID, registry.Approve, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(asUser(raul), r.ID, registry.Approve, "", "10.0.0.8"); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Fatalf("approving after the RUN joined another region's household: %v", err)
	}
	recs = entries()
	if len(recs) != 2 || recs[0].Actor != "raul" || recs[0].EntityID != "H1" || !strings.Contains(recs[0].After, `"24681357-4"`) {
		t.Errorf("the audit trail after raul's refusal: %+v", recs)
	}
	if rep, err := audit.Verify(sysCtx, d); err != nil || !rep.OK {
		t.Errorf("the chain: %+v, %v", rep, err)
	}
}

// TestCountFollowsTheRegistry: the counts the home page shows are kept per
// registry revision, and an approved change (a new revision) is counted at
// once, nationally and in its region, while another region's stays.
func TestCountFollowsTheRegistry(t *testing.T) {
	s, _ := imported(t)
	count := func(p *auth.Principal) [2]int64 {
		t.Helper()
		h, n, err := s.Count(asUser(p))
		if err != nil {
			t.Fatal(err)
		}
		return [2]int64{h, n}
	}
	for range 2 { // the second time from the cache
		if got := [3][2]int64{count(ana), count(rosa), count(tomas)}; got != [3][2]int64{{2, 3}, {1, 2}, {1, 1}} {
			t.Fatalf("counts (national, region 13, region 9) = %v", got)
		}
	}
	in := registry.ChangeInput{Kind: registry.KindUpdate, Reason: "born", Changes: registry.ChangeSet{Add: []registry.MemberValues{{
		"run": "24.681.357-4", "given_names": "Amanda", "paternal_surname": "Pérez", "relation": "child", "sex": "F", "birth_date": "2020-01-01",
		"schooling_years": "0", "in_school": "1", "employed": "0", "labor_income_clp": "0", "pension_income_clp": "0", "capital_income_clp": "0",
		"health_plan": "fonasa_b", "disability": "none", "dependency": "none", "indigenous": "0", "pregnant": "0"}}}}
	r, err := s.SubmitChange(asUser(rosa), "H1", in, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(asUser(raul), r.ID, registry.Approve, "", ""); err != nil {
		t.Fatal(err)
	}
	if got := [3][2]int64{count(ana), count(rosa), count(tomas)}; got != [3][2]int64{{2, 4}, {1, 3}, {1, 1}} {
		t.Errorf("counts after the approval = %v", got)
	}
}
