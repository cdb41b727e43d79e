package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/rut"
	"github.com/fosis/fosis/internal/registry"
)

type genOutput struct {
	households, persons, truth []byte
	stats                      Stats
}

func runGenerate(t testing.TB, opt Options) genOutput {
	t.Helper()
	var h, p, tr bytes.Buffer
	st, err := Generate(context.Background(), opt, &h, &p, &tr, nil)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", opt, err)
	}
	return genOutput{h.Bytes(), p.Bytes(), tr.Bytes(), st}
}

// readAllCSV parses a generated file with encoding/csv and checks its header.
func readAllCSV(t *testing.T, name string, data []byte, header []string) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = false
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: encoding/csv: %v", name, err)
	}
	if len(recs) == 0 {
		t.Fatalf("%s: empty", name)
	}
	if diff := cmp.Diff(header, recs[0]); diff != "" {
		t.Fatalf("%s header (-want +got):\n%s", name, diff)
	}
	if bytes.Contains(data, []byte("\r")) {
		t.Errorf("%s contains CR; lines must end in LF", name)
	}
	return recs[1:]
}

func TestGenerateDeterministic(t *testing.T) {
	opt := Options{Households: 2*genChunkSize + 1234, Seed: 7}
	a := runGenerate(t, opt)
	b := runGenerate(t, opt)
	if !bytes.Equal(a.households, b.households) || !bytes.Equal(a.persons, b.persons) || !bytes.Equal(a.truth, b.truth) {
		t.Fatal("two runs with the same options differ")
	}

	other := runGenerate(t, Options{Households: opt.Households, Seed: 8})
	if bytes.Equal(a.persons, other.persons) || bytes.Equal(a.households, other.households) {
		t.Error("a different seed gives the same files")
	}

	prev := runtime.GOMAXPROCS(1)
	one := runGenerate(t, opt)
	runtime.GOMAXPROCS(2)
	two := runGenerate(t, opt)
	runtime.GOMAXPROCS(prev)
	if !bytes.Equal(one.households, two.households) || !bytes.Equal(one.persons, two.persons) || !bytes.Equal(one.truth, two.truth) {
		t.Error("GOMAXPROCS 1 and 2 give different files")
	}
	if !bytes.Equal(one.persons, a.persons) {
		t.Error("GOMAXPROCS 1 differs from the default")
	}
}

