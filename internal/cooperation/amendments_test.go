package cooperation

import (
	"context"
	"sync"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// giz is the amendment that brings GIZ into a bilateral project.
func gizJoins(kind string) Amendment {
	return Amendment{Kind: kind, On: day("2026-06-01"), Reason: "GIZ se suma para financiar la sistematización y los pasajes",
		Add: []AmendParty{{Org: "GIZ", Commitment: "Sistematización y pasajes"}}}
}

var bilateralParties = []string{"AGCI", "FOSIS", "Ministerio de Desarrollo Social PY"}

// TestAmendment: a financer joins a signed bilateral project only through
// an amendment that every party signs; until then its ledger lines are
// refused, and after it the project is triangular under a trilateral
// agreement.
func TestAmendment(t *testing.T) {
	f := newFixture(t)
	ctx := sysCtx()
	f.started("AM-1", false)
	giz := Execution{Org: "GIZ", Year: 2026, Category: "travel", Kind: "cash", Amount: 9000, On: day("2026-07-01")}

	refusals := []struct {
		name string
		a    Amendment
		key  string
	}{
		{"nothing changes", Amendment{On: day("2026-06-01"), Reason: "Revisión del convenio sin cambios de fondo"}, "coop.err.amend.nothing"},
		{"a third party under a bilateral agreement", gizJoins(""), "coop.err.kind.bilateral_triangular"},
		{"a reason without substance", Amendment{Kind: "trilateral", On: day("2026-06-01"), Reason: "x", Add: gizJoins("").Add}, "coop.err.amend.reason"},
		{"an existing party", Amendment{Kind: "two_bilaterals", On: day("2026-06-01"), Reason: "AGCI vuelve a comprometer pasajes adicionales",
			Add: []AmendParty{{Org: "AGCI", Commitment: "Más pasajes"}}}, "coop.err.amend.already_party"},
		{"before the last step", Amendment{Kind: "trilateral", On: day("2026-02-01"), Reason: gizJoins("").Reason, Add: gizJoins("").Add}, "coop.refused.dates.before_last_step"},
		{"a bad IATI role", Amendment{Kind: "trilateral", On: day("2026-06-01"), Reason: gizJoins("").Reason,
			Add: []AmendParty{{Org: "GIZ", Commitment: "Pasajes", IATIRole: 9}}}, "coop.err.amend.iati_role"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.s.ProposeAmendment(ctx, "AM-1", tc.a)
			if got := keyOf(err); got != tc.key {
				t.Errorf("refusal %q (%v), want %q", got, err, tc.key)
			}
		})
	}

	if err := f.s.RecordExecution(ctx, "AM-1", giz); keyOf(err) != "coop.refused.shared_costs.not_party" {
		t.Fatalf("GIZ's line before the amendment: %v, want refused as not a party", err)
	}
	n, err := f.s.ProposeAmendment(ctx, "AM-1", gizJoins("trilateral"))
	if err != nil || n != 1 {
		t.Fatalf("ProposeAmendment = %d, %v; want 1", n, err)
	}
	if _, err := f.s.ProposeAmendment(ctx, "AM-1", gizJoins("trilateral")); keyOf(err) != "coop.refused.agreement.amendment_pending" {
		t.Errorf("a second pending amendment: %v", err)
	}
	// A counterpart of Paraguay may sign only for its own ministry.
	py := f.userCtx("contraparte", auth.RoleCounterpart, "Ministerio de Desarrollo Social PY")
	if err := f.s.SignAmendment(py, "AM-1", 1, "GIZ", "Alguien", day("2026-06-02"), ""); code(err) != fosis.EFORBIDDEN {
		t.Errorf("a counterpart signing for GIZ: %v, want forbidden", err)
	}
	if err := f.s.SignAmendment(py, "AM-1", 1, "Ministerio de Desarrollo Social PY", "Ministra", day("2026-06-02"), "Asunción"); err != nil {
		t.Fatalf("the counterpart signs for its ministry: %v", err)
	}
	for _, org := range []string{"AGCI", "FOSIS"} {
		if err := f.s.SignAmendment(ctx, "AM-1", 1, org, "Firmante de "+org, day("2026-06-03"), "Santiago"); err != nil {
			t.Fatalf("sign %s: %v", org, err)
		}
	}
	if err := f.s.SignAmendment(ctx, "AM-1", 1, "FOSIS", "Otra vez", day("2026-06-03"), ""); keyOf(err) != "coop.refused.agreement.party_amendment" {
		t.Errorf("signing twice: %v", err)
	}
	v, err := f.s.Get(ctx, "AM-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Amendments) != 1 || v.Amendments[0].Status != "pending" || v.Agreement.Kind != "bilateral" {
		t.Fatalf("with GIZ's signature missing: amendments %+v, agreement %s; want pending and bilateral", v.Amendments, v.Agreement.Kind)
	}
	if err := f.s.RecordExecution(ctx, "AM-1", giz); keyOf(err) != "coop.refused.shared_costs.not_party" {
		t.Fatalf("GIZ's line before the amendment takes effect: %v", err)
	}
	if err := f.s.SignAmendment(ctx, "AM-1", 1, "GIZ", "Directora de GIZ", day("2026-06-04"), "Bonn"); err != nil {
		t.Fatalf("the last signature: %v", err)
	}
	if err := f.s.RecordExecution(ctx, "AM-1", giz); err != nil {
		t.Fatalf("GIZ's line after the amendment: %v", err)
	}
	v, err = f.s.Get(ctx, "AM-1")
	if err != nil {
		t.Fatal(err)
	}
	am := v.Amendments[0]
	if am.Status != "in_effect" || am.InEffectOn != day("2026-06-04") || v.Agreement.Kind != "trilateral" || v.Project.Modality != Triangular {
		t.Errorf("after the last signature: %s since %s, agreement %s, modality %s; want in effect since 2026-06-04, trilateral, triangular",
			am.Status, am.InEffectOn, v.Agreement.Kind, v.Project.Modality)
	}
	var gizSigned bool
	for _, sg := range v.Agreement.Signatures {
		gizSigned = gizSigned || sg.Org == "GIZ" && sg.SignedOn == day("2026-06-04")
	}
	if !gizSigned {
		t.Errorf("GIZ is not a signed party of the agreement: %+v", v.Agreement.Signatures)
	}
	if err := f.s.WithdrawAmendment(ctx, "AM-1", 1, day("2026-06-05"), "ya no"); keyOf(err) != "coop.refused.agreement.no_pending_amendment" {
		t.Errorf("withdrawing an amendment in effect: %v", err)
	}
}

