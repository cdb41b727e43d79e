// Package countrypack reads a country pack: one directory that holds
// everything national a deployment of fosis needs — the territory with its
// named levels and optional boundaries, the national ID scheme, the
// currency, the institution's and the levels' words, the enumerations that
// differ between countries, the scorecard's bracket cut-offs, programme
// areas, the cooperation agency and the synthetic generator's parameters
// (docs/country-packs.md). A pack is versioned and validated as a whole:
// Load returns every problem, each named by file and line.
//
// Chile is a pack in the same format, compiled in (packs/cl) and used by
// default.
package countrypack

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/platform/natid"
)

// Format is the version of the pack format this binary reads.
const Format = 1

// Manifest is pack.json.
type Manifest struct {
	Format    int               `json:"format"`
	Code      string            `json:"code"`    // ISO 3166-1 alpha-2, or X? for a fictional country
	Version   string            `json:"version"` // the pack's own version, e.g. "2026.1"
	Names     map[string]string `json:"names"`   // the country's name per language
	Languages []string          `json:"languages"`
	Currency  Currency          `json:"currency"`
	ID        natid.Scheme      `json:"national_id"`
	Levels    []Level           `json:"levels"`
	// Territory is the CSV file of the territory (territory.csv).
	TerritoryFile string `json:"territory"`
	// Boundaries are GeoJSON files per level key (optional).
	Boundaries   map[string]string `json:"boundaries,omitempty"`
	Institution  Institution       `json:"institution"`
	Cooperation  Cooperation       `json:"cooperation"`
	Scorecard    Scorecard         `json:"scorecard"`
	Enumerations map[string][]Term `json:"enumerations"`
	Programmes   []Term            `json:"programme_areas"`
	// Terms are the catalog overrides per language: a JSON file of
	// key → text replacing the built-in catalogs' words.
	Terms     map[string]string `json:"terms,omitempty"`
	Generator *Generator        `json:"generator,omitempty"`
}

// Currency is how amounts are written: ISO 4217 code, symbol, decimals and
// separators.
type Currency struct {
	Code        string `json:"code"`
	Symbol      string `json:"symbol"`
	Decimals    int    `json:"decimals"`
	Grouping    string `json:"grouping"`     // thousands separator, e.g. "."
	DecimalMark string `json:"decimal_mark"` // e.g. ","
}

// Level is one level of the territory, top first, with its names.
type Level struct {
	Key string `json:"key"` // e.g. "region", "department"
	// Names per language: the singular and the plural.
	Names map[string][2]string `json:"names"`
}

// Institution is the agency that runs fosis.
type Institution struct {
	Names   map[string]string `json:"names"`
	Acronym string            `json:"acronym"`
}

// Cooperation names the deployment's side in South-South cooperation.
type Cooperation struct {
	// HomeInstitution is the organisation that offers the programmes
	// (FOSIS), Agency the national cooperation agency (AGCI).
	HomeInstitution string `json:"home_institution"`
	Agency          string `json:"agency"`
}

// Scorecard holds the parameters the scorecard reads from the pack.
type Scorecard struct {
	// Brackets are the percentile cut-offs, ascending, the last 100.
	Brackets []int `json:"brackets"`
	// ExtremePovertyShare is the percent of households flagged as the
	// poorest (Chile: 5).
	ExtremePovertyShare float64 `json:"extreme_poverty_share"`
}

// Term is a coded value with its names per language.
type Term struct {
	Code  string            `json:"code"`
	Names map[string]string `json:"names"`
}

// Generator holds the synthetic generator's parameters for the country.
type Generator struct {
	GivenFemale []string `json:"given_female"`
	GivenMale   []string `json:"given_male"`
	Surnames    []string `json:"surnames"`
	// FirstID is the serial of the first synthetic person's ID.
	FirstID int64 `json:"first_id"`
	// MedianIncome is the median monthly labour income of an earner, in
	// whole currency units.
	MedianIncome int64 `json:"median_income"`
}

// Unit is one territorial unit of any level.
type Unit struct {
	Level  int    // index in Levels
	Code   string // official code
	Name   string
	Parent string // the code of the unit of the level above ("" at the top)
}

// Pack is a loaded, valid country pack.
type Pack struct {
	Manifest
	// Source is where it was read from ("embedded" for Chile's).
	Source string
	// Units are the territory's units, by level then code.
	Units []Unit
	// Overrides are the catalog overrides read from Terms, per language.
	Overrides map[string]map[string]string
	// Shapes are the boundary files' contents per level key.
	Shapes map[string][]byte
	// Digest is a SHA-256 of every file of the pack, in name order.
	Digest string
}

