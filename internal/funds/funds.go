// Package funds is the fund's money: budget lines (year × programme line ×
// region, the budget law's assignment and its modifications), envelopes (a
// budget line's money set aside for one call) and the double-entry ledger
// that moves money between accounts. docs/funds.md describes the chart of
// accounts, the life of money and the invariants Verify checks.
//
// Balances are derived from the entries, never kept as mutable totals: each
// entry records its account's balance after it, written once under the
// holder's lock, so a balance is one index probe. Entries and movements are
// never updated or deleted (triggers refuse it on both engines); a correction
// is a new movement.
package funds

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Account is one place money sits in the chart of accounts.
type Account string

// The chart of accounts. Law and Budget belong to a budget line; the others
// to an envelope.
const (
	// Law is the counter-account of the budget law: its balance is minus what
	// the law (with its modifications) gives the line. The only account that
	// goes below zero.
	Law Account = "law"
	// Budget is the line's money not yet allocated to any call.
	Budget Account = "budget"
	// Envelope is a call's money not yet reserved.
	Envelope Account = "envelope"
	// Reserved is money set aside for selected or enrolled participants.
	Reserved Account = "reserved"
	// Committed is money promised by an approved plan or contract.
	Committed Account = "committed"
	// Ordered is money whose payment was ordered and awaits the bank.
	Ordered Account = "ordered"
	// Paid is money the bank confirmed paid, awaiting justification.
	Paid Account = "paid"
	// Justified is paid money whose receipts were accepted (final).
	Justified Account = "justified"
	// Recovered is paid money given back (unspent, rejected receipts; final).
	Recovered Account = "recovered"
)

// BudgetAccounts are a budget line's own accounts; EnvelopeAccounts an
// envelope's, in the order money flows.
var (
	BudgetAccounts   = []Account{Law, Budget}
	EnvelopeAccounts = []Account{Envelope, Reserved, Committed, Ordered, Paid, Justified, Recovered}
)

// Kind is what a movement does. Each kind moves its amount from one account
// to another (rules); Verify checks every movement against its kind.
type Kind string

// The movements.
const (
	KindAssign           Kind = "assign"            // law → budget: the budget law assigns
	KindIncrease         Kind = "increase"          // law → budget: a modification up
	KindDecrease         Kind = "decrease"          // budget → law: a modification down
	KindAllocate         Kind = "allocate"          // budget → envelope: money for a call
	KindReturn           Kind = "return"            // envelope → budget: a call's unused money back
	KindReserve          Kind = "reserve"           // envelope → reserved: selection, enrolment
	KindCommit           Kind = "commit"            // reserved → committed: plan or contract approved
	KindOrder            Kind = "order"             // committed → ordered: payment ordered
	KindConfirm          Kind = "confirm"           // ordered → paid: the bank paid
	KindReject           Kind = "reject"            // ordered → committed: the bank rejected it
	KindJustify          Kind = "justify"           // paid → justified: receipts accepted
	KindRecover          Kind = "recover"           // paid → recovered: money given back
	KindReleaseReserved  Kind = "release_reserved"  // reserved → envelope: drop-out before commitment
	KindReleaseCommitted Kind = "release_committed" // committed → envelope: unspent commitment
)

// rule is a kind's one leg: from and to accounts, and whether each sits at
// the budget line's level (true) or the envelope's.
type rule struct {
	from, to         Account
	fromLine, toLine bool
	needsEnvelope    bool
}

var rules = map[Kind]rule{
	KindAssign:           {from: Law, to: Budget, fromLine: true, toLine: true},
	KindIncrease:         {from: Law, to: Budget, fromLine: true, toLine: true},
	KindDecrease:         {from: Budget, to: Law, fromLine: true, toLine: true},
	KindAllocate:         {from: Budget, to: Envelope, fromLine: true, needsEnvelope: true},
	KindReturn:           {from: Envelope, to: Budget, toLine: true, needsEnvelope: true},
	KindReserve:          {from: Envelope, to: Reserved, needsEnvelope: true},
	KindCommit:           {from: Reserved, to: Committed, needsEnvelope: true},
	KindOrder:            {from: Committed, to: Ordered, needsEnvelope: true},
	KindConfirm:          {from: Ordered, to: Paid, needsEnvelope: true},
	KindReject:           {from: Ordered, to: Committed, needsEnvelope: true},
	KindJustify:          {from: Paid, to: Justified, needsEnvelope: true},
	KindRecover:          {from: Paid, to: Recovered, needsEnvelope: true},
	KindReleaseReserved:  {from: Reserved, to: Envelope, needsEnvelope: true},
	KindReleaseCommitted: {from: Committed, to: Envelope, needsEnvelope: true},
}

