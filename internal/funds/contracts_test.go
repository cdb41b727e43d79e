package funds_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
)

var testDate = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)

func newContract(code, call string) funds.NewContract {
	sched, _ := funds.ParseSchedule("30:start,40:midterm_report,30:final_report")
	terr, _ := funds.ParseTerritories("13101=60000000,13102=40000000")
	return funds.NewContract{Code: code, Agency: "AG1", Call: call, Region: "13", Title: "Acompañamiento Familias",
		Payee:    funds.Payee{Name: "Fundación Ejecutora", TaxID: "76.543.210-3", Bank: "001", AccountKind: "checking", Account: "1234567"},
		StartsOn: "2026-03-01", EndsOn: "2026-12-31", Territories: terr, Schedule: sched}
}

// fundedEnvelope gives call an envelope of amount pesos, unreserved.
func fundedEnvelope(t testing.TB, ctx context.Context, s *funds.Store, call string, amount int64) {
	t.Helper()
	k := funds.Key{Year: 2026, Line: "ct-" + strings.ToLower(call), Region: "13"}
	if _, err := s.Assign(ctx, k, amount, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Allocate(ctx, k, call, amount, ""); err != nil {
		t.Fatal(err)
	}
}

func TestContractLife(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedEnvelope(t, ctx, s, "FAM-13", 150_000_000)
	c, err := s.CreateContract(ctx, newContract("CT-1", "FAM-13"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Amount != 100_000_000 || len(c.Milestones) != 3 || c.Milestones[1].Amount != 40_000_000 || c.State != "draft" {
		t.Fatalf("contract = %+v", c)
	}
	bad := newContract("CT-2", "FAM-13")
	bad.Schedule[0].Percent = 20
	bad.Region = "05"
	bad.EndsOn = "2026-01-01"
	_, err = s.CreateContract(ctx, bad)
	if fe, ok := err.(*fosis.Error); !ok || len(fe.Fields) != 2 {
		t.Errorf("bad contract: %v", err)
	}
	if _, err := s.CreateContract(ctx, newContract("CT-1", "FAM-13")); keyOf(err) != "funds.err.ct_exists" {
		t.Errorf("duplicate: %v", err)
	}
	m1, m2 := c.Milestones[0].ID, c.Milestones[1].ID
	if _, err := s.AcceptCondition(ctx, m2, "informe", 0); keyOf(err) != "funds.err.ct_not_signed" {
		t.Errorf("accept before signing: %v", err)
	}
	if c, err = s.SignContract(ctx, "CT-1"); err != nil || c.Milestones[0].State != funds.MilestoneMet {
		t.Fatalf("sign = %+v, %v", c, err)
	}
	if got := bal(t, ctx, s, "FAM-13", funds.Committed); got != 100_000_000 {
		t.Errorf("committed = %d", got)
	}
	if _, err := s.SignContract(ctx, "CT-1"); keyOf(err) != "funds.err.ct_not_draft" {
		t.Errorf("sign twice: %v", err)
	}
	// The mid-term milestone cannot be released before its report is accepted.
	if _, err := s.RequestRelease(ctx, m2); keyOf(err) != "funds.err.ms_condition" {
		t.Errorf("release before condition: %v", err)
	}
	// Maker-checker on the start milestone.
	if _, err := s.RequestRelease(ctx, m1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApproveRelease(ctx, m1); fosis.ErrorCode(err) != fosis.EFORBIDDEN || keyOf(err) != "funds.err.ms_maker_checker" {
		t.Errorf("maker releases: %v", err)
	}
	m, err := s.ApproveRelease(as("checker"), m1)
	if err != nil || m.State != funds.MilestoneReleased || m.Payment == 0 {
		t.Fatalf("release = %+v, %v", m, err)
	}
	pm, err := s.Payment(ctx, m.Payment)
	if err != nil || pm.Amount != 30_000_000 || pm.Purpose != funds.PurposeMilestone || pm.Payee.TaxID != "76543210-3" {
		t.Errorf("milestone payment = %+v, %v", pm, err)
	}
	if _, err := s.AcceptCondition(ctx, m2, "", 0); keyOf(err) != "funds.err.ms_evidence" {
		t.Errorf("no evidence: %v", err)
	}
	if _, err := s.AcceptCondition(ctx, m2, "Informe de avance aprobado, oficio 123", 0); err != nil {
		t.Fatal(err)
	}
	// Guarantees and their alerts.
	for _, g := range []funds.Guarantee{
		{Kind: "bank_guarantee", Number: "BG-1", Issuer: "BancoEstado", Amount: 5_000_000, ExpiresOn: "2026-03-20"},
		{Kind: "insurance_policy", Number: "P-9", Issuer: "Aseguradora", Amount: 5_000_000, ExpiresOn: "2027-03-31"},
		{Kind: "vale_vista", Number: "VV-2", Issuer: "Banco de Chile", Amount: 1_000_000, ExpiresOn: "2026-03-01"},
	} {
		if _, err := s.AddGuarantee(ctx, "CT-1", g); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddGuarantee(ctx, "CT-1", funds.Guarantee{Kind: "promise"}); err == nil || len(err.(*fosis.Error).Fields) != 5 {
		t.Errorf("bad guarantee: %v", err)
	}
	alerts, err := s.GuaranteeAlerts(ctx, testDate, 30)
	if err != nil || len(alerts) != 2 || alerts[0].Alert != "expired" || alerts[1].Alert != "expiring" {
		t.Errorf("alerts = %+v, %v", alerts, err)
	}
	// Monthly accountability: once per month and category.
	if _, err := s.ReportSpending(ctx, "CT-1", "2026-03", map[string]int64{"personnel": 8_000_000, "materials": 1_200_000}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReportSpending(ctx, "CT-1", "2026-03", map[string]int64{"personnel": 1, "transport": 5}, ""); keyOf(err) != "funds.err.sp_reported" {
		t.Errorf("report twice: %v", err)
	}
	c, err = s.Contract(ctx, "CT-1", testDate)
	if err != nil || len(c.Spending) != 2 || c.Released != 30_000_000 || len(c.Guarantees) != 3 || c.Guarantees[0].Alert != "expired" {
		t.Errorf("contract = %+v, %v", c, err)
	}
	verify(t, ctx, s)
}

// TestContractScope: an agency sees only its contracts, a regional officer
// their region's; out of scope answers as missing.
func TestContractScope(t *testing.T) {
	ctx, s, _ := setup(t)
	s.AgencyOf = func(_ context.Context, id int64) (string, error) {
		return map[int64]string{1: "AG1", 2: "AG2"}[id], nil
	}
	fundedEnvelope(t, ctx, s, "FAM-13", 150_000_000)
	if _, err := s.CreateContract(ctx, newContract("CT-1", "FAM-13")); err != nil {
		t.Fatal(err)
	}
	own := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 1, Username: "ag1", Role: auth.RoleAgency})
	other := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 2, Username: "ag2", Role: auth.RoleAgency})
	none := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: 3, Username: "ag3", Role: auth.RoleAgency})
	reg13 := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "r13", Role: auth.RoleRegional, RegionCode: "13"})
	reg05 := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "r05", Role: auth.RoleRegional, RegionCode: "05"})
	for name, tc := range map[string]struct {
		ctx  context.Context
		sees bool
		code string
	}{
		"own agency": {own, true, ""}, "other agency": {other, false, fosis.ENOTFOUND}, "no agency": {none, false, fosis.EFORBIDDEN},
		"own region": {reg13, true, ""}, "other region": {reg05, false, fosis.ENOTFOUND}, "finance": {ctx, true, ""},
	} {
		t.Run(name, func(t *testing.T) {
			list, err := s.Contracts(tc.ctx)
			if tc.code == fosis.EFORBIDDEN {
				if fosis.ErrorCode(err) != fosis.EFORBIDDEN {
					t.Errorf("list: %v", err)
				}
				return
			}
			if err != nil || (len(list) == 1) != tc.sees {
				t.Errorf("list = %d, %v", len(list), err)
			}
			_, err = s.Contract(tc.ctx, "CT-1", testDate)
			_, missing := s.Contract(tc.ctx, "CT-X", testDate)
			if tc.sees && err != nil {
				t.Errorf("read: %v", err)
			}
			if !tc.sees && (fosis.ErrorCode(err) != fosis.ENOTFOUND || fosis.ErrorMessage(err) != fmt.Sprint(fosis.ErrorMessage(missing)[:0])+"there is no contract CT-1") {
				t.Errorf("out of scope: %v (missing: %v)", err, missing)
			}
		})
	}
	if _, err := s.SignContract(own, "CT-1"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("agency signs: %v", err)
	}
}

