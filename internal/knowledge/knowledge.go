// Package knowledge is fosis's catalogue of what FOSIS can share with other
// countries — the seed's seven strategic principles, programs,
// methodologies, instruments and support materials — searchable in Spanish
// and English on both engines, each linked to the cooperation projects that
// shared it and the lessons they produced; and knowledge packages: a
// program's design as a versioned, checksummed file that another deployment
// imports as a draft to adapt.
package knowledge

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
)

// Store keeps the catalogue. Coop gives it the projects' lessons, read
// within the caller's scope.
type Store struct {
	db   *db.DB
	coop *cooperation.Store

	indexMu sync.Mutex
	indexOK bool // the index is known to be written under TermScheme
}

// NewStore returns a Store over d; coop may be nil (no project links shown).
func NewStore(d *db.DB, coop *cooperation.Store) *Store { return &Store{db: d, coop: coop} }

// ensureIndex rebuilds the search index when it was written under another
// TermScheme than this build's (a database made by an older fosis), once per
// Store: every item's terms are computed again in one transaction, and the
// scheme is recorded with a guarded update, so that two processes that
// start together rebuild it once.
func (s *Store) ensureIndex(ctx context.Context) error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	if s.indexOK {
		return nil
	}
	var scheme string
	if err := s.db.QueryRowContext(ctx, `SELECT scheme FROM knowledge_index WHERE id = 1`).Scan(&scheme); err != nil {
		return err
	}
	if scheme != TermScheme {
		err := s.db.Transact(ctx, func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE knowledge_index SET scheme = ? WHERE id = 1 AND scheme = ?`, TermScheme, scheme)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err // another process rebuilt it first
			}
			return reindex(ctx, tx)
		})
		if err != nil {
			return err
		}
	}
	s.indexOK = true
	return nil
}

// reindex writes every item's terms again.
func reindex(ctx context.Context, tx *db.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+itemCols+` FROM knowledge_items ORDER BY id`)
	if err != nil {
		return err
	}
	type row struct {
		id int64
		it *Item
	}
	var all []row
	for rows.Next() {
		id, it, err := scanItem(rows)
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, row{id, it})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		if err := writeTerms(ctx, tx, r.id, r.it); err != nil {
			return err
		}
	}
	return nil
}

// Kinds are the kinds of item, in the order the catalogue lists them.
var Kinds = []string{"principle", "program", "methodology", "instrument", "material"}

// Item is one entry of the catalogue, in both languages. Design is the
// structured design of a program (what a package carries).
type Item struct {
	Slug      string  `json:"slug"`
	Kind      string  `json:"kind"`
	Status    string  `json:"status,omitempty"` // published or draft (an import to adapt); none in a package
	Version   int     `json:"version"`
	TitleES   string  `json:"title_es"`
	TitleEN   string  `json:"title_en"`
	SummaryES string  `json:"summary_es,omitempty"`
	SummaryEN string  `json:"summary_en,omitempty"`
	BodyES    string  `json:"body_es,omitempty"`
	BodyEN    string  `json:"body_en,omitempty"`
	Design    *Design `json:"design,omitempty"`
	Source    string  `json:"source,omitempty"` // where an imported item came from
}

// Design is the structure of a program (components, eligibility rules,
// indicators and materials), a methodology (its steps as components, the
// instruments and materials it uses) or an instrument (its parts).
type Design struct {
	Components  []Component   `json:"components"`
	Eligibility []Eligibility `json:"eligibility"`
	Indicators  []Indicator   `json:"indicators"`
	Materials   []Material    `json:"materials"`
}

// Component is a part of a program (psycho-social support, training…).
type Component struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Eligibility is a rule of who may take part.
type Eligibility struct {
	Rule        string `json:"rule"`
	Description string `json:"description"`
}

// Indicator is how a program measures itself.
type Indicator struct {
	Name   string  `json:"name"`
	Unit   string  `json:"unit"`
	Target float64 `json:"target"`
}

// Material is a support material (manual, guide, instrument).
type Material struct {
	Title string `json:"title"`
	Kind  string `json:"kind"`
	URL   string `json:"url,omitempty"`
}

var slugRe = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// validate checks it and trims its texts.
func (it *Item) validate() error {
	it.Slug = strings.TrimSpace(it.Slug)
	for _, p := range []*string{&it.TitleES, &it.TitleEN, &it.SummaryES, &it.SummaryEN, &it.BodyES, &it.BodyEN} {
		*p = strings.TrimSpace(*p)
	}
	var errs []fosis.FieldError
	bad := func(f, key, format string, args ...any) {
		errs = append(errs, fosis.KeyedField(f, key, format, args...))
	}
	if !slugRe.MatchString(it.Slug) {
		bad("slug", "knowledge.err.slug", "%q is not a slug (lower-case words joined by dashes, e.g. financial-inclusion)", it.Slug)
	}
	if !validKind(it.Kind) {
		bad("kind", "knowledge.err.kind", "%q is not one of %s", it.Kind, strings.Join(Kinds, ", "))
	}
	if it.TitleES == "" || it.TitleEN == "" {
		bad("title", "knowledge.err.title", "give the title in Spanish and in English")
	}
	if it.Design != nil {
		if !carriesDesign(it.Kind) {
			bad("design", "knowledge.err.no_design", "a %s carries no design (programs, methodologies and instruments do)", fosis.Phrase{Key: "knowledge.kind." + it.Kind, Text: it.Kind})
		}
		d := it.Design
		if len(d.Components) == 0 {
			bad("design.components", "knowledge.err.components", "a design names its components (a methodology's steps, an instrument's parts)")
		}
		for i, c := range d.Components {
			if strings.TrimSpace(c.Name) == "" {
				bad(fmt.Sprintf("design.components[%d]", i+1), "knowledge.err.component_name", "a component needs a name")
			}
		}
		for i, e := range d.Eligibility {
			if strings.TrimSpace(e.Rule) == "" {
				bad(fmt.Sprintf("design.eligibility[%d]", i+1), "knowledge.err.eligibility_text", "an eligibility rule needs its text")
			}
		}
		for i, in := range d.Indicators {
			if strings.TrimSpace(in.Name) == "" {
				bad(fmt.Sprintf("design.indicators[%d]", i+1), "knowledge.err.indicator_name", "an indicator needs a name")
			}
		}
		for i, m := range d.Materials {
			if strings.TrimSpace(m.Title) == "" {
				bad(fmt.Sprintf("design.materials[%d]", i+1), "knowledge.err.material_title", "a material needs a title")
			}
		}
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Field + ": " + e.Message
		}
		return &fosis.Error{Code: fosis.EINVALID, Message: "the item is not valid: " + strings.Join(msgs, "; "), Fields: errs,
			Key: "knowledge.err.invalid"}
	}
	return nil
}

// carriesDesign says whether items of kind k may carry a structured design:
// a program (its components, eligibility, indicators, materials), a
// methodology (its steps) and an instrument (its parts). Principles and
// materials are text.
func carriesDesign(k string) bool { return k == "program" || k == "methodology" || k == "instrument" }

func validKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// reader returns the caller if it may read the catalogue: the roles of
// international cooperation (the catalogue is what is offered to partners).
func reader(ctx context.Context) (*auth.Principal, error) {
	p := auth.FromContext(ctx)
	if p == nil {
		return nil, fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	}
	switch p.Role {
	case auth.RoleAdmin, auth.RoleCooperation, auth.RoleAuditor, auth.RoleCounterpart, auth.RoleFinancer:
		return p, nil
	}
	return nil, fosis.Errorf(fosis.EFORBIDDEN, "your role (%s) does not give access to the knowledge catalogue", p.Role)
}

// writer returns the caller if it may change the catalogue.
func writer(ctx context.Context) (*auth.Principal, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	if p.Role != auth.RoleAdmin && p.Role != auth.RoleCooperation {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "only cooperation officers change the knowledge catalogue")
	}
	return p, nil
}

// Save creates the item with its slug, or replaces it (a new version), and
// indexes it. It returns the stored version.
func (s *Store) Save(ctx context.Context, it Item) (int, error) {
	p, err := writer(ctx)
	if err != nil {
		return 0, err
	}
	if it.Status == "" {
		it.Status = "published"
	}
	if it.Status != "published" && it.Status != "draft" {
		return 0, &fosis.Error{Code: fosis.EINVALID, Message: "status must be published or draft", Fields: []fosis.FieldError{{Field: "status", Message: "published or draft"}}}
	}
	if err := it.validate(); err != nil {
		return 0, err
	}
	var version int
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		var err error
		version, err = save(ctx, tx, &it)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "knowledge.save", Entity: "knowledge_item",
			EntityID: it.Slug, After: map[string]any{"version": version, "status": it.Status}})
		return err
	})
	return version, err
}

// save writes it (a new version if the slug exists) and its terms.
func save(ctx context.Context, tx *db.Tx, it *Item) (int, error) {
	design := ""
	if it.Design != nil {
		b, err := json.Marshal(it.Design)
		if err != nil {
			return 0, err
		}
		design = string(b)
	}
	now := tx.DB().Time(tx.Now)
	var id int64
	var version int
	err := tx.QueryRowContext(ctx, `SELECT id, version FROM knowledge_items WHERE slug = ?`, it.Slug).Scan(&id, &version)
	switch {
	case db.IsNoRows(err):
		version = max(it.Version, 1)
		id, err = tx.InsertID(ctx, `INSERT INTO knowledge_items (slug, kind, status, version, title_es, title_en, summary_es, summary_en, body_es, body_en, design, source, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, it.Slug, it.Kind, it.Status, version, it.TitleES, it.TitleEN, it.SummaryES, it.SummaryEN,
			it.BodyES, it.BodyEN, design, it.Source, now, now)
	case err == nil:
		version++
		_, err = tx.ExecContext(ctx, `UPDATE knowledge_items SET kind = ?, status = ?, version = ?, title_es = ?, title_en = ?, summary_es = ?, summary_en = ?,
			body_es = ?, body_en = ?, design = ?, source = ?, updated_at = ? WHERE id = ?`, it.Kind, it.Status, version, it.TitleES, it.TitleEN,
			it.SummaryES, it.SummaryEN, it.BodyES, it.BodyEN, design, it.Source, now, id)
	}
	if err != nil {
		return 0, err
	}
	if err := writeTerms(ctx, tx, id, it); err != nil {
		return 0, err
	}
	return version, nil
}

