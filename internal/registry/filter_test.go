package registry_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/registrytest"
)

// TestListCommuneFilters pages through a commune with each filter and
// compares the keys with the households a plain reading of every household
// selects, and the total with their number.
func TestListCommuneFilters(t *testing.T) {
	d, reg := registrytest.Imported(t, 2500, 21)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	// The commune with the most households.
	var commune string
	if err := d.QueryRowContext(ctx, `SELECT commune_code FROM households GROUP BY commune_code ORDER BY count(*) DESC, commune_code LIMIT 1`).Scan(&commune); err != nil {
		t.Fatal(err)
	}
	// Results of a made-up run 7: bracket and poorest-5 flag follow the key.
	bracket := func(key int64) int { return 40 + 10*int(key%7) }
	poorest := func(key int64) bool { return key%5 == 0 }
	all, err := reg.ListCommune(ctx, commune, registry.ListFilter{}, 0, 500)
	if err != nil || all.Next != "" || int64(len(all.Items)) != all.Total {
		t.Fatalf("unfiltered: %d items of %d, next %q, %v", len(all.Items), all.Total, all.Next, err)
	}
	var views []*registry.HouseholdView
	for _, h := range all.Items {
		v, err := reg.HouseholdByKey(ctx, h.Key)
		if err != nil {
			t.Fatal(err)
		}
		views = append(views, v)
		p5 := 0
		if poorest(h.Key) {
			p5 = 1
		}
		if _, err := d.ExecContext(ctx, `INSERT INTO score_results (run, household, value, percentile, bracket, poorest5, upgrade) VALUES (7, ?, 0, 0, ?, ?, 0)`,
			h.Key, bracket(h.Key), p5); err != nil {
			t.Fatal(err)
		}
		if h.HeadName == "" || h.HeadName != v.Members[0].Name || v.Members[0].Relation != "head" {
			t.Fatalf("household %s: head name %q, members %+v", h.ID, h.HeadName, v.Members[0])
		}
	}
	femaleHead := func(v *registry.HouseholdView) bool {
		return v.Members[0].Relation == "head" && v.Members[0].Sex == "F"
	}
	for _, tt := range []struct {
		name   string
		filter registry.ListFilter
		keep   func(v *registry.HouseholdView) bool
	}{
		{"rural", registry.ListFilter{Zone: "rural"}, func(v *registry.HouseholdView) bool { return v.Zone == "rural" }},
		{"renters of 3 to 5", registry.ListFilter{Tenure: "renter", MinMembers: 3, MaxMembers: 5},
			func(v *registry.HouseholdView) bool {
				return v.Tenure == "renter" && v.MemberCount >= 3 && v.MemberCount <= 5
			}},
		{"female head", registry.ListFilter{FemaleHead: true}, femaleHead},
		{"brackets 40 and 50", registry.ListFilter{Run: 7, Brackets: []int{40, 50}},
			func(v *registry.HouseholdView) bool { return bracket(v.Key) <= 50 }},
		{"poorest 5% headed by women, urban", registry.ListFilter{Run: 7, Poorest5: true, FemaleHead: true, Zone: "urban"},
			func(v *registry.HouseholdView) bool { return poorest(v.Key) && femaleHead(v) && v.Zone == "urban" }},
		{"nothing passes", registry.ListFilter{MinMembers: 50}, func(v *registry.HouseholdView) bool { return false }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want, got []int64
			for _, v := range views {
				if tt.keep(v) {
					want = append(want, v.Key)
				}
			}
			after, pages := int64(0), 0
			for {
				pg, err := reg.ListCommune(ctx, commune, tt.filter, after, 7)
				if err != nil {
					t.Fatal(err)
				}
				if pg.Total != int64(len(want)) {
					t.Fatalf("total %d, want %d", pg.Total, len(want))
				}
				for _, h := range pg.Items {
					got = append(got, h.Key)
				}
				pages++
				if pg.Next == "" {
					break
				}
				after = pg.Items[len(pg.Items)-1].Key
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			if len(want) > 7 && pages < 2 {
				t.Errorf("%d households in %d page(s) of 7", len(want), pages)
			}
		})
	}
	if len(views) < 20 || !slices.ContainsFunc(views, femaleHead) {
		t.Fatalf("the commune has %d households: too few to test filters", len(views))
	}
}

