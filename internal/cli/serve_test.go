package cli

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/registry"
)

// TestServeWarmsFrame: with --warm-frame the server reads the shared frame
// in the background at start (serving meanwhile), and again after an
// import job finishes; without it, nothing is read.
func TestServeWarmsFrame(t *testing.T) {
	dsn := dbtest.DSN(t)
	extract := filepath.Join(t.TempDir(), "extract")
	mustRun(t, "registry", "generate", "--households", "200", "--seed", "5", "--out", extract)
	mustRun(t, "--db", dsn, "registry", "import", extract)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	a, err := Open(sys, Config{DB: dsn, Quiet: true}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	loads := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if a.Registry.FramesLoaded() == want {
				return
			}
		}
		t.Fatalf("frames loaded: %d, want %d", a.Registry.FramesLoaded(), want)
	}

	ctx, stop := context.WithCancel(sys)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serveWith(ctx, a, "127.0.0.1:0", serveOptions{}, func(addr string) { ready <- addr }) }()
	<-ready
	time.Sleep(100 * time.Millisecond)
	if n := a.Registry.FramesLoaded(); n != 0 {
		t.Errorf("without --warm-frame: %d frames loaded, want 0", n)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, stop = context.WithCancel(sys)
	defer stop()
	opts := serveOptions{warmFrame: true}
	go func() { done <- serveWith(ctx, a, "127.0.0.1:0", opts, func(addr string) { ready <- addr }) }()
	<-ready
	loads(1)

	// An import job that finishes has the frame read again (an import
	// moves the revision: no splice).
	tr := newTracker(ctx, a, opts)
	if _, err := tr.Start(sys, registry.ImportJobKind, true, a.Registry.ImportTask(registry.ImportOptions{
		Households: filepath.Join(extract, "households.csv"), Persons: filepath.Join(extract, "persons.csv")}, nil)); err != nil {
		t.Fatal(err)
	}
	tr.Wait()
	loads(2)
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
