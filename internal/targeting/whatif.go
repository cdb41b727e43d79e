package targeting

import (
	"context"
	"fmt"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// ModelRef names a model version.
type ModelRef struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Name    string `json:"name"`
	Digest  string `json:"digest"`
}

func refOf(m *Model) ModelRef {
	return ModelRef{ID: m.ID, Version: m.Version, Name: m.Name, Digest: m.Digest()}
}

// WhatIfResult is what would change if the registry were scored with another
// model instead of the active one: the brackets of the same households under
// both, nothing stored.
type WhatIfResult struct {
	Base  ModelRef `json:"base"`
	Other ModelRef `json:"other"`
	AsOf  string   `json:"as_of"`
	// Matrix counts households by bracket under Base (rows) and Other
	// (columns); Total summarises it.
	Matrix   Transitions         `json:"matrix"`
	Total    Moves               `json:"total"`
	ByRegion []RegionTransitions `json:"by_region"` // every region, in code order
}

// MayWhatIf returns the caller if they may run a what-if (see WhatIf): an
// unauthorized error without a principal, forbidden for the other roles.
func MayWhatIf(ctx context.Context) (*auth.Principal, error) {
	p, err := auth.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleAdmin && p.Role != auth.RoleAnalyst {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "a what-if ranks the whole country: only analysts and administrators may run one; your role is %s", p.Role)
	}
	return p, nil
}

// WhatIf scores the whole registry in memory under the active model and
// under other, on day asOf, and compares the brackets. It writes no model,
// run or result: only an audit entry saying who tried which model.
//
// A what-if ranks the whole country, so it is for the national roles that
// work on models: administrators and analysts. A regional officer is refused
// (forbidden) rather than shown their region's part: a ranking is national,
// and its effect on one region cannot be told without reading every other.
func (s *Store) WhatIf(ctx context.Context, other *Model, asOf time.Time) (*WhatIfResult, error) {
	sc, err := s.whatIfScore(ctx, other, asOf, false)
	if err != nil {
		return nil, err
	}
	p, base, f, ra, rb := sc.p, sc.base, sc.f, sc.ra, sc.rb
	w := &WhatIfResult{Base: refOf(base), Other: refOf(other), AsOf: asOf.Format(time.DateOnly), ByRegion: []RegionTransitions{}}
	regions := s.reg.Territory().Regions
	byRegion := make([]Transitions, len(regions))
	for i := range f.Len() {
		from, to := ra.Bracket[i], rb.Bracket[i]
		if !validBracket(int(from)) || !validBracket(int(to)) {
			continue
		}
		a, b := bracketIndex(from), bracketIndex(to)
		w.Matrix[a][b]++
		if r := int(f.Region[i]); r < len(byRegion) {
			byRegion[r][a][b]++
		}
	}
	for i, r := range regions {
		w.ByRegion = append(w.ByRegion, RegionTransitions{Code: r.Code, Name: r.Name, Matrix: byRegion[i], Moves: byRegion[i].moves()})
	}
	w.Total = w.Matrix.moves()
	err = s.auditWhatIf(ctx, p, "score.what_if", other, map[string]any{"base": w.Base, "other": w.Other, "as_of": w.AsOf, "total": w.Total})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// whatIfScored is a what-if's work: the registry scored under both models.
type whatIfScored struct {
	p      *auth.Principal
	base   *Model
	f      *registry.Frame
	ra, rb *Results
}

// whatIfScore checks the caller and the model, then scores the registry
// under the active model and under other.
func (s *Store) whatIfScore(ctx context.Context, other *Model, asOf time.Time, withIDs bool) (*whatIfScored, error) {
	p, err := MayWhatIf(ctx)
	if err != nil {
		return nil, err
	}
	if err := other.Validate(); err != nil {
		return nil, err
	}
	base, err := s.ActiveModel(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.reg.SharedFrame(ctx, withIDs) // Score only reads it
	if err != nil {
		return nil, err
	}
	if f.Len() == 0 {
		return nil, fosis.Errorf(fosis.EINVALID, "the registry is empty: import an extract first (fosis registry import DIR)")
	}
	day := registry.DayNumber(asOf)
	ra, err := Score(ctx, f, base, day)
	if err != nil {
		return nil, err
	}
	rb, err := Score(ctx, f, other, day)
	if err != nil {
		return nil, err
	}
	return &whatIfScored{p: p, base: base, f: f, ra: ra, rb: rb}, nil
}

func (s *Store) auditWhatIf(ctx context.Context, p *auth.Principal, action string, other *Model, after any) error {
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: action,
			Entity: "score_model", EntityID: fmt.Sprintf("%s v%d", other.ID, other.Version), After: after})
		return err
	})
}

// WhatIfMoved scores the registry as WhatIf does and calls fn for every
// household whose bracket would change (From under the active model, To
// under other), in household order, and returns how many there were. Like
// WhatIf it stores nothing but an audit entry (score.what_if_moved, with
// the number of households listed).
func (s *Store) WhatIfMoved(ctx context.Context, other *Model, asOf time.Time, fn func(Change) error) (int, error) {
	sc, err := s.whatIfScore(ctx, other, asOf, true)
	if err != nil {
		return 0, err
	}
	communes := s.reg.Territory().Communes
	var moved []int
	for i := range sc.f.Len() {
		if sc.ra.Bracket[i] != sc.rb.Bracket[i] {
			moved = append(moved, i)
		}
	}
	// Audited before the list is handed out, so that no list leaves unrecorded.
	err = s.auditWhatIf(ctx, sc.p, "score.what_if_moved", other, map[string]any{"base": refOf(sc.base), "other": refOf(other),
		"as_of": asOf.Format(time.DateOnly), "households_listed": len(moved)})
	if err != nil {
		return 0, err
	}
	for _, i := range moved {
		c := Change{HouseholdID: sc.f.ExtID[i], From: sc.ra.Bracket[i], To: sc.rb.Bracket[i]}
		if k := int(sc.f.Commune[i]); k >= 0 && k < len(communes) {
			c.CommuneCode = communes[k].Code
		}
		if err := fn(c); err != nil {
			return 0, err
		}
	}
	return len(moved), nil
}