// Key names a budget line: a year, a programme line and a region.
type Key struct {
	Year   int    `json:"year"`
	Line   string `json:"line"`
	Region string `json:"region"`
}

func (k Key) String() string { return fmt.Sprintf("%d/%s/%s", k.Year, k.Line, k.Region) }

// Movement is one balanced set of entries.
type Movement struct {
	ID     int64     `json:"id"`
	Kind   Kind      `json:"kind"`
	Budget Key       `json:"budget"`
	Call   string    `json:"call,omitempty"`
	Amount int64     `json:"amount"`
	From   Account   `json:"from"`
	To     Account   `json:"to"`
	Ref    string    `json:"ref,omitempty"`
	Note   string    `json:"note,omitempty"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
}

// Store is the funds slice over one database.
type Store struct {
	db   *db.DB
	part participantsConfig // participants.go
	// AgencyOf returns the executing agency's code of agency staff (""
	// for none): cli wires it to programs.Store.AgencyOf; contracts scope
	// agency staff with it (contracts.go). Nil: agency staff see nothing.
	AgencyOf func(ctx context.Context, userID int64) (string, error)
	// Borrowers looks microcredit borrowers up in the social registry and
	// the latest scoring run (set by cli; nil: loan reports are refused).
	Borrowers BorrowersFunc
}

// New returns the funds store over d.
func New(d *db.DB) *Store { return &Store{db: d} }

var (
	lineRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	regionRe = regexp.MustCompile(`^[0-9A-Za-z]{1,10}$`)
	callRe   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$`)
)

func (k Key) validate() error {
	if k.Year < 2000 || k.Year > 2100 {
		return invalid("year", "funds.err.year", k.Year)
	}
	if !lineRe.MatchString(k.Line) {
		return invalid("line", "funds.err.line", k.Line)
	}
	if !regionRe.MatchString(k.Region) {
		return invalid("region", "funds.err.region", k.Region)
	}
	return nil
}

func validCall(call string) error {
	if !callRe.MatchString(call) {
		return invalid("call", "funds.err.call", call)
	}
	return nil
}

// reader returns the caller if it may read the funds of region ("" for
// any region: national reach needed).
func reader(ctx context.Context, region string) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAnalyst, auth.RoleAuditor, auth.RoleFinance:
		return p, nil
	case auth.RoleRegional:
		if region == "" {
			return nil, refuse(fosis.EFORBIDDEN, "funds.err.not_national", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
		}
		if p.SeesRegion(region) {
			return p, nil
		}
		// Out of scope looks like not found.
		return nil, refuse(fosis.ENOTFOUND, "funds.err.out_of_region")
	}
	return nil, refuse(fosis.EFORBIDDEN, "funds.err.role_no_read", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
}

// seesAll reports whether p reads every region's funds.
func seesAll(p *auth.Principal) bool {
	switch p.Role {
	case auth.RoleAdmin, auth.RoleAnalyst, auth.RoleAuditor, auth.RoleFinance:
		return true
	}
	return false
}

// mover returns the caller if it may move money.
func mover(ctx context.Context) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, refuse(fosis.EUNAUTHORIZED, "funds.err.sign_in")
	}
	if p.Role != auth.RoleAdmin && p.Role != auth.RoleFinance {
		return nil, refuse(fosis.EFORBIDDEN, "funds.err.role_no_move", fosis.Phrase{Key: "role." + string(p.Role), Text: string(p.Role)})
	}
	return p, nil
}

// querier is what both *db.DB and *db.Tx answer.
type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// balance returns an account's balance and the seq of its last entry (0, 0
// for an account without entries): one probe of funds_entries_chain.
func balance(ctx context.Context, q querier, budget, envelope int64, a Account) (bal, seq int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT seq, balance_after FROM funds_entries
		WHERE budget_id = ? AND envelope_id = ? AND account = ? ORDER BY seq DESC LIMIT 1`,
		budget, envelope, string(a)).Scan(&seq, &bal)
	if db.IsNoRows(err) {
		return 0, 0, nil
	}
	return bal, seq, err
}

// budgetID finds a budget line (0 when there is none).
func budgetID(ctx context.Context, q querier, k Key) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM funds_budgets WHERE year = ? AND line = ? AND region = ?`,
		k.Year, k.Line, k.Region).Scan(&id)
	if db.IsNoRows(err) {
		return 0, nil
	}
	return id, err
}

