package scopetest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/scopetest"
)

// TestWorld: every kind has values in region 13 and one that does not
// exist; the regional kinds have values elsewhere; and nothing of region
// 13's own data is taken for another region's (no false alarm).
func TestWorld(t *testing.T) {
	w := scopetest.New(t)
	for kind, v := range w.Values {
		if len(v.Own) == 0 || v.None == "" {
			t.Errorf("%s: values %+v", kind, v)
		}
	}
	for _, kind := range []string{scopetest.Household, scopetest.RUN, scopetest.Commune, scopetest.Region, scopetest.Call,
		scopetest.Application, scopetest.Change} {
		if len(w.Values[kind].Other) == 0 {
			t.Errorf("%s: no value in another region", kind)
		}
	}
	if w.Forbidden.Len() < 500 {
		t.Errorf("only %d forbidden strings", w.Forbidden.Len())
	}
	rosa := auth.WithPrincipal(context.Background(), &auth.Principal{Username: "rosa", Role: auth.RoleRegional, RegionCode: scopetest.Own})
	f, err := w.Registry.LoadFrame(auth.WithPrincipal(context.Background(), auth.System()), true)
	if err != nil {
		t.Fatal(err)
	}
	own := 0
	for _, id := range f.ExtID {
		h, err := w.Registry.Household(rosa, id)
		if err != nil {
			continue
		}
		own++
		b, _ := json.Marshal(h)
		if found := w.Forbidden.Find(string(b)); len(found) > 0 {
			t.Errorf("household %s of region 13 is taken for another region's data: %v", id, found)
		}
		var v any
		json.Unmarshal(b, &v)
		if found := w.Forbidden.JSON(v); len(found) > 0 {
			t.Errorf("household %s of region 13: %v", id, found)
		}
	}
	if own == 0 {
		t.Error("the officer sees no household")
	}
	// And another region's household is found.
	h, err := w.Registry.Household(auth.WithPrincipal(context.Background(), auth.System()), w.Values[scopetest.Household].Other[0])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(h)
	if found := w.Forbidden.Find(string(b)); len(found) < 3 {
		t.Errorf("another region's household: found only %v", found)
	}
	t.Logf("other region %s, %d forbidden strings, %d households of region 13", w.Other, w.Forbidden.Len(), own)
}
