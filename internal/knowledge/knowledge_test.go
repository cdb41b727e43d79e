package knowledge

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

func sysCtx() context.Context { return auth.WithPrincipal(context.Background(), auth.System()) }

func TestTerms(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{"es", "Inclusión Financiera", "inclusion financ"},
		{"es", "las familias y los programas", "famili program"},
		{"es", "Oportunidades, capacidades", "oportun capac"},
		{"en", "Policies of the programs", "polici program"},
		{"es", "Coordinación intersectorial: 24 meses", "coordin intersectorial 24 mes"},
		// Issue 17: país/países, mes/meses, luz/luces meet; "el" is a stop word.
		{"es", "país países", "pais pais"},
		{"es", "mes meses", "mes mes"},
		{"es", "luz luces", "luc luc"},
		{"es", "el equipo", "equip"},
		{"en", "country countries", "countri countri"},
		{"es", "a de el la", ""},
		{"en", "a of the", ""},
	}
	for _, tc := range tests {
		if got := strings.Join(Terms(tc.lang, tc.in), " "); got != tc.want {
			t.Errorf("Terms(%s, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

// TestReindex checks that an index written under an older term scheme (a
// database made before the Snowball stemmers) is rebuilt before a search.
func TestReindex(t *testing.T) {
	s, d := seeded(t)
	ctx := context.Background()
	if _, err := d.ExecContext(ctx, `UPDATE knowledge_terms SET term = term || 'x'`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `UPDATE knowledge_index SET scheme = 'plural-v0'`); err != nil {
		t.Fatal(err)
	}
	fresh := NewStore(d, s.coop)
	hits, err := fresh.Search(sysCtx(), "países", "es", "", 5)
	if err != nil || len(hits) != 1 || hits[0].Item.Slug != "mirrored-teams" {
		t.Fatalf("search after an old index: %+v, %v", hits, err)
	}
	var scheme string
	if err := d.QueryRowContext(ctx, `SELECT scheme FROM knowledge_index`).Scan(&scheme); err != nil || scheme != TermScheme {
		t.Errorf("scheme %q, %v", scheme, err)
	}
}

// seeded returns a store with the demo cooperation projects and the
// built-in catalogue linked to them.
func seeded(t *testing.T) (*Store, *db.DB) {
	t.Helper()
	d := dbtest.Open(t)
	coop := cooperation.NewStore(d, nil, func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) })
	if _, err := coop.SeedDemo(sysCtx()); err != nil {
		t.Fatal(err)
	}
	s := NewStore(d, coop)
	if n, err := s.SeedDemo(sysCtx()); err != nil || n != len(Catalogue()) {
		t.Fatalf("seeded %d, %v", n, err)
	}
	return s, d
}

// TestSearch checks full-text search in both languages on the engine under
// test: accents and plurals folded, every word required, titles ranked
// above summaries, a kind filter, and the linked projects with lessons.
func TestSearch(t *testing.T) {
	s, _ := seeded(t)
	ctx := sysCtx()
	slugs := func(q, lang, kind string) []string {
		es, err := s.Search(ctx, q, lang, kind, 10)
		if err != nil {
			return []string{fosis.ErrorCode(err)}
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Item.Slug)
		}
		return out
	}
	tests := []struct {
		q, lang, kind string
		want          []string
	}{
		{"inclusion financiera", "es", "", []string{"financial-inclusion"}},
		{"Inclusión FINANCIERA", "es", "", []string{"financial-inclusion"}},
		{"financial inclusion", "en", "", []string{"financial-inclusion"}},
		{"familias", "es", "", []string{"psychosocial-support", "family-support-manual", "family-accompaniment"}},
		{"family", "en", "", []string{"family-support-manual", "family-accompaniment", "psychosocial-support"}},
		{"equipo espejo", "es", "", []string{"mirrored-teams"}},
		{"capital semilla", "es", "program", []string{"yo-emprendo"}},
		{"capital semilla", "es", "principle", nil},
		{"monitoring", "en", "", []string{"monitoring-feedback-adaptation"}},
		{"monitoreo", "en", "", nil},
		{"de la", "es", "", []string{fosis.EINVALID}},
		{"el", "es", "", []string{fosis.EINVALID}},
		{"países", "es", "", []string{"mirrored-teams"}},
		{"el país", "es", "", []string{"mirrored-teams"}},
		{"mes", "es", "", []string{"psychosocial-support", "yo-emprendo"}},
		{"countries", "en", "", []string{"mirrored-teams"}},
		{"x", "fr", "", []string{fosis.EINVALID}},
	}
	for _, tc := range tests {
		t.Run(tc.q+"/"+tc.lang, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, slugs(tc.q, tc.lang, tc.kind)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	es, err := s.Search(ctx, "acompañamiento psicosocial", "es", "", 10)
	if err != nil || len(es) == 0 || len(es[0].Projects) != 1 || es[0].Projects[0].Code != "CSS-PY-01" || !strings.Contains(es[0].Projects[0].Lessons, "equipo espejo") {
		t.Errorf("the program's projects and lessons: %+v, %v", es, err)
	}
}

// TestScope checks that a reader sees only the project links of its scope,
// that other roles cannot read the catalogue, and that only officers write.
func TestScope(t *testing.T) {
	s, d := seeded(t)
	user := func(name string, role auth.Role, org string) context.Context {
		var id int64
		err := d.Transact(context.Background(), func(tx *db.Tx) error {
			var err error
			id, err = tx.InsertID(context.Background(), `INSERT INTO users (username, role, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)`,
				name, string(role), tx.DB().Time(tx.Now), tx.DB().Time(tx.Now))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if org != "" {
			if err := s.coop.LinkMember(sysCtx(), id, org); err != nil {
				t.Fatal(err)
			}
		}
		return auth.WithPrincipal(context.Background(), &auth.Principal{UserID: id, Username: name, Role: role})
	}
	gt := user("gt", auth.RoleCounterpart, "Ministerio de Desarrollo Social (Guatemala)")
	py := user("py", auth.RoleCounterpart, "Ministerio de Desarrollo Social (Paraguay)")
	for name, c := range map[string]context.Context{"gt": gt, "py": py} {
		e, err := s.Get(c, "information-management")
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Projects) != 0 {
			t.Errorf("%s sees another country's project through the catalogue: %+v", name, e.Projects)
		}
	}
	e, err := s.Get(py, "psychosocial-support")
	if err != nil || len(e.Projects) != 1 {
		t.Errorf("py's own project: %+v, %v", e, err)
	}
	items, err := s.ByProject(py, "CSS-PY-01")
	var slugs []string
	for _, it := range items {
		slugs = append(slugs, it.Slug)
	}
	if diff := cmp.Diff([]string{"family-accompaniment", "family-support-manual", "mirrored-teams", "monitoring-feedback-adaptation", "psychosocial-support"}, slugs); err != nil || diff != "" {
		t.Errorf("what CSS-PY-01 shared (-want +got):\n%s %v", diff, err)
	}
	if _, err := s.ByProject(gt, "CSS-PY-01"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("Guatemala reads what Paraguay's project shared: %v", err)
	}
	if _, err := s.Search(user("analista", auth.RoleAnalyst, ""), "familia", "es", "", 5); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("analyst: %v", err)
	}
	if _, err := s.Save(py, Catalogue()[0]); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("counterpart writes: %v", err)
	}
	if _, err := s.Search(context.Background(), "familia", "es", "", 5); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("no principal: %v", err)
	}
}

