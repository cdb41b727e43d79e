package funds

// The microcredit subsidy (docs/funds.md, "Microcredit subsidy"): partner
// institutions, their agreements, the loans they report and the monthly
// settlements that commit what is owed in the ledger.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/fosis/fosis/internal/platform/csvin"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// InstitutionKind is what a partner institution is.
type InstitutionKind string

// The kinds of partner institutions.
const (
	Foundation  InstitutionKind = "foundation"
	CreditUnion InstitutionKind = "credit_union"
	Bank        InstitutionKind = "bank"
)

// InstitutionKinds lists the kinds, in the order forms show them.
var InstitutionKinds = []InstitutionKind{Foundation, CreditUnion, Bank}

// Institution is a partner that places microcredit loans.
type Institution struct {
	ID    int64           `json:"id"`
	Code  string          `json:"code"`
	Name  string          `json:"name"`
	Kind  InstitutionKind `json:"kind"`
	TaxID string          `json:"tax_id"`
	// Bank, AccountKind and Account are where its settlements are paid
	// (empty: settlements commit the subsidy and make no payment).
	Bank        string `json:"bank,omitempty"`
	AccountKind string `json:"account_kind,omitempty"`
	Account     string `json:"account,omitempty"`
	// Loans, Subsidy and Settled sum its reported loans, their subsidy and
	// what its settlements committed (in listings).
	Loans   int64 `json:"loans"`
	Subsidy int64 `json:"subsidy"`
	Settled int64 `json:"settled"`
}

// Band is a loan-size band of an agreement: a loan of Min ≤ amount ≤ Max
// pesos earns Subsidy pesos.
type Band struct {
	Min     int64 `json:"min"`
	Max     int64 `json:"max"`
	Subsidy int64 `json:"subsidy"`
}

// Agreement is an institution's subsidy agreement for a period of whole
// months, drawing on one call's envelope.
type Agreement struct {
	ID          int64  `json:"id"`
	Institution string `json:"institution"`
	Call        string `json:"call"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	// Cap is the most the agreement's settlements commit over its period;
	// MonthlyCap (0: none) the most one month's settlement commits.
	Cap        int64 `json:"cap"`
	MonthlyCap int64 `json:"monthly_cap"`
	// MaxBracket is the borrower's highest eligible bracket of the social
	// registry (60: the 60 % most vulnerable); MinBusinessMonths how long
	// the borrower's business must have run when the loan is placed.
	MaxBracket        int    `json:"max_bracket"`
	MinBusinessMonths int    `json:"min_business_months"`
	Bands             []Band `json:"bands"`
	Settled           int64  `json:"settled"`
}

// LoanInput is one reported loan.
type LoanInput struct {
	RUN        string `json:"run"`
	Amount     int64  `json:"amount"`
	PlacedOn   string `json:"placed_on"`
	TermMonths int    `json:"term_months"`
	// BusinessSince is when the borrower's business started, as the
	// institution attests it (the social registry records no businesses).
	BusinessSince string `json:"business_since"`
}

// Loan is a stored loan and its subsidy.
type Loan struct {
	ID            int64  `json:"id"`
	Institution   string `json:"institution"`
	RUN           string `json:"run"`
	Amount        int64  `json:"amount"`
	PlacedOn      string `json:"placed_on"`
	Month         string `json:"month"`
	TermMonths    int    `json:"term_months"`
	BusinessSince string `json:"business_since"`
	Bracket       int    `json:"bracket"`
	Subsidy       int64  `json:"subsidy"`
	Settlement    int64  `json:"settlement,omitempty"`
}

// LoanProblem names one bad row of a report.
type LoanProblem struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
	Key     string `json:"-"`
	Args    []any  `json:"-"`
}

// Phrase returns the problem's message as a Phrase (the pages translate it).
func (p LoanProblem) Phrase() fosis.Phrase {
	return fosis.Phrase{Key: p.Key, Args: p.Args, Text: p.Message}
}

// LoanReport is the outcome of a report of loans: every row stored, or none.
type LoanReport struct {
	Batch   int64 `json:"batch"`
	Rows    int   `json:"rows"`
	Stored  int   `json:"stored"`
	Subsidy int64 `json:"subsidy"`
	// Again: the same report was received before; nothing changed.
	Again    bool          `json:"again"`
	Problems []LoanProblem `json:"problems"`
}

// Settlement is an institution's monthly settlement.
type Settlement struct {
	ID          int64     `json:"id"`
	Institution string    `json:"institution"`
	Agreement   int64     `json:"agreement"`
	Call        string    `json:"call"`
	Month       string    `json:"month"`
	Loans       int64     `json:"loans"`
	Owed        int64     `json:"owed"`
	Amount      int64     `json:"amount"`
	Movement    int64     `json:"movement,omitempty"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
}

// Capped is what the caps left unpaid.
func (s Settlement) Capped() int64 { return s.Owed - s.Amount }

// Borrower is what the social registry and the scoring say of a borrower.
type Borrower struct {
	Found   bool
	Scored  bool
	Bracket int
}

// BorrowersFunc looks borrowers up by RUN body; a RUN missing from the map
// is not in the registry. cli wires it to the registry and the latest
// scoring run (through their exported functions).
type BorrowersFunc func(ctx context.Context, runs []int64) (map[int64]Borrower, error)

