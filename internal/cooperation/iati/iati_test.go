package iati

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// NeedXmllint fails the test when xmllint is missing: CI installs it
// (.ci/run), so a missing one is a broken machine, not a reason to skip.
// Developers without it may set FOSIS_SKIP_XMLLINT=1.
func needXmllint(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("FOSIS_SKIP_XMLLINT") != "" {
			t.Skip("FOSIS_SKIP_XMLLINT is set and xmllint is missing")
		}
		t.Fatal(ErrNoXmllint)
	}
}

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// sample returns a valid triangular activity.
func sample() Activities {
	return Activities{Version: Version, Generated: "2026-12-01T12:00:00Z", Activities: []Activity{{
		LastUpdated: "2026-12-01T12:00:00Z", Lang: "es", DefaultCurrency: "USD", Humanitarian: "0",
		Identifier:   "CL-RUT-60109000-3-CSS-PY-01",
		ReportingOrg: Org{Ref: "CL-RUT-60109000-3", Type: "10", Narratives: []Narrative{{Text: "FOSIS"}}},
		Title:        NewText("Acompañamiento psicosocial"),
		Descriptions: []Description{{Type: "1", Narratives: []Narrative{{Text: "Descripción"}}}, {Type: "2", Narratives: []Narrative{{Text: "Objetivos"}}}},
		ParticipatingOrgs: []ParticipatingOrg{
			{Ref: "XM-DAC-5-7", Type: "10", Role: "1", Narratives: []Narrative{{Text: "GIZ"}}},
			{Ref: "CL-RUT-60109000-3", Type: "10", Role: "4", Narratives: []Narrative{{Text: "FOSIS"}}},
		},
		OtherIdentifiers:   []OtherIdentifier{{Ref: "CSS-PY-01", Type: "A1"}},
		Status:             Code{"2"},
		Dates:              []ActivityDate{{"1", "2026-03-01"}, {"2", "2026-03-01"}, {"3", "2027-12-31"}},
		Scope:              &Code{"4"},
		RecipientCountries: []Recipient{{Code: "PY", Percentage: "100"}},
		Sectors: []Sector{{Vocabulary: "1", Code: "16010", Percentage: "100"},
			{Vocabulary: "99", Code: "SEGIB-OSPS", Percentage: "100", Narratives: []Narrative{{Text: "Otros servicios y políticas sociales"}}}},
		Tags:               []Tag{{Vocabulary: "99", Code: "SSC-TRIANGULAR", Narratives: []Narrative{{Text: "Cooperación triangular"}}}},
		CollaborationType:  &Code{"8"},
		DefaultFlowType:    &Code{"10"},
		DefaultFinanceType: &Code{"110"},
		DefaultAidTypes:    []AidType{{Code: "D02", Vocabulary: "1"}},
		DefaultTiedStatus:  &Code{"5"},
		Budgets: []Budget{
			{Type: "1", Status: "2", PeriodStart: Date{"2026-03-01"}, PeriodEnd: Date{"2026-12-31"}, Value: Value{ValueDate: "2026-03-01", Amount: 30000}},
			{Type: "1", Status: "2", PeriodStart: Date{"2027-01-01"}, PeriodEnd: Date{"2027-12-31"}, Value: Value{ValueDate: "2027-01-01", Amount: 15000}},
		},
		Transactions: []Transaction{{Type: Code{"4"}, Date: Date{"2026-10-31"}, Value: Value{ValueDate: "2026-10-31", Amount: 16000},
			Description: &Text{Narratives: []Narrative{{Text: "travel 2026"}}}, ProviderOrg: &Org{Ref: "XM-DAC-5-7", Narratives: []Narrative{{Text: "GIZ"}}}}},
		Results: []Result{{Type: "1", Title: NewText("Programa diseñado"), Indicators: []Indicator{{Measure: "1", Ascending: "1", Title: NewText("Manual aprobado"),
			Baselines: []Base{{Year: "2026", Value: "0"}}, Periods: []Period{{Start: Date{"2026-03-01"}, End: Date{"2027-12-31"}, Targets: []Amount{{"1"}}}}}}}},
	}}}
}

func TestExampleValidates(t *testing.T) {
	needXmllint(t)
	b, err := os.ReadFile("testdata/iati-ssc-example-2.03.xml")
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateXSD(context.Background(), b); err != nil {
		t.Errorf("the IATI South-South example: %v", err)
	}
	// Order matters in 2.03: collaboration-type before sector is refused.
	broken := strings.Replace(string(b), `<collaboration-type code="8"/>`, "", 1)
	broken = strings.Replace(broken, `<recipient-country code="PY" percentage="100"/>`, `<recipient-country code="PY" percentage="100"/><collaboration-type code="8"/>`, 1)
	var se *SchemaError
	if err := ValidateXSD(context.Background(), []byte(broken)); !errors.As(err, &se) || !strings.Contains(err.Error(), "This element is not expected") {
		t.Errorf("elements out of order: got %v", err)
	}
}

