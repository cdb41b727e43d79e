package registry

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
)

// A database remembers the territory it was made with (table
// territory_identity): its country, where it came from and the digest of
// its content. Opening it with another territory, or without the one it was
// made with, is refused; changing it is an explicit step (PlanTerritory,
// ApplyTerritory: `fosis territory update`) that shows what changes and
// refuses to remove codes in use. The identity names no particular kind of
// source, so a territory from a country pack is remembered the same way.

// TerritoryIdentity is what a database keeps of its territory.
type TerritoryIdentity struct {
	Country   string `json:"country"`
	Source    string `json:"source"` // "embedded", a file's name, …
	Digest    string `json:"digest"` // geo.Territory.Digest
	Regions   int    `json:"regions"`
	Provinces int    `json:"provinces"`
	Communes  int    `json:"communes"`
	// Pack is the country pack the territory came from (zero: none).
	Pack PackIdentity `json:"pack,omitzero"`
}

// PackIdentity is what a database keeps of the country pack it was made
// with (docs/country-packs.md): its code, version and digest. The zero
// value is no pack (Chile built in, or a --territory file).
type PackIdentity struct {
	Code    string `json:"code,omitempty"`
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// String names the pack for people: "XV 1.0 (digest 3f2a…)", or "none".
func (p PackIdentity) String() string {
	if p.Code == "" {
		return "none"
	}
	return fmt.Sprintf("%s %s (digest %s)", p.Code, p.Version, p.Digest[:min(12, len(p.Digest))])
}

// IdentityOf returns the identity of t.
func IdentityOf(t *geo.Territory) TerritoryIdentity {
	return TerritoryIdentity{Country: t.Country, Source: cmp.Or(t.Source, "unnamed"), Digest: t.Digest(),
		Regions: len(t.Regions), Provinces: len(t.Provinces), Communes: len(t.Communes)}
}

// String names the identity for people: country, source, size and the
// digest's first 12 digits.
func (id TerritoryIdentity) String() string {
	return fmt.Sprintf("%s from %s (%d regions, %d communes, digest %s)", id.Country, id.Source, id.Regions, id.Communes, id.Digest[:min(12, len(id.Digest))])
}

// TerritoryMessages are the territory's refusals, key → English format, for
// the catalogs (internal/web/i18n/*/territory_errors.json).
var TerritoryMessages = map[string]string{
	"territory.err.missing": "this database was made for the territory %s; open it with that territory " +
		"(--territory FILE --country CODE, or FOSIS_TERRITORY and FOSIS_COUNTRY), not Chile's embedded one",
	"territory.err.different": "this database was made for the territory %s, not %s; open it with the territory it was made with, " +
		"or change its territory with `fosis territory update FILE --country CODE`",
	"territory.err.legacy": "this database has households in %d commune(s) that the territory %s does not have (%s); " +
		"open it with the territory it was made with",
	"territory.err.in_use": "the new territory removes codes still in use: %s; keep them in the territory file, " +
		"or move what uses them first",
	"territory.err.same": "the database already has this territory (%s): nothing to change",
	"territory.err.pack_missing": "this database was made with the country pack %s; open it with that pack " +
		"(--country-pack DIR, or FOSIS_COUNTRY_PACK)",
	"territory.err.pack_different": "this database was made with the country pack %s, not %s; open it with the pack it was made with " +
		"(--country-pack DIR, or FOSIS_COUNTRY_PACK)",
	"territory.err.pack_unexpected": "this database was made without a country pack, for the territory %s; " +
		"open it without --country-pack (and without FOSIS_COUNTRY_PACK), not with the country pack %s",
}

func territoryErr(code, key string, args ...any) error {
	return fosis.KeyedErrorf(code, key, TerritoryMessages[key], args...)
}

// StoredTerritory returns the identity the database keeps, or nil if it
// keeps none (a new database, or one made before identities were kept).
func (s *Store) StoredTerritory(ctx context.Context) (*TerritoryIdentity, error) {
	return storedIdentity(ctx, s.db.QueryRowContext)
}

func storedIdentity(ctx context.Context, queryRow func(context.Context, string, ...any) *sql.Row) (*TerritoryIdentity, error) {
	var id TerritoryIdentity
	err := queryRow(ctx, `SELECT country, source, digest, regions, provinces, communes, pack_code, pack_version, pack_digest
		FROM territory_identity WHERE id = 1`).
		Scan(&id.Country, &id.Source, &id.Digest, &id.Regions, &id.Provinces, &id.Communes, &id.Pack.Code, &id.Pack.Version, &id.Pack.Digest)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the database's territory: %w", err)
	}
	return &id, nil
}

