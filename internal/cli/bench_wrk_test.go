package cli

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
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

// TestWrkScript runs wrk with the benchmark's script against a server that
// records what it is asked: every request is the prefix and one of the ids
// (of different lengths), with the header, and many ids are asked for.
func TestWrkScript(t *testing.T) {
	if !wrkAvailable() {
		t.Skip("wrk is not installed (apt-get install wrk)")
	}
	ids := []string{"H1", "H0000002", "H33", "H-4444", "H5"}
	want := map[string]bool{}
	for _, id := range ids {
		want["/x/"+id] = true
	}
	var mu sync.Mutex
	seen, bad := map[string]int{}, []string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !want[r.URL.Path] || r.Header.Get("X-Bench") != "yes" {
			bad = append(bad, r.URL.Path+" "+r.Header.Get("X-Bench"))
		}
		seen[r.URL.Path]++
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "ids")
	if err := writeWrkIDs(file, ids); err != nil {
		t.Fatal(err)
	}
	res, err := runWrk(t.Context(), srv.URL, "/x/", file, [2]string{"X-Bench", "yes"}, 4, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("%d requests not of the ids file, first: %q", len(bad), bad[0])
	}
	if len(seen) != len(ids) || res.n < 100 || res.errors != 0 {
		t.Errorf("wrk asked for %v in %d requests (%d errors)", seen, res.n, res.errors)
	}
}
