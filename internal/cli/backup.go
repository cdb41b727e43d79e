package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
)

func backupCmd(cfg *Config) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Copy a SQLite database consistently while the server runs",
		Long: `Writes a consistent, compacted copy of the SQLite database to a new file while fosis
goes on serving (SQLite's VACUUM INTO reads one snapshot: the copy holds every transaction
committed before it started and none after), then checks the copy (integrity and the audit
chain). Restore it with 'fosis restore'. PostgreSQL is backed up with its own tools
(pg_dump -Fc, pg_restore): see docs/deployment.md.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			if out == "" {
				return fosis.Errorf(fosis.EINVALID, "--out FILE is required: the new file to write the copy to")
			}
			t0 := time.Now()
			if err := a.DB.Backup(ctx, out); err != nil {
				return fosis.Errorf(fosis.EINVALID, "%v", err)
			}
			entries, err := checkCopy(ctx, out)
			if err != nil {
				return fmt.Errorf("the copy at %s does not check: %w", out, err)
			}
			fi, _ := os.Stat(out)
			fmt.Fprintf(a.Stdout, "%s: %s, %d audit entries, chain intact, in %s\n", out, byteSize(fi.Size()), entries, time.Since(t0).Round(time.Millisecond))
			return nil
		}),
	}
	c.Flags().StringVar(&out, "out", "", "the new file to write the copy to (never overwritten)")
	return c
}

func restoreCmd(cfg *Config) *cobra.Command {
	var from string
	var force bool
	c := &cobra.Command{
		Use:   "restore --from FILE",
		Short: "Put a backup in place of the SQLite database, after checking it",
		Long: `Checks a copy made by 'fosis backup' (SQLite's integrity check, a schema this fosis
knows, the audit chain) and only then puts it where --db points. An existing database is
kept, renamed DB.before-restore-TIMESTAMP, and only with --force. Stop the server first.
PostgreSQL is restored with pg_restore: see docs/deployment.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			target := cfg.DB
			if db.IsPostgres(target) {
				return fosis.Errorf(fosis.EINVALID, "restore a PostgreSQL database with pg_restore (docs/deployment.md)")
			}
			target = strings.TrimPrefix(strings.TrimPrefix(target, "sqlite://"), "file:")
			if from == "" {
				return fosis.Errorf(fosis.EINVALID, "--from FILE is required: the backup to restore")
			}
			_, err := os.Stat(target)
			exists := err == nil
			if exists && !force {
				return fosis.Errorf(fosis.ECONFLICT, "%s exists: stop the server, then run again with --force to keep it as %s.before-restore-… and put the backup in its place", target, target)
			}
			tmp := target + ".restoring"
			for _, f := range []string{tmp, tmp + "-wal", tmp + "-shm"} {
				os.Remove(f)
			}
			if err := copyFile(from, tmp); err != nil {
				return err
			}
			entries, err := checkCopy(ctx, tmp)
			if err != nil {
				os.Remove(tmp)
				return fmt.Errorf("%s cannot be restored: %w", from, err)
			}
			if exists {
				old := target + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
				for _, suffix := range []string{"", "-wal", "-shm"} {
					if _, err := os.Stat(target + suffix); err == nil {
						if err := os.Rename(target+suffix, old+suffix); err != nil {
							return err
						}
					}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "the database that was there is kept as %s\n", old)
			}
			if err := os.Rename(tmp, target); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored %s to %s: integrity ok, %d audit entries, chain intact\n", from, target, entries)
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "the backup file to restore")
	c.Flags().BoolVar(&force, "force", false, "replace an existing database (kept beside it, renamed)")
	return c
}

// checkCopy opens a SQLite copy and checks it: SQLite's integrity check, a
// schema no newer than this build's, and the audit chain. It returns the
// audit trail's length.
func checkCopy(ctx context.Context, path string) (int64, error) {
	d, err := db.Open(ctx, path, nil)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	problems, err := d.IntegrityCheck(ctx)
	if err != nil {
		return 0, fmt.Errorf("not a SQLite database fosis can read: %w", err)
	}
	if len(problems) > 0 {
		return 0, fmt.Errorf("SQLite's integrity check found %d problems, the first: %s", len(problems), problems[0])
	}
	cur, newest, err := d.SchemaStatus(ctx)
	if err != nil {
		return 0, fmt.Errorf("no fosis schema: %w", err)
	}
	if cur == 0 {
		return 0, fmt.Errorf("it holds no fosis schema")
	}
	if cur > newest {
		return 0, fmt.Errorf("its schema (version %d) is newer than this fosis knows (%d): restore it with the fosis that made it", cur, newest)
	}
	rep, err := audit.Verify(ctx, d)
	if err != nil {
		return 0, err
	}
	if !rep.OK {
		return 0, fmt.Errorf("its audit trail is broken at entry %d: %s", rep.BrokenSeq, rep.Problem)
	}
	return rep.LastSeq, nil
}

// copyFile copies src to a new file dst and syncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fosis.Errorf(fosis.EINVALID, "%v", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// byteSize writes n bytes for people (KiB, MiB, GiB).
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
