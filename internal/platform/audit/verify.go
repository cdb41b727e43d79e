package audit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/fosis/fosis/internal/platform/db"
)

// The kinds of problem Verify reports.
const (
	ProblemAltered = "altered"     // an entry's content no longer matches its hash
	ProblemLink    = "broken_link" // an entry does not link to the hash of the entry before it
	ProblemMissing = "missing"     // a sequence number is missing: an entry was deleted
	ProblemStart   = "bad_start"   // the log does not start at 1: its first entries were deleted
)

// Report is the outcome of Verify.
type Report struct {
	OK      bool  `json:"ok"`
	Entries int64 `json:"entries"` // entries read and checked
	// BrokenSeq is the first entry found broken (0 when OK); Kind and Problem
	// say how, for programs and for people.
	BrokenSeq int64  `json:"broken_seq,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Problem   string `json:"problem,omitempty"`
	// LastSeq and LastHash are the last entry that verified: the head of the
	// log when OK. A chain cannot show that its newest entries were deleted
	// (what is left is still a valid chain), so an operator notes these values
	// (or exports them elsewhere) and later checks them with CheckAnchor.
	LastSeq  int64  `json:"last_seq"`
	LastHash string `json:"last_hash"`
}

// verifyBatch is how many entries Verify reads per query: memory stays
// constant however long the log is, and no read transaction stays open for
// the whole walk (which would hold back SQLite's WAL checkpoints).
const verifyBatch = 5000

// Verify reads the whole log in sequence order, recomputes every entry's hash
// and checks every link, and stops at the first problem. Entries appended
// while it runs are checked too. The error is for failures to read; a broken
// log is a Report with OK false.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	return verify(ctx, d, verifyBatch)
}

func verify(ctx context.Context, d *db.DB, batch int) (Report, error) {
	var rep Report
	h := sha256.New()
	var r Record
	for {
		rows, err := d.QueryContext(ctx, "SELECT "+columns+" FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
			rep.LastSeq, batch)
		if err != nil {
			return rep, fmt.Errorf("audit: read the log: %w", err)
		}
		n := 0
		for rows.Next() {
			n++
			if err := scanRecord(rows, &r); err != nil {
				rows.Close()
				return rep, fmt.Errorf("audit: read entry after %d: %w", rep.LastSeq, err)
			}
			rep.Entries++
			if kind, msg := check(&rep, &r, h); kind != "" {
				rows.Close()
				rep.Kind, rep.Problem = kind, msg
				return rep, nil
			}
			rep.LastSeq, rep.LastHash = r.Seq, r.Hash
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return rep, fmt.Errorf("audit: read the log: %w", err)
		}
		if n < batch {
			rep.OK = true
			return rep, nil
		}
	}
}

// check compares r with the entry before it (rep.LastSeq, rep.LastHash) and
// with its own hash. On a problem it sets rep.BrokenSeq and says what is wrong.
func check(rep *Report, r *Record, h hash.Hash) (kind, msg string) {
	want := rep.LastSeq + 1
	switch {
	case rep.LastSeq == 0 && r.Seq != 1:
		rep.BrokenSeq = 1
		if r.Seq == 2 {
			return ProblemStart, "the log starts at entry 2: entry 1 was deleted"
		}
		return ProblemStart, fmt.Sprintf("the log starts at entry %d: entries 1 to %d were deleted", r.Seq, r.Seq-1)
	case r.Seq != want:
		rep.BrokenSeq = want
		if r.Seq == want+1 {
			return ProblemMissing, fmt.Sprintf("entry %d is missing (deleted): entry %d follows entry %d", want, r.Seq, rep.LastSeq)
		}
		return ProblemMissing, fmt.Sprintf("entries %d to %d are missing (deleted): entry %d follows entry %d", want, r.Seq-1, r.Seq, rep.LastSeq)
	case r.PrevHash != rep.LastHash:
		rep.BrokenSeq = r.Seq
		if r.Seq == 1 {
			return ProblemLink, "entry 1 links to a previous entry, but the log starts with it"
		}
		return ProblemLink, fmt.Sprintf("entry %d does not link to entry %d: one of them was rewritten", r.Seq, rep.LastSeq)
	case computeHash(h, r) != r.Hash:
		rep.BrokenSeq = r.Seq
		return ProblemAltered, fmt.Sprintf("entry %d was altered: its content does not match its hash", r.Seq)
	}
	return "", ""
}

// CheckAnchor checks an entry an operator noted earlier (from a Report's
// LastSeq and LastHash, or from `fosis audit verify`) against the log: it
// returns a problem in words if that entry is gone or its hash differs, and ""
// if it holds. Together with a Verify that passes, a holding anchor proves
// that every entry up to it is as it was when it was noted; this is what
// catches the deletion of the newest entries, which the chain alone cannot.
func CheckAnchor(ctx context.Context, d *db.DB, seq int64, wantHash string) (string, error) {
	var got string
	err := d.QueryRowContext(ctx, "SELECT hash FROM audit_log WHERE seq = ?", seq).Scan(&got)
	if db.IsNoRows(err) {
		var last int64
		if err := d.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM audit_log").Scan(&last); err != nil {
			return "", fmt.Errorf("audit: read the last entry: %w", err)
		}
		if last < seq {
			return fmt.Sprintf("the noted entry %d is gone: the log now ends at entry %d, so its newest entries were deleted", seq, last), nil
		}
		return fmt.Sprintf("the noted entry %d is gone", seq), nil
	}
	if err != nil {
		return "", fmt.Errorf("audit: read entry %d: %w", seq, err)
	}
	if got != wantHash {
		return fmt.Sprintf("entry %d's hash is %s, not the noted %s: the log was rewritten", seq, got, wantHash), nil
	}
	return "", nil
}