// MicrocreditMessages are the refusals of the microcredit subsidy, as
// Messages are the ledger's (internal/web/i18n/<lang>/microcredit_errors.json).
var MicrocreditMessages = map[string]string{
	"funds.mc.err.role":            "your role (%s) does not give access to the microcredit subsidy",
	"funds.mc.err.no_institution":  "your account reports for no institution; ask the finance officer to add you to one",
	"funds.mc.err.code":            "%q is not an institution code: use lower-case letters, digits, - and _ (up to 40)",
	"funds.mc.err.name":            "give the institution's name",
	"funds.mc.err.kind":            "%q is not a kind of institution (foundation, credit_union, bank)",
	"funds.mc.err.tax_id":          "%q is not a valid tax id (RUT with its check digit)",
	"funds.mc.err.exists":          "an institution with code %s or tax id %s already exists",
	"funds.mc.err.not_found":       "no institution %s",
	"funds.mc.err.date":            "%q is not a date (YYYY-MM-DD)",
	"funds.mc.err.whole_months":    "an agreement covers whole months: it starts on a 1st and ends on a month's last day (%s to %s)",
	"funds.mc.err.overlap":         "the institution already has agreement %d from %s to %s, which overlaps",
	"funds.mc.err.cap":             "the cap must be a whole number of pesos above zero; %d is not",
	"funds.mc.err.monthly_cap":     "the monthly cap must be zero (none) or a whole number of pesos; %d is not",
	"funds.mc.err.max_bracket":     "the highest eligible bracket is a multiple of 10 from 10 to 100; %d is not",
	"funds.mc.err.business_months": "the business's minimum months must be between 0 and 120; %d is not",
	"funds.mc.err.bands":           "give at least one loan-size band (MIN-MAX=SUBSIDY)",
	"funds.mc.err.band":            "band %d to %d with subsidy %d is not a band: 0 < MIN ≤ MAX and a subsidy above zero",
	"funds.mc.err.band_overlap":    "bands %d–%d and %d–%d overlap",
	"funds.mc.err.staff_role":      "only users with the institution role report for an institution; %s is a %s",
	"funds.mc.err.run":             "%q is not a valid RUN",
	"funds.mc.err.loan_amount":     "the amount must be a whole number of pesos above zero; %q is not",
	"funds.mc.err.term":            "the term must be a whole number of months from 1 to 120; %q is not",
	"funds.mc.err.business_after":  "the business started on %s, after the loan (%s)",
	"funds.mc.err.business_young":  "the business has run %d whole months; the agreement asks for %d",
	"funds.mc.err.no_agreement":    "no agreement of the institution covers %s",
	"funds.mc.err.no_band":         "no band of agreement %d covers a loan of %s pesos",
	"funds.mc.err.month_settled":   "%s is already settled for this institution: report its loans in a month not yet settled",
	"funds.mc.err.not_in_registry": "RUN %s is not in the social registry",
	"funds.mc.err.not_scored":      "RUN %s's household has no bracket in the latest scoring run",
	"funds.mc.err.bracket":         "RUN %s's household is in the %d %% bracket; the agreement admits up to %d %%",
	"funds.mc.err.dup_file":        "the same borrower has a loan in %s on row %d of this report (one subsidised loan a month)",
	"funds.mc.err.dup_stored":      "the borrower already has a subsidised loan in %s (institution %s)",
	"funds.mc.err.bad_rows":        "%d of %d rows are wrong: nothing was stored; correct them and send the whole report again",
	"funds.mc.err.empty":           "the report has no loans",
	"funds.mc.err.file":            "the file cannot be read: %v",
	"funds.mc.err.row":             "%v",
	"funds.mc.err.month":           "%q is not a month (YYYY-MM)",
	"funds.mc.err.month_number":    "%d is not a month: use 1 to 12",
	"funds.mc.err.month_open":      "%s has not ended yet: settle a month after its last day",
	"funds.mc.err.settled":         "%s is already settled for institution %s (settlement %d)",
	"funds.mc.err.nothing":         "institution %s has no unsettled loans in %s",
	"funds.mc.err.race":            "another report stored some of these loans meanwhile: nothing was stored; send the report again to see which",
	"funds.mc.err.no_hook":         "the borrowers' registry is not connected to the funds ledger",
}

func mcRefuse(code, key string, args ...any) *fosis.Error {
	return fosis.KeyedErrorf(code, key, MicrocreditMessages[key], args...)
}

func mcInvalid(field, key string, args ...any) *fosis.Error {
	fe := fosis.KeyedField(field, key, MicrocreditMessages[key], args...)
	return &fosis.Error{Code: fosis.EINVALID, Message: field + ": " + fe.Message, Key: key, Args: args, Fields: []fosis.FieldError{fe}}
}

var (
	instCodeRe  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	loanMonthRe = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
)

// mcViewer returns the caller and, for an institution's user, the id of
// the institution it reports for (0: every institution).
func mcViewer(ctx context.Context, q db.Querier) (*auth.Principal, int64, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, 0, refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAnalyst, auth.RoleAuditor, auth.RoleFinance:
		return p, 0, nil
	case auth.RoleInstitution:
		var id int64
		err := q.QueryRowContext(ctx, `SELECT institution_id FROM funds_institution_staff WHERE user_id = ?`, p.UserID).Scan(&id)
		if db.IsNoRows(err) {
			return nil, 0, mcRefuse(fosis.EFORBIDDEN, "funds.mc.err.no_institution")
		}
		return p, id, err
	}
	return nil, 0, mcRefuse(fosis.EFORBIDDEN, "funds.mc.err.role", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
}

