// Package geo holds a country's territorial division — regions, provinces and
// communes keyed by official codes — and embeds Chile's (16 regions, 56
// provinces, 346 communes, Código Único Territorial). A partner country loads
// its own with Load.
package geo

import (
	"crypto/sha256"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

//go:embed data/cl/*.csv
var chileFS embed.FS

// Region is the first-level division.
type Region struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	ShortName string `json:"short_name"`
	ISO       string `json:"iso_code,omitempty"`
}

// Province is the second-level division.
type Province struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

// Commune is the third-level division, the unit households are registered in.
type Commune struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	ProvinceCode string `json:"province_code"`
	RegionCode   string `json:"region_code"`
}

// Territory is a country's whole division. Slices are sorted by code; the
// position of a region or commune in them is its dense index, which
// national-scale frames use instead of the code.
type Territory struct {
	Country string // ISO 3166-1 alpha-2, e.g. "CL"
	// Source says where the territory came from, for people: "embedded"
	// for Chile's, a file's name for one loaded with Load (set by whoever
	// opened the file). It is not part of the Digest.
	Source    string
	Regions   []Region
	Provinces []Province
	Communes  []Commune

	communeIdx map[string]int
	regionIdx  map[string]int
}

// Chile returns the embedded territory of Chile.
func Chile() *Territory {
	t, err := loadDir(chileFS, "data/cl", "CL")
	if err != nil {
		panic("geo: embedded Chile territory is invalid: " + err.Error())
	}
	t.Source = Embedded
	return t
}

// Embedded is the Source of the territory compiled into fosis (Chile's).
const Embedded = "embedded"

