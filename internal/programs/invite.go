package programs

import (
	"context"
	"time"
)

// A line that takes no applications (Spec.Invitation: Puente, Familias,
// Habitabilidad, Autoconsumo) is filled by invitation. Its calls refuse
// applications; when the selection of such a call runs, every household of
// the call's territory whose head passes the call's rules becomes an
// invited application (Application.Invited), and the selection then ranks
// and places them exactly as it does applicants — same keys, same quotas,
// same waiting list, same frozen record — so `calls verify` recomputes an
// invitation call as any other. docs/selection.md.

// invitees prepares the invitations of invitation call c: the call's rules
// are evaluated over the registry frame within the call's communes, as the
// eligibility preview does, and each household that passes is prepared as
// an application would be (prepare evaluates it again, from the registry's
// records, so an invitation carries the same inputs as an application).
func (s *Store) invitees(ctx context.Context, c *Call) ([]*prepared, error) {
	v, err := s.who(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	in, err := s.previewInput(ctx, c.Run, c.Unit, true, now)
	if err != nil {
		return nil, err
	}
	f, parts := in.Frame, in.Participations
	ages := newAgeTable(in.AsOf)
	var out []*prepared
	var a Attrs
	for i := range f.Len() {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		cm := &s.terr.Communes[f.Commune[i]]
		if !c.Covers(cm.Code, cm.RegionCode) {
			continue
		}
		yes := false
		in.applicants(i, func(j int) {
			in.attrsOf(&a, i, j, ages.age(f.BirthDay[j]), parts[f.Key[i]])
			yes = yes || c.rules.rules.Eligible(&a)
		})
		if !yes {
			continue
		}
		p, err := s.prepare(ctx, v, c, ApplyInput{Household: f.ExtID[i], Channel: ChannelStaff}, now)
		if err != nil {
			return nil, err
		}
		p.in.Invited, p.a.Invited = true, true
		if p.a.Eligible {
			out = append(out, p)
		}
	}
	return out, nil
}