// TestMarshalValidates checks that the typed structs write schema order,
// xml:lang included, and that the XSD accepts the result.
func TestMarshalValidates(t *testing.T) {
	needXmllint(t)
	doc := sample()
	b, err := Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), ` xml:lang="es"`) {
		t.Errorf("xml:lang not written:\n%s", b)
	}
	if err := ValidateXSD(context.Background(), b); err != nil {
		t.Errorf("%v\n%s", err, b)
	}
	if f := Check(&doc, now); len(f) != 0 {
		t.Errorf("findings on a valid activity: %v", f)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		change func(a *Activity)
		want   []string // rule: path
	}{
		{"identifier not from the reporting org", func(a *Activity) { a.Identifier = "CL-RUT-1-CSS-PY-01" }, []string{"1.1.21: iati-identifier"}},
		{"identifier equals the org id", func(a *Activity) { a.Identifier = a.ReportingOrg.Ref }, []string{"1.1.3: iati-identifier"}},
		{"identifier with a slash", func(a *Activity) { a.Identifier += "/2" }, []string{"1.3.13: iati-identifier"}},
		{"sector percentages short of 100", func(a *Activity) {
			a.Sectors = []Sector{{Vocabulary: "1", Code: "16010", Percentage: "60"}, {Vocabulary: "1", Code: "16020", Percentage: "30"}}
		}, []string{"2.1.2: sector[@vocabulary=1]"}},
		{"one of two sectors without percentage", func(a *Activity) {
			a.Sectors = []Sector{{Vocabulary: "1", Code: "16010", Percentage: "100"}, {Vocabulary: "1", Code: "16020"}}
		}, []string{"2.1.1: sector[@vocabulary=1]"}},
		{"own sector vocabulary without narrative", func(a *Activity) { a.Sectors[1].Narratives = nil }, []string{"2.2.1: sector[@vocabulary=99]"}},
		{"countries sum to 150", func(a *Activity) {
			a.RecipientCountries = []Recipient{{Code: "PY", Percentage: "100"}, {Code: "BO", Percentage: "50"}}
		}, []string{"3.1.2: recipient-country"}},
		{"percentage above 100", func(a *Activity) { a.RecipientCountries[0].Percentage = "101" }, []string{"12.1.1: recipient-country"}},
		{"budget longer than a year", func(a *Activity) { a.Budgets[0].PeriodEnd.ISODate = "2027-06-30" }, []string{"7.5.3: budget[1]"}},
		{"budget ending before it starts", func(a *Activity) { a.Budgets[1].PeriodEnd.ISODate = "2026-12-31" }, []string{"8.6.3: budget[2]"}},
		{"planned start after planned end", func(a *Activity) { a.Dates[2].ISODate = "2026-01-01" }, []string{"11.1.2: activity-date", "transaction-date: transaction[1]"}},
		{"transaction after the end", func(a *Activity) { a.Dates = append(a.Dates, ActivityDate{"4", "2026-03-02"}) }, []string{"transaction-date: transaction[1]"}},
		{"a transaction's provider that does not take part", func(a *Activity) {
			a.Transactions[0].ProviderOrg = &Org{Ref: "XM-DAC-41114", Narratives: []Narrative{{Text: "UNDP"}}}
		}, []string{"participating-org: transaction[1]"}},
		// issue 17: --sector 99999 --currency XYZ exported and "validated".
		{"codes outside their codelists", func(a *Activity) {
			a.DefaultCurrency, a.Status.Code, a.CollaborationType = "XYZ", "9", &Code{Code: "5"}
			a.ParticipatingOrgs[0].Role = "7"
			a.Transactions[0].Type.Code = "99"
			a.Sectors[0].Code = "99999"
		}, []string{"codelist: @default-currency", "codelist: activity-status/@code", "codelist: sector[1]/@code", "codelist: collaboration-type/@code",
			"codelist: participating-org[1]/@role", "codelist: transaction[1]/transaction-type/@code"}},
		{"actual start in the future", func(a *Activity) { a.Dates[1].ISODate = "2026-12-02" }, []string{"11.1.4: activity-date[@type=2]"}},
		{"actual end in the future", func(a *Activity) { a.Dates = append(a.Dates, ActivityDate{"4", "2027-01-01"}) }, []string{"11.1.5: activity-date[@type=4]"}},
		{"no start date", func(a *Activity) { a.Dates = []ActivityDate{{"3", "2027-12-31"}} }, []string{"6.11.1: activity-date"}},
		{"future transaction", func(a *Activity) {
			a.Transactions[0].Date.ISODate = "2026-12-15"
			a.Transactions[0].Value.ValueDate = "2026-12-15"
		},
			[]string{"11.2.1: transaction[1]", "11.2.2: transaction[1]"}},
		{"no language or currency", func(a *Activity) { a.Lang, a.DefaultCurrency = "", "" }, []string{"4.1.1: @xml:lang", "7.8.1: @default-currency"}},
		{"empty title", func(a *Activity) { a.Title = NewText(" ") }, []string{"4.3.1: title"}},
		{"indicator period backwards", func(a *Activity) { a.Results[0].Indicators[0].Periods[0].End.ISODate = "2026-01-01" },
			[]string{"8.6.1: result[1]/indicator[1]/period[1]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := sample()
			tc.change(&doc.Activities[0])
			var got []string
			for _, f := range Check(&doc, now) {
				got = append(got, f.Rule+": "+f.Path)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