// institutionFor finds institution code within the caller's reach: another
// institution answers as a missing one.
func institutionFor(ctx context.Context, q db.Querier, code string) (*auth.Principal, Institution, error) {
	p, own, err := mcViewer(ctx, q)
	if err != nil {
		return nil, Institution{}, err
	}
	var in Institution
	err = q.QueryRowContext(ctx, `SELECT id, code, name, kind, tax_id FROM funds_institutions WHERE code = ?`, code).
		Scan(&in.ID, &in.Code, &in.Name, &in.Kind, &in.TaxID)
	if db.IsNoRows(err) || (err == nil && own != 0 && in.ID != own) {
		return nil, Institution{}, mcRefuse(fosis.ENOTFOUND, "funds.mc.err.not_found", code)
	}
	return p, in, err
}

// writer is the caller if it may change the institution's data: finance
// officers and administrators any; an institution's user reports loans for
// its own (reports true).
func mcWriter(p *auth.Principal, reports bool) error {
	switch {
	case p.Role == auth.RoleAdmin || p.Role == auth.RoleFinance:
		return nil
	case reports && p.Role == auth.RoleInstitution:
		return nil
	}
	return refuse(fosis.EFORBIDDEN, "funds.err.role_no_move", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
}

// CreateInstitution records a partner institution (finance officers and
// administrators).
func (s *Store) CreateInstitution(ctx context.Context, in Institution) (Institution, error) {
	p, err := mover(ctx)
	if err != nil {
		return in, err
	}
	in.Code, in.Name, in.TaxID = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.TaxID)
	if !instCodeRe.MatchString(in.Code) {
		return in, mcInvalid("code", "funds.mc.err.code", in.Code)
	}
	if in.Name == "" {
		return in, mcInvalid("name", "funds.mc.err.name")
	}
	if !slices.Contains(InstitutionKinds, in.Kind) {
		return in, mcInvalid("kind", "funds.mc.err.kind", string(in.Kind))
	}
	body, err := rut.Parse(in.TaxID)
	if err != nil {
		return in, mcInvalid("tax_id", "funds.mc.err.tax_id", in.TaxID)
	}
	in.TaxID = rut.Format(body)
	if in.Bank != "" || in.AccountKind != "" || in.Account != "" {
		py := Payee{Name: in.Name, TaxID: in.TaxID, Bank: in.Bank, AccountKind: in.AccountKind, Account: in.Account}
		if fes := normalisePayee(&py); len(fes) > 0 {
			return in, fieldsError(fes)
		}
		in.Bank, in.AccountKind, in.Account = py.Bank, py.AccountKind, py.Account
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM funds_institutions WHERE code = ? OR tax_id = ?`, in.Code, in.TaxID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return mcRefuse(fosis.ECONFLICT, "funds.mc.err.exists", in.Code, in.TaxID)
		}
		if in.ID, err = tx.InsertID(ctx, `INSERT INTO funds_institutions (code, name, kind, tax_id, bank_code, account_kind, account_number, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Code, in.Name, string(in.Kind), in.TaxID, in.Bank, in.AccountKind, in.Account, tx.DB().Time(tx.Now), p.Username); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.institution.create",
			Entity: "funds_institution", EntityID: in.Code, After: in})
		return err
	})
	return in, err
}

