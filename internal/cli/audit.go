package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
)

func auditCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit",
		Short: "The audit trail: verify its hash chain, list entries",
		Long: `Every change fosis makes (and every read of sensitive data) is written to an
append-only audit trail in which each entry carries the SHA-256 of its content and of the
entry before it. 'fosis audit verify' recomputes the whole chain; 'fosis audit list'
shows entries, newest first; 'fosis audit anchor' prints the chain's head to keep
elsewhere. See docs/security.md.`,
	}
	c.AddCommand(auditVerifyCmd(cfg), auditListCmd(cfg), auditAnchorCmd(cfg))
	return c
}

func auditVerifyCmd(cfg *Config) *cobra.Command {
	var expect string
	var jsonOut bool
	c := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the audit trail's hash chain and report the first altered or missing entry",
		Long: `Reads the whole audit trail in order, recomputes every entry's hash and checks that
each links to the one before. Exits with status 1, naming the first broken entry and why,
if any entry was altered or deleted.

A chain cannot show that its newest entries were deleted: what is left is still a valid
chain. So keep anchors outside this database ('fosis audit anchor >> anchors.txt', say
from a daily job, into a place the database's administrators cannot rewrite) and pass them
with --expect: either one SEQ:HASH, or a file of them, one a line (blank lines and lines
starting with # are skipped). verify then also fails if any of those entries is gone or
different, so a truncated tail is always caught.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			anchors, err := readAnchors(expect)
			if err != nil {
				return err
			}
			t0 := time.Now()
			rep, err := audit.Verify(ctx, a.DB)
			if err != nil {
				return err
			}
			var problems []string
			if rep.OK {
				for _, an := range anchors {
					problem, err := audit.CheckAnchor(ctx, a.DB, an.seq, an.hash)
					if err != nil {
						return err
					}
					if problem != "" {
						problems = append(problems, problem)
					}
				}
			}
			if jsonOut {
				if err := json.NewEncoder(a.Stdout).Encode(map[string]any{"report": rep, "anchors_checked": len(anchors), "anchor_problems": problems}); err != nil {
					return err
				}
			} else {
				w := a.Stdout
				fmt.Fprintf(w, "%d entries checked in %s\n", rep.Entries, time.Since(t0).Round(time.Millisecond))
				switch {
				case !rep.OK && rep.LastSeq == 0:
					fmt.Fprintln(w, "no entry verified")
				case !rep.OK:
					fmt.Fprintf(w, "last good entry: %d %s\n", rep.LastSeq, rep.LastHash)
				case rep.LastSeq == 0:
					fmt.Fprintln(w, "the audit trail is empty")
				default:
					fmt.Fprintf(w, "chain intact; last entry: %d %s\n", rep.LastSeq, rep.LastHash)
					if len(anchors) > 0 && len(problems) == 0 {
						fmt.Fprintf(w, "%d noted entries unchanged\n", len(anchors))
					}
					if len(problems) == 0 {
						fmt.Fprintf(w, "note it to check later: fosis audit verify --expect %d:%s\n", rep.LastSeq, rep.LastHash)
					}
				}
			}
			if !rep.OK {
				return fmt.Errorf("the audit trail is broken at entry %d: %s", rep.BrokenSeq, rep.Problem)
			}
			if len(problems) > 0 {
				return errors.New(strings.Join(problems, "; "))
			}
			return nil
		}),
	}
	c.Flags().StringVar(&expect, "expect", "", "SEQ:HASH of an entry noted earlier, or a file of them one a line (from 'fosis audit anchor'): each must still be there unchanged")
	c.Flags().BoolVar(&jsonOut, "json", false, "print the report as JSON")
	return c
}

// anchor is an audit entry noted earlier: its sequence number and hash.
type anchor struct {
	seq  int64
	hash string
}

// readAnchors reads --expect: "" (none), one SEQ:HASH, or the path of a
// file of them, one a line, # comments and blank lines skipped. A bad line
// is named with its number.
func readAnchors(expect string) ([]anchor, error) {
	if expect == "" {
		return nil, nil
	}
	if an, err := parseAnchor(expect); err == nil {
		return []anchor{an}, nil
	}
	b, err := os.ReadFile(expect)
	if err != nil {
		if strings.Contains(expect, ":") && !strings.ContainsAny(expect, "/\\") {
			_, perr := parseAnchor(expect)
			return nil, fosis.Errorf(fosis.EINVALID, "--expect %q: %v", expect, perr)
		}
		return nil, fosis.Errorf(fosis.EINVALID, "--expect: %v (give SEQ:HASH as printed by 'fosis audit anchor', or a file of them)", err)
	}
	var out []anchor
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		an, err := parseAnchor(line)
		if err != nil {
			return nil, fosis.Errorf(fosis.EINVALID, "%s, line %d: %v", expect, i+1, err)
		}
		out = append(out, an)
	}
	if len(out) == 0 {
		return nil, fosis.Errorf(fosis.EINVALID, "%s holds no anchor (lines SEQ:HASH, from 'fosis audit anchor')", expect)
	}
	return out, nil
}

// parseAnchor reads SEQ:HASH (the hash in hex, 64 digits).
func parseAnchor(s string) (anchor, error) {
	seq, h, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 1 {
		return anchor{}, errors.New("want SEQ:HASH, SEQ a whole number from 1")
	}
	h = strings.ToLower(h)
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return anchor{}, errors.New("the HASH of SEQ:HASH is 64 hexadecimal digits")
	}
	return anchor{n, h}, nil
}

func auditAnchorCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "anchor",
		Short: "Print the audit chain's head (SEQ:HASH) to keep outside the database",
		Long: `Prints the newest audit entry as SEQ:HASH, one line, for keeping where the database's
administrators cannot rewrite it (another server, a ticket, a signed mail). Append them to a
file over time ('fosis audit anchor >> anchors.txt'); 'fosis audit verify --expect
anchors.txt' then fails if any noted entry was deleted or changed, which catches a deleted
tail that the chain alone cannot show.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			seq, hash, err := audit.Head(ctx, a.DB)
			if err != nil {
				return err
			}
			if seq == 0 {
				return fosis.Errorf(fosis.ECONFLICT, "the audit trail is empty: there is nothing to anchor yet")
			}
			fmt.Fprintf(a.Stdout, "%d:%s\n", seq, hash)
			return nil
		}),
	}
}