// TestGenerateValid parses a large extract back and checks every rule of the
// interchange format, including RUN uniqueness over 200k households.
func TestGenerateValid(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	asOf := DefaultAsOf
	out := runGenerate(t, Options{Households: n, Seed: 2026})
	hh := readAllCSV(t, "households.csv", out.households, registry.HouseholdColumns)
	pp := readAllCSV(t, "persons.csv", out.persons, registry.PersonColumns)
	tr := readAllCSV(t, "truth.csv", out.truth, TruthColumns)
	if len(hh) != n || len(tr) != n || out.stats.Households != n {
		t.Fatalf("got %d households, %d truth rows, stats %d; want %d", len(hh), len(tr), out.stats.Households, n)
	}
	if len(pp) != out.stats.Persons {
		t.Fatalf("got %d persons, stats say %d", len(pp), out.stats.Persons)
	}
	terr := geo.Chile()
	regStart := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)

	date := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatalf("bad date %q: %v", s, err)
		}
		return d
	}
	money := func(field, s string) int64 {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			t.Fatalf("%s %q is not a non-negative integer", field, s)
		}
		return v
	}
	enum := func(e registry.Enum, s string) uint8 {
		c, err := e.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	flag := func(field, s string) bool {
		if s != "0" && s != "1" {
			t.Fatalf("%s %q is not 0 or 1", field, s)
		}
		return s == "1"
	}

	tenure := map[string]uint8{}
	byRegion := make([]int, len(terr.Regions))
	for i, h := range hh {
		if len(h) != len(registry.HouseholdColumns) {
			t.Fatalf("household row %d has %d fields", i, len(h))
		}
		if want := "H" + pad7(i+1); h[0] != want {
			t.Fatalf("household %d id %q, want %q", i, h[0], want)
		}
		if _, dup := tenure[h[0]]; dup {
			t.Fatalf("household id %q repeated", h[0])
		}
		ci, ok := terr.CommuneIndex(h[1])
		if !ok {
			t.Fatalf("household %s: commune %q not in the territory", h[0], h[1])
		}
		byRegion[terr.CommuneRegion(ci)]++
		enum(registry.Zone, h[2])
		tenure[h[0]] = enum(registry.Tenure, h[3])
		if rooms, err := strconv.Atoi(h[4]); err != nil || rooms < 1 || rooms > 20 {
			t.Fatalf("household %s: rooms %q", h[0], h[4])
		}
		for _, c := range h[5:8] {
			enum(registry.Condition, c)
		}
		enum(registry.Water, h[8])
		enum(registry.Sanitation, h[9])
		money("vehicle", h[10])
		if prop := money("property", h[11]); prop > 0 && h[3] != "owner" {
			t.Fatalf("household %s: property value %d but tenure %s", h[0], prop, h[3])
		}
		money("fees", h[12])
		if reg := date(h[13]); reg.Before(regStart) || reg.After(asOf) {
			t.Fatalf("household %s: registered_on %s outside 2016-01-01..%s", h[0], h[13], asOf.Format(time.DateOnly))
		}
	}
	for r, c := range out.stats.Regions {
		if c.Households != byRegion[r] {
			t.Errorf("stats: region %s has %d households, files %d", c.Code, c.Households, byRegion[r])
		}
	}

	heads := map[string]int{}
	runs := make(map[int64]string, len(pp))
	lastID := ""
	for i, p := range pp {
		if len(p) != len(registry.PersonColumns) {
			t.Fatalf("person row %d has %d fields", i, len(p))
		}
		body, err := rut.Parse(p[0])
		if err != nil {
			t.Fatalf("person %d: RUN %q: %v", i, p[0], err)
		}
		if p[0] != rut.Format(body) {
			t.Fatalf("person %d: RUN %q is not canonical", i, p[0])
		}
		if body <= 0 || body > rut.MaxBody {
			t.Fatalf("person %d: RUN body %d out of range", i, body)
		}
		if other, dup := runs[body]; dup {
			t.Fatalf("RUN %s used in households %s and %s", p[0], other, p[4])
		}
		runs[body] = p[4]
		if _, ok := tenure[p[4]]; !ok {
			t.Fatalf("person %s: household %q does not exist", p[0], p[4])
		}
		if p[4] < lastID {
			t.Fatalf("persons not grouped by household at row %d", i)
		}
		lastID = p[4]
		rel := enum(registry.Relation, p[5])
		if rel == registry.RelHead {
			heads[p[4]]++
		}
		sex := enum(registry.Sex, p[6])
		born := date(p[7])
		if born.After(asOf) {
			t.Fatalf("person %s born after the reference date", p[0])
		}
		age := registry.AgeYears(registry.DayNumber(born), registry.DayNumber(asOf))
		if rel == registry.RelHead && age < 18 {
			t.Fatalf("person %s: head aged %d", p[0], age)
		}
		if sch, err := strconv.Atoi(p[8]); err != nil || sch < 0 || sch > 20 || sch > max(0, age-4) {
			t.Fatalf("person %s aged %d: schooling %q", p[0], age, p[8])
		}
		flag("in_school", p[9])
		flag("employed", p[10])
		money("labour", p[11])
		money("pension", p[12])
		money("capital", p[13])
		enum(registry.HealthPlan, p[14])
		dis := enum(registry.Severity, p[15])
		dep := enum(registry.Severity, p[16])
		if dis == 0 || dep == 0 {
			t.Fatalf("person %s: empty disability or dependency", p[0])
		}
		flag("indigenous", p[17])
		if flag("pregnant", p[18]) && (sex != registry.SexF || age < 15 || age > 45) {
			t.Fatalf("person %s: pregnant but sex %s aged %d", p[0], p[6], age)
		}
	}
	for id := range tenure {
		if heads[id] != 1 {
			t.Fatalf("household %s has %d heads", id, heads[id])
		}
	}
	for i, r := range tr {
		if r[0] != hh[i][0] {
			t.Fatalf("truth row %d is %q, household row %q", i, r[0], hh[i][0])
		}
		money("per_capita_income", r[1])
	}
}

func pad7(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 7 {
		s = "0" + s
	}
	return s
}

