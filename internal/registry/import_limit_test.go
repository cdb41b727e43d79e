package registry_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
)

// junk returns n bytes of random data (seeded: the same every run).
func junk(n int) []byte {
	r := rand.New(rand.NewPCG(11, 15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestImportStopsAfterTooManyProblems: random bytes after a valid header
// stop the import at the limit, import nothing, and keep a report of at most
// the limit plus one row per file saying where reading stopped; the kept
// report is the same.
func TestImportStopsAfterTooManyProblems(t *testing.T) {
	const limit = 40
	s, d := newStore(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	// A valid extract first: a stopped import must leave it as it is.
	if _, err := s.Import(ctx, writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+pRowC)); err != nil {
		t.Fatal(err)
	}
	before := householdIDs(t, d)
	rev, err := s.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, households, persons string }{
		{"junk households", hHeader + hRowH1 + string(junk(1<<20)), pHeader + pRowA + pRowB},
		{"junk persons", hHeader + hRowH1, pHeader + pRowA + string(junk(1<<20))},
		// Rows that each parse but all point at missing households: the
		// rules across rows stop at the limit too.
		{"orphan persons", hHeader + hRowH1, pHeader + pRowA + strings.Repeat(strings.Replace(pRowB, ",H1,", ",H9,", 1), 200)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := writeExtract(t, tc.households, tc.persons)
			opt.MaxProblems = limit
			sum, err := s.Import(ctx, opt)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if len(sum.Stopped) == 0 || sum.Inserted+sum.Updated+sum.PersonsWritten != 0 {
				t.Fatalf("summary = %+v, want stopped with nothing written", sum)
			}
			msg := sum.StopMessage()
			if !strings.HasPrefix(msg, "too many problems, stopped at line ") {
				t.Errorf("stop message = %q", msg)
			}
			got := readProblems(t, sum.ErrorsPath)
			if len(got) > limit+2 || len(got) < limit+1 || sum.Problems != len(got) {
				t.Errorf("report has %d rows (summary %d), want %d + one per file stopped", len(got), sum.Problems, limit)
			}
			last := got[len(got)-1]
			if last[2] != "(file)" || !strings.Contains(last[4], "too many problems") {
				t.Errorf("last row = %v, want where it stopped", last)
			}
			for _, p := range got {
				if len(p[3]) > 210 || len(p[5]) > 65 {
					t.Errorf("a problem keeps %d bytes of value, %d of household id", len(p[3]), len(p[5]))
				}
			}
			var kept bytes.Buffer
			if err := s.ImportReport(ctx, sum.ID, &kept); err != nil {
				t.Fatal(err)
			}
			if file, _ := os.ReadFile(sum.ErrorsPath); kept.String() != string(file) {
				t.Errorf("kept report differs from the file")
			}
			if got := householdIDs(t, d); strings.Join(got, ",") != strings.Join(before, ",") {
				t.Errorf("households after a stopped import: %v, want %v", got, before)
			}
			if r, _ := s.Revision(ctx); r != rev {
				t.Errorf("registry revision moved from %d to %d", rev, r)
			}
			checkIntegrity(t, s)
		})
	}
}

// TestImportUnderTheLimitGoesOn: as many problems as the limit is not too
// many.
func TestImportUnderTheLimitGoesOn(t *testing.T) {
	s, _ := newStore(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	opt := writeExtract(t, hHeader+hRowH1+hRowH2, pHeader+pRowA+pRowB+strings.Replace(pRowC, "H2", "H7", 1))
	opt.MaxProblems = 2 // one orphan person, one household without a head
	sum, err := s.Import(ctx, opt)
	if err != nil || len(sum.Stopped) != 0 || sum.Inserted != 1 || sum.Problems != 2 {
		t.Fatalf("Import = %+v, %v", sum, err)
	}
}
