package cooperation

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation/iati"
	"github.com/fosis/fosis/internal/platform/db"
)

// IATIExport is a generated IATI activity file.
type IATIExport struct {
	XML        []byte   `json:"-"`
	Activities []string `json:"activities"` // the identifiers published
	// Skipped lists public projects not published yet and why (a request
	// has no approved design, hence no dates, results or budget to publish).
	Skipped []string `json:"skipped"`
	// Invalid lists the activities left out because they break an IATI
	// rule, with their findings (in strict mode the file is refused
	// instead).
	Invalid []InvalidActivity `json:"invalid,omitempty"`
}

// InvalidActivity is an activity left out of the file, with why.
type InvalidActivity struct {
	Identifier string         `json:"identifier"`
	Findings   []iati.Finding `json:"findings"`
}

// ExportOptions tunes ExportIATI.
type ExportOptions struct {
	// XSD validates the file against the IATI 2.03 schema with xmllint and
	// refuses it if invalid (or if xmllint is missing).
	XSD bool
	// Strict refuses the whole file when one activity breaks a rule;
	// otherwise the valid activities are published and the invalid ones
	// listed in IATIExport.Invalid.
	Strict bool
}

// ExportIATI writes every public project the caller may see, from the
// directors' approval on, as an IATI 2.03 activity file generated from typed
// data. A file that breaks an IATI rule (or, with opts.XSD, the schema) is
// refused with the list of findings; nothing is returned then.
func (s *Store) ExportIATI(ctx context.Context, opts ExportOptions) (*IATIExport, error) {
	r, err := s.access(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	fosisOrg, err := s.reportingOrg(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := s.projects(ctx, r, `p.public = 1`)
	if err != nil {
		return nil, err
	}
	doc := &iati.Activities{Version: iati.Version, Generated: now.Format(time.RFC3339)}
	out := &IATIExport{}
	for _, p := range ps {
		if p.ApprovedVersion == 0 {
			out.Skipped = append(out.Skipped, fmt.Sprintf("%s: %s, no approved design yet", p.Code, p.Step))
			continue
		}
		v, err := s.view(ctx, p)
		if err != nil {
			return nil, err
		}
		a := activity(v, fosisOrg, now)
		doc.Activities = append(doc.Activities, a)
		out.Activities = append(out.Activities, a.Identifier)
	}
	if findings := iati.Check(doc, now); len(findings) > 0 {
		if opts.Strict {
			return nil, refused(findings)
		}
		bad := map[string][]iati.Finding{}
		for _, f := range findings {
			bad[f.Activity] = append(bad[f.Activity], f)
		}
		kept := doc.Activities[:0]
		out.Activities = out.Activities[:0]
		for _, a := range doc.Activities {
			if fs := bad[a.Identifier]; len(fs) > 0 {
				out.Invalid = append(out.Invalid, InvalidActivity{Identifier: a.Identifier, Findings: fs})
				continue
			}
			kept = append(kept, a)
			out.Activities = append(out.Activities, a.Identifier)
		}
		doc.Activities = kept
	}
	b, err := iati.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if opts.XSD {
		if err := iati.ValidateXSD(ctx, b); err != nil {
			var se *iati.SchemaError
			if errors.As(err, &se) {
				return nil, fosis.KeyedErrorf(fosis.ECONFLICT, "coop.err.iati_schema", "the IATI export is refused: %s", se.Error())
			}
			if errors.Is(err, iati.ErrNoXmllint) {
				return nil, fosis.KeyedErrorf(fosis.EUNAVAILABLE, "coop.err.install_validate_export", "%v; install it to validate the export", err)
			}
			return nil, err
		}
	}
	out.XML = b
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		return auditWrite(ctx, tx, r, "coop.export.iati", "coop_export", "", nil, map[string]any{"activities": out.Activities, "skipped": out.Skipped})
	})
	return out, err
}

// refused is the error of an export that breaks IATI rules: every finding,
// each as a field error naming the activity and element.
func refused(findings []iati.Finding) error {
	e := &fosis.Error{Code: fosis.ECONFLICT}
	msgs := make([]string, len(findings))
	for i, f := range findings {
		msgs[i] = f.String()
		e.Fields = append(e.Fields, fosis.FieldError{Field: f.Activity + " " + f.Path, Message: f.Message + " (rule " + f.Rule + ")"})
	}
	e.Message = fmt.Sprintf("the IATI export is refused: %d finding(s): %s", len(findings), strings.Join(msgs, "; "))
	e.Key, e.Args = "coop.err.iati_refused", []any{len(findings)}
	return e
}

