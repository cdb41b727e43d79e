package registry_test

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/countrypack"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/registry"
)

// TestIDSchemeOfAPack: a store given a country pack's ID scheme (Valdoria's
// 13-digit Luhn CIV) imports, finds, searches and changes persons by it,
// writing it in the scheme's canonical form.
func TestIDSchemeOfAPack(t *testing.T) {
	p, err := countrypack.LoadDir(filepath.Join("..", "platform", "countrypack", "testdata", "valdoria"))
	if err != nil {
		t.Fatal(err)
	}
	terr, err := p.Territory()
	if err != nil {
		t.Fatal(err)
	}
	s := registry.NewStore(dbtest.Open(t), terr, nil)
	s.SetIDScheme(&p.ID)
	s.SetCountryPack(registry.PackIdentity{Code: p.Code, Version: p.Version, Digest: p.Digest})
	if err := s.SyncTerritory(sysCtx); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var keys []int64
	for serial := range int64(3) {
		k, err := p.ID.Make(1000+serial, rng)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	head, child, newborn := p.ID.Canonical(keys[0]), p.ID.Canonical(keys[1]), p.ID.Canonical(keys[2])
	commune := terr.Communes[0].Code
	sum, err := s.Import(sysCtx, writeExtract(t,
		hHeader+"V1,"+commune+",urban,renter,3,good,good,good,public_network,sewer,0,0,0,2024-01-01\n",
		pHeader+head+",V1,head,F,1980-01-01,12,0,1,450000,0,0,fonasa_a,none,none,0,0,Alba,Mirales,Oyarzo\n"+
			child+",V1,child,M,2015-01-01,3,1,0,0,0,0,fonasa_a,none,none,0,0,Hugo,Mirales,Ferrán\n"))
	if err != nil || sum.Rejected != 0 || sum.Inserted != 1 {
		t.Fatalf("import: %+v, %v", sum, err)
	}
	// Found by the ID as people write it (the display mask) and as files do.
	for _, text := range []string{p.ID.Format(keys[0]), head} {
		h, err := s.HouseholdOfRUN(sysCtx, text)
		if err != nil || h.ID != "V1" || h.Members[0].RUN != head {
			t.Fatalf("household of %q: %+v, %v", text, h, err)
		}
	}
	if _, err := s.HouseholdOfRUN(sysCtx, "12.345.678-5"); fosis.ErrorCode(err) != fosis.EINVALID || !strings.Contains(err.Error(), "invalid CIV") {
		t.Errorf("a RUN in Valdoria: %v", err)
	}
	res, err := s.SearchNames(sysCtx, "hugo mirales", 10)
	if err != nil || len(res.Matches) != 1 || res.Matches[0].RUN != child {
		t.Fatalf("search: %+v, %v", res, err)
	}
	officer := asUser(&auth.Principal{UserID: 1, Username: "rosa", Role: auth.RoleRegional, RegionCode: terr.Communes[0].RegionCode})
	in := registry.ChangeInput{Kind: registry.KindUpdate, Reason: "a child was born", Changes: registry.ChangeSet{
		Members: []registry.MemberChange{{RUN: p.ID.Format(keys[0]), Field: "employed", To: "0"}},
		Add: []registry.MemberValues{{"run": p.ID.Format(keys[2]), "given_names": "Rosa", "paternal_surname": "Mirales", "maternal_surname": "Ferrán",
			"relation": "child", "sex": "F", "birth_date": "2026-09-01", "schooling_years": "0", "in_school": "0", "employed": "0",
			"labor_income_clp": "0", "pension_income_clp": "0", "capital_income_clp": "0", "health_plan": "fonasa_b",
			"disability": "none", "dependency": "none", "indigenous": "0", "pregnant": "0"}}}}
	r, err := s.SubmitChange(officer, "V1", in, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Changes.Members[0].RUN != head || r.Changes.Add[0]["run"] != newborn {
		t.Errorf("change request's IDs: %+v", r.Changes)
	}
	bad := registry.ChangeInput{Kind: registry.KindUpdate, Reason: "r", Changes: registry.ChangeSet{
		Members: []registry.MemberChange{{RUN: head[:12] + string('0'+(head[12]-'0'+1)%10), Field: "employed", To: "0"}}}}
	var ce *registry.ChangeError
	if _, err := s.SubmitChange(officer, "V1", bad, ""); !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Code != "run_check" {
		t.Errorf("a CIV with a wrong check digit: %v", err)
	}
}
