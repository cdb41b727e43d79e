package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
)

// ServiceDimensions are the dimensions of the minimum conditions a public
// service may serve: the seven of Puente (identificación, salud, educación,
// dinámica familiar, habitabilidad, trabajo, ingresos), keyed as the
// seeded methodology keys them.
var ServiceDimensions = []string{"identificacion", "salud", "educacion", "dinamica", "habitabilidad", "trabajo", "ingresos"}

// Service is one service of the public social support network in a
// commune: who gives it, what it is, which dimensions it serves, what it
// asks for and how to reach it. The directory is public information: every
// user with access to cases reads all of it; national staff edit all of it
// and regional officers their region's communes.
type Service struct {
	ID           int64    `json:"id"`
	Commune      string   `json:"commune"`
	Region       string   `json:"region"`
	Institution  string   `json:"institution"`
	Name         string   `json:"service"`
	Dimensions   []string `json:"dimensions"`
	Requirements string   `json:"requirements"`
	Contact      string   `json:"contact"`
	Active       bool     `json:"active"`
	UpdatedAt    string   `json:"updated_at,omitempty"`
	UpdatedBy    string   `json:"updated_by,omitempty"`
}

// Serves reports whether the service serves dimension key.
func (v Service) Serves(key string) bool { return slices.Contains(v.Dimensions, key) }

// ServiceFilter narrows the directory.
type ServiceFilter struct {
	Commune   string `json:"commune,omitempty"`
	Region    string `json:"region,omitempty"`
	Dimension string `json:"dimension,omitempty"`
	// All includes the services no longer active.
	All bool `json:"all,omitempty"`
}

const serviceSelect = `SELECT id, commune_code, region_code, institution, name, dimensions, requirements, contact, active, updated_at, updated_by FROM delivery_services`

func scanService(sc rowScanner) (*Service, error) {
	var v Service
	var dims string
	var active int
	var at db.Instant
	if err := sc.Scan(&v.ID, &v.Commune, &v.Region, &v.Institution, &v.Name, &dims, &v.Requirements, &v.Contact, &active, &at, &v.UpdatedBy); err != nil {
		return nil, err
	}
	v.Dimensions = splitList(dims)
	v.Active = active == 1
	v.UpdatedAt = at.Format(time.RFC3339)
	return &v, nil
}

// splitList splits a "|"-separated list, dropping empty items.
func splitList(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, "|") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// Services lists the directory's services that match f (active ones unless
// f.All), by commune, institution and name, at most limit (1–1000).
func (s *Store) Services(ctx context.Context, f ServiceFilter, limit int) ([]Service, error) {
	if _, err := s.access(ctx); err != nil {
		return nil, err
	}
	if limit < 1 || limit > 1000 {
		limit = 500
	}
	conds, args := []string{"1 = 1"}, []any{}
	if f.Commune != "" {
		conds, args = append(conds, "commune_code = ?"), append(args, f.Commune)
	}
	if f.Region != "" {
		conds, args = append(conds, "region_code = ?"), append(args, f.Region)
	}
	if f.Dimension != "" {
		if !slices.Contains(ServiceDimensions, f.Dimension) {
			return nil, withField(refuse(fosis.EINVALID, "delivery.err.service_dimension", f.Dimension), "dimension")
		}
		// Dimensions are stored as "|a|b|", so that a key is found whole.
		conds, args = append(conds, "dimensions LIKE ?"), append(args, "%|"+f.Dimension+"|%")
	}
	if !f.All {
		conds = append(conds, "active = 1")
	}
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (Service, error) {
		v, err := scanService(rows)
		if err != nil {
			return Service{}, err
		}
		return *v, nil
	}, serviceSelect+` WHERE `+strings.Join(conds, " AND ")+fmt.Sprintf(` ORDER BY commune_code, institution, name, id LIMIT %d`, limit), args...)
}

// Service returns one service of the directory.
func (s *Store) Service(ctx context.Context, id int64) (*Service, error) {
	if _, err := s.access(ctx); err != nil {
		return nil, err
	}
	v, err := scanService(s.db.QueryRowContext(ctx, serviceSelect+` WHERE id = ?`, id))
	if db.IsNoRows(err) {
		return nil, refuse(fosis.ENOTFOUND, "delivery.err.no_service", id)
	}
	return v, err
}