func (s *Store) reportingOrg(ctx context.Context) (*Org, error) {
	o, err := scanOrg(s.db.QueryRowContext(ctx, `SELECT `+orgCols+` FROM coop_orgs WHERE reporting = 1`))
	if db.IsNoRows(err) {
		return nil, fosis.KeyedErrorf(fosis.ECONFLICT, "coop.err.no_reporting_organisation", "no reporting organisation: record FOSIS as an organisation with its IATI identifier and --reporting")
	}
	return o, err
}

// activityStatus maps a step to IATI ActivityStatus: planning → 1
// pipeline, execution → 2 implementation, systematization → 3
// finalisation, closed → 4.
func activityStatus(st Step, closure string) string {
	switch closure {
	case "cancelled":
		return "5"
	case "suspended":
		return "6"
	}
	switch st {
	case StepExecuting:
		return "2"
	case StepSystematizing:
		return "3"
	case StepClosed:
		return "4"
	}
	return "1"
}

func narr(s string) []iati.Narrative { return []iati.Narrative{{Text: s}} }

// activity maps a project to an IATI activity (docs/cooperation.md has the
// table).
func activity(v *View, rep *Org, now time.Time) iati.Activity {
	p, d := v.Project, v.Design
	a := iati.Activity{
		LastUpdated: now.Format(time.RFC3339), Lang: "es", DefaultCurrency: p.Currency, Humanitarian: "0",
		Identifier:   rep.IATIRef + "-" + p.Code,
		ReportingOrg: iati.Org{Ref: rep.IATIRef, Type: strconv.Itoa(rep.Type), Narratives: narr(rep.Name)},
		Title:        iati.NewText(p.Title),
		Status:       iati.Code{Code: activityStatus(p.Step, p.Closure)},
	}
	general := d.Summary
	if general == "" {
		general = p.Problem
	}
	if general == "" {
		general = p.Title
	}
	a.Descriptions = append(a.Descriptions, iati.Description{Type: "1", Narratives: narr(general)})
	a.Descriptions = append(a.Descriptions, iati.Description{Type: "2", Narratives: narr(strings.Join(d.Objectives, " "))})
	for _, pt := range v.Parties {
		a.ParticipatingOrgs = append(a.ParticipatingOrgs, iati.ParticipatingOrg{Ref: pt.IATIRef, Type: strconv.Itoa(pt.OrgType), Role: strconv.Itoa(pt.IATIRole), Narratives: narr(pt.Org)})
	}
	a.OtherIdentifiers = []iati.OtherIdentifier{{Ref: p.Code, Type: "A1"}}
	a.Dates = []iati.ActivityDate{{Type: "1", ISODate: d.Start.String()}}
	if !p.ActualStart.IsZero() {
		a.Dates = append(a.Dates, iati.ActivityDate{Type: "2", ISODate: p.ActualStart.String()})
	}
	a.Dates = append(a.Dates, iati.ActivityDate{Type: "3", ISODate: d.End.String()})
	if !p.ActualEnd.IsZero() {
		a.Dates = append(a.Dates, iati.ActivityDate{Type: "4", ISODate: p.ActualEnd.String()})
	}
	a.Scope = &iati.Code{Code: "4"}
	a.RecipientCountries = []iati.Recipient{{Code: p.PartnerCountry, Percentage: "100"}}
	if n := len(v.Countries); n > 1 {
		// A regional initiative: multi-national scope, the receiving
		// countries in equal shares summing to 100 (the first takes the
		// rounding).
		a.Scope = &iati.Code{Code: "3"}
		a.RecipientCountries = nil
		share := math.Floor(10000/float64(n)) / 100
		for i, c := range v.Countries {
			pc := share
			if i == 0 {
				pc = math.Round((100-share*float64(n-1))*100) / 100
			}
			a.RecipientCountries = append(a.RecipientCountries, iati.Recipient{Code: c, Percentage: strconv.FormatFloat(pc, 'f', -1, 64)})
		}
	}
	a.Sectors = []iati.Sector{{Vocabulary: "1", Code: p.SectorDAC, Percentage: "100"}}
	if p.SEGIBSector != "" {
		a.Sectors = append(a.Sectors, iati.Sector{Vocabulary: "99", Code: segibCode(p.SEGIBSector), Percentage: "100", Narratives: narr(p.SEGIBSector)})
	}
	collab, tag, tagText := "1", "SSC-BILATERAL", "Cooperación Sur-Sur bilateral"
	if p.Modality == Triangular {
		collab, tag, tagText = "8", "SSC-TRIANGULAR", "Cooperación triangular"
	}
	a.Tags = []iati.Tag{{Vocabulary: "99", Code: tag, Narratives: narr(tagText)}}
	a.CollaborationType = &iati.Code{Code: collab}
	a.DefaultFlowType = &iati.Code{Code: "10"}
	a.DefaultFinanceType = &iati.Code{Code: "110"}
	a.DefaultAidTypes = []iati.AidType{{Code: "D02", Vocabulary: "1"}}
	a.DefaultTiedStatus = &iati.Code{Code: "5"}
	// Budgets: the cash lines of each calendar year, within the project's
	// planned dates, so no period exceeds a year (rule 7.5.3). In-kind
	// contributions stay in the ledger: IATI has no transaction type for
	// them (the IATI TransactionType codelist has no such type).
	status := "1"
	if p.Step != StepReviewed {
		status = "2"
	}
	cash := map[int]int64{}
	for _, l := range v.Ledger {
		if l.Kind == "cash" {
			cash[l.Year] += l.Budgeted
		}
	}
	years := make([]int, 0, len(cash))
	for y := range cash {
		years = append(years, y)
	}
	sort.Ints(years)
	for _, y := range years {
		if cash[y] == 0 {
			continue
		}
		start := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		end := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
		if d.Start.After(start) {
			start = d.Start.Time
		}
		if d.End.Before(end) {
			end = d.End.Time
		}
		a.Budgets = append(a.Budgets, iati.Budget{Type: "1", Status: status, PeriodStart: iati.Date{ISODate: start.Format(time.DateOnly)},
			PeriodEnd: iati.Date{ISODate: end.Format(time.DateOnly)}, Value: iati.Value{ValueDate: start.Format(time.DateOnly), Amount: cash[y]}})
	}
	// Transactions: executed cash put in by another party is incoming
	// funds (type 1) from it to FOSIS, naming the provider's own activity
	// when it publishes one; the spending is FOSIS's expenditure (type 4),
	// so that the same money is counted once across publishers.
	fosisRef := rep.IATIRef
	for _, l := range v.Ledger {
		if l.Kind != "cash" || l.Executed == 0 {
			continue
		}
		on := l.ExecutedOn.String()
		what := &iati.Text{Narratives: narr(fmt.Sprintf("%s %d", l.Category, l.Year))}
		if l.IATIRef != fosisRef {
			a.Transactions = append(a.Transactions, iati.Transaction{Type: iati.Code{Code: "1"}, Date: iati.Date{ISODate: on},
				Value: iati.Value{ValueDate: on, Amount: l.Executed}, Description: what,
				ProviderOrg: &iati.Org{Ref: l.IATIRef, Type: strconv.Itoa(l.OrgType), Narratives: narr(l.Org), ProviderActivityID: l.IATIActivity},
				ReceiverOrg: &iati.Org{Ref: fosisRef, Type: strconv.Itoa(rep.Type), Narratives: narr(rep.Name)}})
		}
		a.Transactions = append(a.Transactions, iati.Transaction{Type: iati.Code{Code: "4"}, Date: iati.Date{ISODate: on},
			Value: iati.Value{ValueDate: on, Amount: l.Executed}, Description: what,
			ProviderOrg: &iati.Org{Ref: fosisRef, Type: strconv.Itoa(rep.Type), Narratives: narr(rep.Name)}})
	}
	for _, doc := range v.Documents {
		a.DocumentLinks = append(a.DocumentLinks, iati.DocumentLink{URL: doc.URL, Format: doc.Format, Title: iati.NewText(doc.Title),
			Categories: []iati.Code{{Code: doc.Category}}, Languages: []iati.Code{{Code: doc.Language}}, Date: &iati.Date{ISODate: doc.Date.String()}})
	}
	for _, r := range d.Results {
		res := iati.Result{Type: strconv.Itoa(r.Type), Title: iati.NewText(r.Title)}
		for _, in := range r.Indicators {
			res.Indicators = append(res.Indicators, iati.Indicator{Measure: "1", Ascending: "1", Title: iati.NewText(in.Title),
				Baselines: []iati.Base{{Year: strconv.Itoa(in.BaselineYear), Value: num(in.Baseline)}},
				Periods: []iati.Period{{Start: iati.Date{ISODate: d.Start.String()}, End: iati.Date{ISODate: d.End.String()},
					Targets: []iati.Amount{{Value: num(in.Target)}}}}})
		}
		a.Results = append(a.Results, res)
	}
	return a
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// segibCode makes a stable code of a SEGIB sector name for vocabulary 99.
func segibCode(name string) string {
	var b strings.Builder
	b.WriteString("SEGIB-")
	for _, w := range strings.Fields(name) {
		r := []rune(strings.ToUpper(w))
		if len(r) > 0 && (r[0] >= 'A' && r[0] <= 'Z') {
			b.WriteRune(r[0])
		}
	}
	return b.String()
}
