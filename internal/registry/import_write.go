package registry

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Column lists of the bulk loads, in the order the Fill functions write them.
var (
	householdDBCols = []string{"id", "household_id", "commune_code", "zone", "tenure", "rooms", "floor", "walls", "roof",
		"water", "sanitation", "vehicle_value_clp", "property_value_clp", "school_fees_clp", "registered_on",
		"members", "score_inputs", "import_id", "updated_at"}
	personDBCols = []string{"run", "given_names", "paternal_surname", "maternal_surname", "name_key", "household", "relation", "sex", "birth_date", "schooling_years", "in_school", "employed",
		"labor_income_clp", "pension_income_clp", "capital_income_clp", "health_plan", "disability", "dependency",
		"indigenous", "pregnant", "updated_at"}
)

// plan is what the write phase will do, worked out before the transaction.
type plan struct {
	keys      []int64 // per household: its internal key, 0 if rejected
	fresh     bool    // the registry is empty: plain bulk inserts
	order     []int32 // valid person indexes grouped by household
	start     []int32 // order[start[i]:start[i+1]] are household i's members
	removed   []int64 // RUNs to delete: left a re-imported household and appear nowhere in the extract
	moves     [][2]string
	moveRuns  []int64
	inserted  int
	updated   int
	notInFile int64
}

func (s *Store) plan(ctx context.Context, x *extract) (*plan, error) {
	n := len(x.hs)
	p := &plan{keys: make([]int64, n), start: make([]int32, n+1)}
	for k, hi := range x.pHouse {
		if hi >= 0 && !x.bad[hi] && x.pLine[k] > 0 {
			p.start[hi+1]++
		}
	}
	for i := 1; i <= n; i++ {
		p.start[i] += p.start[i-1]
	}
	p.order = make([]int32, p.start[n])
	fill := make([]int32, n)
	copy(fill, p.start[:n])
	for k, hi := range x.pHouse {
		if hi >= 0 && !x.bad[hi] && x.pLine[k] > 0 {
			p.order[fill[hi]] = int32(k)
			fill[hi]++
		}
	}

	existing, maxKey, err := s.householdKeys(ctx)
	if err != nil {
		return nil, err
	}
	p.fresh = len(existing) == 0
	next := maxKey + 1
	for i := range x.hs {
		if x.bad[i] || x.idx[x.hs[i].ID] != int32(i) {
			continue
		}
		if k, ok := existing[x.hs[i].ID]; ok {
			p.keys[i] = k
			p.updated++
		} else {
			p.keys[i] = next
			next++
			p.inserted++
		}
	}
	if p.fresh {
		return p, nil
	}
	for ext := range existing {
		if _, ok := x.idx[ext]; !ok {
			p.notInFile++
		}
	}
	extOf := make(map[int64]string, len(existing))
	for ext, k := range existing {
		extOf[k] = ext
	}
	reimported := make(map[int64]bool, p.updated)
	for i, k := range p.keys {
		if k != 0 && existing[x.hs[i].ID] == k {
			reimported[k] = true
		}
	}
	err = s.eachPerson(ctx, func(run, household int64) {
		k, inExtract := x.runAt[run]
		if !inExtract {
			if reimported[household] {
				p.removed = append(p.removed, run)
			}
			return
		}
		hi := x.pHouse[k]
		if hi < 0 || p.keys[hi] == 0 || p.keys[hi] == household {
			return
		}
		p.moves = append(p.moves, [2]string{extOf[household], x.hs[hi].ID})
		p.moveRuns = append(p.moveRuns, run)
	})
	return p, err
}

// householdKeys returns every household's key by its extract id, and the
// largest key.
func (s *Store) householdKeys(ctx context.Context) (map[string]int64, int64, error) {
	m := map[string]int64{}
	var maxKey int64
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var ext string
		var k int64
		if err := rows.Scan(&ext, &k); err != nil {
			return err
		}
		m[ext] = k
		maxKey = max(maxKey, k)
		return nil
	}, `SELECT household_id, id FROM households`)
	if err != nil {
		return nil, 0, err
	}
	return m, maxKey, nil
}

func (s *Store) eachPerson(ctx context.Context, fn func(run, household int64)) error {
	return db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var run, h int64
		if err := rows.Scan(&run, &h); err != nil {
			return err
		}
		fn(run, h)
		return nil
	}, `SELECT run, household FROM persons`)
}