// Problem is one thing wrong in a pack, where it is.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return p.File + ": " + p.Message
}

// Problems is every problem of a pack; it is the error Load returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return fmt.Sprintf("the country pack has %d problem(s):\n%s", len(ps), strings.Join(lines, "\n"))
}

//go:embed packs/cl
var builtin embed.FS

// Chile returns the built-in pack of Chile.
func Chile() *Pack {
	sub, err := fs.Sub(builtin, "packs/cl")
	if err != nil {
		panic(err)
	}
	p, err := Load(sub)
	if err != nil {
		panic("countrypack: the built-in pack of Chile is invalid: " + err.Error())
	}
	p.Source = geo.Embedded
	return p
}

// LoadDir reads the pack in directory dir.
func LoadDir(dir string) (*Pack, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("country pack %s: not a directory", dir)
	}
	p, err := Load(os.DirFS(dir))
	if p != nil {
		p.Source = dir
	}
	return p, err
}

var (
	codeRe     = regexp.MustCompile(`^[A-Z]{2}$`)
	currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)
	keyRe      = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Load reads and validates the pack in fsys. On problems it returns them all
// (a Problems error) and no pack.
func Load(fsys fs.FS) (*Pack, error) {
	l := &loader{fsys: fsys, files: map[string][]byte{}}
	p := &Pack{Overrides: map[string]map[string]string{}, Shapes: map[string][]byte{}}
	raw, ok := l.read("pack.json")
	if !ok {
		return nil, l.problems
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p.Manifest); err != nil {
		l.add("pack.json", lineOfErr(raw, err), "%s", jsonMessage(err))
		return nil, l.problems
	}
	l.manifest(raw, &p.Manifest)
	if p.TerritoryFile != "" {
		p.Units = l.territory(p.TerritoryFile, p.Levels)
	}
	for _, key := range sortedKeys(p.Boundaries) {
		l.boundaries(raw, p, key, p.Boundaries[key])
	}
	for _, lang := range sortedKeys(p.Terms) {
		if !slices.Contains(p.Languages, lang) {
			l.add("pack.json", lineOf(raw, `"terms"`), "terms: %q is not one of the pack's languages %v", lang, p.Languages)
			continue
		}
		if b, ok := l.read(p.Terms[lang]); ok {
			m := map[string]string{}
			dec := json.NewDecoder(bytes.NewReader(b))
			if err := dec.Decode(&m); err != nil {
				l.add(p.Terms[lang], lineOfErr(b, err), "%s", jsonMessage(err))
			}
			for k, v := range m {
				if strings.TrimSpace(v) == "" {
					l.add(p.Terms[lang], lineOf(b, `"`+k+`"`), "%q: an empty text", k)
				}
			}
			p.Overrides[lang] = m
		}
	}
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool {
			a, b := l.problems[i], l.problems[j]
			return a.File < b.File || a.File == b.File && a.Line < b.Line
		})
		return nil, l.problems
	}
	p.Digest = l.digest()
	return p, nil
}

// loader collects the files read and the problems found.
type loader struct {
	fsys     fs.FS
	files    map[string][]byte
	problems Problems
}

func (l *loader) add(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) read(name string) ([]byte, bool) {
	if !fs.ValidPath(name) {
		l.add(name, 0, "not a path inside the pack (relative, with /, no ..)")
		return nil, false
	}
	b, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			l.add(name, 0, "missing from the pack")
		} else {
			l.add(name, 0, "cannot be read: %v", err)
		}
		return nil, false
	}
	l.files[name] = b
	return b, true
}

