package registry

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
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
	region := ""
	if !p.SeesAllRegions() {
		region = p.RegionCode
	}
	for _, lead := range words {
		if len(lead) < 2 {
			continue
		}
		if err := s.searchLead(ctx, lead, words, region, limit+1, res, seen, today); err != nil {
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

// How searchLead walks a surname's range of keys: nameBatch keys at a time,
// at most nameWalk[engine] keys before the rest of the range is left to the
// database, and the walk's matches read nameDetails at a time (the query's
// text stays the same, so it stays prepared). SQLite does not walk: it
// checks the words itself as it reads its index in order and stops at the
// limit, which no walk from Go beats.
var (
	nameBatch   = 2000
	nameWalk    = map[db.Engine]int{db.Postgres: 40000, db.SQLite: 0}
	nameDetails = 50
)

const nameSelect = `SELECT pe.run, pe.given_names, pe.paternal_surname, pe.maternal_surname, pe.name_key, pe.relation, pe.birth_date,
	h.household_id, h.commune_code, c.name, c.region_code
	FROM persons pe JOIN households h ON h.id = pe.household JOIN communes c ON c.code = h.commune_code`

// searchLead adds to res up to want persons (of region, if not "") whose
// name key starts with lead and holds every other word of words as the
// start of one of its words, the first in key order (more may come).
//
// The database can be asked that directly, with a LIKE '% word%' for each
// other word, and SQLite answers it well. PostgreSQL's planner cannot
// estimate such a condition: it read the whole range of the surname and
// sorted it, 0.27 s for "González María" at a million households, and
// more at Chile's size. So on PostgreSQL the range is first walked here, in
// key order, as an index-only scan of (name_key, run) (migration 00016),
// the words are checked in Go, and only the matches are read whole; the
// walk stops as soon as it has want. When the other words are so rare that
// nameWalk keys hold too few of them, the rest of the range is left to the
// LIKE query after all.
func (s *Store) searchLead(ctx context.Context, lead string, words []string, region string, want int, res *NameResults, seen map[string]bool, today int32) error {
	var others []string
	for _, w := range words {
		if w != lead {
			others = append(others, " "+w)
		}
	}
	hi := lead + "{" // '{' follows 'z': the range is every key starting with lead
	regionCond := ""
	if region != "" {
		regionCond = ` AND c.region_code = ?`
	}
	afterKey, afterRun := "", int64(-1) // the walk's cursor; -1: not walked
	found := 0
	for walked := 0; walked < nameWalk[s.db.Engine]; walked += nameBatch {
		var cand []any
		n := 0
		err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
			if err := rows.Scan(&afterKey, &afterRun); err != nil {
				return err
			}
			n++
			if wordsStart(afterKey, others) {
				cand = append(cand, afterRun)
			}
			return nil
		}, `SELECT pe.name_key, pe.run FROM persons pe
			WHERE pe.name_key >= ? AND pe.name_key < ? AND (pe.name_key, pe.run) > (?, ?)
			ORDER BY pe.name_key, pe.run LIMIT ?`, lead, hi, cmp.Or(afterKey, lead), afterRun, nameBatch)
		if err != nil {
			return err
		}
		for len(cand) > 0 && found < want {
			chunk := cand[:min(len(cand), nameDetails)]
			cand = cand[len(chunk):]
			args := make([]any, 0, nameDetails+1)
			args = append(args, chunk...)
			for len(args) < nameDetails {
				args = append(args, chunk[0]) // the same RUN again: the text of the query stays the same
			}
			if region != "" {
				args = append(args, region)
			}
			got, err := s.collectNames(ctx, nameSelect+` WHERE pe.run IN (`+strings.TrimSuffix(strings.Repeat("?, ", nameDetails), ", ")+`)`+
				regionCond+` ORDER BY pe.name_key, pe.run`, args, res, seen, today)
			if err != nil {
				return err
			}
			found += got
		}
		if found >= want || n < nameBatch {
			return nil
		}
	}
	q, args := nameSelect+` WHERE pe.name_key >= ? AND pe.name_key < ?`, []any{lead, hi}
	if afterRun >= 0 {
		q += ` AND (pe.name_key, pe.run) > (?, ?)`
		args = append(args, afterKey, afterRun)
	}
	for _, w := range others {
		q += ` AND (' ' || pe.name_key) LIKE ?`
		args = append(args, "%"+w+"%")
	}
	q += regionCond + ` ORDER BY pe.name_key, pe.run LIMIT ?`
	if region != "" {
		args = append(args, region)
	}
	args = append(args, want-found)
	_, err := s.collectNames(ctx, q, args, res, seen, today)
	return err
}

// wordsStart reports whether every one of words (each with a leading space)
// starts a word of key.
func wordsStart(key string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(" "+key, w) {
			return false
		}
	}
	return true
}

// collectNames runs a name query and adds its persons to res, each RUN
// once; it returns how many rows the query gave.
func (s *Store) collectNames(ctx context.Context, q string, args []any, res *NameResults, seen map[string]bool, today int32) (int, error) {
	n := 0
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
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
		n++
		m.RUN, m.Name = s.IDScheme().Canonical(run), FullName(given, pat, mat)
		m.Age = AgeYears(DayNumber(born.Time), today)
		if seen[m.RUN] {
			return nil
		}
		seen[m.RUN] = true
		res.Matches = append(res.Matches, m)
		return nil
	}, q, args...)
	if err != nil {
		return 0, err
	}
	return n, nil
}