// TestPackageRoundTrip exports a program's design from one fresh database
// and imports it into another, where it arrives as a draft with the same
// content and checksum; a second import is refused, and so are altered,
// unknown-version and non-program files.
func TestPackageRoundTrip(t *testing.T) {
	ctx := sysCtx()
	a := NewStore(dbtest.Open(t), nil)
	b := NewStore(dbtest.Open(t), nil)
	src := Catalogue()[7] // psychosocial-support, with its design
	if _, err := a.Save(ctx, src); err != nil {
		t.Fatal(err)
	}
	src.SummaryES += " Versión revisada."
	if v, err := a.Save(ctx, src); err != nil || v != 2 {
		t.Fatalf("second version: %d, %v", v, err)
	}
	file, err := a.Export(ctx, src.Slug)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Import(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	e, err := b.Get(ctx, src.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if e.Item.Status != "draft" || e.Item.Version != 2 || !strings.Contains(e.Item.Source, "sha256") || got.Status != "draft" {
		t.Errorf("imported: %+v", e.Item)
	}
	want := src
	want.Version, want.Status = 2, ""
	have := *e.Item
	have.Status, have.Source = "", ""
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("content changed on the way (-exported +imported):\n%s", diff)
	}
	if hits, err := b.Search(ctx, "apoyo familiar", "es", "program", 5); err != nil || len(hits) != 1 {
		t.Errorf("the import is not searchable: %v, %v", hits, err)
	}
	if _, err := b.Import(ctx, file); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("second import: %v", err)
	}
	var pkg map[string]any
	json.Unmarshal(file, &pkg)
	pkg["item"].(map[string]any)["title_es"] = "Otro título"
	altered, _ := json.Marshal(pkg)
	for name, f := range map[string][]byte{
		"altered":        altered,
		"future version": bytes.Replace(file, []byte(`"format_version": 1`), []byte(`"format_version": 2`), 1),
		"not json":       []byte("PK\x03\x04"),
		"extra field":    bytes.Replace(file, []byte(`"format":`), []byte(`"extra": 1, "format":`), 1),
	} {
		if _, err := NewStore(dbtest.Open(t), nil).Import(ctx, f); fosis.ErrorCode(err) != fosis.EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := a.Export(ctx, "rights-based-approach"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("export of a missing item: %v", err)
	}
	a.Save(ctx, Catalogue()[0])
	if _, err := a.Export(ctx, "rights-based-approach"); err != nil {
		t.Errorf("export of a principle: %v", err)
	}
	for _, it := range Catalogue() {
		if it.Slug == "yo-trabajo" {
			a.Save(ctx, it)
		}
	}
	if _, err := a.Export(ctx, "yo-trabajo"); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("export of a program without its design: %v", err)
	}
}

