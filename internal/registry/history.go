package registry

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// A household's history is the list of its versions (household_versions):
// the whole household with its members as recorded at one instant, written
// by an import that inserted or changed it, by an approved change request,
// or as a baseline for a household recorded before history was kept. "The
// household as of date X" is the newest version recorded before the end of
// day X (UTC).
//
// Scope follows the household's commune at the version's date: a regional
// officer sees a version only if the household was in their region then. A
// household that moved from region 5 to region 13 shows its region-13
// versions to region 13's officer and its region-5 versions to region 5's,
// and each sees the other's dates as not found — exactly like a date before
// the household was first recorded.

// recordVersion is the first byte of an encoded record (2: with the
// members' names).
const recordVersion = 2

// encodeRecord writes h and its members (in RUN order, so that the same
// household always encodes to the same bytes) exactly: every field, money
// and dates unabridged, sensitive attributes included (the history is the
// registry's; reads of it leave them out).
func encodeRecord(b []byte, h *Household) []byte {
	b = append(b, recordVersion)
	b = binary.AppendUvarint(b, uint64(len(h.CommuneCode)))
	b = append(b, h.CommuneCode...)
	b = append(b, h.Zone, h.Tenure, h.Floor, h.Walls, h.Roof, h.Water, h.Sanitation)
	b = binary.AppendVarint(b, int64(h.Rooms))
	b = binary.AppendVarint(b, h.VehicleCLP)
	b = binary.AppendVarint(b, h.PropertyCLP)
	b = binary.AppendVarint(b, h.SchoolFees)
	b = binary.AppendVarint(b, int64(DayNumber(h.RegisteredOn)))
	b = binary.AppendUvarint(b, uint64(len(h.Members)))
	order := make([]int, len(h.Members))
	for i := range order {
		order[i] = i
	}
	if !slices.IsSortedFunc(h.Members, func(a, b Person) int { return cmp.Compare(a.RUN, b.RUN) }) {
		slices.SortFunc(order, func(i, j int) int { return cmp.Compare(h.Members[i].RUN, h.Members[j].RUN) })
	}
	for _, i := range order {
		p := &h.Members[i]
		flags := personFlags(p)
		b = binary.AppendUvarint(b, uint64(p.RUN))
		for _, name := range [3]string{p.GivenNames, p.Paternal, p.Maternal} {
			b = binary.AppendUvarint(b, uint64(len(name)))
			b = append(b, name...)
		}
		b = append(b, p.Relation, p.Sex, p.HealthPlan, p.Disability, p.Dependency, flags)
		b = binary.AppendVarint(b, int64(DayNumber(p.BirthDate)))
		b = binary.AppendVarint(b, int64(p.Schooling))
		b = binary.AppendVarint(b, p.LaborCLP)
		b = binary.AppendVarint(b, p.PensionCLP)
		b = binary.AppendVarint(b, p.CapitalCLP)
	}
	return b
}

// errRecord is returned for a record that does not decode: a bug or a
// damaged row, never user input.
var errRecord = errors.New("household_versions: damaged record")

