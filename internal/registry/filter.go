package registry

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// ListFilter narrows the households of a commune listing. The zero value
// lists them all.
type ListFilter struct {
	Zone       string // "urban" or "rural"; "" for both
	Tenure     string // a Tenure word; "" for any
	MinMembers int    // 0 for no lower bound
	MaxMembers int    // 0 for no upper bound
	FemaleHead bool   // only households headed by a woman
	// Run, with Brackets or Poorest5, keeps the households whose result in
	// that scoring run is in one of Brackets (40, 50, …, 100) or flagged
	// among the poorest 5 %.
	Run      int64
	Brackets []int
	Poorest5 bool
}

// Validate returns an invalid error naming every field that is wrong.
func (f ListFilter) Validate() error {
	var problems []fosis.FieldError
	// Each problem is keyed (registry.filter.*) so that pages say it in
	// the reader's language; Message keeps the English for the API.
	bad := func(field, key, format string, args ...any) {
		problems = append(problems, fosis.KeyedField(field, key, format, args...))
	}
	if f.Zone != "" {
		if _, err := Zone.Parse(f.Zone); err != nil {
			bad("zone", "registry.filter.zone", "%q is not a valid zone (allowed: %s)", f.Zone, Zone.allowed())
		}
	}
	if f.Tenure != "" {
		if _, err := Tenure.Parse(f.Tenure); err != nil {
			bad("tenure", "registry.filter.tenure", "%q is not a valid tenure (allowed: %s)", f.Tenure, Tenure.allowed())
		}
	}
	if f.MinMembers < 0 || f.MinMembers > 50 {
		bad("min_members", "registry.filter.members", "must be between 1 and 50")
	}
	if f.MaxMembers < 0 || f.MaxMembers > 50 {
		bad("max_members", "registry.filter.members", "must be between 1 and 50")
	}
	if f.MinMembers > 0 && f.MaxMembers > 0 && f.MinMembers > f.MaxMembers {
		bad("max_members", "registry.filter.min_over_max", "is smaller than min_members")
	}
	for _, b := range f.Brackets {
		if fosis.BracketIndex(b) < 0 { // the brackets the scoring slice assigns
			bad("bracket", "registry.filter.bracket", "%d is not a bracket (40, 50, 60, 70, 80, 90 or 100)", b)
		}
	}
	if (len(f.Brackets) > 0 || f.Poorest5) && f.Run <= 0 {
		bad("run", "registry.filter.needs_run", "a bracket filter needs a scoring run")
	}
	if len(problems) > 0 {
		return &fosis.Error{Code: fosis.EINVALID, Message: "the filter is not valid", Fields: problems}
	}
	return nil
}

// IsZero reports whether f keeps every household.
func (f ListFilter) IsZero() bool {
	return f.Zone == "" && f.Tenure == "" && f.MinMembers == 0 && f.MaxMembers == 0 && !f.FemaleHead &&
		len(f.Brackets) == 0 && !f.Poorest5
}

// where returns the SQL conditions of f on households h, and their
// arguments. The bracket conditions come from resultsWhere (readmodel.go),
// the registry's one read of another slice's table.
func (f ListFilter) where() (string, []any) {
	var sql string
	var args []any
	if f.Zone != "" {
		sql += ` AND h.zone = ?`
		args = append(args, f.Zone)
	}
	if f.Tenure != "" {
		sql += ` AND h.tenure = ?`
		args = append(args, f.Tenure)
	}
	if f.MinMembers > 0 {
		sql += ` AND h.members >= ?`
		args = append(args, f.MinMembers)
	}
	if f.MaxMembers > 0 {
		sql += ` AND h.members <= ?`
		args = append(args, f.MaxMembers)
	}
	if f.FemaleHead {
		sql += ` AND EXISTS (SELECT 1 FROM persons hp WHERE hp.household = h.id AND hp.relation = 'head' AND hp.sex = 'F')`
	}
	if len(f.Brackets) > 0 || f.Poorest5 {
		cond, cargs := f.resultsWhere()
		sql += cond
		args = append(args, cargs...)
	}
	return sql, args
}

