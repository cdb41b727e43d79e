package registry

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
)

// NameMatch is a person found by name, with where to find their household.
type NameMatch struct {
	RUN         string `json:"run"`
	Name        string `json:"name"`
	Relation    string `json:"relation"`
	Age         int    `json:"age"`
	HouseholdID string `json:"household_id"`
	CommuneCode string `json:"commune_code"`
	CommuneName string `json:"commune_name"`
	RegionCode  string `json:"region_code"`
	key         string
}

// NameResults are the matches of a name search, in name order (surnames
// first), at most the limit asked for.
type NameResults struct {
	Query   string      `json:"query"`
	Matches []NameMatch `json:"matches"`
	// More is true when more persons match than were returned: the user
	// should add a word (a second surname, a given name, …).
	More bool `json:"more"`
}

// maxNameWords bounds the words of a name query.
const maxNameWords = 6

// SearchNames finds persons of the caller's territory whose names contain
// every word of query as the start of one of their words, in any order and
// regardless of case and accents: "perez juan", "Juan Pérez" and "JUAN
// PEREZ S" find Juan Pablo Pérez Soto. At least one word must start one of
// the person's first (paternal) surname, which makes the search an index range
// rather than a scan of the registry.
func (s *Store) SearchNames(ctx context.Context, query string, limit int) (*NameResults, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	words := slices.Compact(slices.Sorted(slices.Values(strings.Fields(FoldName(query)))))
	switch {
	case len(words) == 0 || slices.IndexFunc(words, func(w string) bool { return len(w) >= 2 }) < 0:
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "write at least one name or surname of two letters or more",
			Fields: []fosis.FieldError{{Field: "name", Message: "needs a word of two letters or more"}}}
	case len(words) > maxNameWords:
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "write at most six words of the name",
			Fields: []fosis.FieldError{{Field: "name", Message: "has more than six words"}}}
	}
	limit = min(max(limit, 1), 200)
	res := &NameResults{Query: query, Matches: []NameMatch{}}
	seen := map[string]bool{}
	today := DayNumber(time.Now().UTC())
	// Each word in turn is taken as the start of the name key (the first
	// surname, or the second when the first is the other word); the others
	// must start some word of the key.
	for _, lead := range words {
		if len(lead) < 2 {
			continue
		}
		q := `SELECT pe.run, pe.given_names, pe.paternal_surname, pe.maternal_surname, pe.name_key, pe.relation, pe.birth_date,
			h.household_id, h.commune_code, c.name, c.region_code
			FROM persons pe JOIN households h ON h.id = pe.household JOIN communes c ON c.code = h.commune_code
			WHERE pe.name_key >= ? AND pe.name_key < ?`
		args := []any{lead, lead + "{"} // '{' follows 'z': the range is every key starting with lead
		for _, w := range words {
			if w != lead {
				q += ` AND (' ' || pe.name_key) LIKE ?`
				args = append(args, "% "+w+"%")
			}
		}
		if !p.SeesAllRegions() {
			q += ` AND c.region_code = ?`
			args = append(args, p.RegionCode)
		}
		q += ` ORDER BY pe.name_key, pe.run LIMIT ?`
		args = append(args, limit+1)
		if err := s.collectNames(ctx, q, args, res, seen, today); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(res.Matches, func(a, b NameMatch) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.RUN, b.RUN)
	})
	if len(res.Matches) > limit {
		res.Matches, res.More = res.Matches[:limit], true
	}
	return res, nil
}

func (s *Store) collectNames(ctx context.Context, q string, args []any, res *NameResults, seen map[string]bool, today int32) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			m               NameMatch
			run             int64
			given, pat, mat string
			born            db.Day
		)
		if err := rows.Scan(&run, &given, &pat, &mat, &m.key, &m.Relation, &born, &m.HouseholdID, &m.CommuneCode,
			&m.CommuneName, &m.RegionCode); err != nil {
			return err
		}
		m.RUN, m.Name = rut.Format(run), FullName(given, pat, mat)
		m.Age = AgeYears(DayNumber(born.Time), today)
		if seen[m.RUN] {
			continue
		}
		seen[m.RUN] = true
		res.Matches = append(res.Matches, m)
	}
	return rows.Err()
}