// decodeRecord is encodeRecord's inverse.
func decodeRecord(b []byte) (*Household, error) {
	d := recordReader{b: b}
	if d.byte() != recordVersion {
		return nil, errRecord
	}
	h := &Household{}
	n := d.uvarint()
	h.CommuneCode = string(d.bytes(n))
	h.Zone, h.Tenure, h.Floor, h.Walls, h.Roof, h.Water, h.Sanitation = d.byte(), d.byte(), d.byte(), d.byte(), d.byte(), d.byte(), d.byte()
	h.Rooms = int(d.varint())
	h.VehicleCLP, h.PropertyCLP, h.SchoolFees = d.varint(), d.varint(), d.varint()
	h.RegisteredOn = DayTime(int32(d.varint()))
	members := d.uvarint()
	if d.err || members > 1000 {
		return nil, errRecord
	}
	h.Members = make([]Person, members)
	for i := range h.Members {
		p := &h.Members[i]
		p.RUN = int64(d.uvarint())
		if i > 0 && p.RUN <= h.Members[i-1].RUN {
			return nil, errRecord // members are written in RUN order, each once
		}
		p.GivenNames, p.Paternal, p.Maternal = string(d.bytes(d.uvarint())), string(d.bytes(d.uvarint())), string(d.bytes(d.uvarint()))
		p.Relation, p.Sex, p.HealthPlan, p.Disability, p.Dependency = d.byte(), d.byte(), d.byte(), d.byte(), d.byte()
		flags := d.byte()
		p.InSchool, p.Employed, p.Indigenous, p.Pregnant = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0
		p.BirthDate = DayTime(int32(d.varint()))
		p.Schooling = int(d.varint())
		p.LaborCLP, p.PensionCLP, p.CapitalCLP = d.varint(), d.varint(), d.varint()
	}
	if d.err || len(d.b) != 0 {
		return nil, errRecord
	}
	return h, nil
}

type recordReader struct {
	b   []byte
	err bool
}

