package programs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// Areas of the fund's offer.
const (
	AreaEntrepreneurship  = "entrepreneurship"
	AreaEmployment        = "employment"
	AreaSocialDevelopment = "social_development"
)

// Applicant units: who applies and who participates.
const (
	UnitPerson    = "person"
	UnitHousehold = "household"
)

// Program is one version of a programme line: the line keeps its code and
// identity across the years while its name, amounts and components change.
type Program struct {
	LineID    int64  `json:"line_id"`
	Code      string `json:"code"`
	Area      string `json:"area"`
	Unit      string `json:"unit"`
	VersionID int64  `json:"version_id"`
	Version   int    `json:"version"`
	NameES    string `json:"name_es"`
	NameEN    string `json:"name_en"`
	AmountCLP int64  `json:"amount_clp"`
	Months    int    `json:"duration_months"`
	Spec      Spec   `json:"spec"`
	CreatedAt string `json:"created_at,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
}

// Spec is a programme version's description: components, target group, the
// source of its figures and its default eligibility rules (a call starts
// from them).
type Spec struct {
	ComponentsES []string `json:"components_es"`
	ComponentsEN []string `json:"components_en"`
	TargetES     string   `json:"target_es"`
	TargetEN     string   `json:"target_en"`
	Source       string   `json:"source,omitempty"`
	Rules        []Rule   `json:"rules"`
	// Invitation marks a line that takes no applications: its calls fill
	// their places by invitation from a ranked list of the eligible
	// households of their territory (docs/selection.md).
	Invitation bool `json:"invitation,omitempty"`
}

// Name returns the programme's name in lang.
func (p *Program) Name(lang string) string {
	if lang == "en" {
		return p.NameEN
	}
	return p.NameES
}

// Validate checks a programme version before it is stored.
func (p *Program) Validate() error {
	var bad []fosis.FieldError
	add := func(name, key string, args ...any) { bad = append(bad, problem(name, key, args...)) }
	if !validCode(p.Code) {
		add("code", "programs.err.programme_code", p.Code)
	}
	if p.Area != AreaEntrepreneurship && p.Area != AreaEmployment && p.Area != AreaSocialDevelopment {
		add("area", "programs.err.not_area", p.Area)
	}
	if p.Unit != UnitPerson && p.Unit != UnitHousehold {
		add("unit", "programs.err.not_unit", p.Unit)
	}
	if strings.TrimSpace(p.NameES) == "" || strings.TrimSpace(p.NameEN) == "" {
		add("name", "programs.err.programme_name")
	}
	if p.AmountCLP < 0 {
		add("amount_clp", "programs.err.amount_negative")
	}
	if p.Months < 1 {
		add("duration_months", "programs.err.duration")
	}
	if p.Spec.Invitation && p.Unit != UnitHousehold {
		add("spec.invitation", "programs.err.invitation_unit")
	}
	if _, err := CompileRules(p.Spec.Rules, "spec.rules"); err != nil {
		bad = append(bad, err.(*fosis.Error).Fields...)
	}
	if len(bad) > 0 {
		return firstOf("programs.err.invalid_programme", bad)
	}
	return nil
}

// sameVersion reports whether p says nothing a's version does not: a
// version that changes nothing is refused rather than stored. Empty and
// missing lists are the same.
func sameVersion(a, p *Program) bool {
	x, y := a.Spec, p.Spec
	return a.NameES == p.NameES && a.NameEN == p.NameEN && a.AmountCLP == p.AmountCLP && a.Months == p.Months &&
		slices.Equal(x.ComponentsES, y.ComponentsES) && slices.Equal(x.ComponentsEN, y.ComponentsEN) &&
		x.TargetES == y.TargetES && x.TargetEN == y.TargetEN && x.Source == y.Source && x.Invitation == y.Invitation &&
		slices.Equal(x.Rules, y.Rules)
}

const programSelect = `SELECT l.id, l.code, l.area, l.unit, v.id, v.version, v.name_es, v.name_en, v.amount_clp,
	v.duration_months, v.spec, v.created_at, v.created_by
	FROM program_lines l JOIN program_versions v ON v.line = l.id`

func scanProgram(sc interface{ Scan(...any) error }) (*Program, error) {
	var p Program
	var spec string
	var at db.Instant
	if err := sc.Scan(&p.LineID, &p.Code, &p.Area, &p.Unit, &p.VersionID, &p.Version, &p.NameES, &p.NameEN,
		&p.AmountCLP, &p.Months, &spec, &at, &p.CreatedBy); err != nil {
		return nil, err
	}
	p.CreatedAt = at.Format(time.RFC3339)
	if err := json.Unmarshal([]byte(spec), &p.Spec); err != nil {
		return nil, fmt.Errorf("programme %s version %d: %w", p.Code, p.Version, err)
	}
	return &p, nil
}

// Programs lists the current version of every programme line, by area and
// code.
func (s *Store) Programs(ctx context.Context) ([]Program, error) {
	if _, err := s.who(ctx); err != nil {
		return nil, err
	}
	return db.Collect(ctx, s.db, scanProgramValue, programSelect+` WHERE v.version = (SELECT max(version) FROM program_versions WHERE line = l.id)
		ORDER BY l.area, l.code`)
}

// scanProgramValue is scanProgram for db.Collect.
func scanProgramValue(rows *sql.Rows) (Program, error) {
	p, err := scanProgram(rows)
	if err != nil {
		return Program{}, err
	}
	return *p, nil
}

// Program returns a line's current version (version 0) or the given one.
func (s *Store) Program(ctx context.Context, code string, version int) (*Program, error) {
	if _, err := s.who(ctx); err != nil {
		return nil, err
	}
	return s.program(ctx, s.db, code, version)
}

func (s *Store) program(ctx context.Context, q db.Querier, code string, version int) (*Program, error) {
	var row *sql.Row
	if version == 0 {
		row = q.QueryRowContext(ctx, programSelect+` WHERE l.code = ? ORDER BY v.version DESC LIMIT 1`, code)
	} else {
		row = q.QueryRowContext(ctx, programSelect+` WHERE l.code = ? AND v.version = ?`, code, version)
	}
	p, err := scanProgram(row)
	if err == sql.ErrNoRows {
		if version == 0 {
			return nil, refuse(fosis.ENOTFOUND, "programs.err.no_programme", code)
		}
		return nil, refuse(fosis.ENOTFOUND, "programs.err.no_version", code, version)
	}
	return p, err
}

// History lists every version of a line, oldest first.
func (s *Store) History(ctx context.Context, code string) ([]Program, error) {
	if _, err := s.who(ctx); err != nil {
		return nil, err
	}
	out, err := db.Collect(ctx, s.db, scanProgramValue, programSelect+` WHERE l.code = ? ORDER BY v.version`, code)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, refuse(fosis.ENOTFOUND, "programs.err.no_programme", code)
	}
	return out, nil
}

// SaveProgram stores p as a new version of its line (creating the line the
// first time). The line's area and unit never change: a programme that
// changes them is a new line.
func (s *Store) SaveProgram(ctx context.Context, p *Program) (*Program, error) {
	if _, err := s.manager(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out *Program
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.saveProgram(ctx, tx, p)
		return err
	})
	return out, err
}

func (s *Store) saveProgram(ctx context.Context, tx *db.Tx, p *Program) (*Program, error) {
	d := tx.DB()
	var line int64
	var area, unit string
	err := tx.QueryRowContext(ctx, `SELECT id, area, unit FROM program_lines WHERE code = ?`, p.Code).Scan(&line, &area, &unit)
	var before *Program
	switch {
	case err == sql.ErrNoRows:
		line, err = tx.InsertID(ctx, `INSERT INTO program_lines (code, area, unit, created_at) VALUES (?, ?, ?, ?)`, p.Code, p.Area, p.Unit, d.Time(tx.Now))
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case area != p.Area || unit != p.Unit:
		return nil, refuse(fosis.ECONFLICT, "programs.err.area_unit_fixed", p.Code, areaTerm(area), unitTerm(unit))
	default:
		if before, err = s.program(ctx, tx, p.Code, 0); err != nil {
			return nil, err
		}
	}
	if before != nil && sameVersion(before, p) {
		return nil, refuse(fosis.ECONFLICT, "programs.err.unchanged", before.Version, p.Code)
	}
	version := 1
	if before != nil {
		version = before.Version + 1
	}
	spec, err := json.Marshal(p.Spec)
	if err != nil {
		return nil, err
	}
	by := principalName(ctx)
	if _, err := tx.InsertID(ctx, `INSERT INTO program_versions (line, version, name_es, name_en, spec, amount_clp, duration_months, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, line, version, p.NameES, p.NameEN, string(spec), p.AmountCLP, p.Months, d.Time(tx.Now), by); err != nil {
		return nil, err
	}
	out, err := s.program(ctx, tx, p.Code, version)
	if err != nil {
		return nil, err
	}
	return out, record(ctx, tx, "program.version", "program", p.Code+"/"+strconv.Itoa(version), before, out)
}