// TestMilestoneReleaseRace fires 30 approvals of one requested release:
// one wins and makes one payment (both engines).
func TestMilestoneReleaseRace(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedEnvelope(t, ctx, s, "FAM-13", 150_000_000)
	c, err := s.CreateContract(ctx, newContract("CT-1", "FAM-13"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignContract(ctx, "CT-1"); err != nil {
		t.Fatal(err)
	}
	m1 := c.Milestones[0].ID
	if _, err := s.RequestRelease(ctx, m1); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ApproveRelease(as(fmt.Sprintf("checker%d", i)), m1)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case keyOf(err) == "funds.err.ms_state":
				refused++
			default:
				t.Errorf("release: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || refused != 29 {
		t.Errorf("%d releases, %d refused; want 1 and 29", ok, refused)
	}
	ps, err := s.Payments(ctx, funds.PaymentFilter{})
	if err != nil || len(ps) != 1 {
		t.Errorf("payments = %d, %v", len(ps), err)
	}
	verify(t, ctx, s)
}

// TestContractSignRace: 20 contracts of 100 million signed at once against
// an envelope of 450 million: exactly four are signed, the envelope never
// goes below zero (both engines).
func TestContractSignRace(t *testing.T) {
	ctx, s, _ := setup(t)
	fundedEnvelope(t, ctx, s, "FAM-13", 450_000_000)
	for i := range 20 {
		if _, err := s.CreateContract(ctx, newContract(fmt.Sprintf("CT-%d", i), "FAM-13")); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.SignContract(ctx, fmt.Sprintf("CT-%d", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case keyOf(err) == "funds.err.insufficient":
				refused++
			default:
				t.Errorf("sign: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 4 || refused != 16 {
		t.Errorf("%d signed, %d refused; want 4 and 16", ok, refused)
	}
	if got := bal(t, ctx, s, "FAM-13", funds.Envelope); got != 50_000_000 {
		t.Errorf("envelope = %d", got)
	}
	verify(t, ctx, s)
}
