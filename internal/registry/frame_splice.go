package registry

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/fosis/fosis/internal/platform/db"
)

// SpliceMax is the most households a stale shared frame is brought up to
// date for by splicing (reading only the changed households again) rather
// than by reading the whole registry. An approval changes one household; a
// day of approvals changes a few thousand at most.
const SpliceMax = 5000

// frameState is what a shared frame was read at: the registry's revision
// and the highest household_versions id, both read in one statement (one
// snapshot, on both engines).
//
// Why the two together tell which households changed after it. Every write
// of households bumps the revision last in its transaction (revision.go),
// and the bump holds the registry_revision row until commit (PostgreSQL) or
// the one writer connection (SQLite), so the revisions commit one after the
// other, in order. An approval (Decide) writes exactly one version with
// source 'change', after its bump: its id is drawn while the bump is held,
// hence after every transaction of a lower revision has committed, hence
// above every id that any snapshot at a lower revision can see (the ids
// come from one monotonic sequence: SQLite's rowid under one writer,
// PostgreSQL's identity with cache 1). So between a state (rev R, max id V)
// and a later one (rev R'), the approvals are exactly the 'change' versions
// with id > V, and if there are R'−R of them, every bump in between was an
// approval. Anything else that bumps (an import, which draws its version ids
// before its bump, or writes none when nothing changed; any future writer)
// leaves fewer 'change' versions than bumps, and the frame is read again
// whole. The state is read before the frame's rows: rows read later may be
// newer than the state says, which costs at most a needless splice of those
// households later, never a missed change.
type frameState struct {
	rev int64 // registry revision
	vid int64 // highest household_versions id
}

// frameState reads the registry's revision and highest version id together.
func (s *Store) frameState(ctx context.Context) (frameState, error) {
	var st frameState
	err := s.db.QueryRowContext(ctx, `SELECT r.revision, (SELECT coalesce(max(v.id), 0) FROM household_versions v)
		FROM registry_revision r WHERE r.id = 1`).Scan(&st.rev, &st.vid)
	if err != nil {
		return st, fmt.Errorf("registry revision: %w", err)
	}
	return st, nil
}

// changedSince returns the keys of the households approvals changed after
// state from (ascending), and the state now; ok is false when anything
// other than approvals moved the revision or more than most households
// changed (more than most; the caller reads the whole registry instead).
func (s *Store) changedSince(ctx context.Context, from frameState, most int) (keys []int64, now frameState, ok bool, err error) {
	// One statement, so one snapshot: the revision and the versions after
	// from.vid (at most a bounded number: an import writes millions).
	limit := 2*most + 1 // an approval writes a 'change' version and at most one 'baseline'
	now.vid = from.vid
	var (
		n, changes int
		other      bool
		rev        int64
		id, hh     sql.NullInt64
		source     sql.NullString
		set        = map[int64]bool{}
	)
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		if err := rows.Scan(&rev, &id, &hh, &source); err != nil {
			return err
		}
		now.rev = rev
		if !id.Valid {
			return nil
		}
		n++
		now.vid = max(now.vid, id.Int64)
		switch source.String {
		case "change":
			changes++
			set[hh.Int64] = true
		case "baseline": // the household as it was before the approval that follows
			set[hh.Int64] = true
		default:
			other = true
		}
		return nil
	}, `SELECT r.revision, v.id, v.household, v.source
		FROM registry_revision r LEFT JOIN (SELECT id, household, source FROM household_versions WHERE id > ? ORDER BY id LIMIT ?) v ON 1 = 1
		WHERE r.id = 1`, from.vid, limit)
	if err != nil {
		return nil, now, false, err
	}
	if n >= limit || other || len(set) > most || int64(changes) != now.rev-from.rev {
		return nil, now, false, nil
	}
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, now, true, nil
}

// frameOfKeys reads the households with the given keys (ascending) into
// a frame of their own, as loadFrame would read them; ok is false when one
// of them is not there.
func (s *Store) frameOfKeys(ctx context.Context, keys []int64, withIDs bool) (f *Frame, ok bool, err error) {
	b := frameBuilder{s: s, f: newFrame(len(keys), len(keys)*4), ids: withIDs}
	const chunk = 500
	for lo := 0; lo < len(keys); lo += chunk {
		part := keys[lo:min(lo+chunk, len(keys))]
		args := make([]any, len(part))
		for i, k := range part {
			args[i] = k
		}
		cols := `id, commune_code, score_inputs`
		if withIDs {
			cols += `, household_id`
		}
		q := `SELECT ` + cols + ` FROM households WHERE id IN (` +
			strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + `) ORDER BY id`
		if err := b.query(ctx, q, args...); err != nil {
			return nil, false, err
		}
	}
	return b.f, slices.Equal(b.f.Key, keys), nil
}

