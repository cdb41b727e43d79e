package targeting_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/targeting"
)

func TestDistribution(t *testing.T) {
	sys := auth.WithPrincipal(context.Background(), auth.System())
	ts, _ := scoredRegistry(t, 600)
	out, err := ts.ScoreAll(sys, targeting.DefaultModel(), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	runID := out.Run.ID
	analyst := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "ana", Role: auth.RoleAnalyst})
	regional := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: "13"})

	t.Run("national", func(t *testing.T) {
		for pass := range 2 { // the second pass comes from the cache
			d, err := ts.Distribution(analyst, runID)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, r := range geo.Chile().Regions {
				codes = append(codes, r.Code)
			}
			var got []string
			var total int64
			for _, r := range d {
				got = append(got, r.Code)
				var sum int64
				for _, n := range r.Counts {
					sum += n
				}
				if sum != r.Households || len(r.Counts) != len(targeting.Brackets()) || r.Name == "" {
					t.Errorf("pass %d, region %s (%q): counts %v add up to %d, households %d", pass, r.Code, r.Name, r.Counts, sum, r.Households)
				}
				total += r.Households
			}
			if diff := cmp.Diff(codes, got); diff != "" {
				t.Errorf("pass %d: regions (-want +got):\n%s", pass, diff)
			}
			if total != out.Run.Households {
				t.Errorf("pass %d: %d households in the distribution, the run has %d", pass, total, out.Run.Households)
			}
		}
	})
	t.Run("regional", func(t *testing.T) {
		d, err := ts.Distribution(regional, runID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d) != 1 || d[0].Code != "13" || d[0].Households == 0 {
			t.Fatalf("regional officer of 13 sees %+v", d)
		}
		d[0].Counts[0] = -1 // a caller's copy: the cache is not touched
		again, _ := ts.Distribution(analyst, runID)
		for _, r := range again {
			if r.Code == "13" && r.Counts[0] < 0 {
				t.Error("a caller's change reached the cache")
			}
		}
	})
	t.Run("refused", func(t *testing.T) {
		for name, c := range map[string]struct {
			ctx  context.Context
			run  int64
			code string
		}{
			"no principal": {context.Background(), runID, fosis.EUNAUTHORIZED},
			"no registry":  {auth.WithPrincipal(context.Background(), &auth.Principal{Role: auth.RoleFinancer}), runID, fosis.EFORBIDDEN},
			"unknown run":  {analyst, runID + 100, fosis.ENOTFOUND},
		} {
			if _, err := ts.Distribution(c.ctx, c.run); fosis.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", name, err, c.code)
			}
		}
	})
}

// TestRegistryFilterKnowsTheBrackets keeps the registry's list filter in step
// with the brackets runs assign.
func TestRegistryFilterKnowsTheBrackets(t *testing.T) {
	for _, b := range targeting.Brackets() {
		if err := (registry.ListFilter{Run: 1, Brackets: []int{int(b)}}).Validate(); err != nil {
			t.Errorf("bracket %d: %v", b, err)
		}
	}
}
