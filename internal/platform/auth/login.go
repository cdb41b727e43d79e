package auth

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
)

// Sign-in throttling. An account (any username, known or not, so that a lock
// does not reveal which usernames exist) is locked for ThrottleWindow when
// MaxAccountFailures wrong passwords for it fall within ThrottleWindow, counted
// since its last good sign-in. An address is refused for ThrottleWindow when
// more than MaxAddressFailures wrong passwords from it, for any accounts, fall
// within ThrottleWindow. Refused attempts are recorded but do not count, so a
// lock lasts ThrottleWindow from the failure that set it.
const (
	ThrottleWindow     = 15 * time.Minute
	MaxAccountFailures = 5
	MaxAddressFailures = 20
)

// The reasons login_attempts records. Only reasonBadPassword and
// reasonUnknownUser count towards a lock.
const (
	reasonOK            = "ok"
	reasonBadPassword   = "bad_password"
	reasonUnknownUser   = "unknown_user"
	reasonInactive      = "inactive"
	reasonAccountLocked = "account_locked"
	reasonIPRefused     = "ip_refused"
)

// maxAttemptField bounds what is stored of a typed username or an address.
const maxAttemptField = 128

// Authenticate checks a username and password typed at sign-in from address
// ip ("" when unknown, which is not throttled by address) and returns the
// user's Principal.
//
// Errors: EUNAUTHORIZED "wrong username or password", the same for an unknown
// username as for a wrong password (and the same time spent: an unknown
// username is checked against a dummy hash); ELIMITED "too many failed
// sign-ins; try again in N minutes" while the account or the address is
// locked (429 with Retry-After: the client tried too often, retrying after
// the lock helps; Error.RetryAfter is the lock's remaining time); EFORBIDDEN when the password is right
// but the account is disabled.
//
// Every attempt is recorded in login_attempts; a good sign-in is audited as
// auth.login and a failed one as auth.login_failed (attempts refused during a
// lock are recorded but not audited, so a flood of them cannot flood the
// trail).
func (s *Store) Authenticate(ctx context.Context, username, password, ip string) (*Principal, error) {
	now := s.clock()
	name := clip(NormalizeUsername(username))
	ip = clip(strings.TrimSpace(ip))
	if ip != "" {
		until, err := s.refusedUntil(ctx, s.db, "ip", ip, MaxAddressFailures+1, now, time.Time{})
		if err != nil {
			return nil, err
		}
		if until.After(now) {
			return nil, s.refuse(ctx, name, ip, now, reasonIPRefused, until)
		}
	}
	since, err := s.lastSuccess(ctx, name, now)
	if err != nil {
		return nil, err
	}
	until, err := s.refusedUntil(ctx, s.db, "username", name, MaxAccountFailures, now, since)
	if err != nil {
		return nil, err
	}
	if until.After(now) {
		return nil, s.refuse(ctx, name, ip, now, reasonAccountLocked, until)
	}

	u, err := s.UserByUsername(ctx, name)
	known := err == nil
	if err != nil && fosis.ErrorCode(err) != fosis.ENOTFOUND {
		return nil, err
	}
	phc := ""
	if known {
		phc = u.passwordHash
	} else if phc, err = s.dummyHash(); err != nil {
		return nil, err
	}
	ok, err := s.verify(ctx, phc, password)
	if err != nil {
		return nil, fmt.Errorf("user %s: stored password hash: %w", name, err)
	}
	reason := reasonOK
	switch {
	case !known:
		reason = reasonUnknownUser
	case !ok:
		reason = reasonBadPassword
	case !u.Active:
		reason = reasonInactive
	}
	rehash := ""
	if reason == reasonOK && NeedsRehash(u.passwordHash) {
		if rehash, err = s.hash(ctx, password); err != nil {
			return nil, err
		}
	}

	var lockedUntil, ipUntil time.Time
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		if err := s.recordAttempt(ctx, tx, name, ip, now, reason); err != nil {
			return err
		}
		e := audit.Entry{Actor: name, Action: "auth.login_failed", Entity: "user", IP: ip}
		if e.Actor == "" {
			e.Actor = "anonymous"
		}
		if known {
			e.EntityID, e.ActorRole = fmt.Sprint(u.ID), string(u.Role)
		}
		switch reason {
		case reasonOK:
			q, args := "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", []any{u.ID}
			if rehash != "" {
				q, args = "UPDATE users SET failed_logins = 0, locked_until = NULL, password_hash = ? WHERE id = ?", []any{rehash, u.ID}
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			e.Action = "auth.login"
			if rehash != "" {
				e.After = map[string]any{"password_rehashed": true}
			}
		case reasonBadPassword, reasonUnknownUser:
			var err error
			if lockedUntil, err = s.refusedUntil(ctx, tx, "username", name, MaxAccountFailures, now, since); err != nil {
				return err
			}
			if ip != "" {
				if ipUntil, err = s.refusedUntil(ctx, tx, "ip", ip, MaxAddressFailures+1, now, time.Time{}); err != nil {
					return err
				}
			}
			after := map[string]any{"reason": reason}
			if lockedUntil.After(now) {
				after["account_locked_until"] = lockedUntil
			} else {
				lockedUntil = time.Time{}
			}
			if ipUntil.After(now) {
				after["address_refused_until"] = ipUntil
			}
			e.After = after
			if known {
				if _, err := tx.ExecContext(ctx, "UPDATE users SET failed_logins = failed_logins + 1, locked_until = ? WHERE id = ?",
					nullInstant(s.db, lockedUntil), u.ID); err != nil {
					return err
				}
			}
		case reasonInactive:
			e.After = map[string]any{"reason": reason}
		}
		_, err := audit.Append(ctx, tx, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case ipUntil.After(now):
		return nil, lockedError(reasonIPRefused, ipUntil, now)
	case lockedUntil.After(now):
		return nil, lockedError(reasonAccountLocked, lockedUntil, now)
	case reason == reasonInactive:
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "this account is disabled; ask an administrator")
	case reason != reasonOK:
		return nil, wrongCredentials()
	}
	return u.Principal(), nil
}

