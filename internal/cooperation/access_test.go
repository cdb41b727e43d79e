package cooperation

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// TestScope checks who sees what: a counterpart only its organisation's
// projects, a financer only what it funds and read-only, other roles
// nothing, and no principal nothing at all. Out of scope reads exactly like
// missing.
func TestScope(t *testing.T) {
	f := newFixture(t)
	f.share = 10
	ctx := sysCtx()
	f.started("PY-BI", false)
	f.reviewed("PY-TRI", true)
	if _, err := f.s.CreateRequest(ctx, Request{Code: "GT-REQ", Title: "Solicitud de Guatemala", PartnerCountry: "GT",
		RequestingOrg: "Ministerio de Desarrollo Social GT", Channel: ChannelDirect, RequestedOn: day("2026-05-01")}); err != nil {
		t.Fatal(err)
	}
	py := f.userCtx("contraparte.py", auth.RoleCounterpart, "Ministerio de Desarrollo Social PY")
	gt := f.userCtx("contraparte.gt", auth.RoleCounterpart, "Ministerio de Desarrollo Social GT")
	giz := f.userCtx("giz", auth.RoleFinancer, "GIZ")
	auditor := f.userCtx("auditora", auth.RoleAuditor, "")
	unlinked := f.userCtx("sin.org", auth.RoleCounterpart, "")
	analyst := f.userCtx("analista", auth.RoleAnalyst, "")

	codes := func(c context.Context) []string {
		ps, err := f.s.List(c)
		if err != nil {
			return []string{fosis.ErrorCode(err)}
		}
		var out []string
		for _, p := range ps {
			out = append(out, p.Code+"/"+string(p.Modality))
		}
		return out
	}
	lists := map[string][]string{
		"officer": codes(ctx), "py": codes(py), "gt": codes(gt), "giz": codes(giz), "auditor": codes(auditor),
		"unlinked": codes(unlinked), "analyst": codes(analyst), "anonymous": codes(context.Background()),
	}
	want := map[string][]string{
		"officer":   {"GT-REQ/", "PY-BI/bilateral", "PY-TRI/triangular"},
		"py":        {"PY-BI/bilateral", "PY-TRI/triangular"},
		"gt":        {"GT-REQ/"},
		"giz":       {"PY-TRI/triangular"},
		"auditor":   {"GT-REQ/", "PY-BI/bilateral", "PY-TRI/triangular"},
		"unlinked":  {fosis.EFORBIDDEN},
		"analyst":   {fosis.EFORBIDDEN},
		"anonymous": {fosis.EUNAUTHORIZED},
	}
	if diff := cmp.Diff(want, lists); diff != "" {
		t.Errorf("lists (-want +got):\n%s", diff)
	}

	_, missing := f.s.Get(gt, "NO-SUCH")
	_, hidden := f.s.Get(gt, "PY-BI")
	if code(hidden) != fosis.ENOTFOUND || fosis.ErrorMessage(hidden) != `no cooperation project "PY-BI"` || fosis.ErrorMessage(missing) != `no cooperation project "NO-SUCH"` {
		t.Errorf("another country's project: %v (missing: %v)", hidden, missing)
	}
	if _, err := f.s.Get(giz, "PY-BI"); code(err) != fosis.ENOTFOUND {
		t.Errorf("a financer reads a project it does not fund: %v", err)
	}
	if v, err := f.s.Get(giz, "PY-TRI"); err != nil || v.Project.Modality != Triangular {
		t.Errorf("a financer cannot read the project it funds: %v", err)
	}

	writes := []struct {
		name string
		ctx  context.Context
		run  func(context.Context) error
		code string
	}{
		{"financer designs", giz, func(c context.Context) error { _, err := f.s.SaveDesign(c, "PY-TRI", f.design(true)); return err }, fosis.EFORBIDDEN},
		{"auditor records execution", auditor, func(c context.Context) error {
			return f.s.RecordExecution(c, "PY-BI", Execution{Org: "AGCI", Year: 2026, Category: "travel", Kind: "cash", Amount: 1, On: day("2026-06-01")})
		}, fosis.EFORBIDDEN},
		{"counterpart adds an event", py, func(c context.Context) error {
			_, err := f.s.AddEvent(c, "PY-BI", Event{Kind: "workshop", Mode: "remote", Start: day("2026-05-01"), End: day("2026-05-01"),
				Participants: []Participant{{SideChile, "A", ""}, {SidePartner, "B", ""}}})
			return err
		}, fosis.EFORBIDDEN},
		{"counterpart signs for another country's project", gt, func(c context.Context) error {
			return f.s.Sign(c, "PY-TRI", "Ministerio de Desarrollo Social GT", "X", day("2026-02-20"), "")
		}, fosis.ENOTFOUND},
		{"counterpart signs for another organisation", py, func(c context.Context) error {
			return f.s.Sign(c, "PY-TRI", "GIZ", "X", day("2026-02-20"), "")
		}, fosis.EFORBIDDEN},
		{"counterpart reads the staff list", py, func(c context.Context) error { _, err := f.s.StaffList(c); return err }, fosis.EFORBIDDEN},
	}
	for _, tc := range writes {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(tc.ctx); code(err) != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
	t.Run("counterpart signs for its own organisation", func(t *testing.T) {
		if err := f.s.Agree(ctx, "PY-TRI", agreement(true)); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Sign(py, "PY-TRI", "Ministerio de Desarrollo Social PY", "Carmen Benítez", day("2026-02-20"), "Asunción"); err != nil {
			t.Errorf("refused: %v", err)
		}
	})
}

// TestLedger checks the modality derivation and the totals of the
// shared-costs ledger per party, side and year.
func TestLedger(t *testing.T) {
	f := newFixture(t)
	f.share = 10
	ctx := sysCtx()
	f.started("BI", false)
	f.started("TRI", true)
	if err := f.s.RecordExecution(ctx, "TRI", Execution{Org: "GIZ", Year: 2026, Category: "travel", Kind: "cash", Amount: 16000, On: day("2026-10-31")}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordExecution(ctx, "TRI", Execution{Org: "Ministerio de Desarrollo Social PY", Year: 2026, Category: "materials", Kind: "in_kind", Valuation: "purchase price", Amount: 700, On: day("2026-10-31")}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RecordExecution(ctx, "TRI", Execution{Org: "Ministerio de Desarrollo Social PY", Year: 2026, Category: "materials", Kind: "in_kind", Amount: 1, On: day("2026-10-31")}); err != nil {
		t.Fatal(err) // the line exists now and keeps its valuation
	}
	bi, err := f.s.Get(ctx, "BI")
	if err != nil {
		t.Fatal(err)
	}
	tri, err := f.s.Get(ctx, "TRI")
	if err != nil {
		t.Fatal(err)
	}
	if bi.Project.Modality != Bilateral || tri.Project.Modality != Triangular {
		t.Errorf("modality: BI %q, TRI %q", bi.Project.Modality, tri.Project.Modality)
	}
	want := Totals{
		Parties: []Total{
			{Name: "AGCI", Side: SideChile, Budgeted: 12000, BudgetedCash: 12000},
			{Name: "FOSIS", Side: SideChile, Budgeted: 55000, BudgetedInKind: 55000},
			{Name: "Ministerio de Desarrollo Social PY", Side: SidePartner, Budgeted: 25000, Executed: 1, BudgetedInKind: 25000, ExecutedInKind: 1},
			{Name: "GIZ", Side: SideThird, Budgeted: 33000, Executed: 16000, BudgetedCash: 33000, ExecutedCash: 16000},
		},
		Sides: []Total{
			{Name: "chile", Side: SideChile, Budgeted: 67000, BudgetedCash: 12000, BudgetedInKind: 55000},
			{Name: "partner", Side: SidePartner, Budgeted: 25000, Executed: 1, BudgetedInKind: 25000, ExecutedInKind: 1},
			{Name: "third", Side: SideThird, Budgeted: 33000, Executed: 16000, BudgetedCash: 33000, ExecutedCash: 16000},
		},
		Years: map[int]Total{
			2026: {Budgeted: 85000, Executed: 16001, BudgetedCash: 30000, BudgetedInKind: 55000, ExecutedCash: 16000, ExecutedInKind: 1},
			2027: {Budgeted: 40000, BudgetedCash: 15000, BudgetedInKind: 25000},
		},
		All: Total{Budgeted: 125000, Executed: 16001, BudgetedCash: 45000, BudgetedInKind: 80000, ExecutedCash: 16000, ExecutedInKind: 1},
	}
	if diff := cmp.Diff(want, tri.Totals); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	for _, l := range tri.Ledger {
		if l.Category == "materials" && l.Valuation != "purchase price" {
			t.Errorf("valuation lost: %+v", l)
		}
	}
	if got := DeriveModality(nil); got != "" {
		t.Errorf("empty ledger: %q", got)
	}
	if got := DeriveModality([]Contribution{{Side: SideThird}}); got != Bilateral {
		t.Errorf("a third party with nothing in: %q", got)
	}
}

// TestPortfolio sums the ledgers the caller may see.
func TestPortfolio(t *testing.T) {
	f := newFixture(t)
	f.share = 10
	f.started("BI", false)
	f.started("TRI", true)
	all, err := f.s.Portfolio(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	if all.All.Budgeted != 92000+125000 || len(all.Sides) != 3 {
		t.Errorf("portfolio: %+v", all.All)
	}
	giz := f.userCtx("giz", auth.RoleFinancer, "GIZ")
	mine, err := f.s.Portfolio(giz)
	if err != nil || mine.All.Budgeted != 125000 {
		t.Errorf("the financer's portfolio: %+v, %v", mine.All, err)
	}
}
