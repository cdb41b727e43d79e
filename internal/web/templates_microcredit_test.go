package web

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/geo"
)

func init() {
	rep := &funds.ExecutionReport{Year: 2026, Assigned: 3_000_000, Total: funds.Exec{Committed: 800_000, Paid: 500_000},
		Lines: []funds.ExecLine{{Line: "yo-emprendo", Region: "13", Assigned: 1_000_000, Total: funds.Exec{Committed: 400_000, Paid: 250_000}},
			{Line: "yo-emprendo", Region: "05", Assigned: 2_000_000, Total: funds.Exec{Committed: 400_000, Paid: 250_000}}},
		Regions: []funds.ExecRegion{{Region: "05", Assigned: 2_000_000, Total: funds.Exec{Paid: 250_000}}, {Region: "13", Assigned: 1_000_000, Total: funds.Exec{Paid: 250_000}}}}
	rep.Months[2] = funds.Exec{Committed: 800_000, Paid: 500_000}
	bounds := chileBounds()
	var areas []mapArea
	var shapes []*geo.Shape
	for _, rg := range rep.Regions {
		sh, _ := bounds.Region(rg.Region)
		areas = append(areas, mapArea{Code: rg.Region, Name: rg.Region, Href: "/funds/execution?region=" + rg.Region, Share: rg.Share(), Count: rg.Total.Paid, Households: rg.Assigned})
		shapes = append(shapes, sh)
	}
	ex := executionData{Year: "2026", Report: rep, Chart: newExecChart(rep), Map: drawMap(areas, shapes, nil, regionColumn), XLSX: "/funds/execution?format=xlsx&year=2026",
		Names: map[string]string{"13": "Metropolitana de Santiago"}}
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	env := envelopeData{Call: "MC-2026", Balances: []fundsBalance{{funds.Envelope, 900_000}, {funds.Committed, 55_000}},
		Movements: []funds.Movement{{ID: 7, Kind: funds.KindCommit, Amount: 55_000, From: funds.Reserved, To: funds.Committed, Ref: "microcredit fundacion 2026-03", At: at, Actor: "fiona"}}}
	inst := funds.Institution{Code: "fundacion", Name: "Fundación Uno", Kind: funds.Foundation, TaxID: "76000000-0", Loans: 3, Subsidy: 75_000, Settled: 55_000}
	ag := funds.Agreement{ID: 1, Institution: "fundacion", Call: "MC-2026", StartsOn: "2026-01-01", EndsOn: "2026-12-31", Cap: 5_000_000, MaxBracket: 60, MinBusinessMonths: 6,
		Bands: []funds.Band{{Min: 1, Max: 500_000, Subsidy: 20_000}}}
	detail := institutionData{Institution: inst, Agreements: []funds.Agreement{ag}, Settles: true, Reports: true, Next: 9,
		Settlements: []funds.Settlement{{ID: 1, Month: "2026-03", Loans: 2, Owed: 55_000, Amount: 50_000, At: at}},
		Loans:       []funds.Loan{{ID: 9, RUN: "10000001-9", Amount: 300_000, PlacedOn: "2026-03-05", Month: "2026-03", TermMonths: 12, Bracket: 40, Subsidy: 20_000, Settlement: 1}}}
	bad := detail
	bad.Report = &funds.LoanReport{Rows: 2, Problems: []funds.LoanProblem{{Row: 2, Field: "run", Message: `"x" is not a valid RUN`, Key: "funds.mc.err.run", Args: []any{"x"}}}}
	bad.Error = fosis.KeyedErrorf(fosis.EINVALID, "funds.mc.err.bad_rows", funds.MicrocreditMessages["funds.mc.err.bad_rows"], 1, 2)
	conflict := institutionData{Institution: inst, Error: errors.New("x")}
	conflict.Error = fosis.KeyedErrorf(fosis.ECONFLICT, "funds.mc.err.nothing", funds.MicrocreditMessages["funds.mc.err.nothing"], "fundacion", "2026-04")
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"funds_execution", ex, `id="ex-chart"`},
		templateCase{"funds_execution", ex, `id="area-13"`},
		templateCase{"funds_execution", ex, `Metropolitana de Santiago`},
		templateCase{"funds_execution", ex, `href="/funds/execution?format=xlsx&amp;year=2026"`},
		templateCase{"funds_execution", executionData{Year: "2026", Report: &funds.ExecutionReport{Year: 2026}}, `id="ex-empty"`},
		templateCase{"funds_envelope", env, `microcredit fundacion 2026-03`},
		templateCase{"funds_envelope", envelopeData{Call: "X"}, `id="env-empty"`},
		templateCase{"funds_institutions", institutionsData{Institutions: []funds.Institution{inst}}, `href="/funds/institutions/fundacion"`},
		templateCase{"funds_institutions", institutionsData{}, `id="mc-empty"`},
		templateCase{"funds_institution", detail, `id="mc-settle"`},
		templateCase{"funds_institution", detail, `id="mc-next"`},
		templateCase{"funds_institution", bad, `id="mc-problems"`},
		templateCase{"funds_institution", conflict, `id="mc-error"`},
		templateCase{"funds_institution", institutionData{Institution: inst, Done: "settled"}, `id="mc-done"`},
	)
}

// TestMicrocreditRefusalKeys: every refusal of the microcredit subsidy has
// a key in both languages with arguments that fit its English format, and
// every key the slice's source names is in its table.
func TestMicrocreditRefusalKeys(t *testing.T) {
	c, err := loadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for key, english := range funds.MicrocreditMessages {
		checkMessage(t, c, key, english)
	}
	keyRe := regexp.MustCompile(`"(funds\.mc\.err\.[a-z0-9_]+)"`)
	for name, b := range goSources(t, "../funds") {
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			if _, ok := funds.MicrocreditMessages[m[1]]; !ok {
				t.Errorf("%s uses %q, which is not in funds.MicrocreditMessages", name, m[1])
			}
		}
	}
	checkMessage(t, c, "funds.form.no_file", "choose a CSV file of loans (at most 64 MiB)")
}