func (r *recordReader) byte() uint8 {
	if len(r.b) == 0 {
		r.err = true
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *recordReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.err = true
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *recordReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recordReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

// digest is a 64-bit FNV-1a hash of an encoded record: an import compares
// it with the newest version's to tell, without decoding, whether a
// household changed.
func digest(rec []byte) int64 {
	h := fnv.New64a()
	h.Write(rec)
	return int64(h.Sum64())
}

var versionCols = []string{"household", "valid_from", "commune_code", "source", "source_id", "digest", "record"}

// latestDigests returns the digest of each household's newest version, by
// household key.
func latestDigests(ctx context.Context, tx *db.Tx) (map[int64]int64, error) {
	m := map[int64]int64{}
	err := db.Each(ctx, tx, func(rows *sql.Rows) error {
		var k, d int64
		if err := rows.Scan(&k, &d); err != nil {
			return err
		}
		m[k] = d
		return nil
	}, `SELECT household, digest FROM household_versions ORDER BY household, valid_from, id`)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// writeImportVersions records a version of every household the import
// inserted or changed (its record differs from its newest version), in one
// bulk load: the import's only extra cost is encoding the records and
// writing the changed ones.
func (s *Store) writeImportVersions(ctx context.Context, tx *db.Tx, x *extract, p *plan, importID int64, now any) (n int, err error) {
	t0 := time.Now()
	defer func() { s.log.Debug("import: history written", "versions", n, "elapsed", time.Since(t0)) }()
	prev, err := latestDigests(ctx, tx)
	if err != nil {
		return 0, fmt.Errorf("read household history: %w", err)
	}
	// Two passes: digests first (to keep only what changed; skipped when
	// there is no history yet), then each changed record encoded again as
	// the bulk load asks for it, so that a national first import never
	// holds a million records in memory.
	type version struct {
		key int64
		i   int32
	}
	var out []version
	var buf []byte
	var members []Person
	record := func(i int) []byte {
		h := x.hs[i]
		members = members[:0]
		for _, m := range p.order[p.start[i]:p.start[i+1]] {
			members = append(members, x.ps.at(int(m)))
		}
		h.Members = members
		buf = encodeRecord(buf[:0], &h)
		return buf
	}
	for i, k := range p.keys {
		if k == 0 {
			continue
		}
		if old, ok := prev[k]; ok && old == digest(record(i)) {
			continue
		}
		out = append(out, version{key: k, i: int32(i)})
	}
	if len(out) == 0 {
		return 0, nil
	}
	src := &db.FuncSource{N: len(out), Cols: len(versionCols), Fill: func(j int, v []any) error {
		o := &out[j]
		// A copy: SQLite's batched insert holds the values of several rows.
		rec := slices.Clone(record(int(o.i)))
		v[0], v[1], v[2], v[3], v[4], v[5], v[6] = o.key, now, x.hs[o.i].CommuneCode, "import", importID, digest(rec), rec
		return nil
	}}
	load := func() error {
		_, err := tx.CopyFrom(ctx, "household_versions", versionCols, src)
		return err
	}
	if len(prev) == 0 {
		// A first import: build the index once, after the load.
		err = tx.DeferIndexes(ctx, []string{"household_versions"}, load)
	} else {
		err = load()
	}
	if err != nil {
		return 0, fmt.Errorf("write household history: %w", err)
	}
	return len(out), nil
}

// Version describes one version of a household.
type Version struct {
	ID          int64     `json:"id"`
	ValidFrom   time.Time `json:"valid_from"`
	CommuneCode string    `json:"commune_code"`
	RegionCode  string    `json:"region_code"`
	// Source is what recorded it: "import" (SourceID is the import's id),
	// "change" (an approved change request, SourceID its id) or "baseline"
	// (the household as it was before its first change request, for
	// households imported before history was kept).
	Source   string `json:"source"`
	SourceID int64  `json:"source_id"`
}

// HouseholdVersion is a household as it was recorded at one date.
type HouseholdVersion struct {
	AsOf      string         `json:"as_of"`
	Version   Version        `json:"version"`
	Household *HouseholdView `json:"household"`
}

// householdKey finds a household's key by its extract id.
func (s *Store) householdKey(ctx context.Context, id string) (int64, error) {
	var key int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM households WHERE household_id = ?`, id).Scan(&key)
	if err == sql.ErrNoRows {
		return 0, outOfScope(fmt.Sprintf("household with id %q", id))
	}
	return key, err
}

// Versions lists a household's versions, newest first: those recorded while
// the household was in the caller's territory. A household with no version
// in scope is not found.
func (s *Store) Versions(ctx context.Context, id string) ([]Version, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	key, err := s.householdKey(ctx, id)
	if err != nil {
		return nil, err
	}
	out, err := s.versions(ctx, p, key)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// No history in scope: the current household may still be (a
		// household from before history was kept), which Household decides.
		if _, err := s.Household(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// VersionsOf is Versions for a household the caller has just read
// (HouseholdFileByID, which checked its territory): one query instead of
// two or three, for the household page. The household is in scope now, so
// an empty list means only that no version of it was recorded in scope.
func (s *Store) VersionsOf(ctx context.Context, file *HouseholdFile) ([]Version, error) {
	p, key, err := s.fileScope(ctx, file)
	if err != nil {
		return nil, err
	}
	return s.versions(ctx, p, key)
}

// versions lists the versions of household key recorded while it was in
// p's territory, newest first.
func (s *Store) versions(ctx context.Context, p *auth.Principal, key int64) ([]Version, error) {
	out := []Version{}
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var v Version
		var at db.Instant
		if err := rows.Scan(&v.ID, &at, &v.CommuneCode, &v.RegionCode, &v.Source, &v.SourceID); err != nil {
			return err
		}
		v.ValidFrom = at.Time
		if p.SeesRegion(v.RegionCode) {
			out = append(out, v)
		}
		return nil
	}, `SELECT v.id, v.valid_from, v.commune_code, c.region_code, v.source, v.source_id
		FROM household_versions v JOIN communes c ON c.code = v.commune_code
		WHERE v.household = ? ORDER BY v.valid_from DESC, v.id DESC`, key)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ParseAsOf reads a YYYY-MM-DD date for AsOf, as an invalid error naming
// the field.
func ParseAsOf(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1890 || t.Year() > 9999 {
		return time.Time{}, &fosis.Error{Code: fosis.EINVALID, Message: fmt.Sprintf("as_of %q is not a date in the form YYYY-MM-DD", s),
			Fields: []fosis.FieldError{{Field: "as_of", Message: "not a date in the form YYYY-MM-DD"}}}
	}
	return t, nil
}

// AsOf returns the household with the given extract id as it was recorded at
// the end of day (UTC): the newest version recorded before the next day
// began. A date before the household's first version, or one on which the
// household was outside the caller's territory, is not found (the same
// answer as for a household that does not exist). Sensitive attributes are
// left out, as in Household.
func (s *Store) AsOf(ctx context.Context, id string, day time.Time) (*HouseholdVersion, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	notFound := outOfScope(fmt.Sprintf("household with id %q on %s", id, day.Format(time.DateOnly)))
	key, err := s.householdKey(ctx, id)
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	var v Version
	var at db.Instant
	var rec []byte
	err = s.db.QueryRowContext(ctx, `SELECT v.id, v.valid_from, v.commune_code, c.region_code, v.source, v.source_id, v.record
		FROM household_versions v JOIN communes c ON c.code = v.commune_code
		WHERE v.household = ? AND v.valid_from < ? ORDER BY v.valid_from DESC, v.id DESC LIMIT 1`,
		key, s.db.Time(day.AddDate(0, 0, 1))).Scan(&v.ID, &at, &v.CommuneCode, &v.RegionCode, &v.Source, &v.SourceID, &rec)
	if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(v.RegionCode)) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	v.ValidFrom = at.Time
	h, err := decodeRecord(rec)
	if err != nil {
		return nil, fmt.Errorf("version %d: %w", v.ID, err)
	}
	h.ID = id
	return &HouseholdVersion{AsOf: day.Format(time.DateOnly), Version: v, Household: s.view(key, h, at.Time, day)}, nil
}

// view turns a full record into what the pages and the API show: no
// sensitive attributes, ages on the given day, members head first.
func (s *Store) view(key int64, h *Household, updated time.Time, on time.Time) *HouseholdView {
	v := &HouseholdView{Key: key, ID: h.ID, CommuneCode: h.CommuneCode, Zone: Zone.Word(h.Zone), Tenure: Tenure.Word(h.Tenure),
		Rooms: h.Rooms, Floor: Condition.Word(h.Floor), Walls: Condition.Word(h.Walls), Roof: Condition.Word(h.Roof),
		Water: Water.Word(h.Water), Sanitation: Sanitation.Word(h.Sanitation), VehicleCLP: h.VehicleCLP,
		PropertyCLP: h.PropertyCLP, SchoolFeesCLP: h.SchoolFees, RegisteredOn: h.RegisteredOn.Format(time.DateOnly),
		UpdatedAt: updated, MemberCount: len(h.Members)}
	if ci, ok := s.terr.CommuneIndex(h.CommuneCode); ok {
		c := s.terr.Communes[ci]
		v.CommuneName, v.RegionCode = c.Name, c.RegionCode
		v.RegionName = s.terr.Regions[s.terr.CommuneRegion(ci)].Name
	}
	members := slices.Clone(h.Members)
	rank := func(r uint8) int {
		switch r {
		case RelHead:
			return 0
		case RelSpouse:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(members, func(a, b Person) int {
		if c := cmp.Compare(rank(a.Relation), rank(b.Relation)); c != 0 {
			return c
		}
		if c := a.BirthDate.Compare(b.BirthDate); c != 0 {
			return c
		}
		return cmp.Compare(a.RUN, b.RUN)
	})
	today := DayNumber(on)
	for _, m := range members {
		v.Members = append(v.Members, PersonView{RUN: s.IDScheme().Canonical(m.RUN), Name: FullName(m.GivenNames, m.Paternal, m.Maternal),
			GivenNames: m.GivenNames, Paternal: m.Paternal, Maternal: m.Maternal, Relation: Relation.Word(m.Relation), Sex: Sex.Word(m.Sex),
			BirthDate: m.BirthDate.Format(time.DateOnly), Age: AgeYears(DayNumber(m.BirthDate), today), Schooling: m.Schooling,
			InSchool: m.InSchool, Employed: m.Employed, LaborCLP: m.LaborCLP, PensionCLP: m.PensionCLP, CapitalCLP: m.CapitalCLP})
	}
	return v
}
