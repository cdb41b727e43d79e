package cli

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/countrypack"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestCountryPackDatabase: a database made with --country-pack takes the
// pack's territory and national ID (Valdoria's 13-digit Luhn CIV imports,
// scoring runs over its departments), remembers the pack, and is refused
// without it or with the built-in territory, naming the pack it needs.
func TestCountryPackDatabase(t *testing.T) {
	dsn := dbtest.DSN(t)
	src := filepath.Join("..", "platform", "countrypack", "testdata", "valdoria")
	p, err := countrypack.LoadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	terr, err := p.Territory()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	id := func(serial int64) string {
		key, err := p.ID.Make(serial, rng)
		if err != nil {
			t.Fatal(err)
		}
		return p.ID.Canonical(key)
	}
	dir := t.TempDir()
	var hs, ps strings.Builder
	hs.WriteString("household_id,commune_code,zone,tenure,rooms,floor,walls,roof,water,sanitation,vehicle_value_clp,property_value_clp,school_fees_clp,registered_on\n")
	ps.WriteString("run,household_id,relation,sex,birth_date,schooling_years,in_school,employed,labor_income_clp,pension_income_clp,capital_income_clp,health_plan,disability,dependency,indigenous,pregnant,given_names,paternal_surname,maternal_surname\n")
	for i, c := range terr.Communes {
		fmt.Fprintf(&hs, "V%d,%s,urban,owner,%d,good,good,good,public_network,sewer,0,0,0,2024-01-01\n", i, c.Code, 1+i%4)
		fmt.Fprintf(&ps, "%s,V%d,head,F,1980-01-01,%d,0,1,%d,0,0,fonasa_a,none,none,0,0,Alba,Mirales,\n", id(int64(1000+2*i)), i, 4+i, 100000*(i+1))
		fmt.Fprintf(&ps, "%s,V%d,child,M,2015-01-01,3,1,0,0,0,0,fonasa_a,none,none,0,0,Hugo,Mirales,Oyarzo\n", id(int64(1001+2*i)), i)
	}
	// One household whose head's ID fails its Luhn check, and one with a
	// Chilean RUN: both rejected, naming the pack's ID.
	bad := []byte(id(5000))
	bad[len(bad)-1] = '0' + (bad[len(bad)-1]-'0'+1)%10
	c := terr.Communes[0].Code
	fmt.Fprintf(&hs, "BAD1,%s,urban,owner,1,good,good,good,public_network,sewer,0,0,0,2024-01-01\n", c)
	fmt.Fprintf(&ps, "%s,BAD1,head,F,1980-01-01,4,0,1,0,0,0,fonasa_a,none,none,0,0,Rosa,Valdés,\n", bad)
	fmt.Fprintf(&hs, "BAD2,%s,urban,owner,1,good,good,good,public_network,sewer,0,0,0,2024-01-01\n", c)
	fmt.Fprintf(&ps, "12345678-5,BAD2,head,F,1980-01-01,4,0,1,0,0,0,fonasa_a,none,none,0,0,Irene,Valdés,\n")
	os.WriteFile(filepath.Join(dir, "households.csv"), []byte(hs.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "persons.csv"), []byte(ps.String()), 0o644)

	args := []string{"--db", dsn, "--country-pack", src}
	code, out, errs := runCLI(t, append(args, "registry", "import", dir)...)
	want := fmt.Sprintf("%d new, 0 updated", len(terr.Communes))
	if code != ExitRejected || !strings.Contains(out, want) {
		t.Fatalf("import with the Valdoria pack: exit %d, want %q\n%s\n%s", code, want, out, errs)
	}
	problems, _ := os.ReadFile(filepath.Join(dir, "import-errors.csv"))
	if !strings.Contains(string(problems), "is not a valid CIV") || !strings.Contains(string(problems), "is not a CIV") {
		t.Errorf("problems of IDs that are not CIVs:\n%s\n%s", problems, out)
	}
	out = mustRun(t, append(args, "score")...)
	if !strings.Contains(out, "Costa Norte") || strings.Contains(out, "Metropolitana") {
		t.Errorf("scoring over Valdoria:\n%s", out)
	}
	// The export writes the pack's IDs, and imports again unchanged.
	back := filepath.Join(t.TempDir(), "back")
	mustRun(t, append(args, "registry", "export", "--out", back)...)
	exported := string(mustRead(t, filepath.Join(back, "persons.csv")))
	if !strings.Contains(exported, "\n"+strings.SplitN(strings.SplitN(ps.String(), "\n", 3)[1], ",", 2)[0]+",") {
		t.Errorf("the export lacks the first CIV:\n%s", exported)
	}
	out = mustRun(t, append(args, "registry", "import", back)...)
	if !strings.Contains(out, fmt.Sprintf("0 new, %d updated households", len(terr.Communes))) {
		t.Errorf("re-import of the export:\n%s", out)
	}
	out = mustRun(t, "--db", dsn, "territory", "show")
	if !strings.Contains(out, "pack:      XV 1.0, digest "+p.Digest) {
		t.Errorf("territory show:\n%s", out)
	}
	// Without the pack, or with Chile's territory, the database is refused
	// and the message names the pack it was made with.
	code, _, errs = runCLI(t, "--db", dsn, "registry", "count")
	if code != ExitError || !strings.Contains(errs, "this database was made with the country pack XV 1.0 (digest "+p.Digest[:12]) ||
		!strings.Contains(errs, "--country-pack DIR") {
		t.Errorf("opened without its pack: exit %d %q", code, errs)
	}
	// A Chilean database refuses the pack.
	chile := dbtest.DSN(t)
	mustRun(t, "--db", chile, "registry", "count")
	code, _, errs = runCLI(t, "--db", chile, "--country-pack", src, "registry", "count")
	if code != ExitError || !strings.Contains(errs, "made without a country pack") || !strings.Contains(errs, "not with the country pack XV 1.0") {
		t.Errorf("a Chilean database opened with a pack: exit %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "--country-pack", src, "--territory", "x.csv", "--country", "xx", "registry", "count"); code == 0 ||
		!strings.Contains(errs, "not both") {
		t.Errorf("a pack and a territory file: exit %d %q", code, errs)
	}
}