// spliceFrame returns a new frame: old's households in old's order, with
// those of ch (ascending keys, each of them in old) replaced by ch's rows.
// Neither old nor ch is changed. ExtID is kept when old has it (ch must
// then have it too).
func spliceFrame(old, ch *Frame) (*Frame, error) {
	n := old.Len()
	pos := make([]int, ch.Len())
	for k, key := range ch.Key {
		i, found := slices.BinarySearch(old.Key, key)
		if !found {
			return nil, fmt.Errorf("splice: household %d is not in the frame", key)
		}
		if k > 0 && i <= pos[k-1] {
			return nil, fmt.Errorf("splice: household %d out of order", key)
		}
		pos[k] = i
	}
	if old.ExtID != nil && len(ch.ExtID) != ch.Len() {
		return nil, fmt.Errorf("splice: the changed households have no ids")
	}

	// Household columns: old's, with the changed rows overwritten.
	f := &Frame{
		Key: slices.Clone(old.Key), Commune: hcol(old.Commune, ch.Commune, pos), Region: hcol(old.Region, ch.Region, pos),
		Zone: hcol(old.Zone, ch.Zone, pos), Tenure: hcol(old.Tenure, ch.Tenure, pos), Rooms: hcol(old.Rooms, ch.Rooms, pos),
		Floor: hcol(old.Floor, ch.Floor, pos), Walls: hcol(old.Walls, ch.Walls, pos), Roof: hcol(old.Roof, ch.Roof, pos),
		Water: hcol(old.Water, ch.Water, pos), Sanitation: hcol(old.Sanitation, ch.Sanitation, pos),
		Vehicle: hcol(old.Vehicle, ch.Vehicle, pos), Property: hcol(old.Property, ch.Property, pos),
		SchoolFees: hcol(old.SchoolFees, ch.SchoolFees, pos),
	}
	if old.ExtID != nil {
		f.ExtID = hcol(old.ExtID, ch.ExtID, pos)
	}

	// Member columns: runs of old's members between the changed
	// households, and each changed household's members from ch.
	var pieces []piece
	m := 0
	at := 0 // the next old household not yet copied
	for k, i := range pos {
		if at < i {
			pieces = append(pieces, piece{old: true, lo: old.MemberStart[at], hi: old.MemberStart[i]})
		}
		pieces = append(pieces, piece{lo: ch.MemberStart[k], hi: ch.MemberStart[k+1]})
		at = i + 1
	}
	if at < n {
		pieces = append(pieces, piece{old: true, lo: old.MemberStart[at], hi: old.MemberStart[n]})
	}
	for _, p := range pieces {
		m += int(p.hi - p.lo)
	}
	f.BirthDay, f.Relation, f.Sex = mcol(old.BirthDay, ch.BirthDay, pieces, m), mcol(old.Relation, ch.Relation, pieces, m), mcol(old.Sex, ch.Sex, pieces, m)
	f.Schooling, f.InSchool, f.Employed = mcol(old.Schooling, ch.Schooling, pieces, m), mcol(old.InSchool, ch.InSchool, pieces, m), mcol(old.Employed, ch.Employed, pieces, m)
	f.Labor, f.Pension, f.Capital = mcol(old.Labor, ch.Labor, pieces, m), mcol(old.Pension, ch.Pension, pieces, m), mcol(old.Capital, ch.Capital, pieces, m)
	f.HealthPlan, f.Disability, f.Dependency = mcol(old.HealthPlan, ch.HealthPlan, pieces, m), mcol(old.Disability, ch.Disability, pieces, m), mcol(old.Dependency, ch.Dependency, pieces, m)
	f.Indigenous, f.Pregnant = mcol(old.Indigenous, ch.Indigenous, pieces, m), mcol(old.Pregnant, ch.Pregnant, pieces, m)

	// MemberStart: old's counts, the changed households' from ch.
	f.MemberStart = make([]int32, n+1)
	k := 0
	for i := range n {
		c := old.MemberStart[i+1] - old.MemberStart[i]
		if k < len(pos) && pos[k] == i {
			c = ch.MemberStart[k+1] - ch.MemberStart[k]
			k++
		}
		f.MemberStart[i+1] = f.MemberStart[i] + c
	}
	if int(f.MemberStart[n]) != m {
		return nil, fmt.Errorf("splice: %d members counted, %d copied", f.MemberStart[n], m)
	}
	return f, nil
}

// piece is a run [lo, hi) of member rows of the old frame or of the changed one.
type piece struct {
	old    bool
	lo, hi int32
}

// hcol returns a copy of the household column old with row pos[k] set to ch[k].
func hcol[T any](old, ch []T, pos []int) []T {
	out := slices.Clone(old)
	for k, i := range pos {
		out[i] = ch[k]
	}
	return out
}

// mcol returns the member column made of pieces of old and ch, m rows long.
func mcol[T any](old, ch []T, pieces []piece, m int) []T {
	out := make([]T, 0, m)
	for _, p := range pieces {
		src := ch
		if p.old {
			src = old
		}
		out = append(out, src[p.lo:p.hi]...)
	}
	return out
}
