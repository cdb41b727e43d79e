package cooperation

import (
	"encoding/json"
	"testing"
)

// FuzzParseDesign feeds arbitrary JSON to the design parser and the rules:
// they must never panic, and a design that passes must survive its
// canonical form unchanged (what is stored is what was checked).
func FuzzParseDesign(f *testing.F) {
	fx := &fixture{staff: map[string]int64{"Ana Rojas": 1, "Luis Soto": 2}}
	b, _ := json.Marshal(fx.design(true))
	f.Add(b)
	f.Add([]byte(`{"start":"2026-01-01","end":"2025-01-01","team":[{"side":"chile","mirror":"x"}]}`))
	f.Add([]byte(`{"stages":[{"stage":"execution","start":"2026-13-01"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDesign(b)
		if err != nil {
			return
		}
		if _, err := d.Validate(); err != nil {
			return
		}
		spec, digest := d.canonical()
		again, err := ParseDesign(spec)
		if err != nil {
			t.Fatalf("canonical form does not parse: %v", err)
		}
		if _, err := again.Validate(); err != nil {
			t.Fatalf("canonical form no longer validates: %v", err)
		}
		if _, d2 := again.canonical(); d2 != digest {
			t.Fatalf("canonical form changed:\n%s", spec)
		}
		again.Pairs()
	})
}
