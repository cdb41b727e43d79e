package registry

import (
	"testing"
	"unsafe"
)

// TestDetach: the copies read the same and hold no byte of the line they
// came from, even when all but one are empty.
func TestDetach(t *testing.T) {
	line := "Ana María,Núñez,Pérez,H0000007,extra columns that must not stay in memory"
	within := func(s string) bool {
		if s == "" {
			return false
		}
		p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(line)))
		return p >= lo && p < lo+uintptr(len(line))
	}
	for _, in := range [][4]string{
		{line[0:9], line[10:15], line[16:21], line[22:30]},
		{"", line[10:15], "", ""},
		{"", "", "", ""},
	} {
		a, b, c, d := detach(in[0], in[1], in[2], in[3])
		if [4]string{a, b, c, d} != in {
			t.Errorf("detach(%q) = %q", in, [4]string{a, b, c, d})
		}
		for _, s := range []string{a, b, c, d} {
			if within(s) {
				t.Errorf("detach(%q): %q still points into the line", in, s)
			}
		}
	}
}