// write runs the import's single transaction.
func (s *Store) write(ctx context.Context, x *extract, sum *ImportSummary, opt ImportOptions) error {
	// The sequence is read before the plan: an import committed after this
	// read makes the plan stale, and claimImport refuses it.
	seq, err := s.importSeq(ctx)
	if err != nil {
		return err
	}
	p, err := s.plan(ctx, x)
	if err != nil {
		return err
	}
	for i := range x.hs {
		if x.bad[i] {
			sum.Rejected++
		}
	}
	for k := range x.ps.len() {
		if x.pHouse[k] < 0 {
			sum.OrphanPersons++
		}
	}
	sum.Inserted, sum.Updated, sum.NotInExtract = p.inserted, p.updated, p.notInFile
	sum.PersonsWritten, sum.PersonsMoved, sum.PersonsRemoved = len(p.order), len(p.moves), len(p.removed)
	totalRows := int64(p.inserted + p.updated + len(p.order))
	var written int64
	progress := func(n int64) {
		written += n
		if opt.Progress != nil {
			opt.Progress("write", written, totalRows)
		}
	}
	t0 := time.Now()
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if err := claimImport(ctx, tx, seq); err != nil {
			return err
		}
		d := tx.DB()
		source := opt.Source
		if source == "" {
			source = opt.Households
		}
		id, err := tx.InsertID(ctx, `INSERT INTO imports (source, started_at) VALUES (?, ?)`, source, d.Time(tx.Now))
		if err != nil {
			return err
		}
		sum.ID = id
		now := d.Time(tx.Now)
		load := func() error {
			hsrc := x.householdSource(p, d, id, now, progress)
			if p.fresh {
				_, err = tx.CopyFrom(ctx, "households", householdDBCols, hsrc)
			} else {
				_, err = tx.Upsert(ctx, "households", householdDBCols, []string{"id"}, hsrc)
			}
			if err != nil {
				return fmt.Errorf("write households: %w", err)
			}
			progress(int64(p.inserted+p.updated) % 65536)
			s.log.Debug("import: households written", "rows", p.inserted+p.updated, "elapsed", time.Since(t0))
			t0 = time.Now()
			if err := deleteRuns(ctx, tx, p.removed); err != nil {
				return err
			}
			psrc := x.personSource(p, d, now, progress)
			if p.fresh {
				_, err = tx.CopyFrom(ctx, "persons", personDBCols, psrc)
			} else {
				_, err = tx.Upsert(ctx, "persons", personDBCols, []string{"run"}, psrc)
			}
			if err != nil {
				return fmt.Errorf("write persons: %w", err)
			}
			progress(int64(len(p.order)) % 65536)
			s.log.Debug("import: persons written", "rows", len(p.order), "elapsed", time.Since(t0))
			return nil
		}
		if p.fresh {
			// An empty registry: build the secondary indexes once at the end.
			err = tx.DeferIndexes(ctx, []string{"households", "persons"}, load)
		} else {
			err = load()
		}
		if err != nil {
			return err
		}
		// The history: a version of every household inserted or changed.
		if _, err := s.writeImportVersions(ctx, tx, x, p, id, now); err != nil {
			return err
		}
		if len(p.moves) > 0 {
			msrc := &db.FuncSource{N: len(p.moves), Cols: 5, Fill: func(j int, v []any) error {
				v[0], v[1], v[2], v[3], v[4] = p.moveRuns[j], p.moves[j][0], p.moves[j][1], id, now
				return nil
			}}
			if _, err := tx.CopyFrom(ctx, "person_moves", []string{"run", "from_household", "to_household", "import_id", "moved_at"}, msrc); err != nil {
				return fmt.Errorf("record moves: %w", err)
			}
		}
		if err := finishImport(ctx, tx, id, now, sum, len(x.problem)); err != nil {
			return err
		}
		if len(x.problem) > 0 {
			if err := keepReport(ctx, tx, id, x.problem); err != nil {
				return err
			}
		}
		// One audit entry per import (not per row): it names the files and
		// what changed; person_moves and the import row hold the detail.
		p := auth.FromContext(ctx)
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "registry.import",
			Entity: "import", EntityID: strconv.FormatInt(id, 10), After: map[string]any{
				"households_file": opt.Households, "persons_file": opt.Persons, "households_inserted": sum.Inserted,
				"households_updated": sum.Updated, "households_rejected": sum.Rejected, "persons_written": sum.PersonsWritten,
				"persons_moved": sum.PersonsMoved, "persons_removed": sum.PersonsRemoved, "problems": len(x.problem)}})
		if err != nil {
			return err
		}
		return bumpRevision(ctx, tx)
	})
}