// SyncTerritory makes sure the database holds the store's territory. A new
// database gets its regions, provinces and communes (so that commune codes
// can be enforced by foreign keys and joined in reports) and remembers the
// territory. A database that remembers the same territory is left as it is;
// one that remembers another is refused, with a message saying which
// territory it needs. A database made before territories were remembered
// takes the store's territory unless it has households in communes that
// territory lacks.
func (s *Store) SyncTerritory(ctx context.Context) error {
	if _, err := national(ctx, true); err != nil {
		return err
	}
	want := IdentityOf(s.terr)
	want.Pack = s.pack
	// A read first: opening a database is the common case, and it should
	// not queue behind the single writer.
	have, err := s.StoredTerritory(ctx)
	if err != nil {
		return err
	}
	if have != nil {
		return checkIdentity(*have, want)
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		var communes int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM communes`).Scan(&communes); err != nil {
			return err
		}
		if communes > 0 {
			missing, err := s.householdCommunesMissing(ctx, tx)
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				return territoryErr(fosis.ECONFLICT, "territory.err.legacy", len(missing), want.String(), listSome(missing))
			}
		}
		if err := writeTerritory(ctx, tx, s.terr); err != nil {
			return err
		}
		// Two processes opening a new database at once both get here: the
		// second's insert does nothing, and it checks what the first stored.
		res, err := tx.ExecContext(ctx, `INSERT INTO territory_identity (id, country, source, digest, regions, provinces, communes, stored_at,
			pack_code, pack_version, pack_digest)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			want.Country, want.Source, want.Digest, want.Regions, want.Provinces, want.Communes, tx.DB().Time(tx.Now),
			want.Pack.Code, want.Pack.Version, want.Pack.Digest)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		have, err := storedIdentity(ctx, tx.QueryRowContext)
		if err != nil || have == nil {
			return cmp.Or(err, errors.New("the database's territory vanished"))
		}
		return checkIdentity(*have, want)
	})
}

// checkIdentity refuses a territory other than the one the database keeps.
func checkIdentity(have, want TerritoryIdentity) error {
	// The pack first: it names what to open the database with.
	if have.Pack != want.Pack {
		switch {
		case want.Pack.Code == "":
			return territoryErr(fosis.ECONFLICT, "territory.err.pack_missing", have.Pack.String())
		case have.Pack.Code == "":
			return territoryErr(fosis.ECONFLICT, "territory.err.pack_unexpected", have.String(), want.Pack.String())
		default:
			return territoryErr(fosis.ECONFLICT, "territory.err.pack_different", have.Pack.String(), want.Pack.String())
		}
	}
	switch {
	case have.Digest == want.Digest && have.Country == want.Country:
		return nil
	case want.Source == geo.Embedded:
		return territoryErr(fosis.ECONFLICT, "territory.err.missing", have.String())
	default:
		return territoryErr(fosis.ECONFLICT, "territory.err.different", have.String(), want.String())
	}
}

// householdCommunesMissing lists the communes of households (now or in
// their history) that the store's territory does not have.
func (s *Store) householdCommunesMissing(ctx context.Context, tx *db.Tx) ([]string, error) {
	var missing []string
	err := db.Each(ctx, tx, func(rows *sql.Rows) error {
		var code string
		if err := rows.Scan(&code); err != nil {
			return err
		}
		if _, ok := s.terr.CommuneIndex(code); !ok {
			missing = append(missing, code)
		}
		return nil
	}, `SELECT DISTINCT commune_code FROM households
		UNION SELECT DISTINCT commune_code FROM household_versions`)
	if err != nil {
		return nil, err
	}
	slices.Sort(missing)
	return missing, nil
}

// listSome joins up to ten codes, and says how many more there are.
func listSome(codes []string) string {
	if len(codes) <= 10 {
		return strings.Join(codes, ", ")
	}
	return strings.Join(codes[:10], ", ") + fmt.Sprintf(" and %d more", len(codes)-10)
}

// writeTerritory upserts t's regions, provinces and communes.
func writeTerritory(ctx context.Context, tx *db.Tx, t *geo.Territory) error {
	regions := make([][]any, len(t.Regions))
	for i, r := range t.Regions {
		regions[i] = []any{r.Code, r.Name, r.ShortName, r.ISO}
	}
	if _, err := tx.Upsert(ctx, "regions", []string{"code", "name", "short_name", "iso_code"}, []string{"code"}, &db.SliceSource{Rows: regions}); err != nil {
		return err
	}
	provinces := make([][]any, len(t.Provinces))
	for i, p := range t.Provinces {
		provinces[i] = []any{p.Code, p.Name, p.RegionCode}
	}
	if _, err := tx.Upsert(ctx, "provinces", []string{"code", "name", "region_code"}, []string{"code"}, &db.SliceSource{Rows: provinces}); err != nil {
		return err
	}
	communes := make([][]any, len(t.Communes))
	for i, c := range t.Communes {
		communes[i] = []any{c.Code, c.Name, c.ProvinceCode, c.RegionCode}
	}
	_, err := tx.Upsert(ctx, "communes", []string{"code", "name", "province_code", "region_code"}, []string{"code"}, &db.SliceSource{Rows: communes})
	return err
}

