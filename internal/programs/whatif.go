package programs

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// PreviewReport is a preview over the registry with its timings.
type PreviewReport struct {
	*PreviewResult
	Run  int64  `json:"run"`
	Unit string `json:"unit"`
	// CallCommunes and CallRegions are what a call's preview counted: its
	// communes with a quota and the regions of its regional pools, codes
	// sorted (both empty: the whole registry).
	CallCommunes   []string      `json:"call_communes,omitempty"`
	CallRegions    []string      `json:"call_regions,omitempty"`
	Load, Evaluate time.Duration `json:"-"`
}

// PreviewRules counts, over the whole registry, who would pass rules for a
// programme of unit, against scoring run. It needs national reach.
func (s *Store) PreviewRules(ctx context.Context, rules []Rule, unit string, run int64) (*PreviewReport, error) {
	return s.preview(ctx, rules, unit, run, nil)
}

// preview counts who would pass rules, in the communes where only says
// true (nil: everywhere).
func (s *Store) preview(ctx context.Context, rules []Rule, unit string, run int64, only []bool) (*PreviewReport, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	if !v.national {
		return nil, refuse(fosis.EFORBIDDEN, "programs.err.preview_national", roleTerm(v.p.Role))
	}
	rs, err := CompileRules(rules, "rules")
	if err != nil {
		return nil, err
	}
	if unit != UnitPerson && unit != UnitHousehold {
		return nil, invalid("unit", "programs.err.not_unit", unit)
	}
	t0 := time.Now()
	if _, err := s.tgt.Run(ctx, itoa(run)); err != nil {
		return nil, err
	}
	// Ages and cool-downs count on today, as at submission.
	in, err := s.previewInput(ctx, run, unit, false, time.Now())
	if err != nil {
		return nil, err
	}
	load := time.Since(t0)
	t0 = time.Now()
	in.Only = only
	out, err := Preview(ctx, rs, in)
	if err != nil {
		return nil, err
	}
	return &PreviewReport{PreviewResult: out, Run: run, Unit: unit, Load: load, Evaluate: time.Since(t0)}, nil
}

// PreviewCall previews a call's rules (including its cross-program rules)
// against its scoring run, over the call's territory: the communes with a
// quota and every commune of a region with a regional pool (Call.Covers).
func (s *Store) PreviewCall(ctx context.Context, ref string) (*PreviewReport, error) {
	c, err := s.Call(ctx, ref)
	if err != nil {
		return nil, err
	}
	only := make([]bool, len(s.terr.Communes))
	for ci, cm := range s.terr.Communes {
		only[ci] = c.Covers(cm.Code, cm.RegionCode)
	}
	rep, err := s.preview(ctx, c.EffectiveRules(), c.Unit, c.Run, only)
	if err != nil {
		return nil, err
	}
	for code := range c.Communes {
		rep.CallCommunes = append(rep.CallCommunes, code)
	}
	for code := range c.Regions {
		rep.CallRegions = append(rep.CallRegions, code)
	}
	sort.Strings(rep.CallCommunes)
	sort.Strings(rep.CallRegions)
	return rep, nil
}

// previewInput reads what an evaluation over the whole registry needs: the
// registry's shared frame (withIDs: with the households' extract ids,
// registry.Store.SharedFrame), run's results aligned with it (both loaded
// once per registry revision and run, not at every request, and only read),
// and every household's participations as of now.
func (s *Store) previewInput(ctx context.Context, run int64, unit string, withIDs bool, now time.Time) (*PreviewInput, error) {
	f, err := s.reg.SharedFrame(ctx, withIDs)
	if err != nil {
		return nil, err
	}
	res, err := s.tgt.ResultsFor(ctx, run, f)
	if err != nil {
		return nil, err
	}
	parts, err := s.allParticipations(ctx, now)
	if err != nil {
		return nil, err
	}
	return &PreviewInput{Frame: f, Results: res, Territory: s.terr, Unit: unit, AsOf: registry.DayNumber(now), Participations: parts}, nil
}

// allParticipations returns every household's participations (line code →
// whole months since it ended, 0 while it runs).
func (s *Store) allParticipations(ctx context.Context, now time.Time) (map[int64]map[string]int64, error) {
	out := map[int64]map[string]int64{}
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var h int64
		var code string
		var ends nullDay
		if err := rows.Scan(&h, &code, &ends); err != nil {
			return err
		}
		m := int64(0)
		if ends.Valid {
			m = monthsBetween(ends.V.Time, now)
		}
		if out[h] == nil {
			out[h] = map[string]int64{}
		}
		if old, ok := out[h][code]; !ok || m < old {
			out[h][code] = m
		}
		return nil
	}, `SELECT p.household, l.code, p.ends_on FROM participations p JOIN program_lines l ON l.id = p.line`)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WhatIfInput is a change to try on a call before closing it. Zero fields
