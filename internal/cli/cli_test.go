package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/targeting"
)

// runCLI runs the command line and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"-q"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("fosis %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func sortedLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	slices.Sort(lines[1:])
	return lines
}

// TestCommandLine walks the foundation's user journey: generate, import,
// score, what-if, diff, accuracy, export of a run, and a round trip of the
// registry through its interchange format.
func TestCommandLine(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	extract := filepath.Join(dir, "extract")
	mustRun(t, "registry", "generate", "--households", "1500", "--seed", "5", "--out", extract)
	out := mustRun(t, "--db", dsn, "registry", "import", extract)
	if !strings.Contains(out, "1500 new, 0 updated households") {
		t.Fatalf("import summary:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "registry", "check"); !strings.Contains(out, "no problems (1500 households") {
		t.Fatalf("registry check after the import:\n%s", out)
	}
	out = mustRun(t, "--db", dsn, "score", "--as-of", "2026-11-01")
	if !strings.Contains(out, "run 1: model chile-rsh v1") || !strings.Contains(out, "Total") || !strings.Contains(out, "Metropolitana") {
		t.Fatalf("score output:\n%s", out)
	}
	// Every run states the share it flagged as the poorest 5 % (about 5 %:
	// the ranking's tie-breakers split the households without income).
	if !regexp.MustCompile(`poorest 5 %: 7[0-9] households flagged \([0-9.]+ % of 1500\)`).MatchString(out) {
		t.Fatalf("score output does not state the poorest 5 %% share:\n%s", out)
	}
	// What-if with the PMT model writes nothing.
	pmt := filepath.Join(dir, "pmt.json")
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			os.WriteFile(pmt, m.Canonical(), 0o644)
		}
	}
	out = mustRun(t, "--db", dsn, "score", "--what-if", pmt, "--as-of", "2026-11-01")
	if !strings.Contains(out, "would change bracket") || !strings.Contains(out, "from bracket (rows) to bracket (columns)") {
		t.Fatalf("what-if output:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "score", "runs"); strings.Count(out, "chile-rsh") != 1 {
		t.Fatalf("what-if stored a run:\n%s", out)
	}
	mustRun(t, "--db", dsn, "score", "--model", pmt, "--as-of", "2026-11-01")
	out = mustRun(t, "--db", dsn, "score", "diff", "1", "2")
	if n := strings.Count(out, "\n"); n < 10 {
		t.Fatalf("diff between two models lists %d lines:\n%s", n, out)
	}
	out = mustRun(t, "--db", dsn, "score", "accuracy", "--run", "1", "--truth", filepath.Join(extract, "truth.csv"))
	if !strings.Contains(out, "inclusion error") || !strings.Contains(out, "exclusion error") {
		t.Fatalf("accuracy output:\n%s", out)
	}
	runCSV := filepath.Join(dir, "run.csv")
	mustRun(t, "--db", dsn, "score", "export", "latest", "--out", runCSV)
	if lines := sortedLines(t, runCSV); len(lines) != 1501 || lines[0] != targeting.ExportHeader {
		t.Fatalf("run export: %d lines, header %q", len(lines), lines[0])
	}
	// Round trip: the exported registry has the same rows as the extract.
	back := filepath.Join(dir, "back")
	mustRun(t, "--db", dsn, "registry", "export", "--out", back)
	for _, name := range []string{"households.csv", "persons.csv"} {
		want, got := sortedLines(t, filepath.Join(extract, name)), sortedLines(t, filepath.Join(back, name))
		if !slices.Equal(want, got) {
			t.Errorf("%s differs after the round trip (%d lines vs %d)", name, len(want), len(got))
		}
	}
	// Re-importing the export changes nothing.
	out = mustRun(t, "--db", dsn, "registry", "import", back)
	if !strings.Contains(out, "0 new, 1500 updated households") {
		t.Fatalf("re-import summary:\n%s", out)
	}
}

func TestCommandLineErrors(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "households.csv"), []byte("household_id,commune_code\nH1,13101\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "persons.csv"), []byte("run\n"), 0o644)
	code, _, errs := runCLI(t, "--db", dsn, "registry", "import", dir)
	if code != ExitError || !strings.Contains(errs, "missing column(s): zone, tenure") {
		t.Errorf("bad header: exit %d, %q", code, errs)
	}
	// A rejected household gives exit status 2 and names the report.
	extract := filepath.Join(dir, "x")
	mustRun(t, "registry", "generate", "--households", "20", "--out", extract)
	persons := filepath.Join(extract, "persons.csv")
	data, _ := os.ReadFile(persons)
	lines := strings.Split(string(data), "\n")
	lines[1] = strings.Replace(lines[1], ",head,", ",child,", 1)
	os.WriteFile(persons, []byte(strings.Join(lines, "\n")), 0o644)
	code, out, errs := runCLI(t, "--db", dsn, "registry", "import", extract, "--errors", filepath.Join(dir, "report.csv"))
	if code != ExitRejected || !strings.Contains(errs, "report.csv") || !strings.Contains(out, "rejected:  1 households") {
		t.Errorf("rejected household: exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "--db", dsn, "score", "export", "7", "--out", filepath.Join(dir, "r.csv"))
	if code != ExitError || !strings.Contains(errs, "no scoring run 7") {
		t.Errorf("export of a missing run: exit %d %q", code, errs)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("id: x\nversion: 1\nkind: income\nname: X\nparams:\n  equivalence_exponent: 3\n  colour: red\n"), 0o644)
	code, _, errs = runCLI(t, "--db", dsn, "score", "--model", bad)
	if code != ExitError || !strings.Contains(errs, "params.colour: unknown field") {
		t.Errorf("bad model: exit %d %q", code, errs)
	}
}

// TestOtherCountry runs an import and a scoring run on a partner country's
// own territory file.
func TestOtherCountry(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	terr := filepath.Join(dir, "territory.csv")
	os.WriteFile(terr, []byte("region_code;region_name;province_code;province_name;commune_code;commune_name\n"+
		"A;Norte;A1;Alta;A101;Villa Uno\nB;Sur;B1;Baja;B101;Puerto\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "households.csv"), []byte(
		"household_id,commune_code,zone,tenure,rooms,floor,walls,roof,water,sanitation,vehicle_value_clp,property_value_clp,school_fees_clp,registered_on\n"+
			"X1,A101,urban,owner,3,good,good,good,public_network,sewer,0,0,0,2024-01-01\n"+
			"X2,B101,rural,renter,1,poor,poor,poor,well,latrine,0,0,0,2024-01-01\n"+
			"X3,13101,urban,owner,3,good,good,good,public_network,sewer,0,0,0,2024-01-01\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "persons.csv"), []byte(
		"run,household_id,relation,sex,birth_date,schooling_years,in_school,employed,labor_income_clp,pension_income_clp,capital_income_clp,health_plan,disability,dependency,indigenous,pregnant,given_names,paternal_surname,maternal_surname\n"+
			"12345678-5,X1,head,F,1980-01-01,12,0,1,900000,0,0,fonasa_d,none,none,0,0,Ama,Ncube,\n"+
			"9868503-0,X2,head,M,1960-01-01,4,0,0,0,150000,0,fonasa_a,none,none,0,0,Kofi,Mensah,Owusu\n"+
			"6265837-1,X3,head,M,1960-01-01,4,0,0,0,150000,0,fonasa_a,none,none,0,0,Juan,Soto,\n"), 0o644)
	args := []string{"--db", dsn, "--territory", terr, "--country", "xx"}
	code, out, _ := runCLI(t, append(args, "registry", "import", dir)...)
	if code != ExitRejected || !strings.Contains(out, "2 new, 0 updated") {
		t.Fatalf("import on a custom territory: exit %d\n%s", code, out)
	}
	out = mustRun(t, append(args, "score")...)
	if !strings.Contains(out, "A Norte") || !strings.Contains(out, "B Sur") || strings.Contains(out, "Metropolitana") {
		t.Fatalf("distribution on a custom territory:\n%s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "--territory", terr, "registry", "count"); code == 0 || !strings.Contains(errs, "--country") {
		t.Errorf("territory without --country: exit %d %q", code, errs)
	}
	// The database remembers its territory: any command without it is
	// refused and changes nothing (it used to merge Chile's communes in).
	for _, cmd := range [][]string{{"registry", "count"}, {"score"}, {"serve", "--addr", "127.0.0.1:0"}} {
		code, _, errs := runCLI(t, append([]string{"--db", dsn}, cmd...)...)
		if code != ExitError || !strings.Contains(errs, "this database was made for the territory XX from territory.csv (2 regions, 2 communes") {
			t.Errorf("%v without --territory: exit %d %q", cmd, code, errs)
		}
	}
	out = mustRun(t, "--db", dsn, "territory", "show")
	if !strings.Contains(out, "country:   XX") || !strings.Contains(out, "communes:  2") {
		t.Errorf("territory show:\n%s", out)
	}
	out = mustRun(t, append(args, "score")...)
	if strings.Contains(out, "Metropolitana") {
		t.Errorf("Chile's regions appeared after a refused open:\n%s", out)
	}
	// Changing it: shown first, refused while a commune in use would go,
	// applied with --yes.
	next := filepath.Join(dir, "territory-2.csv")
	os.WriteFile(next, []byte("region_code;region_name;province_code;province_name;commune_code;commune_name\n"+
		"A;Norte Grande;A1;Alta;A101;Villa Uno\nC;Centro;C1;Media;C101;Llano\n"), 0o644)
	code, out, errs := runCLI(t, "--db", dsn, "territory", "update", next, "--country", "xx")
	if code != ExitError || !strings.Contains(out, "commune B101: 1 households") || !strings.Contains(errs, "codes in use") {
		t.Errorf("update removing a commune in use: exit %d\n%s\n%s", code, out, errs)
	}
	os.WriteFile(next, []byte("region_code;region_name;province_code;province_name;commune_code;commune_name\n"+
		"A;Norte Grande;A1;Alta;A101;Villa Uno\nB;Sur;B1;Baja;B101;Puerto\nC;Centro;C1;Media;C101;Llano\n"), 0o644)
	out = mustRun(t, "--db", dsn, "territory", "update", next, "--country", "xx")
	if !strings.Contains(out, "commune C101 Llano") || !strings.Contains(out, `region A: name "Norte" → "Norte Grande"`) || !strings.Contains(out, "run again with --yes") {
		t.Errorf("update shown:\n%s", out)
	}
	mustRun(t, "--db", dsn, "territory", "update", next, "--country", "xx", "--yes")
	if code, _, errs := runCLI(t, append(args, "registry", "count")...); code != ExitError || !strings.Contains(errs, "not XX from territory.csv") {
		t.Errorf("the old territory after the update: exit %d %q", code, errs)
	}
	mustRun(t, "--db", dsn, "--territory", next, "--country", "xx", "registry", "check")
}

// TestAccountsTokensAudit: an operator adds a regional officer, gives her a
// token, the API serves her region only, and the audit trail records it all
// and notices tampering.
func TestAccountsTokensAudit(t *testing.T) {
	dsn := dbtest.DSN(t)
	dir := t.TempDir()
	extract := filepath.Join(dir, "x")
	mustRun(t, "registry", "generate", "--households", "300", "--seed", "2", "--out", extract)
	mustRun(t, "--db", dsn, "registry", "import", extract)
	mustRun(t, "--db", dsn, "score")
	out := mustRun(t, "--db", dsn, "users", "add", "rosa", "--role", "regional", "--region", "13", "--name", "Rosa Pérez")
	if !strings.Contains(out, "rosa") {
		t.Fatalf("users add:\n%s", out)
	}
	if code, _, errs := runCLI(t, "--db", dsn, "users", "add", "raul", "--role", "regional"); code == 0 || !strings.Contains(errs, "region") {
		t.Errorf("regional officer without a region: exit %d %q", code, errs)
	}
	out = mustRun(t, "--db", dsn, "tokens", "create", "rosa", "--name", "test")
	i := strings.Index(out, "fos_")
	if i < 0 {
		t.Fatalf("tokens create printed no token:\n%s", out)
	}
	token := strings.Fields(out[i:])[0]

	a, err := Open(auth.WithPrincipal(context.Background(), auth.System()), Config{DB: dsn, Quiet: true}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer((&api.Server{DB: a.DB, Registry: a.Registry, Targeting: a.Targeting, Tokens: a.Auth}).Handler())
	defer srv.Close()
	status := func(path, tok string) int {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("/api/v1/communes/13101/households", token); got != 200 {
		t.Errorf("own region's commune with rosa's token: %d", got)
	}
	if got := status("/api/v1/communes/09101/households", token); got != 404 {
		t.Errorf("another region's commune with rosa's token: %d", got)
	}
	if got := status("/api/v1/communes/13101/households", token+"x"); got != 401 {
		t.Errorf("a wrong token: %d", got)
	}
	out = mustRun(t, "--db", dsn, "audit", "list")
	for _, action := range []string{"registry.import", "score.run", "user.create", "token.create"} {
		if !strings.Contains(out, action) {
			t.Errorf("audit list lacks %s:\n%s", action, out)
		}
	}
	if out := mustRun(t, "--db", dsn, "audit", "verify"); !strings.Contains(out, "chain intact") {
		t.Fatalf("audit verify:\n%s", out)
	}
	// Tamper with the trail behind fosis's back: verify must notice.
	tamper := []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"}
	if dbtest.Engine() == db.Postgres {
		tamper[0] = "ALTER TABLE audit_log DISABLE TRIGGER USER"
	}
	for _, q := range tamper {
		if _, err := a.DB.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	code, out, errs := runCLI(t, "--db", dsn, "audit", "verify")
	if code != ExitError || !strings.Contains(errs, "broken at entry 2") {
		t.Errorf("verify after tampering: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestRegistryCheck: fosis registry check lists what is broken in the
// tables without foreign keys and exits non-zero.
func TestRegistryCheck(t *testing.T) {
	dsn := dbtest.DSN(t)
	extract := filepath.Join(t.TempDir(), "x")
	mustRun(t, "registry", "generate", "--households", "30", "--seed", "3", "--out", extract)
	mustRun(t, "--db", dsn, "registry", "import", extract)
	mustRun(t, "--db", dsn, "registry", "check")
	a, err := Open(auth.WithPrincipal(context.Background(), auth.System()), Config{DB: dsn, Quiet: true}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// What a hand-made change could do: a head made a child.
	_, err = a.DB.ExecContext(context.Background(), `UPDATE persons SET relation = 'child' WHERE run = (SELECT min(run) FROM persons WHERE relation = 'head')`)
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "--db", dsn, "registry", "check")
	if code != ExitError || !strings.Contains(out, "problem: 1 household(s) do not have exactly one member with relation=head") ||
		!strings.Contains(errs, "found 1 kind(s) of problem") {
		t.Errorf("check of a broken registry: exit %d\n%s\n%s", code, out, errs)
	}
}