// TerritoryPlan is what changing a database's territory to the store's
// would do.
type TerritoryPlan struct {
	From, To TerritoryIdentity
	// Added, Removed and Changed list regions, provinces and communes as
	// "commune 13101 Santiago"; Changed says what changed ("name A → B").
	Added, Removed, Changed []string
	// RemovedCommunes, RemovedProvinces and RemovedRegions are the codes
	// that would go.
	RemovedCommunes, RemovedProvinces, RemovedRegions []string
	// InUse lists removed codes still in use, with by what: the change is
	// refused while any is.
	InUse []string
}

// CodeUsers tells which of the given commune and region codes something
// outside the registry still uses (programme calls, applications, regional
// officers), one line each ("commune 13101: 3 applications"). The command
// that changes a territory asks each slice.
type CodeUsers func(ctx context.Context, communes, regions []string) ([]string, error)

// PlanTerritory compares the territory the database holds with the store's
// and says what changing to it would do. It changes nothing.
func (s *Store) PlanTerritory(ctx context.Context, users ...CodeUsers) (*TerritoryPlan, error) {
	if _, err := national(ctx, true); err != nil {
		return nil, err
	}
	have, err := s.StoredTerritory(ctx)
	if err != nil {
		return nil, err
	}
	p := &TerritoryPlan{To: IdentityOf(s.terr)}
	if have != nil {
		p.From = *have
	}
	type row struct{ name, parent string }
	load := func(q string) (map[string]row, error) {
		m := map[string]row{}
		err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
			var code string
			var r row
			if err := rows.Scan(&code, &r.name, &r.parent); err != nil {
				return err
			}
			m[code] = r
			return nil
		}, q)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
	levels := []struct {
		kind, q string
		next    map[string]row
	}{
		{"region", `SELECT code, name, short_name FROM regions`, map[string]row{}},
		{"province", `SELECT code, name, region_code FROM provinces`, map[string]row{}},
		{"commune", `SELECT code, name, province_code FROM communes`, map[string]row{}},
	}
	for _, r := range s.terr.Regions {
		levels[0].next[r.Code] = row{r.Name, r.ShortName}
	}
	for _, pr := range s.terr.Provinces {
		levels[1].next[pr.Code] = row{pr.Name, pr.RegionCode}
	}
	for _, c := range s.terr.Communes {
		levels[2].next[c.Code] = row{c.Name, c.ProvinceCode}
	}
	for _, lv := range levels {
		cur, err := load(lv.q)
		if err != nil {
			return nil, err
		}
		for _, code := range sortedKeys(lv.next) {
			n := lv.next[code]
			o, ok := cur[code]
			switch {
			case !ok:
				p.Added = append(p.Added, fmt.Sprintf("%s %s %s", lv.kind, code, n.name))
			case o != n:
				var what []string
				if o.name != n.name {
					what = append(what, fmt.Sprintf("name %q → %q", o.name, n.name))
				}
				if o.parent != n.parent {
					what = append(what, fmt.Sprintf("%s %q → %q", map[string]string{"region": "short name", "province": "region", "commune": "province"}[lv.kind], o.parent, n.parent))
				}
				p.Changed = append(p.Changed, fmt.Sprintf("%s %s: %s", lv.kind, code, strings.Join(what, ", ")))
			}
		}
		for _, code := range sortedKeys(cur) {
			if _, ok := lv.next[code]; !ok {
				p.Removed = append(p.Removed, fmt.Sprintf("%s %s %s", lv.kind, code, cur[code].name))
				switch lv.kind {
				case "commune":
					p.RemovedCommunes = append(p.RemovedCommunes, code)
				case "province":
					p.RemovedProvinces = append(p.RemovedProvinces, code)
				case "region":
					p.RemovedRegions = append(p.RemovedRegions, code)
				}
			}
		}
	}
	if err := s.registryUsers(ctx, p); err != nil {
		return nil, err
	}
	for _, u := range users {
		lines, err := u(ctx, p.RemovedCommunes, p.RemovedRegions)
		if err != nil {
			return nil, err
		}
		p.InUse = append(p.InUse, lines...)
	}
	return p, nil
}