// digest hashes every file read, in name order, with its name.
func (l *loader) digest() string {
	h := sha256.New()
	for _, name := range sortedKeys(l.files) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(l.files[name]))
		h.Write(l.files[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// manifest checks pack.json's fields.
func (l *loader) manifest(raw []byte, m *Manifest) {
	at := func(key string) int { return lineOf(raw, `"`+key+`"`) }
	bad := func(key, format string, args ...any) { l.add("pack.json", at(key), key+": "+format, args...) }
	if m.Format != Format {
		bad("format", "%d is not a pack format this fosis reads (%d)", m.Format, Format)
	}
	if !codeRe.MatchString(m.Code) {
		bad("code", "%q is not a two-letter country code (ISO 3166-1 alpha-2, upper case)", m.Code)
	}
	if strings.TrimSpace(m.Version) == "" {
		bad("version", "give the pack's version, e.g. 2026.1")
	}
	if len(m.Languages) == 0 {
		bad("languages", "list the languages of the pack's words, e.g. [\"es\", \"en\"]")
	}
	for _, lang := range m.Languages {
		if lang != "es" && lang != "en" {
			bad("languages", "%q: fosis speaks es and en", lang)
		}
	}
	need := func(key string, names map[string]string) {
		for _, lang := range m.Languages {
			if strings.TrimSpace(names[lang]) == "" {
				bad(key, "no name in %q", lang)
			}
		}
	}
	need("names", m.Names)
	if !currencyRe.MatchString(m.Currency.Code) {
		bad("currency", "code %q is not an ISO 4217 code (three upper-case letters)", m.Currency.Code)
	}
	if m.Currency.Decimals < 0 || m.Currency.Decimals > 3 {
		bad("currency", "decimals %d is not between 0 and 3", m.Currency.Decimals)
	}
	if m.Currency.Symbol == "" {
		bad("currency", "give the currency's symbol")
	}
	if m.Currency.Grouping == m.Currency.DecimalMark && m.Currency.Decimals > 0 {
		bad("currency", "the grouping and the decimal mark are both %q", m.Currency.Grouping)
	}
	for _, err := range m.ID.Validate() {
		bad("national_id", "%v", err)
	}
	if len(m.Levels) < 2 || len(m.Levels) > 4 {
		bad("levels", "%d levels: a territory has 2 to 4", len(m.Levels))
	}
	seen := map[string]bool{}
	for i, lv := range m.Levels {
		if !keyRe.MatchString(lv.Key) || seen[lv.Key] {
			bad("levels", "level %d: key %q is not a new lower-case word", i+1, lv.Key)
		}
		seen[lv.Key] = true
		for _, lang := range m.Languages {
			if n := lv.Names[lang]; strings.TrimSpace(n[0]) == "" || strings.TrimSpace(n[1]) == "" {
				bad("levels", "level %q: give its singular and plural in %q", lv.Key, lang)
			}
		}
	}
	if m.TerritoryFile == "" {
		bad("territory", "name the territory's CSV file, e.g. territory.csv")
	}
	for key := range m.Boundaries {
		if !seen[key] {
			bad("boundaries", "%q is not a level of the pack", key)
		}
	}
	need("institution", m.Institution.Names)
	if strings.TrimSpace(m.Institution.Acronym) == "" {
		bad("institution", "give the institution's acronym")
	}
	if strings.TrimSpace(m.Cooperation.HomeInstitution) == "" {
		bad("cooperation", "name the home institution that offers programmes in cooperation")
	}
	b := m.Scorecard.Brackets
	if len(b) < 2 || b[len(b)-1] != 100 {
		bad("scorecard", "brackets %v: list ascending percentile cut-offs ending with 100", b)
	}
	for i := 1; i < len(b); i++ {
		if b[i] <= b[i-1] || b[i-1] <= 0 {
			bad("scorecard", "brackets %v are not ascending and above 0", b)
			break
		}
	}
	if s := m.Scorecard.ExtremePovertyShare; s <= 0 || len(b) > 0 && s >= float64(b[0]) {
		bad("scorecard", "extreme_poverty_share %v is not above 0 and below the first bracket", s)
	}
	for _, name := range []string{"health_plan", "request_channel"} {
		if len(m.Enumerations[name]) == 0 {
			bad("enumerations", "%q: list its values", name)
		}
	}
	for name, terms := range m.Enumerations {
		l.terms(raw, "enumerations."+name, terms, m.Languages)
	}
	if len(m.Programmes) == 0 {
		bad("programme_areas", "list the programme areas")
	}
	l.terms(raw, "programme_areas", m.Programmes, m.Languages)
	if g := m.Generator; g != nil {
		if len(g.GivenFemale) == 0 || len(g.GivenMale) == 0 || len(g.Surnames) < 2 {
			bad("generator", "give female and male given names and at least two surnames")
		}
		if g.FirstID <= 0 || g.MedianIncome <= 0 {
			bad("generator", "first_id and median_income must be above 0")
		}
	}
}

// terms checks a list of coded values.
func (l *loader) terms(raw []byte, where string, terms []Term, langs []string) {
	seen := map[string]bool{}
	for i, t := range terms {
		line := lineOf(raw, `"`+t.Code+`"`)
		if !keyRe.MatchString(t.Code) || seen[t.Code] {
			l.add("pack.json", line, "%s[%d]: code %q is not a new lower-case word", where, i+1, t.Code)
		}
		seen[t.Code] = true
		for _, lang := range langs {
			if strings.TrimSpace(t.Names[lang]) == "" {
				l.add("pack.json", line, "%s[%d] %q: no name in %q", where, i+1, t.Code, lang)
			}
		}
	}
}

// territory reads the territory CSV: a header <level>_code,<level>_name for
// each level, top first, and a row per unit of the lowest level.
func (l *loader) territory(name string, levels []Level) []Unit {
	b, ok := l.read(name)
	if !ok || len(levels) < 2 || len(levels) > 4 {
		return nil
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		l.add(name, 1, "no header: %v", err)
		return nil
	}
	var want []string
	for _, lv := range levels {
		want = append(want, lv.Key+"_code", lv.Key+"_name")
	}
	if !slices.Equal(header, want) {
		l.add(name, 1, "the header is %q; want %q", strings.Join(header, ","), strings.Join(want, ","))
		return nil
	}
	type seen struct {
		name, parent string
		line         int
	}
	byLevel := make([]map[string]seen, len(levels))
	for i := range byLevel {
		byLevel[i] = map[string]seen{}
	}
	var units []Unit
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			l.add(name, line, "%v", err)
			return nil
		}
		if len(rec) != len(want) {
			l.add(name, line, "%d columns; want %d", len(rec), len(want))
			continue
		}
		parent := ""
		for i, lv := range levels {
			code, uname := strings.TrimSpace(rec[2*i]), strings.TrimSpace(rec[2*i+1])
			if code == "" || uname == "" {
				l.add(name, line, "%s: the code and the name are required", lv.Key)
				break
			}
			if prev, ok := byLevel[i][code]; ok {
				if prev.name != uname || prev.parent != parent {
					l.add(name, line, "%s %s is %q under %q here but %q under %q on line %d", lv.Key, code, uname, parent, prev.name, prev.parent, prev.line)
				} else if i == len(levels)-1 {
					l.add(name, line, "%s %s appears twice (line %d)", lv.Key, code, prev.line)
				}
			} else {
				byLevel[i][code] = seen{uname, parent, line}
				units = append(units, Unit{Level: i, Code: code, Name: uname, Parent: parent})
			}
			parent = code
		}
	}
	if len(byLevel[len(levels)-1]) == 0 {
		l.add(name, 0, "no units")
	}
	sort.Slice(units, func(i, j int) bool {
		return units[i].Level < units[j].Level || units[i].Level == units[j].Level && units[i].Code < units[j].Code
	})
	return units
}