// AddInstitutionStaff lets user (who must have the institution role)
// report for institution code.
func (s *Store) AddInstitutionStaff(ctx context.Context, code string, user *auth.User) error {
	p, err := mover(ctx)
	if err != nil {
		return err
	}
	if user.Role != auth.RoleInstitution {
		return mcInvalid("username", "funds.mc.err.staff_role", user.Username, fosis.Phrase{Key: "role." + string(user.Role), Text: string(user.Role)})
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		_, in, err := institutionFor(ctx, tx, code)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO funds_institution_staff (user_id, institution_id) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET institution_id = excluded.institution_id`, user.ID, in.ID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.institution.staff",
			Entity: "funds_institution", EntityID: in.Code, After: map[string]string{"username": user.Username}})
		return err
	})
}

// Institutions lists the institutions in the caller's reach with their
// totals.
func (s *Store) Institutions(ctx context.Context) ([]Institution, error) {
	_, own, err := mcViewer(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return db.Collect(ctx, s.db, func(r *sql.Rows) (Institution, error) {
		var in Institution
		err := r.Scan(&in.ID, &in.Code, &in.Name, &in.Kind, &in.TaxID, &in.Loans, &in.Subsidy, &in.Settled)
		return in, err
	}, `SELECT i.id, i.code, i.name, i.kind, i.tax_id,
		COALESCE((SELECT COUNT(*) FROM funds_loans l WHERE l.institution_id = i.id), 0),
		COALESCE((SELECT SUM(subsidy) FROM funds_loans l WHERE l.institution_id = i.id), 0),
		COALESCE((SELECT SUM(amount) FROM funds_settlements t WHERE t.institution_id = i.id), 0)
		FROM funds_institutions i WHERE (? = 0 OR i.id = ?) ORDER BY i.code`, own, own)
}

// Institution returns one institution in the caller's reach.
func (s *Store) Institution(ctx context.Context, code string) (Institution, error) {
	_, in, err := institutionFor(ctx, s.db, code)
	return in, err
}

func parseDay(field, v string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
	if err != nil {
		return t, mcInvalid(field, "funds.mc.err.date", v)
	}
	return t, nil
}

// CreateAgreement records an agreement of institution a.Institution for
// whole months, drawing on call a.Call's envelope (which must exist).
func (s *Store) CreateAgreement(ctx context.Context, a Agreement) (Agreement, error) {
	p, err := mover(ctx)
	if err != nil {
		return a, err
	}
	from, err := parseDay("starts_on", a.StartsOn)
	if err != nil {
		return a, err
	}
	to, err := parseDay("ends_on", a.EndsOn)
	if err != nil {
		return a, err
	}
	if from.Day() != 1 || to.AddDate(0, 0, 1).Day() != 1 || to.Before(from) {
		return a, mcInvalid("ends_on", "funds.mc.err.whole_months", a.StartsOn, a.EndsOn)
	}
	a.StartsOn, a.EndsOn = from.Format(time.DateOnly), to.Format(time.DateOnly)
	if a.Cap <= 0 {
		return a, mcInvalid("cap", "funds.mc.err.cap", a.Cap)
	}
	if a.MonthlyCap < 0 {
		return a, mcInvalid("monthly_cap", "funds.mc.err.monthly_cap", a.MonthlyCap)
	}
	if a.MaxBracket == 0 {
		a.MaxBracket = 60
	}
	if a.MaxBracket < 10 || a.MaxBracket > 100 || a.MaxBracket%10 != 0 {
		return a, mcInvalid("max_bracket", "funds.mc.err.max_bracket", a.MaxBracket)
	}
	if a.MinBusinessMonths < 0 || a.MinBusinessMonths > 120 {
		return a, mcInvalid("min_business_months", "funds.mc.err.business_months", a.MinBusinessMonths)
	}
	if len(a.Bands) == 0 {
		return a, mcInvalid("bands", "funds.mc.err.bands")
	}
	slices.SortFunc(a.Bands, func(x, y Band) int { return int(x.Min - y.Min) })
	for i, b := range a.Bands {
		if b.Min <= 0 || b.Max < b.Min || b.Subsidy <= 0 {
			return a, mcInvalid("bands", "funds.mc.err.band", b.Min, b.Max, b.Subsidy)
		}
		if i > 0 && b.Min <= a.Bands[i-1].Max {
			return a, mcInvalid("bands", "funds.mc.err.band_overlap", a.Bands[i-1].Min, a.Bands[i-1].Max, b.Min, b.Max)
		}
	}
	if err := validCall(a.Call); err != nil {
		return a, err
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		_, in, err := institutionFor(ctx, tx, a.Institution)
		if err != nil {
			return err
		}
		if _, _, _, err := envelopeOf(ctx, tx, a.Call); err != nil {
			return err
		}
		var other int64
		var os, oe db.Day
		err = tx.QueryRowContext(ctx, `SELECT id, starts_on, ends_on FROM funds_agreements WHERE institution_id = ? AND starts_on <= ? AND ends_on >= ? LIMIT 1`,
			in.ID, tx.DB().Date(to), tx.DB().Date(from)).Scan(&other, &os, &oe)
		if err == nil {
			return mcRefuse(fosis.ECONFLICT, "funds.mc.err.overlap", other, os.Format(time.DateOnly), oe.Format(time.DateOnly))
		}
		if !db.IsNoRows(err) {
			return err
		}
		if a.ID, err = tx.InsertID(ctx, `INSERT INTO funds_agreements (institution_id, call_code, starts_on, ends_on, cap, monthly_cap, max_bracket,
			min_business_months, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.ID, a.Call, tx.DB().Date(from), tx.DB().Date(to), a.Cap, a.MonthlyCap, a.MaxBracket, a.MinBusinessMonths, tx.DB().Time(tx.Now), p.Username); err != nil {
			return err
		}
		for _, b := range a.Bands {
			if _, err := tx.ExecContext(ctx, `INSERT INTO funds_agreement_bands (agreement_id, min_amount, max_amount, subsidy) VALUES (?, ?, ?, ?)`,
				a.ID, b.Min, b.Max, b.Subsidy); err != nil {
				return err
			}
		}
		a.Institution = in.Code
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.agreement.create",
			Entity: "funds_agreement", EntityID: strconv.FormatInt(a.ID, 10), After: a})
		return err
	})
	return a, err
}