func wrongCredentials() error {
	return &fosis.Error{Code: fosis.EUNAUTHORIZED, Message: "wrong username or password"}
}

// lockedError is the error of a refused attempt.
func lockedError(reason string, until, now time.Time) error {
	m := max(1, int(math.Ceil(until.Sub(now).Minutes())))
	wait := fmt.Sprintf("%d minutes", m)
	if m == 1 {
		wait = "1 minute"
	}
	e := fosis.Errorf(fosis.ELIMITED, "too many failed sign-ins; try again in %s", wait)
	if reason == reasonIPRefused {
		e = fosis.Errorf(fosis.ELIMITED, "too many failed sign-ins from this address; try again in %s", wait)
	}
	e.RetryAfter = until.Sub(now)
	return e
}

// refuse records an attempt refused by a lock and returns its error.
func (s *Store) refuse(ctx context.Context, name, ip string, now time.Time, reason string, until time.Time) error {
	err := s.db.Transact(ctx, func(tx *db.Tx) error { return s.recordAttempt(ctx, tx, name, ip, now, reason) })
	if err != nil {
		return err
	}
	return lockedError(reason, until, now)
}

func (s *Store) recordAttempt(ctx context.Context, tx *db.Tx, name, ip string, now time.Time, reason string) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO login_attempts (username, ip, at, ok, reason) VALUES (?, ?, ?, ?, ?)",
		name, ip, s.db.Time(now), db.Bool(reason == reasonOK), reason)
	return err
}

// refusedUntil returns the end of the lock on key (a username or an address,
// col says which): when its limit most recent counted failures after since
// lie within ThrottleWindow, the newest of them plus ThrottleWindow; else the
// zero time. Only the last two windows are read: older failures cannot make a
// lock that is still running.
func (s *Store) refusedUntil(ctx context.Context, q db.Querier, col, key string, limit int, now, since time.Time) (time.Time, error) {
	from := now.Add(-2 * ThrottleWindow)
	if since.After(from) {
		from = since
	}
	rows, err := q.QueryContext(ctx, "SELECT at FROM login_attempts WHERE "+col+` = ? AND ok = 0
		AND (reason = 'bad_password' OR reason = 'unknown_user') AND at > ? ORDER BY at DESC LIMIT ?`,
		key, s.db.Time(from), limit)
	if err != nil {
		return time.Time{}, err
	}
	defer rows.Close()
	var newest, oldest time.Time
	n := 0
	for rows.Next() {
		var at db.Instant
		if err := rows.Scan(&at); err != nil {
			return time.Time{}, err
		}
		if n == 0 {
			newest = at.Time
		}
		oldest = at.Time
		n++
	}
	if err := rows.Err(); err != nil {
		return time.Time{}, err
	}
	if n < limit || newest.Sub(oldest) >= ThrottleWindow {
		return time.Time{}, nil
	}
	return newest.Add(ThrottleWindow), nil
}

// lastSuccess returns the time of the username's last good sign-in within
// the last two windows (the zero time if none): failures before it do not
// count towards a lock.
func (s *Store) lastSuccess(ctx context.Context, name string, now time.Time) (time.Time, error) {
	var at db.Instant
	err := s.db.QueryRowContext(ctx, "SELECT at FROM login_attempts WHERE username = ? AND ok = 1 AND at > ? ORDER BY at DESC LIMIT 1",
		name, s.db.Time(now.Add(-2*ThrottleWindow))).Scan(&at)
	if db.IsNoRows(err) {
		return time.Time{}, nil
	}
	return at.Time, err
}

// clip makes typed text safe to store (valid UTF-8 without NUL, which
// PostgreSQL's TEXT refuses) and cuts it to maxAttemptField bytes at a
// character boundary.
func clip(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) <= maxAttemptField {
		return s
	}
	s = s[:maxAttemptField]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