// householdSource streams the valid households' rows in the column order of
// householdDBCols, packing each one's model inputs on the way.
func (x *extract) householdSource(p *plan, d *db.DB, importID int64, now any, progress func(int64)) *db.FuncSource {
	valid := make([]int32, 0, p.inserted+p.updated)
	for i, k := range p.keys {
		if k != 0 {
			valid = append(valid, int32(i))
		}
	}
	return &db.FuncSource{N: len(valid), Cols: len(householdDBCols), Fill: func(j int, v []any) error {
		if j%65536 == 0 && j > 0 {
			progress(65536)
		}
		i := valid[j]
		h := &x.hs[i]
		members := p.order[p.start[i]:p.start[i+1]]
		h.Members = make([]Person, len(members))
		for m, k := range members {
			h.Members[m] = x.ps.at(int(k))
		}
		v[0], v[1], v[2], v[3], v[4], v[5] = p.keys[i], h.ID, h.CommuneCode, Zone.Word(h.Zone), Tenure.Word(h.Tenure), h.Rooms
		v[6], v[7], v[8] = Condition.Word(h.Floor), Condition.Word(h.Walls), Condition.Word(h.Roof)
		v[9], v[10] = Water.Word(h.Water), Sanitation.Word(h.Sanitation)
		v[11], v[12], v[13], v[14] = h.VehicleCLP, h.PropertyCLP, h.SchoolFees, d.Date(h.RegisteredOn)
		v[15], v[16], v[17], v[18] = len(members), Pack(h), importID, now
		h.Members = nil
		return nil
	}}
}

// personSource streams the valid persons' rows in the column order of
// personDBCols.
func (x *extract) personSource(p *plan, d *db.DB, now any, progress func(int64)) *db.FuncSource {
	// Persons go in RUN order: the RUN is the table's key, and appending
	// to a b-tree is far cheaper than inserting at random places in it.
	byRUN := slices.Clone(p.order)
	slices.SortFunc(byRUN, func(a, b int32) int { return cmp.Compare(x.ps.run[a], x.ps.run[b]) })
	return &db.FuncSource{N: len(p.order), Cols: len(personDBCols), Fill: func(j int, v []any) error {
		if j%65536 == 0 && j > 0 {
			progress(65536)
		}
		k := byRUN[j]
		pv := x.ps.at(int(k))
		per := &pv
		v[0], v[1], v[2], v[3] = per.RUN, per.GivenNames, per.Paternal, per.Maternal
		v[4] = NameKey(per.GivenNames, per.Paternal, per.Maternal)
		v[5], v[6], v[7] = p.keys[x.pHouse[k]], Relation.Word(per.Relation), Sex.Word(per.Sex)
		v[8], v[9], v[10], v[11] = d.Date(per.BirthDate), per.Schooling, db.Bool(per.InSchool), db.Bool(per.Employed)
		v[12], v[13], v[14] = per.LaborCLP, per.PensionCLP, per.CapitalCLP
		v[15], v[16], v[17] = HealthPlan.Word(per.HealthPlan), Severity.Word(per.Disability), Severity.Word(per.Dependency)
		v[18], v[19], v[20] = db.Bool(per.Indigenous), db.Bool(per.Pregnant), now
		return nil
	}}
}

func deleteRuns(ctx context.Context, tx *db.Tx, runs []int64) error {
	for len(runs) > 0 {
		n := min(len(runs), 500)
		args := make([]any, n)
		for i := range args {
			args[i] = runs[i]
		}
		q := "DELETE FROM persons WHERE run IN (" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("remove persons who left: %w", err)
		}
		runs = runs[n:]
	}
	return nil
}

// BareRows are an extract's rows exactly as Import writes them, held in
// memory. Loading them with BareInsert is the floor an import is measured
// against: the same rows into the same tables, without reading, parsing or
// validating anything.
type BareRows struct {
	Households [][]any
	Persons    [][]any
}

