package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestAuditAnchors: 'audit anchor' prints the chain's head; a file of
// anchors given to 'audit verify --expect' passes while the log holds them,
// and fails once its newest entries are deleted behind fosis's back, which
// the chain alone cannot show (issue 18).
func TestAuditAnchors(t *testing.T) {
	dsn := dbtest.DSN(t)
	mustRun(t, "--db", dsn, "migrate")
	if code, _, errs := runCLI(t, "--db", dsn, "audit", "anchor"); code == 0 || !strings.Contains(errs, "empty") {
		t.Errorf("anchor of an empty trail: exit %d %q", code, errs)
	}
	file := filepath.Join(t.TempDir(), "anchors.txt")
	var anchors []string
	for _, u := range []string{"ana", "beto", "carla"} {
		mustRun(t, "--db", dsn, "users", "add", u, "--role", "analyst", "--name", u)
		anchors = append(anchors, strings.TrimSpace(mustRun(t, "--db", dsn, "audit", "anchor")))
	}
	if anchors[0] == anchors[2] || !strings.Contains(anchors[2], ":") {
		t.Fatalf("anchors: %q", anchors)
	}
	os.WriteFile(file, []byte("# daily anchors\n"+strings.Join(anchors, "\n")+"\n\n"), 0o644)
	if out := mustRun(t, "--db", dsn, "audit", "verify", "--expect", file); !strings.Contains(out, "3 noted entries unchanged") {
		t.Errorf("verify with anchors:\n%s", out)
	}
	if out := mustRun(t, "--db", dsn, "audit", "verify", "--expect", anchors[1]); !strings.Contains(out, "1 noted entries unchanged") {
		t.Errorf("verify with one anchor:\n%s", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte(anchors[0]+"\n12:zz\n"), 0o644)
	if code, _, errs := runCLI(t, "--db", dsn, "audit", "verify", "--expect", bad); code == 0 || !strings.Contains(errs, "line 2") {
		t.Errorf("a bad anchor line: exit %d %q", code, errs)
	}

	// Delete the newest entry: the chain that is left is valid, the anchor
	// catches it.
	a, err := Open(auth.WithPrincipal(context.Background(), auth.System()), Config{DB: dsn, Quiet: true}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	tamper := []string{"DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"}
	if dbtest.Engine() == db.Postgres {
		tamper[0] = "ALTER TABLE audit_log DISABLE TRIGGER USER"
	}
	for _, q := range tamper {
		if _, err := a.DB.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if out := mustRun(t, "--db", dsn, "audit", "verify"); !strings.Contains(out, "chain intact") {
		t.Fatalf("the truncated chain should still verify on its own:\n%s", out)
	}
	code, _, errs := runCLI(t, "--db", dsn, "audit", "verify", "--expect", file)
	if code != ExitError || !strings.Contains(errs, "is gone") {
		t.Errorf("verify --expect after the tail was deleted: exit %d %q", code, errs)
	}
}