// TestPackageKinds checks that methodologies and instruments travel with
// their designs as programs do (issue 17: the seed's exchange covers
// methodologies, instruments and tools), and that a principle cannot be
// given a design.
func TestPackageKinds(t *testing.T) {
	ctx := sysCtx()
	a := NewStore(dbtest.Open(t), nil)
	b := NewStore(dbtest.Open(t), nil)
	for _, it := range Catalogue() {
		if it.Kind != "methodology" && it.Kind != "instrument" {
			continue
		}
		if it.Design == nil {
			t.Errorf("%s has no design to share", it.Slug)
			continue
		}
		if _, err := a.Save(ctx, it); err != nil {
			t.Fatal(err)
		}
		file, err := a.Export(ctx, it.Slug)
		if err != nil {
			t.Fatalf("%s: %v", it.Slug, err)
		}
		got, err := b.Import(ctx, file)
		if err != nil {
			t.Fatalf("%s: %v", it.Slug, err)
		}
		if got.Kind != it.Kind || got.Status != "draft" || len(got.Design.Components) != len(it.Design.Components) {
			t.Errorf("%s arrived as %+v", it.Slug, got)
		}
	}
	if hits, err := b.Search(ctx, "equipos espejo", "es", "methodology", 5); err != nil || len(hits) != 1 {
		t.Errorf("imported methodology not searchable: %v, %v", hits, err)
	}
	p := Catalogue()[0]
	p.Design = &Design{Components: []Component{{"x", "y"}}}
	if _, err := a.Save(ctx, p); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("a principle with a design: %v", err)
	}
}

// FuzzParsePackage feeds arbitrary bytes to the package reader: it never
// panics, and whatever it accepts has a matching checksum.
func FuzzParsePackage(f *testing.F) {
	it := Catalogue()[7]
	it.Version = 1
	pkg := Package{Format: PackageFormat, Version: PackageVersion, Exporter: "FOSIS", Item: it, SHA256: digest(it)}
	b, _ := json.Marshal(pkg)
	f.Add(b)
	f.Add([]byte(`{"format":"fosis.knowledge-package","format_version":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePackage(b)
		if err != nil {
			return
		}
		if digest(p.Item) != strings.ToLower(p.SHA256) {
			t.Fatalf("accepted a package whose checksum does not match")
		}
	})
}