// boundaries checks a GeoJSON file of one level: a FeatureCollection whose
// features carry the unit's code in properties.code and a polygon.
func (l *loader) boundaries(raw []byte, p *Pack, key, name string) {
	b, ok := l.read(name)
	if !ok {
		return
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties struct {
				Code string `json:"code"`
			} `json:"properties"`
			Geometry struct {
				Type string `json:"type"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		l.add(name, lineOfErr(b, err), "%s", jsonMessage(err))
		return
	}
	if fc.Type != "FeatureCollection" {
		l.add(name, lineOf(b, `"type"`), "a GeoJSON FeatureCollection is expected, not %q", fc.Type)
		return
	}
	level := slices.IndexFunc(p.Levels, func(lv Level) bool { return lv.Key == key })
	if level < 0 {
		return // said in the manifest's problems
	}
	codes := map[string]bool{}
	for _, u := range p.Units {
		if u.Level == level {
			codes[u.Code] = true
		}
	}
	for i, f := range fc.Features {
		line := lineOf(b, `"`+f.Properties.Code+`"`)
		if !codes[f.Properties.Code] {
			l.add(name, line, "feature %d: %q is not a %s of the territory", i+1, f.Properties.Code, key)
		}
		if f.Geometry.Type != "Polygon" && f.Geometry.Type != "MultiPolygon" {
			l.add(name, line, "feature %d (%s): geometry %q is not a Polygon or MultiPolygon", i+1, f.Properties.Code, f.Geometry.Type)
		}
	}
	p.Shapes[key] = b
}

// lineOf is the line of the first occurrence of needle in b (0 if none).
func lineOf(b []byte, needle string) int {
	i := bytes.Index(b, []byte(needle))
	if i < 0 {
		return 0
	}
	return bytes.Count(b[:i], []byte("\n")) + 1
}

// lineOfErr is the line a JSON decoding error points at.
func lineOfErr(b []byte, err error) int {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n")) + 1
	case errors.As(err, &te):
		return bytes.Count(b[:min(int(te.Offset), len(b))], []byte("\n")) + 1
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return lineOf(b, f)
	}
	return 0
}

// jsonMessage says a decoding error in plain words.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s: a %s is expected here, not a %s", te.Field, te.Type, te.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + f + " (misspelt?)"
	}
	return "not valid JSON: " + err.Error()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