// writeTerms replaces the index terms of item id.
func writeTerms(ctx context.Context, tx *db.Tx, id int64, it *Item) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM knowledge_terms WHERE item_id = ?`, id); err != nil {
		return err
	}
	for lang, w := range index(it) {
		terms := make([]string, 0, len(w))
		for t := range w {
			terms = append(terms, t)
		}
		sort.Strings(terms)
		for _, t := range terms {
			if _, err := tx.ExecContext(ctx, `INSERT INTO knowledge_terms (item_id, lang, term, weight) VALUES (?, ?, ?, ?)`, id, lang, t, w[t]); err != nil {
				return err
			}
		}
	}
	return nil
}

// index weighs each term of it per language: a title word counts 5, a
// summary word 2, a word of the body or of a program's design 1, each
// occurrence, at most 20 per term. The slug counts in both languages.
func index(it *Item) map[string]map[string]int {
	out := map[string]map[string]int{"es": {}, "en": {}}
	add := func(lang, text string, weight int) {
		for _, t := range Terms(lang, text) {
			out[lang][t] = min(out[lang][t]+weight, 20)
		}
	}
	var design []string
	if d := it.Design; d != nil {
		for _, c := range d.Components {
			design = append(design, c.Name, c.Description)
		}
		for _, e := range d.Eligibility {
			design = append(design, e.Rule, e.Description)
		}
		for _, in := range d.Indicators {
			design = append(design, in.Name)
		}
		for _, m := range d.Materials {
			design = append(design, m.Title)
		}
	}
	slug := strings.ReplaceAll(it.Slug, "-", " ")
	for lang, t := range map[string][3]string{"es": {it.TitleES, it.SummaryES, it.BodyES}, "en": {it.TitleEN, it.SummaryEN, it.BodyEN}} {
		add(lang, t[0], 5)
		add(lang, t[1], 2)
		add(lang, t[2], 1)
		add(lang, slug, 1)
		add(lang, strings.Join(design, " "), 1)
	}
	return out
}

const itemCols = "id, slug, kind, status, version, title_es, title_en, summary_es, summary_en, body_es, body_en, design, source"

func scanItem(sc interface{ Scan(...any) error }) (int64, *Item, error) {
	var it Item
	var id int64
	var design string
	if err := sc.Scan(&id, &it.Slug, &it.Kind, &it.Status, &it.Version, &it.TitleES, &it.TitleEN, &it.SummaryES, &it.SummaryEN,
		&it.BodyES, &it.BodyEN, &design, &it.Source); err != nil {
		return 0, nil, err
	}
	if design != "" {
		it.Design = &Design{}
		if err := json.Unmarshal([]byte(design), it.Design); err != nil {
			return 0, nil, fmt.Errorf("stored design of %s: %w", it.Slug, err)
		}
	}
	return id, &it, nil
}

// Entry is an item with the projects that shared it (those the caller may
// see) and the lessons they produced.
type Entry struct {
	Item     *Item         `json:"item"`
	Score    int           `json:"score,omitempty"`
	Projects []ProjectLink `json:"projects"`
}

// ProjectLink is a cooperation project that shared an item.
type ProjectLink struct {
	Code    string `json:"code"`
	Title   string `json:"title"`
	Country string `json:"country"`
	Lessons string `json:"lessons,omitempty"`
}

// Get returns the item with slug and its projects.
func (s *Store) Get(ctx context.Context, slug string) (*Entry, error) {
	if _, err := reader(ctx); err != nil {
		return nil, err
	}
	id, it, err := scanItem(s.db.QueryRowContext(ctx, `SELECT `+itemCols+` FROM knowledge_items WHERE slug = ?`, strings.TrimSpace(slug)))
	if db.IsNoRows(err) {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no knowledge item %q", slug)
	}
	if err != nil {
		return nil, err
	}
	e := &Entry{Item: it}
	e.Projects, err = s.links(ctx, id)
	return e, err
}

// links returns the projects of item id that the caller may see, each with
// its lessons learned; projects outside the caller's scope are left out.
func (s *Store) links(ctx context.Context, id int64) ([]ProjectLink, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT project_code FROM knowledge_projects WHERE item_id = ? ORDER BY project_code`, id)
	if err != nil {
		return nil, err
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		codes = append(codes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || s.coop == nil {
		return nil, err
	}
	out := []ProjectLink{}
	for _, c := range codes {
		v, err := s.coop.Get(ctx, c)
		if fosis.ErrorCode(err) == fosis.ENOTFOUND || fosis.ErrorCode(err) == fosis.EFORBIDDEN {
			continue
		}
		if err != nil {
			return nil, err
		}
		l := ProjectLink{Code: v.Project.Code, Title: v.Project.Title, Country: v.Project.PartnerCountry}
		if v.Systematization != nil {
			l.Lessons = v.Systematization.Lessons
		}
		out = append(out, l)
	}
	return out, nil
}

// Link records that the cooperation project code shared the item slug.
func (s *Store) Link(ctx context.Context, slug, code string) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	if s.coop == nil {
		return fosis.Errorf(fosis.EUNAVAILABLE, "the cooperation module is not available")
	}
	v, err := s.coop.Get(ctx, code)
	if err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM knowledge_items WHERE slug = ?`, strings.TrimSpace(slug)).Scan(&id); db.IsNoRows(err) {
			return fosis.Errorf(fosis.ENOTFOUND, "no knowledge item %q", slug)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO knowledge_projects (item_id, project_code) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, v.Project.Code); err != nil {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role), Action: "knowledge.link", Entity: "knowledge_item",
			EntityID: slug, After: map[string]any{"project": v.Project.Code}})
		return err
	})
}

// Search returns the items whose text in lang (es or en) holds every term of
// query, best first (by the weight of the matched terms: titles count more
// than summaries, summaries more than bodies), at most limit, with their
// projects. kind, if not empty, keeps one kind.
func (s *Store) Search(ctx context.Context, query, lang, kind string, limit int) ([]Entry, error) {
	if _, err := reader(ctx); err != nil {
		return nil, err
	}
	if lang != "es" && lang != "en" {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "lang must be es or en", Fields: []fosis.FieldError{{Field: "lang", Message: "es or en"}}}
	}
	if kind != "" && !validKind(kind) {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "kind must be one of " + strings.Join(Kinds, ", "), Fields: []fosis.FieldError{{Field: "kind", Message: "unknown kind"}}}
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	seen := map[string]bool{}
	var terms []string
	if err := s.ensureIndex(ctx); err != nil {
		return nil, err
	}
	for _, t := range Terms(lang, query) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return nil, &fosis.Error{Code: fosis.EINVALID, Message: "type at least one word to search for (common words such as 'de' or 'the' are not searched)",
			Fields: []fosis.FieldError{{Field: "q", Message: "no searchable word"}}}
	}
	if len(terms) > 16 {
		terms = terms[:16]
	}
	args := []any{lang}
	ph := make([]string, len(terms))
	for i, t := range terms {
		ph[i] = "?"
		args = append(args, t)
	}
	q := `SELECT t.item_id, SUM(t.weight) FROM knowledge_terms t JOIN knowledge_items i ON i.id = t.item_id
		WHERE t.lang = ? AND t.term IN (` + strings.Join(ph, ", ") + `)`
	if kind != "" {
		q += ` AND i.kind = ?`
		args = append(args, kind)
	}
	q += ` GROUP BY t.item_id HAVING COUNT(*) = ? ORDER BY SUM(t.weight) DESC, t.item_id LIMIT ?`
	args = append(args, len(terms), limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	type hit struct {
		id    int64
		score int
	}
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.id, &h.score); err != nil {
			rows.Close()
			return nil, err
		}
		hits = append(hits, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Entry{}
	for _, h := range hits {
		_, it, err := scanItem(s.db.QueryRowContext(ctx, `SELECT `+itemCols+` FROM knowledge_items WHERE id = ?`, h.id))
		if err != nil {
			return nil, err
		}
		links, err := s.links(ctx, h.id)
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{Item: it, Score: h.score, Projects: links})
	}
	return out, nil
}

// List returns every item, by kind and slug.
func (s *Store) List(ctx context.Context) ([]Item, error) {
	if _, err := reader(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+itemCols+` FROM knowledge_items ORDER BY slug`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		_, it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	order := map[string]int{}
	for i, k := range Kinds {
		order[k] = i
	}
	sort.SliceStable(out, func(i, j int) bool { return order[out[i].Kind] < order[out[j].Kind] })
	return out, rows.Err()
}

// ByProject returns the catalogue items the cooperation project code shared.
// The caller must be able to see the project (it answers not found
// otherwise, like the project itself).
func (s *Store) ByProject(ctx context.Context, code string) ([]Item, error) {
	if _, err := reader(ctx); err != nil {
		return nil, err
	}
	if s.coop == nil {
		return nil, nil
	}
	v, err := s.coop.Get(ctx, code)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+itemCols+` FROM knowledge_items WHERE id IN (SELECT item_id FROM knowledge_projects WHERE project_code = ?) ORDER BY slug`, v.Project.Code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		_, it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	return out, rows.Err()
}
