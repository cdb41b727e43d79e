// Package audit is fosis's audit trail: an append-only log of who did what,
// when, to which record, with the record before and after. Each entry commits
// to the one before it with a SHA-256 hash chain, so that Verify detects an
// entry that was altered or deleted after the fact.
//
// Entries are written with Append inside the caller's write transaction, so an
// entry commits or rolls back with the change it records.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/fosis/fosis/internal/platform/db"
)

// Entry is one thing that happened, as the caller describes it.
type Entry struct {
	Actor     string // username, or "system" for the command line
	ActorRole string // the actor's role
	Action    string // what was done: user.create, registry.import, person.sensitive_read…
	Entity    string // the kind of record: household, user, api_token…
	EntityID  string // which one ("" when the action concerns no single record)
	Before    any    // the record before (marshalled with encoding/json; nil for none)
	After     any    // the record after (marshalled with encoding/json; nil for none)
	IP        string // the caller's address ("" from the command line)
}

// Record is one stored entry of the log.
type Record struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	ActorRole string    `json:"actor_role"`
	Action    string    `json:"action"`
	Entity    string    `json:"entity"`
	EntityID  string    `json:"entity_id"`
	Before    string    `json:"before,omitempty"` // JSON text or ""
	After     string    `json:"after,omitempty"`  // JSON text or ""
	IP        string    `json:"ip,omitempty"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// pgLockKey names the PostgreSQL advisory lock that serialises appends.
const pgLockKey = 0x666f736973_01 // "fosis", 1

// columns is the column list every query of the log reads, in Record order.
const columns = "seq, at, actor, actor_role, action, entity, entity_id, before, after, ip, prev_hash, hash"

// Append writes e as the next entry of the log inside tx and returns its
// sequence number. at is the transaction's clock (tx.Now).
//
// On PostgreSQL, Append takes a transaction-scoped advisory lock so that two
// transactions cannot both extend the chain from the same last entry; the lock
// is held until tx ends, so audited transactions commit one at a time from
// there on. Call Append late in a transaction to keep that stretch short.
// (SQLite has a single writer already.)
func Append(ctx context.Context, tx *db.Tx, e Entry) (int64, error) {
	if e.Actor == "" || e.Action == "" {
		return 0, errors.New("audit: an entry needs an actor and an action")
	}
	before, err := marshal(e.Before)
	if err != nil {
		return 0, fmt.Errorf("audit: before: %w", err)
	}
	after, err := marshal(e.After)
	if err != nil {
		return 0, fmt.Errorf("audit: after: %w", err)
	}
	d := tx.DB()
	if d.Engine == db.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(pgLockKey)); err != nil {
			return 0, fmt.Errorf("audit: lock: %w", err)
		}
	}
	var last int64
	var prev string
	err = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&last, &prev)
	if err != nil && !db.IsNoRows(err) {
		return 0, fmt.Errorf("audit: read the last entry: %w", err)
	}
	r := Record{
		Seq: last + 1, At: tx.Now.UTC(), Actor: e.Actor, ActorRole: e.ActorRole, Action: e.Action,
		Entity: e.Entity, EntityID: e.EntityID, Before: before, After: after, IP: e.IP, PrevHash: prev,
	}
	r.Hash = computeHash(sha256.New(), &r)
	_, err = tx.ExecContext(ctx, "INSERT INTO audit_log ("+columns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		r.Seq, d.Time(r.At), r.Actor, r.ActorRole, r.Action, r.Entity, r.EntityID, r.Before, r.After, r.IP, r.PrevHash, r.Hash)
	if err != nil {
		return 0, fmt.Errorf("audit: append: %w", err)
	}
	return r.Seq, nil
}

// marshal encodes v as JSON text; nil (and a nil pointer) is "".
func marshal(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return "", nil
	}
	return string(b), nil
}

// hashDomain starts every hashed encoding, so that a hash of an audit entry
// can never be mistaken for a hash of anything else, and so that a future
// encoding can be told apart by its version.
const hashDomain = "fosis.audit.v1"

// computeHash returns the hex SHA-256 of r's canonical encoding: the domain
// and then every field (seq in decimal, at as RFC 3339 with nanoseconds in
// UTC, the strings as stored, prev_hash last), each preceded by its length as
// 8 big-endian bytes. With a fixed number of fields, each length-prefixed, no
// two different entries encode to the same bytes.
func computeHash(h hash.Hash, r *Record) string {
	h.Reset()
	var n [8]byte
	field := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(hashDomain)
	field(strconv.FormatInt(r.Seq, 10))
	field(r.At.UTC().Format(time.RFC3339Nano))
	field(r.Actor)
	field(r.ActorRole)
	field(r.Action)
	field(r.Entity)
	field(r.EntityID)
	field(r.Before)
	field(r.After)
	field(r.IP)
	field(r.PrevHash)
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// scanRecord reads one row of columns into r.
func scanRecord(sc interface{ Scan(...any) error }, r *Record) error {
	var at db.Instant
	if err := sc.Scan(&r.Seq, &at, &r.Actor, &r.ActorRole, &r.Action, &r.Entity, &r.EntityID,
		&r.Before, &r.After, &r.IP, &r.PrevHash, &r.Hash); err != nil {
		return err
	}
	r.At = at.Time
	return nil
}