// PrepareBare reads and validates an extract (untimed) and returns its rows
// for BareInsert. The registry must be empty.
func (s *Store) PrepareBare(ctx context.Context, opt ImportOptions) (*BareRows, error) {
	if _, err := national(ctx, true); err != nil {
		return nil, err
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now().UTC()
	}
	x, err := s.readExtract(ctx, opt)
	if err != nil {
		return nil, err
	}
	x.validate()
	p, err := s.plan(ctx, x)
	if err != nil {
		return nil, err
	}
	if !p.fresh {
		return nil, fmt.Errorf("the bare-insert baseline needs an empty registry")
	}
	now, noop := s.db.Time(time.Now()), func(int64) {}
	rows := &BareRows{}
	for _, sc := range []struct {
		src *db.FuncSource
		dst *[][]any
	}{{x.householdSource(p, s.db, 1, now, noop), &rows.Households}, {x.personSource(p, s.db, now, noop), &rows.Persons}} {
		for sc.src.Next() {
			v, _ := sc.src.Values()
			*sc.dst = append(*sc.dst, slices.Clone(v))
		}
	}
	return rows, nil
}

// BareInsert loads rows into the (empty) registry in one transaction.
func (s *Store) BareInsert(ctx context.Context, rows *BareRows) error {
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO imports (id, source, started_at) VALUES (1, 'bare insert', ?)`, tx.DB().Time(tx.Now)); err != nil {
			return err
		}
		err := tx.DeferIndexes(ctx, []string{"households", "persons"}, func() error {
			if _, err := tx.CopyFrom(ctx, "households", householdDBCols, &db.SliceSource{Rows: rows.Households}); err != nil {
				return err
			}
			_, err := tx.CopyFrom(ctx, "persons", personDBCols, &db.SliceSource{Rows: rows.Persons})
			return err
		})
		if err != nil {
			return err
		}
		return bumpRevision(ctx, tx)
	})
}

// stopped ends an import that found more problems than it keeps: nothing
// is imported (what was read is only part of the extract: importing it
// would treat the rest as missing), and the import is recorded with the
// problems kept and a last row per file saying where reading stopped, so
// that the report can be downloaded like any other.
func (s *Store) stopped(ctx context.Context, x *extract, sum *ImportSummary, opt ImportOptions, start time.Time) error {
	sum.Stopped = x.stops
	sum.Rejected = len(x.hs)
	for _, st := range x.stops {
		x.problem = append(x.problem, Problem{File: st.File, Line: st.Line, Column: "(file)",
			Reason: fmt.Sprintf("too many problems (more than %d): stopped reading here; nothing was imported", x.max)})
	}
	err := s.db.Transact(ctx, func(tx *db.Tx) error {
		d := tx.DB()
		now := d.Time(tx.Now)
		id, err := tx.InsertID(ctx, `INSERT INTO imports (source, started_at, finished_at, households_read, persons_read,
			households_inserted, households_updated, households_rejected, persons_moved, problems)
			VALUES (?, ?, ?, ?, ?, 0, 0, ?, 0, ?)`, cmp.Or(opt.Source, opt.Households), now, now,
			sum.HouseholdsRead, sum.PersonsRead, sum.Rejected, len(x.problem))
		if err != nil {
			return err
		}
		sum.ID = id
		if err := keepReport(ctx, tx, id, x.problem); err != nil {
			return err
		}
		p := auth.FromContext(ctx)
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "registry.import",
			Entity: "import", EntityID: strconv.FormatInt(id, 10), After: map[string]any{
				"households_file": opt.Households, "persons_file": opt.Persons, "stopped": x.stops,
				"households_read": sum.HouseholdsRead, "problems": len(x.problem)}})
		return err
	})
	if err != nil {
		return err
	}
	if err := x.summarize(sum, opt); err != nil {
		return fmt.Errorf("the problem report could not be written: %w", err)
	}
	sum.Elapsed = time.Since(start)
	s.log.Info("registry import stopped: too many problems", "id", sum.ID, "stopped", x.stops, "problems", sum.Problems)
	return nil
}

// StopMessage says, in English, where an import that found too many
// problems stopped ("" if it did not stop).
func (s *ImportSummary) StopMessage() string {
	if len(s.Stopped) == 0 {
		return ""
	}
	var where []string
	for _, st := range s.Stopped {
		where = append(where, fmt.Sprintf("line %d of %s", st.Line, st.File))
	}
	return fmt.Sprintf("too many problems, stopped at %s; nothing was imported", strings.Join(where, " and "))
}

// keepReport stores import id's problems as its downloadable report
// (ImportReport), gzipped CSV.
func keepReport(ctx context.Context, tx *db.Tx, id int64, problems []Problem) error {
	report, err := problemsGzip(problems)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO import_reports (import_id, problems, csv_gzip) VALUES (?, ?, ?)`,
		id, len(problems), report); err != nil {
		return fmt.Errorf("keep the problem report: %w", err)
	}
	return nil
}
