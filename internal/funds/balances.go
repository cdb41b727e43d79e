package funds

import (
	"context"

	"github.com/fosis/fosis"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Row is the state of a budget line (Call "") or of one of its envelopes:
// every account's balance, derived from the ledger. A line's row adds up its
// envelopes' accounts.
type Row struct {
	Budget Key    `json:"budget"`
	Call   string `json:"call,omitempty"`
	// Assigned is what the budget law gives the line, modifications included
	// (minus the Law account); lines only.
	Assigned    int64 `json:"assigned"`
	Unallocated int64 `json:"unallocated"`
	Envelope    int64 `json:"envelope"`
	Reserved    int64 `json:"reserved"`
	Committed   int64 `json:"committed"`
	Ordered     int64 `json:"ordered"`
	Paid        int64 `json:"paid"`
	Justified   int64 `json:"justified"`
	Recovered   int64 `json:"recovered"`
}

func (r *Row) add(a Account, v int64) {
	switch a {
	case Law:
		r.Assigned -= v
	case Budget:
		r.Unallocated += v
	case Envelope:
		r.Envelope += v
	case Reserved:
		r.Reserved += v
	case Committed:
		r.Committed += v
	case Ordered:
		r.Ordered += v
	case Paid:
		r.Paid += v
	case Justified:
		r.Justified += v
	case Recovered:
		r.Recovered += v
	}
}

// Filter selects budget lines: a zero field selects every value.
type Filter struct {
	Year   int
	Line   string
	Region string
}

// Balances returns, for every budget line the filter and the caller's scope
// select (a regional officer reads only their region), the line's row
// followed by its envelopes' rows, ordered by year, line and region.
func (s *Store) Balances(ctx context.Context, f Filter) ([]Row, error) {
	// A regional officer's listing is their region's.
	if p := auth.FromContext(ctx); p != nil && p.Role == auth.RoleRegional && f.Region == "" {
		f.Region = p.RegionCode
	}
	if _, err := reader(ctx, f.Region); err != nil {
		if fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return nil, nil // another region's lines look like none
		}
		return nil, err
	}
	type line struct {
		id int64
		k  Key
	}
	var lines []line
	rows, err := s.db.QueryContext(ctx, `SELECT id, year, line, region FROM funds_budgets
		WHERE (? = 0 OR year = ?) AND (? = '' OR line = ?) AND (? = '' OR region = ?) ORDER BY year, line, region`,
		f.Year, f.Year, f.Line, f.Line, f.Region, f.Region)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var l line
		if err := rows.Scan(&l.id, &l.k.Year, &l.k.Line, &l.k.Region); err != nil {
			rows.Close()
			return nil, err
		}
		lines = append(lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Row
	for _, l := range lines {
		lr := Row{Budget: l.k}
		for _, a := range BudgetAccounts {
			v, _, err := balance(ctx, s.db, l.id, 0, a)
			if err != nil {
				return nil, err
			}
			lr.add(a, v)
		}
		envs, err := s.envelopes(ctx, l.id)
		if err != nil {
			return nil, err
		}
		var ers []Row
		for _, e := range envs {
			er := Row{Budget: l.k, Call: e.call}
			for _, a := range EnvelopeAccounts {
				v, _, err := balance(ctx, s.db, l.id, e.id, a)
				if err != nil {
					return nil, err
				}
				er.add(a, v)
				lr.add(a, v)
			}
			ers = append(ers, er)
		}
		out = append(out, lr)
		out = append(out, ers...)
	}
	return out, nil
}

type envRow struct {
	id   int64
	call string
}

func (s *Store) envelopes(ctx context.Context, budget int64) ([]envRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, call_code FROM funds_envelopes WHERE budget_id = ? ORDER BY call_code`, budget)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []envRow
	for rows.Next() {
		var e envRow
		if err := rows.Scan(&e.id, &e.call); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EnvelopeBalance returns one account's balance in call's envelope: one
// index probe, however many entries the ledger holds.
func (s *Store) EnvelopeBalance(ctx context.Context, call string, a Account) (int64, error) {
	env, bid, k, err := envelopeOf(ctx, s.db, call)
	if err != nil {
		return 0, err
	}
	if _, err := reader(ctx, k.Region); err != nil {
		return 0, hidden(err, call)
	}
	v, _, err := balance(ctx, s.db, bid, env, a)
	return v, err
}

// Movements returns the movements of call's envelope, oldest first.
func (s *Store) Movements(ctx context.Context, call string) ([]Movement, error) {
	env, _, k, err := envelopeOf(ctx, s.db, call)
	if err != nil {
		return nil, err
	}
	if _, err := reader(ctx, k.Region); err != nil {
		return nil, hidden(err, call)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, amount, ref, note, at, actor FROM funds_movements
		WHERE envelope_id = ? ORDER BY id`, env)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Movement
	for rows.Next() {
		m := Movement{Budget: k, Call: call}
		var at db.Instant
		if err := rows.Scan(&m.ID, &m.Kind, &m.Amount, &m.Ref, &m.Note, &at, &m.Actor); err != nil {
			return nil, err
		}
		m.At = at.Time
		r := rules[m.Kind]
		m.From, m.To = r.from, r.to
		out = append(out, m)
	}
	return out, rows.Err()
}

// hidden makes another region's envelope answer exactly as a call without
// one, so that a regional officer learns nothing of it.
func hidden(err error, call string) error {
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return refuse(fosis.ENOTFOUND, "funds.err.no_envelope", call)
	}
	return err
}
