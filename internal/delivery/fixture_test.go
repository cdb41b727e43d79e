package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

var testToday = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func sysCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System()) }

// fixture: a small scored registry, the catalogue and methodologies seeded,
// two agencies with a contract each, counsellors and a supervisor.
type fixture struct {
	t    *testing.T
	d    *db.DB
	reg  *registry.Store
	prog *programs.Store
	st   *delivery.Store
	run  int64
	hh   []*registry.HouseholdView
	ctx  map[string]context.Context // by username
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	ctx := sysCtx()
	d, reg := registrytest.Imported(t, n, 7)
	tgt := targeting.NewStore(d, reg, nil)
	out, err := tgt.ScoreAll(ctx, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	prog := programs.NewStore(d, reg, tgt, nil)
	if _, err := prog.SeedCatalogue(ctx); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, d: d, reg: reg, prog: prog, st: delivery.NewStore(d, prog, reg, nil, func() time.Time { return testToday }),
		run: out.Run.ID, ctx: map[string]context.Context{}}
	if n, err := f.st.SeedMethodologies(ctx); err != nil || n != len(delivery.Seeded()) {
		t.Fatalf("seed methodologies: %d, %v", n, err)
	}
	for _, key := range out.Frame.Key {
		h, err := reg.HouseholdByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		f.hh = append(f.hh, h)
	}
	for _, a := range []string{"ong-norte", "ong-sur"} {
		if _, err := prog.CreateAgency(ctx, a, "ONG "+a); err != nil {
			t.Fatal(err)
		}
	}
	f.user("coord-norte", auth.RoleAgency, "")
	f.user("coord-sur", auth.RoleAgency, "")
	f.user("nacional", auth.RoleAnalyst, "")
	f.user("auditora", auth.RoleAuditor, "")
	f.user("coop", auth.RoleCooperation, "")
	for user, ag := range map[string]string{"coord-norte": "ong-norte", "coord-sur": "ong-sur"} {
		if err := prog.AddStaff(ctx, f.id(user), ag); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ name, agency, sup string }{{"ana", "ong-norte", "coord-norte"}, {"beto", "ong-norte", "coord-norte"}, {"carla", "ong-sur", "coord-sur"}} {
		f.user(c.name, auth.RoleCounsellor, "")
		if err := f.st.AddCounsellor(ctx, c.name, c.agency, c.sup, 3); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// user creates a user with role (and region for regional officers).
func (f *fixture) user(name string, role auth.Role, region string) {
	f.t.Helper()
	var id int64
	err := f.d.Transact(context.Background(), func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO users (username, role, region_code, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'x', ?, ?)`,
			name, string(role), region, tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.ctx[name] = auth.WithPrincipal(context.Background(), &auth.Principal{UserID: id, Username: name, Role: role, RegionCode: region})
}

func (f *fixture) id(name string) int64 { return auth.FromContext(f.ctx[name]).UserID }

// open opens a case of line for household i, run by agency.
func (f *fixture) open(line string, i int, agency string) *delivery.Case {
	f.t.Helper()
	c, err := f.st.Open(sysCtx(), delivery.OpenInput{Line: line, HouseholdID: f.hh[i].ID, Agency: agency})
	if err != nil {
		f.t.Fatalf("open %s for %s: %v", line, f.hh[i].ID, err)
	}
	return c
}

// marks returns a mark of status for every condition of m.
func marks(m *delivery.Methodology, status string) []delivery.Mark {
	var out []delivery.Mark
	for _, d := range m.Dimensions {
		for _, c := range d.Conditions {
			out = append(out, delivery.Mark{Condition: c.Code, Status: status, Evidence: "visita"})
		}
	}
	return out
}