// TestAmendmentBackToBilateral: once a third party is in the agreement, no
// amendment makes it bilateral again.
func TestAmendmentBackToBilateral(t *testing.T) {
	f := newFixture(t)
	ctx := sysCtx()
	f.started("AM-2", false)
	if _, err := f.s.ProposeAmendment(ctx, "AM-2", gizJoins("two_bilaterals")); err != nil {
		t.Fatal(err)
	}
	for _, org := range append(bilateralParties, "GIZ") {
		if err := f.s.SignAmendment(ctx, "AM-2", 1, org, "Firmante", day("2026-06-02"), ""); err != nil {
			t.Fatalf("sign %s: %v", org, err)
		}
	}
	if err := f.s.RecordExecution(ctx, "AM-2", Execution{Org: "GIZ", Year: 2026, Category: "travel", Kind: "cash", Amount: 100, On: day("2026-06-03")}); err != nil {
		t.Fatalf("GIZ under two bilaterals: %v", err)
	}
	if _, err := f.s.ProposeAmendment(ctx, "AM-2", Amendment{Kind: "bilateral", On: day("2026-06-04"), Reason: "Volver a un convenio bilateral simple"}); keyOf(err) != "coop.err.kind.bilateral_triangular" {
		t.Errorf("amending to bilateral with a third party: %v", err)
	}
}

// TestAmendmentRace: 30 concurrent proposals make one amendment; then every
// party signing several times at once puts it in effect exactly once.
func TestAmendmentRace(t *testing.T) {
	f := newFixture(t)
	ctx := sysCtx()
	f.started("AM-R", false)
	const n = 30
	run := func(fn func(i int) error) []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = fn(i)
			}()
		}
		close(start)
		wg.Wait()
		return errs
	}
	won := 0
	for _, err := range run(func(int) error { _, err := f.s.ProposeAmendment(ctx, "AM-R", gizJoins("trilateral")); return err }) {
		switch {
		case err == nil:
			won++
		case code(err) != fosis.ECONFLICT:
			t.Errorf("a losing proposal: %v, want a conflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d proposals won, want 1", won)
	}
	parties := append(bilateralParties, "GIZ")
	signed := map[string]int{}
	var mu sync.Mutex
	errs := run(func(i int) error {
		org := parties[i%len(parties)]
		err := f.s.SignAmendment(context.WithoutCancel(ctx), "AM-R", 1, org, "Firmante", day("2026-06-02"), "")
		if err == nil {
			mu.Lock()
			signed[org]++
			mu.Unlock()
		}
		return err
	})
	for _, err := range errs {
		if err != nil && code(err) != fosis.ECONFLICT {
			t.Errorf("a losing signature: %v, want a conflict", err)
		}
	}
	for _, org := range parties {
		if signed[org] != 1 {
			t.Errorf("%s signed %d times, want 1", org, signed[org])
		}
	}
	var inEffect, sigs, giz int
	if err := f.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM coop_amendments WHERE status = 'in_effect'`).Scan(&inEffect); err != nil {
		t.Fatal(err)
	}
	if err := f.d.QueryRowContext(ctx, `SELECT signed FROM coop_amendments`).Scan(&sigs); err != nil {
		t.Fatal(err)
	}
	if err := f.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM coop_signatories s JOIN coop_orgs o ON o.id = s.org_id WHERE o.name = 'GIZ'`).Scan(&giz); err != nil {
		t.Fatal(err)
	}
	if inEffect != 1 || sigs != 4 || giz != 1 {
		t.Errorf("in effect %d, signatures counted %d, GIZ signatory rows %d; want 1, 4, 1", inEffect, sigs, giz)
	}
}