// Agreements returns institution code's agreements, oldest first.
func (s *Store) Agreements(ctx context.Context, code string) ([]Agreement, error) {
	_, in, err := institutionFor(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	return agreementsOf(ctx, s.db, in)
}

func agreementsOf(ctx context.Context, q db.Querier, in Institution) ([]Agreement, error) {
	out, err := db.Collect(ctx, q, func(r *sql.Rows) (Agreement, error) {
		a := Agreement{Institution: in.Code}
		var from, to db.Day
		err := r.Scan(&a.ID, &a.Call, &from, &to, &a.Cap, &a.MonthlyCap, &a.MaxBracket, &a.MinBusinessMonths, &a.Settled)
		a.StartsOn, a.EndsOn = from.Format(time.DateOnly), to.Format(time.DateOnly)
		return a, err
	}, `SELECT a.id, a.call_code, a.starts_on, a.ends_on, a.cap, a.monthly_cap, a.max_bracket, a.min_business_months,
		COALESCE((SELECT SUM(amount) FROM funds_settlements t WHERE t.agreement_id = a.id), 0)
		FROM funds_agreements a WHERE a.institution_id = ? ORDER BY a.starts_on`, in.ID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Bands, err = db.Collect(ctx, q, func(r *sql.Rows) (Band, error) {
			var b Band
			err := r.Scan(&b.Min, &b.Max, &b.Subsidy)
			return b, err
		}, `SELECT min_amount, max_amount, subsidy FROM funds_agreement_bands WHERE agreement_id = ? ORDER BY min_amount`, out[i].ID)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loanRow is a row of a report being checked.
type loanRow struct {
	row           int
	in            LoanInput
	run           int64
	placed, since time.Time
	month         string
	term          int
	agreement     *Agreement
	subsidy       int64
	bracket       int
	problems      []LoanProblem
}

func problem(row int, field string, e *fosis.Error) LoanProblem {
	return LoanProblem{Row: row, Field: field, Message: e.Message, Key: e.Key, Args: e.Args}
}

func mcProblem(row int, field, key string, args ...any) LoanProblem {
	return problem(row, field, mcRefuse(fosis.EINVALID, key, args...))
}

// wholeMonths is the number of whole months from a to b.
func wholeMonths(a, b time.Time) int {
	m := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if b.Day() < a.Day() {
		m--
	}
	return m
}

// ReportLoans stores loans reported by institution code (from the API or a
// CSV file, read by ImportLoansCSV): every row is checked — a valid RUN, an
// eligible borrower (in the registry, bracket within the agreement's, a
// business that has run long enough), a band of the agreement covering the
// date, no other subsidised loan of the borrower in that month here or at
// any institution, a month not yet settled — and every bad row is named;
// then all are stored, or none. A report received before (the same
// checksum) changes nothing and answers as it did (Again).
func (s *Store) ReportLoans(ctx context.Context, code string, loans []LoanInput) (*LoanReport, error) {
	return s.reportLoans(ctx, code, "api", loans, nil, nil)
}

// ImportLoansCSV reads a CSV report of loans (columns run, amount,
// placed_on, term_months, business_since; comma or semicolon) and stores it
// as ReportLoans does: all rows or none, every bad row named (row 1 is the
// first loan, the header being line 1 of the file).
func (s *Store) ImportLoansCSV(ctx context.Context, code string, r io.Reader, name string) (*LoanReport, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	cr, err := csvin.NewReader(bytes.NewReader(raw), name, []string{"run", "amount", "placed_on", "term_months", "business_since"})
	if err != nil {
		return nil, mcInvalid("file", "funds.mc.err.file", err)
	}
	var loans []LoanInput
	bad := map[int]map[string]string{}
	for {
		err := cr.Next()
		if err == io.EOF {
			break
		}
		var re *csvin.RowError
		if errors.As(err, &re) {
			loans = append(loans, LoanInput{})
			bad[len(loans)] = map[string]string{"": re.Err.Error()}
			continue
		}
		if err != nil {
			return nil, err
		}
		l := LoanInput{RUN: cr.Field(0), PlacedOn: cr.Field(2), BusinessSince: cr.Field(4)}
		row := len(loans) + 1
		if l.Amount, err = strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(cr.Field(1), ".", "")), 10, 64); err != nil {
			bad[row] = map[string]string{"amount": cr.Field(1)}
			l.Amount = 0
		}
		t, err := strconv.Atoi(strings.TrimSpace(cr.Field(3)))
		if err != nil {
			if bad[row] == nil {
				bad[row] = map[string]string{}
			}
			bad[row]["term_months"] = cr.Field(3)
		}
		l.TermMonths = t
		loans = append(loans, l)
	}
	return s.reportLoans(ctx, code, "csv", loans, raw, bad)
}

func (s *Store) reportLoans(ctx context.Context, code, source string, loans []LoanInput, raw []byte, bad map[int]map[string]string) (*LoanReport, error) {
	p, in, err := institutionFor(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	if err := mcWriter(p, true); err != nil {
		return nil, err
	}
	if s.Borrowers == nil {
		return nil, mcRefuse(fosis.EUNAVAILABLE, "funds.mc.err.no_hook")
	}
	if raw == nil {
		var b strings.Builder
		for _, l := range loans {
			fmt.Fprintf(&b, "%s,%d,%s,%d,%s\n", l.RUN, l.Amount, l.PlacedOn, l.TermMonths, l.BusinessSince)
		}
		raw = []byte(b.String())
	}
	sum := sha256.Sum256(raw)
	checksum := hex.EncodeToString(sum[:])
	rep := &LoanReport{Rows: len(loans), Problems: []LoanProblem{}}
	if again, err := s.batchAgain(ctx, s.db, in.ID, checksum, rep); err != nil || again {
		return rep, err
	}
	if len(loans) == 0 {
		return rep, mcRefuse(fosis.EINVALID, "funds.mc.err.empty")
	}
	ags, err := agreementsOf(ctx, s.db, in)
	if err != nil {
		return nil, err
	}
	rows := make([]loanRow, len(loans))
	firstOf := map[string]int{} // borrower|month → row
	var runs []int64
	for i, l := range loans {
		r := &rows[i]
		r.row, r.in = i+1, l
		s.checkRow(r, ags, bad[r.row])
		if len(r.problems) == 0 {
			k := strconv.FormatInt(r.run, 10) + "|" + r.month
			if first, dup := firstOf[k]; dup {
				r.problems = append(r.problems, mcProblem(r.row, "run", "funds.mc.err.dup_file", r.month, first))
			} else {
				firstOf[k] = r.row
			}
		}
		if r.run != 0 {
			runs = append(runs, r.run)
		}
	}
	slices.Sort(runs)
	runs = slices.Compact(runs)
	who, err := s.Borrowers(ctx, runs)
	if err != nil {
		return nil, err
	}
	settled, err := settledMonths(ctx, s.db, in.ID)
	if err != nil {
		return nil, err
	}
	stored, err := storedLoans(ctx, s.db, runs)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		if r.run == 0 || r.agreement == nil {
			continue
		}
		b, ok := who[r.run]
		switch {
		case !ok || !b.Found:
			r.problems = append(r.problems, mcProblem(r.row, "run", "funds.mc.err.not_in_registry", rut.Format(r.run)))
		case !b.Scored:
			r.problems = append(r.problems, mcProblem(r.row, "run", "funds.mc.err.not_scored", rut.Format(r.run)))
		case b.Bracket > r.agreement.MaxBracket:
			r.problems = append(r.problems, mcProblem(r.row, "run", "funds.mc.err.bracket", rut.Format(r.run), b.Bracket, r.agreement.MaxBracket))
		default:
			r.bracket = b.Bracket
		}
		if settled[r.month] {
			r.problems = append(r.problems, mcProblem(r.row, "placed_on", "funds.mc.err.month_settled", r.month))
		}
		if inst, dup := stored[strconv.FormatInt(r.run, 10)+"|"+r.month]; dup {
			r.problems = append(r.problems, mcProblem(r.row, "run", "funds.mc.err.dup_stored", r.month, inst))
		}
	}
	for _, r := range rows {
		rep.Problems = append(rep.Problems, r.problems...)
	}
	if len(rep.Problems) > 0 {
		bad := 0
		for _, r := range rows {
			if len(r.problems) > 0 {
				bad++
			}
		}
		e := mcRefuse(fosis.EINVALID, "funds.mc.err.bad_rows", bad, len(rows))
		for _, pr := range rep.Problems {
			e.Fields = append(e.Fields, fosis.FieldError{Field: fmt.Sprintf("row %d: %s", pr.Row, pr.Field), Message: pr.Message, Key: pr.Key, Args: pr.Args})
		}
		return rep, e
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		// The agreements' lock rows, in id order: a settlement of one of
		// their months waits, and is seen settled below if it came first.
		if tx.DB().Engine == db.Postgres {
			ids := map[int64]bool{}
			for _, r := range rows {
				ids[r.agreement.ID] = true
			}
			keys := make([]int64, 0, len(ids))
			for id := range ids {
				keys = append(keys, id)
			}
			slices.Sort(keys)
			for _, id := range keys {
				if _, err := tx.ExecContext(ctx, `SELECT id FROM funds_agreements WHERE id = ? FOR UPDATE`, id); err != nil {
					return err
				}
			}
		}
		if again, err := s.batchAgain(ctx, tx, in.ID, checksum, rep); err != nil || again {
			return err
		}
		settled, err := settledMonths(ctx, tx, in.ID)
		if err != nil {
			return err
		}
		var total int64
		for _, r := range rows {
			if settled[r.month] {
				return mcRefuse(fosis.ECONFLICT, "funds.mc.err.month_settled", r.month)
			}
			total += r.subsidy
		}
		batch, err := tx.InsertID(ctx, `INSERT INTO funds_loan_batches (institution_id, checksum, source, loans, subsidy, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, in.ID, checksum, source, len(rows), total, tx.DB().Time(tx.Now), p.Username)
		if err != nil {
			return err
		}
		d := tx.DB()
		src := &db.FuncSource{N: len(rows), Cols: 12, Fill: func(i int, v []any) error {
			r := &rows[i]
			v[0], v[1], v[2], v[3], v[4], v[5] = in.ID, r.agreement.ID, batch, r.run, r.in.Amount, d.Date(r.placed)
			v[6], v[7], v[8], v[9], v[10], v[11] = r.month, r.term, d.Date(r.since), r.bracket, r.subsidy, int64(0)
			return nil
		}}
		if _, err := tx.CopyFrom(ctx, "funds_loans", []string{"institution_id", "agreement_id", "batch_id", "borrower_run", "amount", "placed_on",
			"month", "term_months", "business_since", "bracket", "subsidy", "settlement_id"}, src); err != nil {
			return err
		}
		rep.Batch, rep.Stored, rep.Subsidy = batch, len(rows), total
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.loans.report",
			Entity: "funds_loan_batch", EntityID: strconv.FormatInt(batch, 10),
			After: map[string]any{"institution": in.Code, "source": source, "loans": len(rows), "subsidy": total, "checksum": checksum}})
		return err
	})
	var fe *fosis.Error
	if errors.As(err, &fe) && fe.Code == fosis.ECONFLICT && fe.Key == "" {
		// The unique index: another report stored one of these loans
		// between the check and the write.
		return nil, mcRefuse(fosis.ECONFLICT, "funds.mc.err.race")
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// batchAgain fills rep from an earlier batch of the same checksum.
func (s *Store) batchAgain(ctx context.Context, q db.Querier, inst int64, checksum string, rep *LoanReport) (bool, error) {
	err := q.QueryRowContext(ctx, `SELECT id, loans, subsidy FROM funds_loan_batches WHERE institution_id = ? AND checksum = ?`, inst, checksum).
		Scan(&rep.Batch, &rep.Stored, &rep.Subsidy)
	if db.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rep.Again = true
	return true, nil
}

// checkRow checks what a row says by itself and against the agreements.
func (s *Store) checkRow(r *loanRow, ags []Agreement, bad map[string]string) {
	add := func(field, key string, args ...any) {
		r.problems = append(r.problems, mcProblem(r.row, field, key, args...))
	}
	if msg, ok := bad[""]; ok {
		add("", "funds.mc.err.row", msg)
		return
	}
	body, err := rut.Parse(r.in.RUN)
	if err != nil {
		add("run", "funds.mc.err.run", r.in.RUN)
	} else {
		r.run = body
	}
	if v, ok := bad["amount"]; ok {
		add("amount", "funds.mc.err.loan_amount", v)
	} else if r.in.Amount <= 0 {
		add("amount", "funds.mc.err.loan_amount", strconv.FormatInt(r.in.Amount, 10))
	}
	if v, ok := bad["term_months"]; ok {
		add("term_months", "funds.mc.err.term", v)
	} else if r.in.TermMonths < 1 || r.in.TermMonths > 120 {
		add("term_months", "funds.mc.err.term", strconv.Itoa(r.in.TermMonths))
	}
	r.term = r.in.TermMonths
	placed, err := time.Parse(time.DateOnly, strings.TrimSpace(r.in.PlacedOn))
	if err != nil {
		add("placed_on", "funds.mc.err.date", r.in.PlacedOn)
		return
	}
	r.placed, r.month = placed, placed.Format("2006-01")
	since, err := time.Parse(time.DateOnly, strings.TrimSpace(r.in.BusinessSince))
	if err != nil {
		add("business_since", "funds.mc.err.date", r.in.BusinessSince)
		return
	}
	r.since = since
	day := placed.Format(time.DateOnly)
	for i := range ags {
		if ags[i].StartsOn <= day && day <= ags[i].EndsOn {
			r.agreement = &ags[i]
		}
	}
	if r.agreement == nil {
		add("placed_on", "funds.mc.err.no_agreement", day)
		return
	}
	if since.After(placed) {
		add("business_since", "funds.mc.err.business_after", since.Format(time.DateOnly), day)
	} else if m := wholeMonths(since, placed); m < r.agreement.MinBusinessMonths {
		add("business_since", "funds.mc.err.business_young", m, r.agreement.MinBusinessMonths)
	}
	if r.in.Amount > 0 {
		for _, b := range r.agreement.Bands {
			if b.Min <= r.in.Amount && r.in.Amount <= b.Max {
				r.subsidy = b.Subsidy
			}
		}
		if r.subsidy == 0 {
			add("amount", "funds.mc.err.no_band", r.agreement.ID, fosis.Pesos(r.in.Amount))
		}
	}
}

// settledMonths are the months institution inst has settled.
func settledMonths(ctx context.Context, q db.Querier, inst int64) (map[string]bool, error) {
	ms, err := db.Collect(ctx, q, func(r *sql.Rows) (string, error) {
		var m string
		return m, r.Scan(&m)
	}, `SELECT month FROM funds_settlements WHERE institution_id = ?`, inst)
	out := map[string]bool{}
	for _, m := range ms {
		out[m] = true
	}
	return out, err
}

// storedLoans returns, for the borrowers runs, "run|month" → the code of
// the institution whose subsidised loan it is.
func storedLoans(ctx context.Context, q db.Querier, runs []int64) (map[string]string, error) {
	out := map[string]string{}
	const chunk = 500
	for i := 0; i < len(runs); i += chunk {
		part := runs[i:min(i+chunk, len(runs))]
		args := make([]any, len(part))
		for k, r := range part {
			args[k] = r
		}
		rows, err := q.QueryContext(ctx, `SELECT l.borrower_run, l.month, i.code FROM funds_loans l JOIN funds_institutions i ON i.id = l.institution_id
			WHERE l.borrower_run IN (`+strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var run int64
			var month, code string
			if err := rows.Scan(&run, &month, &code); err != nil {
				rows.Close()
				return nil, err
			}
			out[strconv.FormatInt(run, 10)+"|"+month] = code
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LoanFilter selects loans: a month (YYYY-MM, "" for all), the page after
// loan id After, at most Limit (0: all).
type LoanFilter struct {
	Month string
	After int64
	Limit int
}

// Loans returns institution code's loans, by id.
func (s *Store) Loans(ctx context.Context, code string, f LoanFilter) ([]Loan, error) {
	_, in, err := institutionFor(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	if f.Month != "" && !loanMonthRe.MatchString(f.Month) {
		return nil, mcInvalid("month", "funds.mc.err.month", f.Month)
	}
	lim := f.Limit
	if lim <= 0 {
		lim = 1 << 30
	}
	return db.Collect(ctx, s.db, func(r *sql.Rows) (Loan, error) {
		l := Loan{Institution: in.Code}
		var run int64
		var placed, since db.Day
		err := r.Scan(&l.ID, &run, &l.Amount, &placed, &l.Month, &l.TermMonths, &since, &l.Bracket, &l.Subsidy, &l.Settlement)
		l.RUN, l.PlacedOn, l.BusinessSince = rut.Format(run), placed.Format(time.DateOnly), since.Format(time.DateOnly)
		return l, err
	}, `SELECT id, borrower_run, amount, placed_on, month, term_months, business_since, bracket, subsidy, settlement_id FROM funds_loans
		WHERE institution_id = ? AND (? = '' OR month = ?) AND id > ? ORDER BY id LIMIT ?`, in.ID, f.Month, f.Month, f.After, lim)
}

// Settle computes what institution code is owed for month (YYYY-MM, ended):
// the subsidies of its unsettled loans of that month, within the
// agreement's monthly cap and what is left of its cap, and commits it in
// the ledger (reserve and commit on the agreement's envelope, which must
// hold it). Under the agreement's lock, so concurrent settlements never pass
// the cap, and the ledger's, so they never pass the envelope. A capped-out
// month is settled with amount 0.
func (s *Store) Settle(ctx context.Context, code, month string) (Settlement, error) {
	var st Settlement
	p, err := mover(ctx)
	if err != nil {
		return st, err
	}
	if !loanMonthRe.MatchString(month) {
		return st, mcInvalid("month", "funds.mc.err.month", month)
	}
	first, _ := time.Parse("2006-01", month)
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if first.AddDate(0, 1, 0).After(tx.Now) {
			return mcRefuse(fosis.ECONFLICT, "funds.mc.err.month_open", month)
		}
		_, in, err := institutionFor(ctx, tx, code)
		if err != nil {
			return err
		}
		day := tx.DB().Date(first)
		var ag Agreement
		err = tx.QueryRowContext(ctx, `SELECT id, call_code, cap, monthly_cap FROM funds_agreements WHERE institution_id = ? AND starts_on <= ? AND ends_on >= ?`,
			in.ID, day, day).Scan(&ag.ID, &ag.Call, &ag.Cap, &ag.MonthlyCap)
		if db.IsNoRows(err) {
			return mcRefuse(fosis.ENOTFOUND, "funds.mc.err.no_agreement", month)
		}
		if err != nil {
			return err
		}
		if tx.DB().Engine == db.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT id FROM funds_agreements WHERE id = ? FOR UPDATE`, ag.ID); err != nil {
				return err
			}
		}
		var prev int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM funds_settlements WHERE institution_id = ? AND month = ?`, in.ID, month).Scan(&prev)
		if err == nil {
			return mcRefuse(fosis.ECONFLICT, "funds.mc.err.settled", month, in.Code, prev)
		}
		if !db.IsNoRows(err) {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(subsidy), 0) FROM funds_loans WHERE institution_id = ? AND month = ? AND settlement_id = 0`,
			in.ID, month).Scan(&st.Loans, &st.Owed); err != nil {
			return err
		}
		if st.Loans == 0 {
			return mcRefuse(fosis.ECONFLICT, "funds.mc.err.nothing", in.Code, month)
		}
		var settled int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM funds_settlements WHERE agreement_id = ?`, ag.ID).Scan(&settled); err != nil {
			return err
		}
		st.Amount = min(st.Owed, max(ag.Cap-settled, 0))
		if ag.MonthlyCap > 0 {
			st.Amount = min(st.Amount, ag.MonthlyCap)
		}
		st.Institution, st.Agreement, st.Call, st.Month, st.At, st.Actor = in.Code, ag.ID, ag.Call, month, tx.Now, p.Username
		if st.Amount > 0 {
			env, bid, k, err := envelopeOf(ctx, tx, ag.Call)
			if err != nil {
				return err
			}
			ref := "microcredit " + in.Code + " " + month
			res := Movement{Kind: KindReserve, Budget: k, Call: ag.Call, Amount: st.Amount, Ref: ref}
			if err := post(ctx, tx, p, &res, bid, env); err != nil {
				return err
			}
			com := Movement{Kind: KindCommit, Budget: k, Call: ag.Call, Amount: st.Amount, Ref: ref}
			if err := post(ctx, tx, p, &com, bid, env); err != nil {
				return err
			}
			st.Movement = com.ID
		}
		if st.ID, err = tx.InsertID(ctx, `INSERT INTO funds_settlements (institution_id, agreement_id, month, loans, owed, amount, movement_id, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.ID, ag.ID, month, st.Loans, st.Owed, st.Amount, st.Movement, tx.DB().Time(tx.Now), p.Username); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE funds_loans SET settlement_id = ? WHERE institution_id = ? AND month = ? AND settlement_id = 0`, st.ID, in.ID, month)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != st.Loans {
			return fmt.Errorf("funds: settlement %d marked %d loans, counted %d: %v", st.ID, n, st.Loans, err)
		}
		if st.Amount > 0 {
			// One way money leaves: an institution with a bank account is
			// paid through the payment runs (the settlement committed it).
			var py Payee
			if err := tx.QueryRowContext(ctx, `SELECT name, tax_id, bank_code, account_kind, account_number FROM funds_institutions WHERE id = ?`, in.ID).
				Scan(&py.Name, &py.TaxID, &py.Bank, &py.AccountKind, &py.Account); err != nil {
				return err
			}
			if py.Bank != "" {
				np := NewPayment{Key: "microcredit:" + in.Code + "/" + month, Call: ag.Call, Purpose: PurposeMicrocredit,
					Ref: "settlement:" + strconv.FormatInt(st.ID, 10), Payee: py, Amount: st.Amount}
				if err := np.validate(); err != nil {
					return err
				}
				if _, _, err := createPayment(ctx, tx, p, np, 0); err != nil {
					return err
				}
			}
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds.microcredit.settle",
			Entity: "funds_settlement", EntityID: strconv.FormatInt(st.ID, 10), After: st})
		return err
	})
	return st, err
}

// Settlements returns institution code's settlements, by month.
func (s *Store) Settlements(ctx context.Context, code string) ([]Settlement, error) {
	_, in, err := institutionFor(ctx, s.db, code)
	if err != nil {
		return nil, err
	}
	return db.Collect(ctx, s.db, func(r *sql.Rows) (Settlement, error) {
		st := Settlement{Institution: in.Code}
		var at db.Instant
		err := r.Scan(&st.ID, &st.Agreement, &st.Call, &st.Month, &st.Loans, &st.Owed, &st.Amount, &st.Movement, &at, &st.Actor)
		st.At = at.Time
		return st, err
	}, `SELECT t.id, t.agreement_id, a.call_code, t.month, t.loans, t.owed, t.amount, t.movement_id, t.created_at, t.created_by
		FROM funds_settlements t JOIN funds_agreements a ON a.id = t.agreement_id WHERE t.institution_id = ? ORDER BY t.month`, in.ID)
}
