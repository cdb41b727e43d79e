package registry_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
)

func TestSearchNames(t *testing.T) {
	s, _ := newStore(t)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	extra := "6.265.837-1,H2,spouse,F,1952-01-01,8,0,0,0,0,0,fonasa_a,none,none,1,0,Rosa,Núñez,Catrileo\n"
	if _, err := s.Import(sys, writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+pRowC+extra)); err != nil {
		t.Fatal(err)
	}
	rm := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rm", Role: auth.RoleRegional, RegionCode: "13"})
	names := func(ctx context.Context, q string, limit int) []string {
		t.Helper()
		res, err := s.SearchNames(ctx, q, limit)
		if err != nil {
			t.Fatalf("SearchNames(%q): %v", q, err)
		}
		var out []string
		for _, m := range res.Matches {
			out = append(out, m.Name+" "+m.HouseholdID)
		}
		if res.More {
			out = append(out, "…")
		}
		return out
	}
	type searchCase struct {
		ctx   context.Context
		q     string
		limit int
		want  []string
	}
	cases := []searchCase{
		{sys, "nunez", 10, []string{"Rosa Núñez Catrileo H2", "María José Núñez Soto H1"}}, // surnames first
		{sys, "NÚÑEZ", 10, []string{"Rosa Núñez Catrileo H2", "María José Núñez Soto H1"}},
		{sys, "nunez", 1, []string{"Rosa Núñez Catrileo H2", "…"}},
		{sys, "maria nunez", 10, []string{"María José Núñez Soto H1"}},
		{sys, "Núñez, José M.", 10, []string{"María José Núñez Soto H1"}},
		{sys, "jo catri", 10, []string{"José Luis Catrileo H2"}}, // prefixes of words, any order
		{sys, "catrileo", 10, []string{"José Luis Catrileo H2"}}, // Rosa's second surname is not her first
		{sys, "perez tomas", 10, []string{"Tomás Pérez Núñez H1"}},
		{sys, "pere soto", 10, nil},
		{sys, "núñez' OR 1=1 --", 10, nil}, // SQL metacharacters are folded away: just words
		{sys, "zzz", 10, nil},
		{rm, "nunez", 10, []string{"María José Núñez Soto H1"}}, // Rosa lives in another region
		{rm, "catrileo", 10, nil},
	}
	// The same answers on each engine's own way (the first), and whether a
	// surname's range is walked a key at a time, its matches read one at a
	// time, walked and then left to the database, or left to it at once.
	for _, walk := range [][3]int{{0, 0, 0}, {2000, 40000, 50}, {1, 1000, 1}, {1, 2, 2}, {2, 1, 50}, {2, 0, 50}} {
		restore := func() {}
		if walk[0] > 0 {
			restore = registry.SetNameWalk(walk[0], walk[1], walk[2])
		}
		for _, tt := range cases {
			if diff := cmp.Diff(tt.want, names(tt.ctx, tt.q, tt.limit)); diff != "" {
				t.Errorf("walk %v: SearchNames(%q, %d) (-want +got):\n%s", walk, tt.q, tt.limit, diff)
			}
		}
		restore()
	}
	res, err := s.SearchNames(sys, "perez", 10)
	if err != nil || len(res.Matches) != 1 {
		t.Fatal(res, err)
	}
	if m := res.Matches[0]; m.RUN != "20000003-K" || m.Relation != "child" || m.CommuneCode != "13101" || m.RegionCode != "13" || m.Age < 13 {
		t.Errorf("match = %+v", m)
	}
	for _, q := range []string{"", "  ", "a", "-- ;", "a b c d e f g"} {
		if _, err := s.SearchNames(sys, q, 10); fosis.ErrorCode(err) != fosis.EINVALID || len(err.(*fosis.Error).Fields) != 1 || err.(*fosis.Error).Fields[0].Field != "name" {
			t.Errorf("SearchNames(%q) = %v, want invalid", q, err)
		}
	}
	if _, err := s.SearchNames(context.Background(), "nunez", 10); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("without a principal: %v", err)
	}
	fin := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "f", Role: auth.RoleFinancer})
	if _, err := s.SearchNames(fin, "nunez", 10); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("as a financer: %v", err)
	}
}