// envelopeOf finds a call's envelope and its budget line.
func envelopeOf(ctx context.Context, q querier, call string) (env, budget int64, k Key, err error) {
	err = q.QueryRowContext(ctx, `SELECT e.id, b.id, b.year, b.line, b.region FROM funds_envelopes e
		JOIN funds_budgets b ON b.id = e.budget_id WHERE e.call_code = ?`, call).Scan(&env, &budget, &k.Year, &k.Line, &k.Region)
	if db.IsNoRows(err) {
		return 0, 0, k, refuse(fosis.ENOTFOUND, "funds.err.no_envelope", call)
	}
	return env, budget, k, err
}

// lock takes the holders' lock rows in a fixed order (budget line, then
// envelope), so that two movements never wait on each other in a cycle. On
// SQLite the transaction already holds the single write lock (BEGIN
// IMMEDIATE), which serialises every movement.
func lock(ctx context.Context, tx *db.Tx, budget, envelope int64) error {
	if tx.DB().Engine != db.Postgres {
		return nil
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM funds_budgets WHERE id = ? FOR UPDATE`, budget).Scan(&id); err != nil {
		return fmt.Errorf("funds: lock budget %d: %w", budget, err)
	}
	if envelope != 0 {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM funds_envelopes WHERE id = ? FOR UPDATE`, envelope).Scan(&id); err != nil {
			return fmt.Errorf("funds: lock envelope %d: %w", envelope, err)
		}
	}
	return nil
}

// post writes movement m (kind, amount, ref, note set) of budget line
// budget and envelope env inside tx, under the holders' lock: the source
// account must hold the amount (except Law), else nothing is written.
func post(ctx context.Context, tx *db.Tx, p *auth.Principal, m *Movement, budget, env int64) error {
	r := rules[m.Kind]
	if err := lock(ctx, tx, budget, env); err != nil {
		return err
	}
	level := func(line bool) int64 {
		if line {
			return 0
		}
		return env
	}
	fromEnv, toEnv := level(r.fromLine), level(r.toLine)
	fromBal, fromSeq, err := balance(ctx, tx, budget, fromEnv, r.from)
	if err != nil {
		return err
	}
	if r.from != Law && fromBal < m.Amount {
		return refuse(fosis.ECONFLICT, "funds.err.insufficient", fosis.Phrase{Key: "funds.account." + string(r.from), Text: string(r.from)},
			fosis.Pesos(fromBal), fosis.Pesos(m.Amount))
	}
	toBal, toSeq, err := balance(ctx, tx, budget, toEnv, r.to)
	if err != nil {
		return err
	}
	d := tx.DB()
	m.ID, err = tx.InsertID(ctx, `INSERT INTO funds_movements (kind, budget_id, envelope_id, amount, ref, note, at, actor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, string(m.Kind), budget, env, m.Amount, m.Ref, m.Note, d.Time(tx.Now), p.Username)
	if err != nil {
		return fmt.Errorf("funds: write movement: %w", err)
	}
	const ins = `INSERT INTO funds_entries (movement_id, budget_id, envelope_id, account, seq, amount, balance_after) VALUES (?, ?, ?, ?, ?, ?, ?)`
	if _, err := tx.ExecContext(ctx, ins, m.ID, budget, fromEnv, string(r.from), fromSeq+1, -m.Amount, fromBal-m.Amount); err != nil {
		return fmt.Errorf("funds: write entry: %w", err)
	}
	if _, err := tx.ExecContext(ctx, ins, m.ID, budget, toEnv, string(r.to), toSeq+1, m.Amount, toBal+m.Amount); err != nil {
		return fmt.Errorf("funds: write entry: %w", err)
	}
	m.From, m.To, m.At, m.Actor = r.from, r.to, tx.Now, p.Username
	_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "funds." + string(m.Kind),
		Entity: "funds_movement", EntityID: strconv.FormatInt(m.ID, 10), After: m})
	return err
}

func checkAmount(a int64) error {
	if a <= 0 {
		return invalid("amount", "funds.err.amount", a)
	}
	return nil
}

// Assign records the budget law's assignment to a budget line (creating the
// line on its first assignment).
func (s *Store) Assign(ctx context.Context, k Key, amount int64, note string) (Movement, error) {
	return s.lineMove(ctx, k, KindAssign, amount, note, true)
}

// Modify records a modification of a budget line: delta pesos up or down.
// Down is refused when the line's unallocated budget does not cover it.
func (s *Store) Modify(ctx context.Context, k Key, delta int64, note string) (Movement, error) {
	if delta == 0 {
		return Movement{}, invalid("amount", "funds.err.delta")
	}
	if delta > 0 {
		return s.lineMove(ctx, k, KindIncrease, delta, note, false)
	}
	return s.lineMove(ctx, k, KindDecrease, -delta, note, false)
}

func (s *Store) lineMove(ctx context.Context, k Key, kind Kind, amount int64, note string, create bool) (Movement, error) {
	p, err := mover(ctx)
	if err != nil {
		return Movement{}, err
	}
	if err := k.validate(); err != nil {
		return Movement{}, err
	}
	if err := checkAmount(amount); err != nil {
		return Movement{}, err
	}
	m := Movement{Kind: kind, Budget: k, Amount: amount, Note: note}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if create {
			if _, err := tx.ExecContext(ctx, `INSERT INTO funds_budgets (year, line, region, created_at, created_by) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (year, line, region) DO NOTHING`, k.Year, k.Line, k.Region, tx.DB().Time(tx.Now), p.Username); err != nil {
				return err
			}
		}
		id, err := budgetID(ctx, tx, k)
		if err != nil {
			return err
		}
		if id == 0 {
			return refuse(fosis.ENOTFOUND, "funds.err.no_budget", k.Year, k.Line, k.Region)
		}
		return post(ctx, tx, p, &m, id, 0)
	})
	return m, err
}

// Allocate moves amount from a budget line to the envelope of call (created
// on the first allocation; a call's envelope draws on one budget line only).
func (s *Store) Allocate(ctx context.Context, k Key, call string, amount int64, note string) (Movement, error) {
	p, err := mover(ctx)
	if err != nil {
		return Movement{}, err
	}
	if err := k.validate(); err != nil {
		return Movement{}, err
	}
	if err := validCall(call); err != nil {
		return Movement{}, err
	}
	if err := checkAmount(amount); err != nil {
		return Movement{}, err
	}
	m := Movement{Kind: KindAllocate, Budget: k, Call: call, Amount: amount, Note: note}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		id, err := budgetID(ctx, tx, k)
		if err != nil {
			return err
		}
		if id == 0 {
			return refuse(fosis.ENOTFOUND, "funds.err.no_budget", k.Year, k.Line, k.Region)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO funds_envelopes (budget_id, call_code, created_at, created_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (call_code) DO NOTHING`, id, call, tx.DB().Time(tx.Now), p.Username); err != nil {
			return err
		}
		env, bid, ek, err := envelopeOf(ctx, tx, call)
		if err != nil {
			return err
		}
		if bid != id {
			return refuse(fosis.ECONFLICT, "funds.err.other_budget", call, ek.Year, ek.Line, ek.Region)
		}
		return post(ctx, tx, p, &m, id, env)
	})
	return m, err
}

