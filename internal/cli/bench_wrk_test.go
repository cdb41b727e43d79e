package cli

import (
	"testing"
	"time"
)

func TestParseWrk(t *testing.T) {
	out := "Running 15s test @ http://127.0.0.1:1/\n  2 threads and 50 connections\nFOSIS-WRK 1500 15000000 3 4100 9600 20360 65320\n"
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.n != 1500 || r.errors != 3 || r.elapsed != 15*time.Second || r.p(50) != 4100*time.Microsecond ||
		r.p(99) != 20360*time.Microsecond || r.p(100) != 65320*time.Microsecond || r.errNote() == "" {
		t.Errorf("parsed %+v", r)
	}
	for _, bad := range []string{"", "Requests/sec: 10\n", "FOSIS-WRK 1 2 3\n", "FOSIS-WRK 1 2 3 4 5 x 7\n"} {
		if _, err := parseWrk(bad); err == nil {
			t.Errorf("parseWrk(%q) accepted", bad)
		}
	}
}