// ListCommune returns the households of a commune that pass filter, in key
// order, limit at a time, starting after the key in the cursor; Total counts
// every household that passes the filter.
func (s *Store) ListCommune(ctx context.Context, commune string, filter ListFilter, after int64, limit int) (*Page[HouseholdView], error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if ci, ok := s.terr.CommuneIndex(commune); !ok || !p.SeesRegion(s.terr.Communes[ci].RegionCode) {
		return nil, &fosis.Error{Code: fosis.ENOTFOUND, Message: fmt.Sprintf("no commune with code %q", commune),
			Fields: []fosis.FieldError{{Field: "commune", Message: "not an official commune code"}}}
	}
	if err := filter.Validate(); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 500)
	cond, args := filter.where()
	page := &Page[HouseholdView]{Items: []HouseholdView{}}
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM households h WHERE h.commune_code = ?`+cond,
		append([]any{commune}, args...)...).Scan(&page.Total); err != nil {
		return nil, err
	}
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var head string
		h, err := scanHousehold(rowsWith{rows, &head})
		if err != nil {
			return err
		}
		h.HeadName = head
		page.Items = append(page.Items, *h)
		return nil
	}, householdColumns+`, coalesce((SELECT `+headName+` FROM persons hn
		WHERE hn.household = h.id AND hn.relation = 'head' LIMIT 1), '')`+householdFrom+`
		WHERE h.commune_code = ? AND h.id > ?`+cond+` ORDER BY h.id LIMIT ?`,
		append(append([]any{commune, after}, args...), limit+1)...)
	if err != nil {
		return nil, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = strconv.FormatInt(page.Items[limit-1].Key, 10)
	}
	return page, nil
}

// headName is the SQL of a person's full name as FullName writes it, for
// persons aliased hn.
const headName = `trim(hn.given_names || ' ' || hn.paternal_surname || CASE WHEN hn.maternal_surname = '' THEN '' ELSE ' ' || hn.maternal_surname END)`

// rowsWith scans the household columns and then extra destinations.
type rowsWith struct {
	sc    interface{ Scan(...any) error }
	extra *string
}

func (r rowsWith) Scan(dest ...any) error { return r.sc.Scan(append(dest, r.extra)...) }

// ParseListFilter reads a filter from query parameters: zone, tenure,
// min_members, max_members, female_head (1 or true), run (a run id),
// bracket (repeated or comma-separated: bracket=40,50) and poorest5. It
// reports every parameter that is not a number where one is needed; the
// values themselves are checked by Validate.
func ParseListFilter(q url.Values) (ListFilter, error) {
	f := ListFilter{Zone: q.Get("zone"), Tenure: q.Get("tenure")}
	var problems []fosis.FieldError
	num := func(name string, dst *int) {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				problems = append(problems, fosis.KeyedField(name, "registry.filter.whole_number", "is not a whole number"))
			}
			*dst = n
		}
	}
	flag := func(name string) bool {
		switch q.Get(name) {
		case "", "0", "false":
			return false
		case "1", "true", "on":
			return true
		}
		problems = append(problems, fosis.KeyedField(name, "registry.filter.flag", "must be 1 or 0"))
		return false
	}
	num("min_members", &f.MinMembers)
	num("max_members", &f.MaxMembers)
	f.FemaleHead, f.Poorest5 = flag("female_head"), flag("poorest5")
	if v := q.Get("run"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			problems = append(problems, fosis.KeyedField("run", "registry.filter.run_id", "is not a run id"))
		}
		f.Run = n
	}
	for _, v := range q["bracket"] {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			n, err := strconv.Atoi(part)
			if err != nil {
				problems = append(problems, fosis.KeyedField("bracket", "registry.filter.bracket_word", "%q is not a bracket", part))
				continue
			}
			if !slices.Contains(f.Brackets, n) {
				f.Brackets = append(f.Brackets, n)
			}
		}
	}
	slices.Sort(f.Brackets)
	if len(problems) > 0 {
		return f, &fosis.Error{Code: fosis.EINVALID, Message: "the filter is not valid", Fields: problems}
	}
	return f, nil
}

// Query returns f as query parameters (ParseListFilter's inverse), for
// links to the next page.
func (f ListFilter) Query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" && v != "0" {
			q.Set(k, v)
		}
	}
	set("zone", f.Zone)
	set("tenure", f.Tenure)
	set("min_members", strconv.Itoa(f.MinMembers))
	set("max_members", strconv.Itoa(f.MaxMembers))
	if f.FemaleHead {
		q.Set("female_head", "1")
	}
	if f.Poorest5 {
		q.Set("poorest5", "1")
	}
	if len(f.Brackets) > 0 || f.Poorest5 {
		set("run", strconv.FormatInt(f.Run, 10))
	}
	for _, b := range f.Brackets {
		q.Add("bracket", strconv.Itoa(b))
	}
	return q
}
