package funds

// XLSX export of the funds tables (docs/funds.md, "Exports"): the
// execution report, an envelope's movements, an institution's loans and
// settlements. Each is a Table: column headers (catalog key and English)
// and rows of values; pages say the headers in the reader's language, the
// command line in English.

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// Column is a table's column: its catalog key and its English header.
type Column struct {
	Key     string
	English string
}

// Table is a sheet to export.
type Table struct {
	Sheet   string
	Columns []Column
	Rows    [][]any
}

// Say translates a header (key, English) into the reader's language.
type Say func(key, english string) string

// English is the command line's Say.
func English(_, english string) string { return english }

// WriteXLSX writes t as a one-sheet workbook, streamed (a year of loans is
// hundreds of thousands of rows), headers said by say.
func (t Table) WriteXLSX(w io.Writer, say Say) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", t.Sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(t.Sheet)
	if err != nil {
		return err
	}
	head := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = say(c.Key, c.English)
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, r := range t.Rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, r); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

var monthNames = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// ExecutionTable is the execution report's table: one row per line and
// region with its assignment, the year's figures and each month's paid.
func ExecutionTable(rep *ExecutionReport) Table {
	t := Table{Sheet: "execution", Columns: []Column{
		{"funds.x.year", "Year"}, {"funds.x.line", "Programme line"}, {"funds.x.region", "Region"}, {"funds.x.assigned", "Assigned"},
		{"funds.x.committed", "Committed"}, {"funds.x.paid", "Paid"}, {"funds.x.justified", "Justified"}, {"funds.x.recovered", "Recovered"},
		{"funds.x.share", "Paid / assigned (%)"},
	}}
	for m := range 12 {
		t.Columns = append(t.Columns, Column{fmt.Sprintf("funds.x.paid_m%d", m+1), "Paid " + monthNames[m]})
	}
	for _, l := range rep.Lines {
		r := []any{rep.Year, l.Line, l.Region, l.Assigned, l.Total.Committed, l.Total.Paid, l.Total.Justified, l.Total.Recovered,
			float64(int(l.Share()*10)) / 10}
		for m := range 12 {
			r = append(r, l.Months[m].Paid)
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

// MovementsTable is an envelope's movements.
func MovementsTable(ms []Movement) Table {
	t := Table{Sheet: "movements", Columns: []Column{
		{"funds.x.id", "Movement"}, {"funds.x.at", "At"}, {"funds.x.kind", "Kind"}, {"funds.x.amount", "Amount"},
		{"funds.x.from", "From"}, {"funds.x.to", "To"}, {"funds.x.ref", "Reference"}, {"funds.x.actor", "By"}, {"funds.x.note", "Note"},
	}}
	for _, m := range ms {
		t.Rows = append(t.Rows, []any{m.ID, m.At.UTC().Format(time.DateTime), string(m.Kind), m.Amount, string(m.From), string(m.To), m.Ref, m.Actor, m.Note})
	}
	return t
}

// LoansTable is an institution's loans.
func LoansTable(ls []Loan) Table {
	t := Table{Sheet: "loans", Columns: []Column{
		{"funds.x.id", "Loan"}, {"funds.x.institution", "Institution"}, {"funds.x.run", "Borrower RUN"}, {"funds.x.amount", "Amount"},
		{"funds.x.placed_on", "Placed on"}, {"funds.x.term", "Term (months)"}, {"funds.x.business_since", "Business since"},
		{"funds.x.bracket", "Bracket"}, {"funds.x.subsidy", "Subsidy"}, {"funds.x.settlement", "Settlement"},
	}}
	for _, l := range ls {
		t.Rows = append(t.Rows, []any{l.ID, l.Institution, l.RUN, l.Amount, l.PlacedOn, l.TermMonths, l.BusinessSince, l.Bracket, l.Subsidy, l.Settlement})
	}
	return t
}

// SettlementsTable is an institution's settlements.
func SettlementsTable(ss []Settlement) Table {
	t := Table{Sheet: "settlements", Columns: []Column{
		{"funds.x.id", "Settlement"}, {"funds.x.institution", "Institution"}, {"funds.x.month", "Month"}, {"funds.x.loans", "Loans"},
		{"funds.x.owed", "Owed"}, {"funds.x.settled", "Committed"}, {"funds.x.capped", "Left by the caps"}, {"funds.x.call", "Envelope"},
		{"funds.x.movement", "Movement"}, {"funds.x.at", "At"}, {"funds.x.actor", "By"},
	}}
	for _, s := range ss {
		t.Rows = append(t.Rows, []any{s.ID, s.Institution, s.Month, s.Loans, s.Owed, s.Amount, s.Capped(), s.Call, s.Movement,
			s.At.UTC().Format(time.DateTime), s.Actor})
	}
	return t
}
