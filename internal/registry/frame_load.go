package registry

import (
	"context"
	"database/sql"
	"fmt"
)

// LoadFrame reads the whole registry into a columnar Frame, one row per
// household (members come packed in score_inputs). withIDs also fills ExtID.
//
// The frame is the caller's own. Callers that only read it should prefer
// SharedFrame, which loads it once per registry revision.
func (s *Store) LoadFrame(ctx context.Context, withIDs bool) (*Frame, error) {
	if _, err := national(ctx, false); err != nil {
		return nil, err
	}
	return s.loadFrame(ctx, withIDs)
}

// loadFrame is LoadFrame without the scope check, which its callers make.
func (s *Store) loadFrame(ctx context.Context, withIDs bool) (*Frame, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM households`).Scan(&n); err != nil {
		return nil, err
	}
	b := frameBuilder{s: s, f: newFrame(n, n*3), ids: withIDs}
	q := `SELECT id, commune_code, score_inputs FROM households ORDER BY id`
	if withIDs {
		q = `SELECT id, commune_code, score_inputs, household_id FROM households ORDER BY id`
	}
	if err := b.query(ctx, q); err != nil {
		return nil, err
	}
	return b.f, nil
}

// frameBuilder appends the households a query returns (id, commune_code,
// score_inputs and, with ids, household_id) to a frame.
type frameBuilder struct {
	s     *Store
	f     *Frame
	ids   bool
	lastC string
	ci    int
	ri    int
}

func (b *frameBuilder) query(ctx context.Context, q string, args ...any) error {
	rows, err := b.s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		key     int64
		commune string
		packed  sql.RawBytes
		ext     string
	)
	dest := []any{&key, &commune, &packed}
	if b.ids {
		dest = append(dest, &ext)
	}
	f := b.f
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if commune != b.lastC {
			var ok bool
			if b.ci, ok = b.s.terr.CommuneIndex(commune); !ok {
				return fmt.Errorf("household %d: commune %q is not in the territory", key, commune)
			}
			b.ri, b.lastC = b.s.terr.CommuneRegion(b.ci), commune
		}
		if err := f.appendPacked(packed); err != nil {
			return fmt.Errorf("household %d: %w", key, err)
		}
		f.Key = append(f.Key, key)
		f.Commune = append(f.Commune, int32(b.ci))
		f.Region = append(f.Region, uint8(b.ri))
		if b.ids {
			f.ExtID = append(f.ExtID, ext)
		}
		if len(f.Key)%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

// newFrame returns an empty frame with room for n households and m members.
func newFrame(n, m int) *Frame {
	return &Frame{
		Key: make([]int64, 0, n), Commune: make([]int32, 0, n), Region: make([]uint8, 0, n),
		Zone: make([]uint8, 0, n), Tenure: make([]uint8, 0, n), Rooms: make([]uint8, 0, n),
		Floor: make([]uint8, 0, n), Walls: make([]uint8, 0, n), Roof: make([]uint8, 0, n),
		Water: make([]uint8, 0, n), Sanitation: make([]uint8, 0, n),
		Vehicle: make([]int64, 0, n), Property: make([]int64, 0, n), SchoolFees: make([]int64, 0, n),
		MemberStart: append(make([]int32, 0, n+1), 0),
		BirthDay:    make([]int32, 0, m), Relation: make([]uint8, 0, m), Sex: make([]uint8, 0, m),
		Schooling: make([]uint8, 0, m), InSchool: make([]bool, 0, m), Employed: make([]bool, 0, m),
		Labor: make([]int32, 0, m), Pension: make([]int32, 0, m), Capital: make([]int32, 0, m),
		HealthPlan: make([]uint8, 0, m), Disability: make([]uint8, 0, m), Dependency: make([]uint8, 0, m),
		Indigenous: make([]bool, 0, m), Pregnant: make([]bool, 0, m),
	}
}

// FrameOf returns a one-household frame of the household with the given key,
// for explaining a single score, if it is in the caller's territory (the
// territory is checked on the same row, in one query).
func (s *Store) FrameOf(ctx context.Context, key int64) (*Frame, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var commune, ext string
	var packed []byte
	err = s.db.QueryRowContext(ctx, `SELECT commune_code, score_inputs, household_id FROM households WHERE id = ?`, key).Scan(&commune, &packed, &ext)
	if err == sql.ErrNoRows {
		return nil, outOfScope(fmt.Sprintf("household with key %d", key))
	}
	if err != nil {
		return nil, err
	}
	ci, ok := s.terr.CommuneIndex(commune)
	if !ok {
		return nil, fmt.Errorf("household %d: commune %q is not in the territory", key, commune)
	}
	if !p.SeesRegion(s.terr.Communes[ci].RegionCode) {
		return nil, outOfScope(fmt.Sprintf("household with key %d", key))
	}
	f := newFrame(1, 8)
	if err := f.appendPacked(packed); err != nil {
		return nil, err
	}
	f.Key, f.Commune, f.Region, f.ExtID = append(f.Key, key), append(f.Commune, int32(ci)), append(f.Region, uint8(s.terr.CommuneRegion(ci))), []string{ext}
	return f, nil
}