// TestGenerateRUNs checks the RUN numbering: check digits 0–9 and K in
// natural proportion, and bodies rising with the year of birth.
func TestGenerateRUNs(t *testing.T) {
	out := runGenerate(t, Options{Households: 30_000, Seed: 5})
	pp := readAllCSV(t, "persons.csv", out.persons, registry.PersonColumns)
	digits := map[byte]int{}
	type pair struct {
		year int
		body int64
	}
	var ps []pair
	for _, p := range pp {
		digits[p[0][len(p[0])-1]]++
		body, err := rut.Parse(p[0])
		if err != nil {
			t.Fatal(err)
		}
		y, _ := strconv.Atoi(p[7][:4])
		ps = append(ps, pair{y, body})
	}
	for _, d := range "0123456789K" {
		share := float64(digits[byte(d)]) / float64(len(pp))
		if math.Abs(share-1.0/11) > 0.01 {
			t.Errorf("check digit %c in %.1f%% of RUNs, want about 9.1%%", d, 100*share)
		}
	}
	// Median body by decade of birth must increase.
	byDecade := map[int][]int64{}
	for _, p := range ps {
		byDecade[p.year/10*10] = append(byDecade[p.year/10*10], p.body)
	}
	prev := int64(0)
	for dec := 1930; dec <= 2020; dec += 10 {
		b := byDecade[dec]
		if len(b) < 50 {
			continue
		}
		sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
		med := b[len(b)/2]
		if med <= prev {
			t.Errorf("median RUN of people born in the %ds is %d, not above the previous decade's %d", dec, med, prev)
		}
		prev = med
	}
}

// TestGenerateRealism checks the aggregate shape of the data on 50k
// households against the targets in docs/extract-format.md.
func TestGenerateRealism(t *testing.T) {
	const n = 50_000
	asOf := registry.DayNumber(DefaultAsOf)
	out := runGenerate(t, Options{Households: n, Seed: 11})
	hh := readAllCSV(t, "households.csv", out.households, registry.HouseholdColumns)
	pp := readAllCSV(t, "persons.csv", out.persons, registry.PersonColumns)
	tr := readAllCSV(t, "truth.csv", out.truth, TruthColumns)
	terr := geo.Chile()

	type hhAgg struct {
		region    string
		size      int
		recorded  int64
		truePC    int64
		truthSeen bool
	}
	hs := make(map[string]*hhAgg, n)
	for _, h := range hh {
		hs[h[0]] = &hhAgg{region: h[1][:2]}
	}
	for _, r := range tr {
		v, _ := strconv.ParseInt(r[1], 10, 64)
		hs[r[0]].truePC = v
	}
	var kids, old, adults, women, wa, waEmployed, earners, isapre, disabled, indigenous, araucania, araucaniaInd int
	var earnSum int64
	for _, p := range pp {
		h := hs[p[4]]
		h.size++
		born, _ := time.Parse(time.DateOnly, p[7])
		age := registry.AgeYears(registry.DayNumber(born), asOf)
		switch {
		case age <= 14:
			kids++
		case age >= 65:
			old++
		}
		if age >= 18 {
			adults++
			if p[6] == "F" {
				women++
			}
		}
		if age >= 18 && age <= 64 {
			wa++
			if p[10] == "1" {
				waEmployed++
			}
		}
		lab, _ := strconv.ParseInt(p[11], 10, 64)
		pen, _ := strconv.ParseInt(p[12], 10, 64)
		capi, _ := strconv.ParseInt(p[13], 10, 64)
		if lab > 0 {
			earners++
			earnSum += lab
		}
		h.recorded += lab + pen + capi
		if p[14] == "isapre" {
			isapre++
		}
		if p[15] != "none" {
			disabled++
		}
		if p[17] == "1" {
			indigenous++
		}
		if h.region == "09" {
			araucania++
			if p[17] == "1" {
				araucaniaInd++
			}
		}
	}
	persons := float64(len(pp))
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(b) }
	check := func(name string, got, lo, hi float64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s = %.2f, want within [%g, %g]", name, got, lo, hi)
		}
	}
	check("mean household size", persons/n, 2.6, 2.9)
	check("% aged 0-14", pct(kids, len(pp)), 16, 19.5)
	check("% aged 65+", pct(old, len(pp)), 12.5, 15.5)
	check("% women among adults", pct(women, adults), 53.5, 56.5)
	check("% of 18-64 recorded as employed", pct(waEmployed, wa), 41, 49)
	check("mean recorded labour income of earners", float64(earnSum)/float64(earners), 600_000, 700_000)
	check("% isapre", pct(isapre, len(pp)), 14, 18)
	check("% with a disability", pct(disabled, len(pp)), 8, 12)
	check("% indigenous", pct(indigenous, len(pp)), 10, 15)
	check("% indigenous in La Araucanía", pct(araucaniaInd, araucania), 28, 40)

	// Region shares: Censo 2024 where known, the rest of its total by Censo
	// 2017 (INE, Censo 2017).
	want := map[string]float64{
		"01": 2.00, "02": 3.44, "03": 1.62, "04": 4.39, "05": 10.26, "06": 5.30, "07": 6.08, "08": 8.73,
		"09": 5.55, "10": 4.81, "11": 0.55, "12": 0.90, "13": 40.05, "14": 2.23, "15": 1.32, "16": 2.77,
	}
	largest := RegionCount{}
	for _, rc := range out.stats.Regions {
		share := pct(rc.Households, n)
		if math.Abs(share-want[rc.Code]) > 1.5 {
			t.Errorf("region %s has %.2f%% of households, want %.2f%% ± 1.5", rc.Code, share, want[rc.Code])
		}
		if rc.Households > largest.Households {
			largest = rc
		}
	}
	if largest.Code != "13" {
		t.Errorf("largest region is %s, want 13 (Metropolitana)", largest.Code)
	}
	if len(out.stats.Regions) != len(terr.Regions) {
		t.Errorf("stats has %d regions, territory %d", len(out.stats.Regions), len(terr.Regions))
	}

	// True per-capita income: La Araucanía poorer than the Metropolitan
	// Region; recorded income differs from the truth for many households.
	var sum [2]float64
	var cnt [2]float64
	differ := 0
	type rank struct {
		id          string
		truth, rec  float64
		inTrue, sel bool
	}
	var ranks []*rank
	for id, h := range hs {
		for k, code := range []string{"09", "13"} {
			if h.region == code {
				sum[k] += float64(h.truePC) * float64(h.size)
				cnt[k] += float64(h.size)
			}
		}
		rec := float64(h.recorded) / float64(h.size)
		if math.Abs(rec-float64(h.truePC)) > 1 {
			differ++
		}
		ranks = append(ranks, &rank{id: id, truth: float64(h.truePC), rec: rec})
	}
	araucaniaPC, rmPC := sum[0]/cnt[0], sum[1]/cnt[1]
	if araucaniaPC >= 0.85*rmPC {
		t.Errorf("true per-capita income: La Araucanía %.0f, Metropolitana %.0f; want Araucanía clearly poorer", araucaniaPC, rmPC)
	}
	check("% households whose recorded income differs from the truth", pct(differ, n), 20, 95)

	// A sensible targeting rule (bottom 40% by recorded per-capita income)
	// must make measurable but moderate errors against the truth.
	sort.Slice(ranks, func(i, j int) bool {
		if ranks[i].truth != ranks[j].truth {
			return ranks[i].truth < ranks[j].truth
		}
		return ranks[i].id < ranks[j].id
	})
	k := n * 4 / 10
	for _, r := range ranks[:k] {
		r.inTrue = true
	}
	sort.Slice(ranks, func(i, j int) bool {
		if ranks[i].rec != ranks[j].rec {
			return ranks[i].rec < ranks[j].rec
		}
		return ranks[i].id < ranks[j].id
	})
	excluded := 0
	for _, r := range ranks[:k] {
		if !r.inTrue {
			excluded++ // selected but not truly poor: inclusion error
		}
	}
	check("inclusion (= exclusion) error of bottom-40% targeting, %", pct(excluded, k), 10, 35)
}

func TestGenerateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var calls []int
	st, err := GenerateDir(context.Background(), dir, Options{Households: genChunkSize + 10, Seed: 3}, func(done int) {
		calls = append(calls, done)
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{genChunkSize, genChunkSize + 10}, calls); diff != "" {
		t.Errorf("progress calls (-want +got):\n%s", diff)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"households.csv", "persons.csv", "truth.csv"}, names); diff != "" {
		t.Errorf("files in dir (-want +got):\n%s", diff)
	}
	mem := runGenerate(t, Options{Households: genChunkSize + 10, Seed: 3})
	for name, want := range map[string][]byte{"households.csv": mem.households, "persons.csv": mem.persons, "truth.csv": mem.truth} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from Generate's output", name)
		}
	}
	if st.Households != genChunkSize+10 || st.Persons != mem.stats.Persons || st.Elapsed <= 0 {
		t.Errorf("stats %+v", st)
	}
	total := 0
	for _, r := range st.Regions {
		total += r.Persons
	}
	if total != st.Persons {
		t.Errorf("region persons sum to %d, total %d", total, st.Persons)
	}
}

func TestGenerateCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	_, err := Generate(ctx, Options{Households: 2_000_000, Seed: 1}, io.Discard, io.Discard, nil, func(int) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Generate after cancel: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancellation took %v", d)
	}
}

