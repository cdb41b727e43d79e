package cli

import (
	"regexp"
	"testing"

	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestDemoTraining: the demo gives its cases courses with attendance,
// approved plans and goods delivered.
func TestDemoTraining(t *testing.T) {
	dsn := dbtest.DSN(t)
	out := mustRun(t, "--db", dsn, "demo", "--no-serve", "--households", "400")
	if !regexp.MustCompile(`training: [1-9]\d* courses with [1-9]\d* attendance marks, [1-9]\d* approved plans, [1-9]\d* goods delivered`).MatchString(out) {
		t.Fatalf("demo output:\n%s", out)
	}
}