// registryUsers adds to p.InUse the removed communes that households use,
// now or in their history.
func (s *Store) registryUsers(ctx context.Context, p *TerritoryPlan) error {
	if len(p.RemovedCommunes) == 0 {
		return nil
	}
	removed := map[string]bool{}
	for _, c := range p.RemovedCommunes {
		removed[c] = true
	}
	for _, q := range []struct{ what, sql string }{
		{"households", `SELECT commune_code, count(*) FROM households GROUP BY commune_code`},
		{"household versions in the history", `SELECT commune_code, count(*) FROM household_versions GROUP BY commune_code`},
	} {
		err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
			var code string
			var n int64
			if err := rows.Scan(&code, &n); err != nil {
				return err
			}
			if removed[code] {
				p.InUse = append(p.InUse, fmt.Sprintf("commune %s: %d %s", code, n, q.what))
			}
			return nil
		}, q.sql)
		if err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ApplyTerritory changes the database's territory to the store's, as
// PlanTerritory planned it: it writes the new and changed regions,
// provinces and communes, removes those the new territory lacks and
// remembers the new identity, in one transaction. It is refused while a
// removed code is in use (checked again in the transaction for households;
// programme tables with foreign keys refuse on their own), and when the
// database already has this territory.
func (s *Store) ApplyTerritory(ctx context.Context, users ...CodeUsers) (*TerritoryPlan, error) {
	p, err := s.PlanTerritory(ctx, users...)
	if err != nil {
		return nil, err
	}
	if p.From.Digest == p.To.Digest && p.From.Country == p.To.Country {
		return p, territoryErr(fosis.ECONFLICT, "territory.err.same", p.To.String())
	}
	if len(p.InUse) > 0 {
		return p, territoryErr(fosis.ECONFLICT, "territory.err.in_use", strings.Join(p.InUse, "; "))
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		// The stored identity is the state this change starts from: a
		// concurrent change of territory makes this one fail, not merge.
		cur, err := storedIdentity(ctx, tx.QueryRowContext)
		if err != nil {
			return err
		}
		if (cur == nil) != (p.From.Digest == "") || (cur != nil && cur.Digest != p.From.Digest) {
			return fosis.Errorf(fosis.ECONFLICT, "the database's territory changed while this change was prepared: run it again")
		}
		if missing, err := s.householdCommunesMissing(ctx, tx); err != nil {
			return err
		} else if len(missing) > 0 {
			return territoryErr(fosis.ECONFLICT, "territory.err.in_use", listSome(missing))
		}
		if err := writeTerritory(ctx, tx, s.terr); err != nil {
			return err
		}
		for _, d := range []struct {
			table string
			codes []string
		}{{"communes", p.RemovedCommunes}, {"provinces", p.RemovedProvinces}, {"regions", p.RemovedRegions}} {
			for _, code := range d.codes {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+d.table+` WHERE code = ?`, code); err != nil {
					if fosis.ErrorCode(err) == fosis.EINVALID { // a foreign key: something still refers to it
						return territoryErr(fosis.ECONFLICT, "territory.err.in_use", d.table+" "+code)
					}
					return err
				}
			}
		}
		to := p.To
		res, err := tx.ExecContext(ctx, `UPDATE territory_identity SET country = ?, source = ?, digest = ?, regions = ?, provinces = ?,
			communes = ?, stored_at = ? WHERE id = 1 AND digest = ?`, to.Country, to.Source, to.Digest, to.Regions, to.Provinces,
			to.Communes, tx.DB().Time(tx.Now), p.From.Digest)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if cur != nil {
				return fosis.Errorf(fosis.ECONFLICT, "the database's territory changed while this change was prepared: run it again")
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO territory_identity (id, country, source, digest, regions, provinces, communes, stored_at)
				VALUES (1, ?, ?, ?, ?, ?, ?, ?)`, to.Country, to.Source, to.Digest, to.Regions, to.Provinces, to.Communes, tx.DB().Time(tx.Now)); err != nil {
				return err
			}
		}
		pr := auth.FromContext(ctx)
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: pr.Username, ActorRole: string(pr.Role), Action: "territory.update",
			Entity: "territory", EntityID: to.Country, Before: p.From, After: map[string]any{"territory": to,
				"added": len(p.Added), "removed": len(p.Removed), "changed": len(p.Changed)}})
		if err != nil {
			return err
		}
		// Commune and region names are part of what the registry serves.
		return bumpRevision(ctx, tx)
	})
	return p, err
}