// editor returns the caller's reach if they may edit the directory:
// national staff who write, and regional officers (their region's communes).
func (s *Store) editor(ctx context.Context) (*reach, error) {
	r, err := s.writer(ctx)
	if err != nil {
		return nil, err
	}
	if !r.national && r.region == "" {
		return nil, refuse(fosis.EFORBIDDEN, "delivery.err.directory_staff")
	}
	return r, nil
}

// MayEditDirectory reports whether the caller may add services (to some
// commune), for the pages to offer the form.
func (s *Store) MayEditDirectory(ctx context.Context) bool {
	_, err := s.editor(ctx)
	return err == nil
}

// EditableService returns a service the caller may edit; one of another
// region answers like a missing one.
func (s *Store) EditableService(ctx context.Context, id int64) (*Service, error) {
	r, err := s.editor(ctx)
	if err != nil {
		return nil, err
	}
	v, err := scanService(s.db.QueryRowContext(ctx, serviceSelect+` WHERE id = ?`, id))
	if db.IsNoRows(err) || (err == nil && !r.national && v.Region != r.region) {
		return nil, refuse(fosis.ENOTFOUND, "delivery.err.no_service", id)
	}
	return v, err
}

// territory is the country's territory (communes and their regions).
func (s *Store) territory() *geo.Territory {
	if s.reg == nil {
		return nil
	}
	return s.reg.Territory()
}

// communeRegion returns the region of commune code ("" for no such commune).
func (s *Store) communeRegion(code string) string {
	t := s.territory()
	if t == nil {
		return ""
	}
	i, ok := t.CommuneIndex(code)
	if !ok {
		return ""
	}
	return t.Communes[i].RegionCode
}

// checkService normalises v and returns every problem with it, each named
// by its field, for a caller of reach r.
func (s *Store) checkService(r *reach, v *Service) []fosis.FieldError {
	v.Institution, v.Name = clean(v.Institution), clean(v.Name)
	v.Requirements, v.Contact = strings.TrimSpace(v.Requirements), clean(v.Contact)
	var bad []fosis.FieldError
	v.Region = s.communeRegion(v.Commune)
	switch {
	case strings.TrimSpace(v.Commune) == "":
		bad = append(bad, field("commune", "delivery.err.required"))
	case v.Region == "" || (!r.national && v.Region != r.region):
		// Out of the officer's region answers like a commune that does not exist.
		bad = append(bad, field("commune", "delivery.err.service_commune", v.Commune))
	}
	if v.Institution == "" {
		bad = append(bad, field("institution", "delivery.err.required"))
	} else if len([]rune(v.Institution)) > 160 {
		bad = append(bad, field("institution", "delivery.err.too_long", 160))
	}
	if v.Name == "" {
		bad = append(bad, field("service", "delivery.err.required"))
	} else if len([]rune(v.Name)) > 160 {
		bad = append(bad, field("service", "delivery.err.too_long", 160))
	}
	if len([]rune(v.Requirements)) > 2000 {
		bad = append(bad, field("requirements", "delivery.err.too_long", 2000))
	}
	if len([]rune(v.Contact)) > 300 {
		bad = append(bad, field("contact", "delivery.err.too_long", 300))
	}
	var dims []string
	for _, d := range v.Dimensions {
		d = strings.TrimSpace(d)
		switch {
		case d == "" || slices.Contains(dims, d):
		case !slices.Contains(ServiceDimensions, d):
			bad = append(bad, field("dimensions", "delivery.err.service_dimension", d))
		default:
			dims = append(dims, d)
		}
	}
	// In the order of ServiceDimensions, so that equal sets store equally.
	v.Dimensions = []string{}
	for _, d := range ServiceDimensions {
		if slices.Contains(dims, d) {
			v.Dimensions = append(v.Dimensions, d)
		}
	}
	return bad
}

// storedDims is how dimensions are stored: "|a|b|" ("" for none).
func storedDims(dims []string) string {
	if len(dims) == 0 {
		return ""
	}
	return "|" + strings.Join(dims, "|") + "|"
}