func TestGenerateOptions(t *testing.T) {
	for _, n := range []int{-1, MaxHouseholds + 1} {
		if _, err := Generate(context.Background(), Options{Households: n}, io.Discard, io.Discard, nil, nil); err == nil {
			t.Errorf("Households %d: no error", n)
		}
	}

	// Zero households: just the headers.
	out := runGenerate(t, Options{})
	if got := string(out.households); got != strings.Join(registry.HouseholdColumns, ",")+"\n" {
		t.Errorf("empty households.csv = %q", got)
	}
	if got := string(out.truth); got != "household_id,per_capita_income_clp\n" {
		t.Errorf("empty truth.csv = %q", got)
	}

	// AsOf moves every date: nobody is born, nor registered, after it.
	asOf := time.Date(2020, 6, 30, 0, 0, 0, 0, time.UTC)
	out = runGenerate(t, Options{Households: 2000, Seed: 4, AsOf: asOf})
	for _, h := range readAllCSV(t, "households.csv", out.households, registry.HouseholdColumns) {
		if h[13] > "2020-06-30" || h[13] < "2016-01-01" {
			t.Fatalf("registered_on %s with AsOf 2020-06-30", h[13])
		}
	}
	for _, p := range readAllCSV(t, "persons.csv", out.persons, registry.PersonColumns) {
		if p[7] > "2020-06-30" {
			t.Fatalf("birth_date %s with AsOf 2020-06-30", p[7])
		}
	}
}

func TestGenerateOtherTerritory(t *testing.T) {
	const data = "region_code,region_name,province_code,province_name,commune_code,commune_name\n" +
		"A,North,A1,Hills,A101,Capital\nA,North,A1,Hills,A102,Village\nB,South,B1,Coast,B101,Port\n"
	terr, err := geo.Load(strings.NewReader(data), "xx")
	if err != nil {
		t.Fatal(err)
	}
	out := runGenerate(t, Options{Households: 3000, Seed: 9, Territory: terr})
	seen := map[string]int{}
	for _, h := range readAllCSV(t, "households.csv", out.households, registry.HouseholdColumns) {
		if _, ok := terr.CommuneIndex(h[1]); !ok {
			t.Fatalf("commune %q not in the territory", h[1])
		}
		seen[h[1]]++
	}
	if len(seen) != 3 || seen["A101"] <= seen["A102"] {
		t.Errorf("households by commune %v: want all three used, the capital A101 above A102", seen)
	}
	if len(out.stats.Regions) != 2 {
		t.Errorf("stats regions %+v", out.stats.Regions)
	}
}

// TestGenerateEnumCodes pins the codes the model uses to the word tables.
func TestGenerateEnumCodes(t *testing.T) {
	for _, c := range []struct {
		e    registry.Enum
		code uint8
		word string
	}{
		{registry.Relation, genRelParent, "parent"},
		{registry.Relation, genRelSibling, "sibling"},
		{registry.Relation, genRelGrandchild, "grandchild"},
		{registry.Relation, genRelOtherRelative, "other_relative"},
		{registry.Relation, genRelNonRelative, "non_relative"},
		{registry.Tenure, genTenureOwner, "owner"},
		{registry.Tenure, genTenureIrregular, "irregular"},
	} {
		if got := c.e.Word(c.code); got != c.word {
			t.Errorf("%s code %d is %q, the generator means %q", c.e.Name, c.code, got, c.word)
		}
	}
	// dwelling() draws tenure, water and sanitation by index in these orders.
	for _, c := range []struct {
		e     registry.Enum
		words []string
	}{
		{registry.Tenure, []string{"", "owner", "renter", "ceded", "usufruct", "irregular", "other"}},
		{registry.Water, []string{"", "public_network", "well", "truck", "river", "other"}},
		{registry.Sanitation, []string{"", "sewer", "septic", "latrine", "none"}},
	} {
		if diff := cmp.Diff(c.words, c.e.Words); diff != "" {
			t.Errorf("%s word order changed; update dwelling() (-want +got):\n%s", c.e.Name, diff)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	const n = 100_000
	persons := 0
	for b.Loop() {
		st, err := Generate(context.Background(), Options{Households: n, Seed: 1}, io.Discard, io.Discard, io.Discard, nil)
		if err != nil {
			b.Fatal(err)
		}
		persons = st.Persons
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "households/s")
	b.ReportMetric(float64(persons), "persons/op")
}
