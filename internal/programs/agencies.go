package programs

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Agency is an executing agency (ejecutor) hired by tender.
type Agency struct {
	ID        int64      `json:"id"`
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Contracts []Contract `json:"contracts"`
}

// Contract is a tendered contract: which line the agency runs, where
// (communes), for how many families and with what budget.
type Contract struct {
	ID         int64    `json:"id"`
	Line       string   `json:"program"`
	TenderCode string   `json:"tender_code"`
	StartsOn   string   `json:"starts_on"`
	EndsOn     string   `json:"ends_on"`
	Families   int      `json:"families"`
	BudgetCLP  int64    `json:"budget_clp"`
	Communes   []string `json:"communes"`
}

// CreateAgency adds an executing agency.
func (s *Store) CreateAgency(ctx context.Context, code, name string) (*Agency, error) {
	if _, err := s.manager(ctx); err != nil {
		return nil, err
	}
	if !validCode(code) {
		e := refuse(fosis.EINVALID, "programs.err.agency_code", code)
		e.Fields = []fosis.FieldError{problem("code", "programs.err.code_chars")}
		return nil, e
	}
	if name == "" {
		e := refuse(fosis.EINVALID, "programs.err.agency_name")
		e.Fields = []fosis.FieldError{problem("name", "programs.err.required")}
		return nil, e
	}
	a := &Agency{Code: code, Name: name, Contracts: []Contract{}}
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		var err error
		a.ID, err = tx.InsertID(ctx, `INSERT INTO agencies (code, name, created_at) VALUES (?, ?, ?)`, code, name, tx.DB().Time(tx.Now))
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return refuse(fosis.ECONFLICT, "programs.err.agency_exists", code)
		}
		if err != nil {
			return err
		}
		return record(ctx, tx, "agency.create", "agency", code, nil, a)
	})
	return a, err
}

// AddContract records a tendered contract of agency code.
func (s *Store) AddContract(ctx context.Context, agency string, c Contract) (*Contract, error) {
	if _, err := s.manager(ctx); err != nil {
		return nil, err
	}
	var bad []fosis.FieldError
	starts, err1 := time.Parse(time.DateOnly, c.StartsOn)
	ends, err2 := time.Parse(time.DateOnly, c.EndsOn)
	if err1 != nil || err2 != nil || ends.Before(starts) {
		bad = append(bad, problem("starts_on", "programs.err.contract_dates"))
	}
	if c.Families < 1 {
		bad = append(bad, problem("families", "programs.err.contract_families"))
	}
	if c.BudgetCLP < 1 {
		bad = append(bad, problem("budget_clp", "programs.err.contract_budget"))
	}
	if c.TenderCode == "" {
		bad = append(bad, problem("tender_code", "programs.err.required"))
	}
	if len(c.Communes) == 0 {
		bad = append(bad, problem("communes", "programs.err.contract_communes"))
	}
	for _, cc := range c.Communes {
		if _, ok := s.terr.CommuneIndex(cc); !ok {
			bad = append(bad, problem("communes", "programs.err.not_commune", cc))
		}
	}
	if len(bad) > 0 {
		return nil, firstOf("programs.err.invalid_contract", bad)
	}
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		var ag, line int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM agencies WHERE code = ?`, agency).Scan(&ag); err == sql.ErrNoRows {
			return refuse(fosis.ENOTFOUND, "programs.err.no_agency_code", agency)
		} else if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM program_lines WHERE code = ?`, c.Line).Scan(&line); err == sql.ErrNoRows {
			return refuse(fosis.ENOTFOUND, "programs.err.no_programme_plain", c.Line)
		} else if err != nil {
			return err
		}
		var err error
		c.ID, err = tx.InsertID(ctx, `INSERT INTO agency_contracts (agency, line, tender_code, starts_on, ends_on, families, budget_clp, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ag, line, c.TenderCode, d.Date(starts), d.Date(ends), c.Families, c.BudgetCLP, d.Time(tx.Now))
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return refuse(fosis.ECONFLICT, "programs.err.tender_exists", c.TenderCode)
		}
		if err != nil {
			return err
		}
		for _, cc := range c.Communes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO agency_contract_communes (contract, commune_code) VALUES (?, ?) ON CONFLICT DO NOTHING`, c.ID, cc); err != nil {
				return err
			}
		}
		return record(ctx, tx, "agency.contract", "agency_contract", strconv.FormatInt(c.ID, 10), nil, c)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// AddStaff makes user userID staff of agency code (an agency user sees
// only its contracts' applicants and participants).
func (s *Store) AddStaff(ctx context.Context, userID int64, agency string) error {
	if _, err := s.manager(ctx); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		var ag int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM agencies WHERE code = ?`, agency).Scan(&ag); err == sql.ErrNoRows {
			return refuse(fosis.ENOTFOUND, "programs.err.no_agency_code", agency)
		} else if err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO agency_staff (user_id, agency) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET agency = excluded.agency`, userID, ag)
		if fosis.ErrorCode(err) == fosis.EINVALID || fosis.ErrorCode(err) == fosis.ENOTFOUND {
			return refuse(fosis.ENOTFOUND, "programs.err.no_user", userID)
		}
		if err != nil {
			return err
		}
		return record(ctx, tx, "agency.staff", "user", strconv.FormatInt(userID, 10), nil, map[string]string{"agency": agency})
	})
}

// Agencies lists the agencies the caller may see (all for national staff,
// its own for agency staff) with their contracts.
func (s *Store) Agencies(ctx context.Context) ([]Agency, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	out := []Agency{}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var a Agency
		var cid, fam, budget sql.NullInt64
		var line, tender, commune sql.NullString
		var nullStarts, nullEnds sql.Null[db.Day]
		if err := rows.Scan(&a.ID, &a.Code, &a.Name, &cid, &line, &tender, &nullStarts, &nullEnds, &fam, &budget, &commune); err != nil {
			return err
		}
		if !v.national && a.ID != v.agency {
			return nil
		}
		if len(out) == 0 || out[len(out)-1].ID != a.ID {
			a.Contracts = []Contract{}
			out = append(out, a)
		}
		last := &out[len(out)-1]
		if !cid.Valid {
			return nil
		}
		if n := len(last.Contracts); n == 0 || last.Contracts[n-1].ID != cid.Int64 {
			last.Contracts = append(last.Contracts, Contract{ID: cid.Int64, Line: line.String, TenderCode: tender.String,
				StartsOn: nullStarts.V.Format(time.DateOnly), EndsOn: nullEnds.V.Format(time.DateOnly), Families: int(fam.Int64), BudgetCLP: budget.Int64})
		}
		c := &last.Contracts[len(last.Contracts)-1]
		if commune.Valid {
			c.Communes = append(c.Communes, commune.String)
		}
		return nil
	}, `SELECT a.id, a.code, a.name, c.id, l.code, c.tender_code, c.starts_on, c.ends_on, c.families, c.budget_clp, cc.commune_code
		FROM agencies a LEFT JOIN agency_contracts c ON c.agency = a.id LEFT JOIN program_lines l ON l.id = c.line
		LEFT JOIN agency_contract_communes cc ON cc.contract = c.id
		ORDER BY a.code, c.id, cc.commune_code`)
	if err != nil {
		return nil, err
	}
	return out, nil
}