// invalidService is the refusal of a service with problems, naming each.
func invalidService(bad []fosis.FieldError) *fosis.Error {
	e := refuse(fosis.EINVALID, "delivery.err.invalid_service", bad[0].Field, fosis.Phrase{Key: bad[0].Key, Args: bad[0].Args, Text: bad[0].Message})
	e.Fields = bad
	return e
}

// SaveService adds a service to the directory (v.ID 0) or changes one,
// within the caller's territory; every problem is named at once.
func (s *Store) SaveService(ctx context.Context, v Service) (*Service, error) {
	r, err := s.editor(ctx)
	if err != nil {
		return nil, err
	}
	if v.ID != 0 {
		if _, err := s.EditableService(ctx, v.ID); err != nil {
			return nil, err
		}
	}
	if bad := s.checkService(r, &v); len(bad) > 0 {
		return nil, invalidService(bad)
	}
	var id int64
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		if v.ID == 0 {
			id, err = tx.InsertID(ctx, `INSERT INTO delivery_services (commune_code, region_code, institution, name, dimensions, requirements, contact, active, created_at, updated_at, updated_by)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.Commune, v.Region, v.Institution, v.Name, storedDims(v.Dimensions), v.Requirements, v.Contact,
				db.Bool(v.Active), d.Time(tx.Now), d.Time(tx.Now), r.p.Username)
			if fosis.ErrorCode(err) == fosis.ECONFLICT {
				return invalidService([]fosis.FieldError{field("service", "delivery.err.service_exists", v.Institution, v.Name, v.Commune)})
			}
			if err != nil {
				return err
			}
			return record(ctx, tx, r, "service.create", "service", itoa(id), nil, v)
		}
		id = v.ID
		before, err := scanService(tx.QueryRowContext(ctx, serviceSelect+` WHERE id = ?`, id))
		if err != nil {
			return err
		}
		// The region in the WHERE: a service moved out of an officer's
		// region meanwhile is not theirs to change.
		where, args := "id = ?", []any{id}
		if !r.national {
			where, args = "id = ? AND region_code = ?", []any{id, r.region}
		}
		res, err := tx.ExecContext(ctx, `UPDATE delivery_services SET commune_code = ?, region_code = ?, institution = ?, name = ?, dimensions = ?, requirements = ?,
			contact = ?, active = ?, updated_at = ?, updated_by = ? WHERE `+where,
			append([]any{v.Commune, v.Region, v.Institution, v.Name, storedDims(v.Dimensions), v.Requirements, v.Contact, db.Bool(v.Active), d.Time(tx.Now), r.p.Username}, args...)...)
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return invalidService([]fosis.FieldError{field("service", "delivery.err.service_exists", v.Institution, v.Name, v.Commune)})
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return refuse(fosis.ENOTFOUND, "delivery.err.no_service", id)
		}
		return record(ctx, tx, r, "service.update", "service", itoa(id), before, v)
	})
	if err != nil {
		return nil, err
	}
	return s.Service(ctx, id)
}

// ServiceColumns are the columns of a directory file, in any order
// (docs/delivery.md): dimensions separated by "|"; active is 1/0, sí/no,
// yes/no or true/false (empty: active).
var ServiceColumns = []string{"commune", "institution", "service", "dimensions", "requirements", "contact", "active"}

// ServiceRow is one parsed row of a directory file.
type ServiceRow struct {
	Line    int
	Service Service
}

// ParseServices reads a directory file: every row it could parse and a
// problem for every row it could not (bad shape, an active flag that is not
// one, the same service twice in a commune); a bad header is an error and
// nothing is read. What the rows say is checked by ImportServices.
func ParseServices(r io.Reader, file string) ([]ServiceRow, []RowProblem, error) {
	rd, err := csvin.NewReader(r, file, ServiceColumns)
	if err != nil {
		var he *csvin.HeaderError
		if errors.As(err, &he) {
			return nil, nil, refuse(fosis.EINVALID, "delivery.err.import_header", file, strings.Join(ServiceColumns, ", "))
		}
		return nil, nil, err
	}
	var rows []ServiceRow
	var bad []RowProblem
	seen := map[string]int{}
	for {
		err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *csvin.RowError
		if errors.As(err, &re) {
			bad = append(bad, RowProblem{Line: re.Line, Message: re.Err.Error(), Key: "delivery.err.import_shape", Args: []any{}})
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		line := rd.Line()
		v := Service{Commune: strings.TrimSpace(rd.Field(0)), Institution: rd.Field(1), Name: rd.Field(2), Dimensions: strings.Split(rd.Field(3), "|"),
			Requirements: rd.Field(4), Contact: rd.Field(5)}
		active, ok := parseActive(rd.Field(6))
		if !ok {
			bad = append(bad, RowProblem{Line: line, Field: "active", Key: "delivery.err.service_active", Args: []any{rd.Field(6)},
				Message: fmt.Sprintf(english("delivery.err.service_active"), rd.Field(6))})
			continue
		}
		v.Active = active
		k := v.Commune + "\x00" + strings.ToLower(clean(v.Institution)) + "\x00" + strings.ToLower(clean(v.Name))
		if first, dup := seen[k]; dup {
			bad = append(bad, RowProblem{Line: line, Field: "service", Key: "delivery.err.service_repeated", Args: []any{first},
				Message: fmt.Sprintf(english("delivery.err.service_repeated"), first)})
			continue
		}
		seen[k] = line
		rows = append(rows, ServiceRow{Line: line, Service: v})
	}
	return rows, bad, nil
}

// parseActive reads an active flag ("" is active).
func parseActive(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "1", "si", "sí", "s", "yes", "y", "true", "activo", "active":
		return true, true
	case "0", "no", "n", "false", "inactivo", "inactive":
		return false, true
	}
	return false, false
}

// ServiceImport says what an import of the directory did.
type ServiceImport struct {
	File      string `json:"file"`
	Rows      int    `json:"rows"`
	Added     int    `json:"added"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
}

// ImportServices imports a directory file all or nothing: every row is
// checked (a commune of the caller's territory, an institution and a
// service, known dimensions), and if any row is wrong nothing is written
// and the refusal names every bad row with its field. A row whose commune,
// institution and service the directory has already updates it; one that
// says the same adds nothing, so importing a file again changes nothing.
func (s *Store) ImportServices(ctx context.Context, r io.Reader, file string) (*ServiceImport, error) {
	rc, err := s.editor(ctx)
	if err != nil {
		return nil, err
	}
	rows, bad, err := ParseServices(r, file)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		for _, p := range s.checkService(rc, &rows[i].Service) {
			bad = append(bad, RowProblem{Line: rows[i].Line, Field: p.Field, Message: p.Message, Key: p.Key, Args: p.Args})
		}
	}
	if len(bad) > 0 {
		return nil, importRefusal(file, bad)
	}
	res := &ServiceImport{File: file, Rows: len(rows)}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		for _, row := range rows {
			v := row.Service
			old, err := scanService(tx.QueryRowContext(ctx, serviceSelect+` WHERE commune_code = ? AND institution = ? AND name = ?`, v.Commune, v.Institution, v.Name))
			switch {
			case db.IsNoRows(err):
				if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_services (commune_code, region_code, institution, name, dimensions, requirements, contact, active, created_at, updated_at, updated_by)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.Commune, v.Region, v.Institution, v.Name, storedDims(v.Dimensions), v.Requirements, v.Contact,
					db.Bool(v.Active), d.Time(tx.Now), d.Time(tx.Now), rc.p.Username); err != nil {
					return err
				}
				res.Added++
			case err != nil:
				return err
			case slices.Equal(old.Dimensions, v.Dimensions) && old.Requirements == v.Requirements && old.Contact == v.Contact && old.Active == v.Active:
				res.Unchanged++
			default:
				if _, err := tx.ExecContext(ctx, `UPDATE delivery_services SET dimensions = ?, requirements = ?, contact = ?, active = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
					storedDims(v.Dimensions), v.Requirements, v.Contact, db.Bool(v.Active), d.Time(tx.Now), rc.p.Username, old.ID); err != nil {
					return err
				}
				res.Updated++
			}
		}
		return record(ctx, tx, rc, "services.import", "file", file, nil, res)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// serviceLabel is how a referral names its service in the timeline.
func serviceLabel(v *Service) string { return v.Institution + " — " + v.Name }
