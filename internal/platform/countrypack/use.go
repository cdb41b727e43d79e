package countrypack

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/fosis/fosis/internal/platform/geo"
)

// Territory is the pack's territory in the three tiers the registry keeps:
// the top level is the region, the lowest (where households are registered)
// the commune, and the level just above the lowest the province — with two
// levels, the region again; with four, the second level is named in the
// pack but not aggregated on.
func (p *Pack) Territory() (*geo.Territory, error) {
	n := len(p.Levels)
	byCode := make([]map[string]Unit, n)
	for i := range byCode {
		byCode[i] = map[string]Unit{}
	}
	for _, u := range p.Units {
		byCode[u.Level][u.Code] = u
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"region_code", "region_name", "province_code", "province_name", "commune_code", "commune_name"})
	for _, u := range p.Units {
		if u.Level != n-1 {
			continue
		}
		chain := make([]Unit, n)
		chain[n-1] = u
		for i := n - 2; i >= 0; i-- {
			chain[i] = byCode[i][chain[i+1].Parent]
		}
		top, mid := chain[0], chain[max(n-2, 0)]
		w.Write([]string{top.Code, top.Name, mid.Code, mid.Name, u.Code, u.Name})
	}
	w.Flush()
	t, err := geo.Load(&b, p.Code)
	if err != nil {
		return nil, err
	}
	t.Source = p.Source
	return t, nil
}

// LevelName is level key's name in lang, singular or plural ("" for a key
// the pack does not have).
func (p *Pack) LevelName(key, lang string, plural bool) string {
	for _, lv := range p.Levels {
		if lv.Key == key {
			n := lv.Names[lang]
			if plural {
				return n[1]
			}
			return n[0]
		}
	}
	return ""
}

// TermName is the name in lang of code in the enumeration enum ("" when
// the pack does not list it).
func (p *Pack) TermName(enum, code, lang string) string {
	for _, t := range p.Enumerations[enum] {
		if t.Code == code {
			return t.Names[lang]
		}
	}
	return ""
}

// Format writes an amount of whole currency units as people read it:
// symbol, thousands grouped, and the decimals the currency has, as zeros
// (fosis keeps whole units).
func (c Currency) Format(amount int64) string {
	neg := amount < 0
	if neg {
		amount = -amount
	}
	d := strconv.FormatInt(amount, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString(c.Symbol)
	for i, r := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteString(c.Grouping)
		}
		b.WriteRune(r)
	}
	if c.Decimals > 0 {
		b.WriteString(c.DecimalMark)
		b.WriteString(strings.Repeat("0", c.Decimals))
	}
	return b.String()
}
