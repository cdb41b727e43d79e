package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// API token scopes.
const (
	ScopeRead  = "read"  // GET requests
	ScopeWrite = "write" // requests that change data
)

// Scopes lists every scope a token may carry.
var Scopes = []string{ScopeRead, ScopeWrite}

// TokenPrefix starts every token secret, so that a leaked one is easy to
// recognise (and to search for in code and logs).
const TokenPrefix = "fos_"

// tokenSecretLen is the length of a secret: the prefix and 32 random bytes in
// unpadded base64url (43 characters).
const tokenSecretLen = len(TokenPrefix) + 43

// lastUsedEvery is how stale last_used_at may get: a token used many times a
// second writes it at most once a minute.
const lastUsedEvery = time.Minute

// Token is an API token, without its secret (which is never stored).
type Token struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Username   string    `json:"username"`
	Name       string    `json:"name"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"` // zero: never
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// HasScope reports whether scopes contains scope.
func HasScope(scopes []string, scope string) bool { return slices.Contains(scopes, scope) }

// tokenHash is the hex SHA-256 of a secret: a secret has 256 random bits, so
// a fast hash is enough (no password stretching), and lookups by it are
// cheap.
func tokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken creates an API token for a user and returns its secret, which
// is shown this once: only its SHA-256 is stored. An administrator may create
// tokens for anyone, a user for themselves. scopes are read and/or write
// (write only for roles that write); ttl 0 means the token does not expire.
// Audited as token.create.
func (s *Store) CreateToken(ctx context.Context, by *Principal, userID int64, name string, scopes []string, ttl time.Duration) (string, *Token, error) {
	if !mayManageUsers(by) && (by == nil || by.UserID != userID) {
		return "", nil, forbidden("create tokens for other users")
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	var problems []fosis.FieldError
	bad := func(field, msg string) { problems = append(problems, fosis.FieldError{Field: field, Message: msg}) }
	if name == "" || utf8.RuneCountInString(name) > 100 {
		bad("name", "must be 1 to 100 characters")
	}
	scopes, err = canonicalScopes(scopes)
	if err != nil {
		bad("scopes", err.Error())
	} else if HasScope(scopes, ScopeWrite) && !u.Principal().Writes() {
		bad("scopes", fmt.Sprintf("the role %s only reads: the token cannot have the write scope", u.Role))
	}
	if ttl < 0 {
		bad("ttl", "must not be negative (0 means no expiry)")
	}
	if !u.Active {
		bad("user", "the account is disabled")
	}
	if len(problems) > 0 {
		return "", nil, invalid("the token is not valid", problems)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := s.clock()
	t := &Token{UserID: u.ID, Username: u.Username, Name: name, Scopes: scopes, CreatedAt: now}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		var err error
		t.ID, err = tx.InsertID(ctx, "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
			u.ID, name, tokenHash(secret), strings.Join(scopes, " "), s.db.Time(now), nullInstant(s.db, t.ExpiresAt))
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "token.create", "api_token", t.ID, nil, tokenAudit(t))
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

func tokenAudit(t *Token) map[string]any {
	m := map[string]any{"user_id": t.UserID, "username": t.Username, "name": t.Name, "scopes": strings.Join(t.Scopes, " ")}
	if !t.ExpiresAt.IsZero() {
		m["expires_at"] = t.ExpiresAt
	}
	return m
}

// canonicalScopes checks scopes and returns them once each, in Scopes order.
func canonicalScopes(in []string) ([]string, error) {
	var out []string
	for _, sc := range in {
		for _, f := range strings.Fields(sc) {
			if !HasScope(Scopes, f) {
				return nil, fmt.Errorf("%q is not a scope; the scopes are %s", f, strings.Join(Scopes, ", "))
			}
		}
	}
	for _, known := range Scopes {
		for _, sc := range in {
			if HasScope(strings.Fields(sc), known) {
				out = append(out, known)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("give at least one scope: %s", strings.Join(Scopes, ", "))
	}
	return out, nil
}

// AuthenticateToken returns the Principal and scopes of an API token secret
// (as sent in an Authorization: Bearer header). It refuses, with
// EUNAUTHORIZED and a message that says why, a malformed, unknown, revoked or
// expired token and the token of a disabled user. The
// lookup is by the secret's SHA-256, so its timing says nothing about the
// secret, and the stored hash is then compared in constant time.
func (s *Store) AuthenticateToken(ctx context.Context, secret string) (*Principal, []string, error) {
	if len(secret) != tokenSecretLen || !strings.HasPrefix(secret, TokenPrefix) {
		return nil, nil, fosis.Errorf(fosis.EUNAUTHORIZED, "not an API token")
	}
	h := tokenHash(secret)
	var t Token
	var stored, scopes string
	var created, lastUsed, expires, revoked db.Instant
	var u User
	var role string
	var active int
	err := s.db.QueryRowContext(ctx, `SELECT t.id, t.token_hash, t.scopes, t.created_at, t.last_used_at, t.expires_at, t.revoked_at,
		u.id, u.username, u.role, u.region_code, u.active
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`, h).
		Scan(&t.ID, &stored, &scopes, &created, &lastUsed, &expires, &revoked, &u.ID, &u.Username, &role, &u.RegionCode, &active)
	if db.IsNoRows(err) {
		return nil, nil, fosis.Errorf(fosis.EUNAUTHORIZED, "unknown API token")
	}
	if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(h)) != 1 {
		return nil, nil, fosis.Errorf(fosis.EUNAUTHORIZED, "unknown API token")
	}
	now := s.clock()
	switch {
	case !revoked.IsZero():
		return nil, nil, fosis.Errorf(fosis.EUNAUTHORIZED, "this API token was revoked")
	case !expires.IsZero() && !now.Before(expires.Time):
		return nil, nil, fosis.Errorf(fosis.EUNAUTHORIZED, "this API token expired on %s", expires.Format(time.DateTime+" MST"))
	case active != 1:
		return nil, nil, fosis.Errorf(fosis.EUNAUTHORIZED, "the account of this API token is disabled")
	}
	if lastUsed.IsZero() || now.Sub(lastUsed.Time) >= lastUsedEvery {
		if _, err := s.db.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
			s.db.Time(now), t.ID, s.db.Time(now.Add(-lastUsedEvery))); err != nil {
			return nil, nil, err
		}
	}
	u.Role, u.Active = Role(role), true
	return u.Principal(), strings.Fields(scopes), nil
}

// RevokeToken ends a token for good. An administrator may revoke any token, a
// user their own. Audited as token.revoke.
func (s *Store) RevokeToken(ctx context.Context, by *Principal, tokenID int64) error {
	t, err := s.token(ctx, tokenID)
	if err != nil {
		return err
	}
	if !mayManageUsers(by) && (by == nil || by.UserID != t.UserID) {
		return forbidden("revoke other users' tokens")
	}
	if !t.RevokedAt.IsZero() {
		return fosis.Errorf(fosis.ECONFLICT, "token %d was already revoked on %s", t.ID, t.RevokedAt.Format(time.DateTime+" MST"))
	}
	now := s.clock()
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", s.db.Time(now), t.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "token.revoke", "api_token", t.ID, nil, tokenAudit(t))
	})
}