func TestListFilterValidate(t *testing.T) {
	for _, tt := range []struct {
		f      registry.ListFilter
		fields []string
	}{
		{registry.ListFilter{}, nil},
		{registry.ListFilter{Zone: "urbano"}, []string{"zone"}},
		{registry.ListFilter{Tenure: "x", MinMembers: -1, MaxMembers: 99}, []string{"tenure", "min_members", "max_members"}},
		{registry.ListFilter{MinMembers: 5, MaxMembers: 2}, []string{"max_members"}},
		{registry.ListFilter{Brackets: []int{45}, Run: 1}, []string{"bracket"}},
		{registry.ListFilter{Poorest5: true}, []string{"run"}},
	} {
		err := tt.f.Validate()
		var fields []string
		if e, ok := err.(*fosis.Error); ok {
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
		}
		if diff := cmp.Diff(tt.fields, fields); diff != "" {
			t.Errorf("Validate(%+v) fields (-want +got):\n%s", tt.f, diff)
		}
	}
}

func TestParseListFilter(t *testing.T) {
	q, _ := url.ParseQuery("zone=rural&tenure=renter&min_members=2&max_members=6&female_head=1&run=3&bracket=50,40&bracket=40&poorest5=true")
	f, err := registry.ParseListFilter(q)
	want := registry.ListFilter{Zone: "rural", Tenure: "renter", MinMembers: 2, MaxMembers: 6, FemaleHead: true, Run: 3, Brackets: []int{40, 50}, Poorest5: true}
	if err != nil || !cmp.Equal(want, f) {
		t.Fatalf("ParseListFilter = %+v, %v", f, err)
	}
	again, err := registry.ParseListFilter(f.Query())
	if err != nil || !cmp.Equal(f, again) {
		t.Errorf("round trip through Query: %+v, %v", again, err)
	}
	if z, err := registry.ParseListFilter(url.Values{}); err != nil || !z.IsZero() || len(z.Query()) != 0 {
		t.Errorf("empty query: %+v, %v", z, err)
	}
	bad, _ := url.ParseQuery("min_members=dos&female_head=si&run=x&bracket=40,cuarenta")
	_, err = registry.ParseListFilter(bad)
	var fields []string
	if e, ok := err.(*fosis.Error); ok {
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
	}
	if diff := cmp.Diff([]string{"min_members", "female_head", "run", "bracket"}, fields); diff != "" {
		t.Errorf("bad query fields (-want +got):\n%s", diff)
	}
}

// FuzzParseListFilter: any query either parses into a filter that survives
// the round trip through Query, or is refused with field errors; it never
// panics, and a parsed filter's SQL has one argument per placeholder.
func FuzzParseListFilter(f *testing.F) {
	for _, s := range []string{"zone=rural&bracket=40,50&run=2", "min_members=x", "bracket=,,,&female_head=on", "poorest5=1&run=-1", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		lf, err := registry.ParseListFilter(q)
		if err != nil {
			if e, ok := err.(*fosis.Error); !ok || e.Code != fosis.EINVALID || len(e.Fields) == 0 {
				t.Fatalf("ParseListFilter(%q) = %v: not an invalid error with fields", raw, err)
			}
			return
		}
		if lf.Validate() != nil {
			return
		}
		again, err := registry.ParseListFilter(lf.Query())
		if err != nil || !cmp.Equal(lf.Query(), again.Query()) {
			t.Fatalf("round trip of %q: %+v → %+v (%v)", raw, lf, again, err)
		}
		if sql, args := registry.FilterSQL(lf); strings.Count(sql, "?") != len(args) {
			t.Fatalf("%q: %d placeholders, %d arguments", sql, strings.Count(sql, "?"), len(args))
		}
	})
}
