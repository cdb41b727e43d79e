package funds_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
)

func TestExecution(t *testing.T) {
	ctx, s, _ := setup(t)
	year := time.Now().UTC().Year()
	month := int(time.Now().UTC().Month())
	k13 := funds.Key{Year: year, Line: "yo-emprendo", Region: "13"}
	k5 := funds.Key{Year: year, Line: "yo-emprendo", Region: "5"}
	must(t)(s.Assign(ctx, k13, 1_000_000, ""))
	must(t)(s.Assign(ctx, k5, 2_000_000, ""))
	must(t)(s.Allocate(ctx, k13, "YE-13", 800_000, ""))
	must(t)(s.Allocate(ctx, k5, "YE-5", 800_000, ""))
	for _, c := range []string{"YE-13", "YE-5"} {
		must(t)(s.Move(ctx, c, funds.KindReserve, 600_000, "", ""))
		must(t)(s.Move(ctx, c, funds.KindCommit, 500_000, "", ""))
		must(t)(s.Move(ctx, c, funds.KindReleaseCommitted, 100_000, "", ""))
		must(t)(s.Move(ctx, c, funds.KindOrder, 300_000, "", ""))
		must(t)(s.Move(ctx, c, funds.KindConfirm, 250_000, "", ""))
		must(t)(s.Move(ctx, c, funds.KindJustify, 200_000, "", ""))
	}
	verify(t, ctx, s)
	rep, err := s.Execution(ctx, funds.ExecFilter{Year: year})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Lines) != 2 || rep.Assigned != 3_000_000 || rep.Total != (funds.Exec{Committed: 800_000, Paid: 500_000, Justified: 400_000}) {
		t.Fatalf("report = %+v", rep)
	}
	if got := rep.Months[month-1].Paid; got != 500_000 {
		t.Fatalf("this month's paid = %d", got)
	}
	if len(rep.Regions) != 2 || rep.Regions[0].Region != "13" || rep.Regions[0].Share() != 25 {
		t.Fatalf("regions = %+v", rep.Regions)
	}
	one, err := s.Execution(ctx, funds.ExecFilter{Year: year, Month: month})
	if err != nil || one.Total != rep.Total {
		t.Fatalf("one month = %+v, %v", one, err)
	}
	// A regional officer reads their region's lines; another region's look like none.
	rosa := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"})
	own, err := s.Execution(rosa, funds.ExecFilter{Year: year})
	if err != nil || len(own.Lines) != 1 || own.Lines[0].Region != "13" {
		t.Fatalf("regional = %+v, %v", own, err)
	}
	other, err := s.Execution(rosa, funds.ExecFilter{Year: year, Region: "5"})
	if err != nil || len(other.Lines) != 0 {
		t.Fatalf("another region = %+v, %v", other, err)
	}
	if _, err := s.Execution(ctx, funds.ExecFilter{Year: 1}); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Fatalf("year 1: %v", err)
	}

	// Every table exports to XLSX with its headers and rows.
	ms, err := s.Movements(ctx, "YE-13")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		t    funds.Table
		rows int
		head string
	}{
		{funds.ExecutionTable(rep), 2, "Programme line"},
		{funds.MovementsTable(ms), 7, "Kind"},
		{funds.LoansTable([]funds.Loan{{ID: 1, RUN: "1-9"}}), 1, "Borrower RUN"},
		{funds.SettlementsTable([]funds.Settlement{{ID: 1, Owed: 3, Amount: 2}}), 1, "Left by the caps"},
	} {
		var b bytes.Buffer
		if err := tc.t.WriteXLSX(&b, funds.English); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&b)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(tc.t.Sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != tc.rows+1 || !contains(rows[0], tc.head) {
			t.Errorf("%s: %d rows, header %v", tc.t.Sheet, len(rows), rows[0])
		}
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