// Digest is a SHA-256 (hex) of the territory's country and content: every
// region (code, name, short name, ISO code), province and commune, in code
// order. Two territories with the same digest validate and name everything
// alike, wherever they were loaded from; a database keeps the digest of the
// territory it was made with.
func (t *Territory) Digest() string {
	h := sha256.New()
	// Fields are separated by 0x1f and records by 0x1e, which no code or
	// name contains, so that no two contents write the same bytes.
	rec := func(fields ...string) {
		for i, f := range fields {
			if i > 0 {
				h.Write([]byte{0x1f})
			}
			io.WriteString(h, f)
		}
		h.Write([]byte{0x1e})
	}
	rec("country", t.Country)
	for _, r := range t.Regions {
		rec("region", r.Code, r.Name, r.ShortName, r.ISO)
	}
	for _, p := range t.Provinces {
		rec("province", p.Code, p.Name, p.RegionCode)
	}
	for _, c := range t.Communes {
		rec("commune", c.Code, c.Name, c.ProvinceCode, c.RegionCode)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CommuneIndex returns the dense index of the commune with the given code.
func (t *Territory) CommuneIndex(code string) (int, bool) {
	i, ok := t.communeIdx[code]
	return i, ok
}

// RegionIndex returns the dense index of the region with the given code.
func (t *Territory) RegionIndex(code string) (int, bool) {
	i, ok := t.regionIdx[code]
	return i, ok
}

// CommuneRegion returns the region index of the commune with index ci.
func (t *Territory) CommuneRegion(ci int) int {
	return t.regionIdx[t.Communes[ci].RegionCode]
}

// loadDir reads regions.csv, provinces.csv and communes.csv from a folder.
func loadDir(fsys fs.FS, dir, country string) (*Territory, error) {
	open := func(name string) ([][]string, error) {
		f, err := fsys.Open(dir + "/" + name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readCSV(f, name)
	}
	regions, err := open("regions.csv")
	if err != nil {
		return nil, err
	}
	provinces, err := open("provinces.csv")
	if err != nil {
		return nil, err
	}
	communes, err := open("communes.csv")
	if err != nil {
		return nil, err
	}
	t := &Territory{Country: country}
	for _, r := range regions {
		t.Regions = append(t.Regions, Region{Code: r[0], Name: r[1], ShortName: r[2], ISO: r[4]})
	}
	for _, p := range provinces {
		t.Provinces = append(t.Provinces, Province{Code: p[0], Name: p[1], RegionCode: p[2]})
	}
	provRegion := map[string]string{}
	for _, p := range t.Provinces {
		provRegion[p.Code] = p.RegionCode
	}
	for _, c := range communes {
		t.Communes = append(t.Communes, Commune{Code: c[0], Name: c[1], ProvinceCode: c[2], RegionCode: provRegion[c[2]]})
	}
	return t, t.index()
}

// Load reads another country's territory from one CSV file with the header
// region_code,region_name,province_code,province_name,commune_code,commune_name
// (one row per commune; comma or semicolon separated). Codes are kept as
// written; every commune code must be unique.
func Load(r io.Reader, country string) (*Territory, error) {
	rows, err := readCSV(r, "territory file")
	if err != nil {
		return nil, err
	}
	t := &Territory{Country: strings.ToUpper(country)}
	seenR, seenP := map[string]bool{}, map[string]bool{}
	for i, row := range rows {
		if len(row) != 6 {
			return nil, fmt.Errorf("territory file line %d: want 6 columns, got %d", i+2, len(row))
		}
		for j, v := range row {
			if v == "" {
				return nil, fmt.Errorf("territory file line %d: column %d is empty", i+2, j+1)
			}
		}
		if !seenR[row[0]] {
			seenR[row[0]] = true
			t.Regions = append(t.Regions, Region{Code: row[0], Name: row[1], ShortName: row[1]})
		}
		if !seenP[row[2]] {
			seenP[row[2]] = true
			t.Provinces = append(t.Provinces, Province{Code: row[2], Name: row[3], RegionCode: row[0]})
		}
		t.Communes = append(t.Communes, Commune{Code: row[4], Name: row[5], ProvinceCode: row[2], RegionCode: row[0]})
	}
	return t, t.index()
}

func (t *Territory) index() error {
	slices.SortFunc(t.Regions, func(a, b Region) int { return strings.Compare(a.Code, b.Code) })
	slices.SortFunc(t.Provinces, func(a, b Province) int { return strings.Compare(a.Code, b.Code) })
	slices.SortFunc(t.Communes, func(a, b Commune) int { return strings.Compare(a.Code, b.Code) })
	if len(t.Regions) == 0 || len(t.Communes) == 0 {
		return errors.New("territory has no regions or no communes")
	}
	if len(t.Regions) > 255 {
		return fmt.Errorf("territory has %d regions; at most 255 are supported", len(t.Regions))
	}
	t.regionIdx = make(map[string]int, len(t.Regions))
	for i, r := range t.Regions {
		if _, dup := t.regionIdx[r.Code]; dup {
			return fmt.Errorf("region code %q appears twice", r.Code)
		}
		t.regionIdx[r.Code] = i
	}
	provs := map[string]string{}
	for _, p := range t.Provinces {
		if _, dup := provs[p.Code]; dup {
			return fmt.Errorf("province code %q appears twice", p.Code)
		}
		if _, ok := t.regionIdx[p.RegionCode]; !ok {
			return fmt.Errorf("province %q names unknown region %q", p.Code, p.RegionCode)
		}
		provs[p.Code] = p.RegionCode
	}
	t.communeIdx = make(map[string]int, len(t.Communes))
	for i, c := range t.Communes {
		if _, dup := t.communeIdx[c.Code]; dup {
			return fmt.Errorf("commune code %q appears twice", c.Code)
		}
		reg, ok := provs[c.ProvinceCode]
		if !ok {
			return fmt.Errorf("commune %q names unknown province %q", c.Code, c.ProvinceCode)
		}
		if reg != c.RegionCode {
			return fmt.Errorf("commune %q: province %q is in region %q, not %q", c.Code, c.ProvinceCode, reg, c.RegionCode)
		}
		t.communeIdx[c.Code] = i
	}
	return nil
}

// readCSV reads a small reference file, skipping its header row and a BOM.
func readCSV(r io.Reader, name string) ([][]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	cr := csv.NewReader(strings.NewReader(text))
	first, _, _ := strings.Cut(text, "\n")
	if strings.Count(first, ";") > strings.Count(first, ",") {
		cr.Comma = ';'
	}
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no data rows", name)
	}
	for _, row := range rows {
		for i := range row {
			row[i] = strings.TrimSpace(row[i])
		}
	}
	return rows[1:], nil
}