// Tokens lists API tokens, newest first: a user's (userID > 0) or everyone's
// (userID 0). Administrators and auditors see all; a user sees their own.
func (s *Store) Tokens(ctx context.Context, by *Principal, userID int64) ([]Token, error) {
	all := mayManageUsers(by) || (by != nil && by.Role == RoleAuditor)
	if !all && (by == nil || userID != by.UserID || userID == 0) {
		return nil, forbidden("list other users' tokens")
	}
	q := "SELECT " + tokenColumns + " FROM api_tokens t JOIN users u ON u.id = t.user_id"
	var args []any
	if userID > 0 {
		q += " WHERE t.user_id = ?"
		args = append(args, userID)
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY t.id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := scanToken(rows, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *Store) token(ctx context.Context, id int64) (*Token, error) {
	var t Token
	err := scanToken(s.db.QueryRowContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?", id), &t)
	if db.IsNoRows(err) {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no API token %d", id)
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

const tokenColumns = "t.id, t.user_id, u.username, t.name, t.scopes, t.created_at, t.last_used_at, t.expires_at, t.revoked_at"

func scanToken(sc interface{ Scan(...any) error }, t *Token) error {
	var scopes string
	var created, lastUsed, expires, revoked db.Instant
	if err := sc.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &scopes, &created, &lastUsed, &expires, &revoked); err != nil {
		return err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt, t.LastUsedAt, t.ExpiresAt, t.RevokedAt = created.Time, lastUsed.Time, expires.Time, revoked.Time
	return nil
}
