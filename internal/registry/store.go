package registry

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/natid"
)

// Store is the registry's access to the database: households, persons, the
// territory tables and the import history. All its SQL lives in this package.
type Store struct {
	db   *db.DB
	terr *geo.Territory
	log  *slog.Logger
	// frames is the shared, read-only frame (SharedFrame).
	frames frameCache
	// counts keeps Count's answers for the registry's current revision.
	counts countCache
	// maxProblems is how many problems an import keeps before it stops
	// (0: DefaultMaxProblems).
	maxProblems int
	// pack is the country pack the store was opened with (PackIdentity's
	// zero value: none); SyncTerritory remembers and checks it.
	pack PackIdentity
	// ids is the national ID scheme (natid.Chile() unless SetIDScheme).
	ids *natid.Scheme
}

// SetCountryPack says which country pack the store's territory comes from:
// SyncTerritory remembers it in a new database and refuses a database made
// with another pack (or none). Call it before the store is shared.
func (s *Store) SetCountryPack(p PackIdentity) { s.pack = p }

// SetIDScheme sets the national ID scheme the registry reads and writes
// (persons' run column in imports, searches, change requests); nil restores
// Chile's RUN. Call it before the store is shared.
func (s *Store) SetIDScheme(ids *natid.Scheme) { s.ids = ids }

// IDScheme returns the national ID scheme the registry uses.
func (s *Store) IDScheme() *natid.Scheme {
	if s.ids == nil {
		return natid.Chile()
	}
	return s.ids
}

// SetMaxProblems sets how many problems an import reports before it stops
// reading (ImportOptions.MaxProblems overrides it; 0 or less restores
// DefaultMaxProblems). Call it before the store is shared.
func (s *Store) SetMaxProblems(n int) { s.maxProblems = max(n, 0) }

// countCache holds the households and persons counted in each territory
// ("" for the whole country) at one registry revision: counting millions of
// rows takes PostgreSQL a fifth of a second, and the home page shows them
// at every view. A new revision empties it.
type countCache struct {
	mu  sync.Mutex
	rev int64
	n   map[string][2]int64
}

func (c *countCache) get(rev int64, scope string) ([2]int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.n[scope]
	return v, ok && c.rev == rev
}

func (c *countCache) put(rev int64, scope string, v [2]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rev < c.rev {
		return
	}
	if rev > c.rev || c.n == nil {
		c.rev, c.n = rev, map[string][2]int64{}
	}
	c.n[scope] = v
}

// NewStore returns a Store over d for territory t.
func NewStore(d *db.DB, t *geo.Territory, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{db: d, terr: t, log: log, frames: frameCache{idle: FrameIdle, now: time.Now}}
}

// DB returns the database the store works on.
func (s *Store) DB() *db.DB { return s.db }

// Territory returns the territory the store validates against.
func (s *Store) Territory() *geo.Territory { return s.terr }

// Count returns the number of households and persons in the registry.
// A regional officer gets the counts of their region.
func (s *Store) Count(ctx context.Context) (households, persons int64, err error) {
	p, err := caller(ctx)
	if err != nil {
		return 0, 0, err
	}
	// The revision is read first: counts taken after it are at least as new
	// as it, and a later revision is never served them.
	rev, err := s.revision(ctx)
	if err != nil {
		return 0, 0, err
	}
	scope := ""
	if !p.SeesAllRegions() {
		scope = p.RegionCode
	}
	if v, ok := s.counts.get(rev, scope); ok {
		return v[0], v[1], nil
	}
	if scope == "" {
		err = s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM households), (SELECT count(*) FROM persons)`).Scan(&households, &persons)
	} else {
		err = s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM households h JOIN communes c ON c.code = h.commune_code WHERE c.region_code = ?),
		(SELECT count(*) FROM persons pe JOIN households h ON h.id = pe.household JOIN communes c ON c.code = h.commune_code WHERE c.region_code = ?)`,
			p.RegionCode, p.RegionCode).Scan(&households, &persons)
	}
	if err != nil {
		return 0, 0, err
	}
	s.counts.put(rev, scope, [2]int64{households, persons})
	return households, persons, nil
}

// IntegrityReport counts references the bulk tables break. All zero means the
// registry is consistent.
type IntegrityReport struct {
	OrphanPersons      int64 `json:"orphan_persons"`      // persons whose household does not exist
	UnknownCommunes    int64 `json:"unknown_communes"`    // households in a commune not in the territory
	HeadlessHouseholds int64 `json:"headless_households"` // households without exactly one head
	StalePacked        int64 `json:"stale_packed"`        // households whose members count disagrees with persons
}

// Problems says in English what is broken, one line per kind of problem
// with its count and what to do (none when OK).
func (r IntegrityReport) Problems() []string {
	var out []string
	for _, c := range []struct {
		n    int64
		what string
	}{
		{r.OrphanPersons, "person(s) belong to a household that does not exist"},
		{r.UnknownCommunes, "household(s) are in a commune that is not in the territory"},
		{r.HeadlessHouseholds, "household(s) do not have exactly one member with relation=head"},
		{r.StalePacked, "household(s) have a member count that disagrees with their persons"},
	} {
		if c.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	return out
}

// OK reports whether nothing is broken.
func (r IntegrityReport) OK() bool { return r == IntegrityReport{} }

// Integrity checks the references that households and persons carry without
// foreign keys (see the registry migration) and the derived member counts.
func (s *Store) Integrity(ctx context.Context) (IntegrityReport, error) {
	var r IntegrityReport
	if _, err := national(ctx, false); err != nil {
		return r, err
	}
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM households h WHERE h.id = p.household)),
		(SELECT count(*) FROM households h WHERE NOT EXISTS (SELECT 1 FROM communes c WHERE c.code = h.commune_code)),
		(SELECT count(*) FROM households h WHERE (SELECT count(*) FROM persons p WHERE p.household = h.id AND p.relation = 'head') <> 1),
		(SELECT count(*) FROM households h WHERE h.members <> (SELECT count(*) FROM persons p WHERE p.household = h.id))`).
		Scan(&r.OrphanPersons, &r.UnknownCommunes, &r.HeadlessHouseholds, &r.StalePacked)
	return r, err
}