// Move posts one envelope movement of kind (return, reserve, commit, order,
// confirm, reject, justify, recover, release_reserved, release_committed)
// for call. ref names what the money is for (an enrolment, a plan, a
// payment); the source account must hold the amount, else nothing moves.
func (s *Store) Move(ctx context.Context, call string, kind Kind, amount int64, ref, note string) (Movement, error) {
	p, err := mover(ctx)
	if err != nil {
		return Movement{}, err
	}
	r, ok := rules[kind]
	if !ok || !r.needsEnvelope || kind == KindAllocate {
		return Movement{}, fmt.Errorf("funds: %q is not an envelope movement", kind)
	}
	if err := validCall(call); err != nil {
		return Movement{}, err
	}
	if err := checkAmount(amount); err != nil {
		return Movement{}, err
	}
	m := Movement{Kind: kind, Call: call, Amount: amount, Ref: ref, Note: note}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		env, bid, k, err := envelopeOf(ctx, tx, call)
		if err != nil {
			return err
		}
		m.Budget = k
		return post(ctx, tx, p, &m, bid, env)
	})
	return m, err
}

// Release gives reserved or committed money of call back to its envelope.
func (s *Store) Release(ctx context.Context, call string, from Account, amount int64, ref, note string) (Movement, error) {
	switch from {
	case Reserved:
		return s.Move(ctx, call, KindReleaseReserved, amount, ref, note)
	case Committed:
		return s.Move(ctx, call, KindReleaseCommitted, amount, ref, note)
	}
	return Movement{}, invalid("from", "funds.err.release_from", string(from))
}

// ParseAccount reads an account name.
func ParseAccount(s string) (Account, error) {
	for _, a := range append(append([]Account{}, BudgetAccounts...), EnvelopeAccounts...) {
		if string(a) == s {
			return a, nil
		}
	}
	names := make([]string, 0, 9)
	for _, a := range append(append([]Account{}, BudgetAccounts...), EnvelopeAccounts...) {
		names = append(names, string(a))
	}
	return "", invalid("account", "funds.err.account", s, strings.Join(names, ", "))
}