func auditListCmd(cfg *Config) *cobra.Command {
	var f audit.Filter
	var from, to string
	var jsonOut bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List audit entries, newest first",
		Long: `Lists audit entries, newest first, filtered by actor, action, entity and id, and by
time (--from inclusive, --to exclusive; YYYY-MM-DD or RFC 3339). Pages with --before-seq:
pass the last seq of the previous page. --json prints every field, before and after
included, one entry a line.`,
		Args: cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			var err error
			if f.From, err = parseInstant("--from", from); err != nil {
				return err
			}
			if f.To, err = parseInstant("--to", to); err != nil {
				return err
			}
			recs, err := audit.List(ctx, a.DB, f)
			if err != nil {
				return err
			}
			if jsonOut {
				enc := json.NewEncoder(a.Stdout)
				for _, r := range recs {
					if err := enc.Encode(r); err != nil {
						return err
					}
				}
				return nil
			}
			if len(recs) == 0 {
				fmt.Fprintln(a.Stdout, "no audit entries match")
				return nil
			}
			tw := newTable(a.Stdout, "seq\tat (UTC)\tactor\trole\taction\tentity\tid\tip")
			for _, r := range recs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.At.Format("2006-01-02 15:04:05"),
					r.Actor, r.ActorRole, r.Action, r.Entity, r.EntityID, r.IP)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if last := recs[len(recs)-1].Seq; len(recs) == limitOf(f) && last > 1 {
				fmt.Fprintf(a.Stderr, "more: add --before-seq %d\n", last)
			}
			return nil
		}),
	}
	fl := c.Flags()
	fl.StringVar(&f.Actor, "actor", "", "only entries by this username (or system)")
	fl.StringVar(&f.Action, "action", "", "only this action, e.g. user.create, auth.login_failed")
	fl.StringVar(&f.Entity, "entity", "", "only entries about this kind of record, e.g. user, household")
	fl.StringVar(&f.EntityID, "id", "", "only entries about the record with this id")
	fl.StringVar(&from, "from", "", "only entries at or after this time")
	fl.StringVar(&to, "to", "", "only entries before this time")
	fl.Int64Var(&f.AfterSeq, "before-seq", 0, "only entries older than this seq (the next page)")
	fl.IntVar(&f.Limit, "limit", 50, fmt.Sprintf("entries to show, at most %d", audit.MaxLimit))
	fl.BoolVar(&jsonOut, "json", false, "print JSON lines with every field")
	return c
}

func limitOf(f audit.Filter) int {
	if f.Limit == 0 {
		return audit.DefaultLimit
	}
	return f.Limit
}

// parseInstant reads a flag's time: YYYY-MM-DD (midnight UTC) or RFC 3339.
func parseInstant(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fosis.Errorf(fosis.EINVALID, "%s %q is not a date (YYYY-MM-DD) or a time (RFC 3339)", flag, s)
	}
	return t, nil
}