// keep the call's own setting.
type WhatIfInput struct {
	Communes      map[string]int `json:"communes,omitempty"`
	Regions       map[string]int `json:"regions,omitempty"`
	MaxBracket    int            `json:"max_bracket,omitempty"`    // cut-off: only brackets up to this one
	MaxPercentile float64        `json:"max_percentile,omitempty"` // cut-off: only percentiles up to this one
	Priorities    []Rule         `json:"priorities,omitempty"`
}

// Move is an applicant who enters or leaves the selected list.
type Move struct {
	ID          int64  `json:"id"`
	RUN         string `json:"run,omitempty"`
	HouseholdID string `json:"household_id"`
	Commune     string `json:"commune"`
	Rank        int    `json:"rank"`
}

// WhatIfResult compares the call's selection now with the changed one.
type WhatIfResult struct {
	Selected       int            `json:"selected"`
	SelectedAfter  int            `json:"selected_after"`
	Enter          []Move         `json:"enter"`
	Leave          []Move         `json:"leave"`
	BudgetCLP      int64          `json:"budget_clp"`
	CostCLP        int64          `json:"cost_clp"`
	CostAfterCLP   int64          `json:"cost_after_clp"`
	ByRegion       map[string]int `json:"selected_by_region"`
	ByRegionAfter  map[string]int `json:"selected_by_region_after"`
	ByCommune      map[string]int `json:"selected_by_commune"`
	ByCommuneAfter map[string]int `json:"selected_by_commune_after"`
}

// WhatIf runs the selection of a call as it stands and with the change, in
// memory, and reports who enters, who leaves, and the budget and territorial
// effect. It writes nothing.
func (s *Store) WhatIf(ctx context.Context, ref string, w WhatIfInput) (*WhatIfResult, error) {
	if _, err := s.manager(ctx); err != nil {
		return nil, err
	}
	c, err := s.call(ctx, s.db, ref)
	if err != nil {
		return nil, err
	}
	apps, err := s.applications(ctx, s.db, nil, c, "")
	if err != nil {
		return nil, err
	}
	sortByID(apps)
	if err := s.recheck(ctx, s.db, c, apps, time.Now()); err != nil {
		return nil, err
	}
	base := s.newRecord(c, apps)
	before := Select(base.Applicants, base.Quotas, s.regionOf)
	q := base.Quotas
	if w.Communes != nil {
		q.Communes = w.Communes
	}
	if w.Regions != nil {
		q.Regions = w.Regions
	}
	if err := q.Validate(s.regionOf); err != nil {
		return nil, invalidAs("communes", err)
	}
	after := append([]Applicant(nil), base.Applicants...)
	var prio *RuleSet
	if w.Priorities != nil {
		if prio, err = CompileRules(w.Priorities, "priorities"); err != nil {
			return nil, err
		}
	}
	for i := range after {
		a := &apps[i]
		if w.MaxBracket > 0 && (!a.Attrs.Scored || a.Attrs.Bracket > w.MaxBracket) {
			after[i].Eligible = false
		}
		if w.MaxPercentile > 0 && (!a.Attrs.Scored || a.Attrs.Percentile > w.MaxPercentile) {
			after[i].Eligible = false
		}
		if prio != nil {
			after[i].Priority = prio.Mask(&a.Attrs)
		}
	}
	then := Select(after, q, s.regionOf)
	out := &WhatIfResult{Enter: []Move{}, Leave: []Move{}, BudgetCLP: c.BudgetCLP, ByRegion: map[string]int{}, ByRegionAfter: map[string]int{},
		ByCommune: map[string]int{}, ByCommuneAfter: map[string]int{}}
	for i := range apps {
		a := &apps[i]
		m := Move{ID: a.ID, RUN: a.RUN, HouseholdID: a.HouseholdID, Commune: a.Commune}
		was, is := before[i].Selected(), then[i].Selected()
		if was {
			out.Selected++
			out.ByRegion[a.Region]++
			out.ByCommune[a.Commune]++
		}
		if is {
			out.SelectedAfter++
			out.ByRegionAfter[a.Region]++
			out.ByCommuneAfter[a.Commune]++
		}
		switch {
		case is && !was:
			m.Rank = then[i].Rank
			out.Enter = append(out.Enter, m)
		case was && !is:
			m.Rank = before[i].Rank
			out.Leave = append(out.Leave, m)
		}
	}
	sort.Slice(out.Enter, func(i, j int) bool { return out.Enter[i].Rank < out.Enter[j].Rank })
	sort.Slice(out.Leave, func(i, j int) bool { return out.Leave[i].Rank < out.Leave[j].Rank })
	out.CostCLP, out.CostAfterCLP = int64(out.Selected)*c.AmountCLP, int64(out.SelectedAfter)*c.AmountCLP
	return out, nil
}
