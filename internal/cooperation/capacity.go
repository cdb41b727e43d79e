package cooperation

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/fosis/fosis/internal/platform/db"
)

// Assignment is a share of one professional's time on one project over a
// span of months.
type Assignment struct {
	StaffID int64
	Project string
	Share   int
	From    Month
	To      Month
}

// Clash is a span of months in which a professional's assignments exceed
// the share of time they have for cooperation.
type Clash struct {
	Staff    string `json:"staff"`
	From     Month  `json:"from"`
	To       Month  `json:"to"`
	Load     int    `json:"load"`     // percent asked in those months (the highest)
	Capacity int    `json:"capacity"` // percent available
}

// String says who clashes when, e.g. "Ana Pérez 2027-03 to 2027-08: 130% asked, 50% available".
func (c Clash) String() string {
	if c.From == c.To {
		return fmt.Sprintf("%s %s: %d%% asked, %d%% available", c.Staff, c.From, c.Load, c.Capacity)
	}
	return fmt.Sprintf("%s %s to %s: %d%% asked, %d%% available", c.Staff, c.From, c.To, c.Load, c.Capacity)
}

// assignments returns the Chilean team of d as assignments.
func assignments(d *Design) []Assignment {
	var out []Assignment
	for _, m := range d.Team {
		if m.Side == SideChile && m.StaffID != 0 {
			out = append(out, Assignment{StaffID: m.StaffID, Share: m.Share, From: m.From, To: m.To})
		}
	}
	return out
}

// committedLoad returns the assignments of every other project whose design
// was approved and that has not closed: the time already promised.
func (s *Store) committedLoad(ctx context.Context, tx *db.Tx, except int64) ([]Assignment, error) {
	var out []Assignment
	err := db.Each(ctx, tx, func(rows *sql.Rows) error {
		var code, spec string
		if err := rows.Scan(&code, &spec); err != nil {
			return err
		}
		d, err := ParseDesign([]byte(spec))
		if err != nil {
			return fmt.Errorf("stored design of %s: %w", code, err)
		}
		for _, a := range assignments(d) {
			a.Project = code
			out = append(out, a)
		}
		return nil
	}, `SELECT p.code, d.spec FROM coop_projects p JOIN coop_designs d ON d.project_id = p.id AND d.version = p.approved_version
		WHERE p.id <> ? AND p.approved_version > 0 AND (p.step = 'reviewed' OR p.step = 'agreed' OR p.step = 'executing' OR p.step = 'systematizing')`, except)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Clashes adds up the assignments per professional and month and returns
// every span of consecutive months in which the total exceeds the
// professional's availability (a month without recorded availability has
// none), sorted by name and month. Consecutive months with the same load and
// capacity form one span.
func Clashes(staff []Staff, as []Assignment) []Clash {
	byID := map[int64]*Staff{}
	for i := range staff {
		byID[staff[i].ID] = &staff[i]
	}
	load := map[int64]map[Month]int{}
	for _, a := range as {
		if a.From == "" || a.To < a.From {
			continue
		}
		if load[a.StaffID] == nil {
			load[a.StaffID] = map[Month]int{}
		}
		for m := a.From; m <= a.To; m = m.Next() {
			load[a.StaffID][m] += a.Share
		}
	}
	var out []Clash
	for id, months := range load {
		st := byID[id]
		name := fmt.Sprintf("staff %d", id)
		if st != nil {
			name = st.Name
		}
		ms := make([]Month, 0, len(months))
		for m := range months {
			ms = append(ms, m)
		}
		sort.Slice(ms, func(i, j int) bool { return ms[i] < ms[j] })
		var cur *Clash
		for _, m := range ms {
			capa := capacity(st, m)
			if months[m] <= capa {
				cur = nil
				continue
			}
			if cur != nil && cur.To.Next() == m && cur.Load == months[m] && cur.Capacity == capa {
				cur.To = m
				continue
			}
			out = append(out, Clash{Staff: name, From: m, To: m, Load: months[m], Capacity: capa})
			cur = &out[len(out)-1]
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Staff != out[j].Staff {
			return out[i].Staff < out[j].Staff
		}
		return out[i].From < out[j].From
	})
	return out
}

// capacity is st's available share in month m.
func capacity(st *Staff, m Month) int {
	if st == nil {
		return 0
	}
	for _, a := range st.Avail {
		if a.From <= m && m <= a.To {
			return a.Share
		}
	}
	return 0
}
