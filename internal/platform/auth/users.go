package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
)

// Store keeps users, their API tokens and the sign-in attempts. Every change
// it makes is written to the audit trail in the same transaction.
type Store struct {
	db  *db.DB
	now func() time.Time
	// slots bounds how many argon2 computations run at once: each holds
	// Params.Memory (19 MiB), and a burst of sign-ins must not exhaust memory.
	slots chan struct{}

	dummyOnce sync.Once
	dummy     string // a hash of nothing anyone knows, for unknown usernames
	dummyErr  error
}

// NewStore returns a Store over d. now is its clock (nil for time.Now);
// throttling windows and the times it writes follow it, so tests can move it.
func NewStore(d *db.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: d, now: now, slots: make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))}
}

// clock returns the store's time, in UTC, at the precision both engines keep.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// User is an account.
type User struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        Role      `json:"role"`
	RegionCode  string    `json:"region_code,omitempty"`
	Language    string    `json:"language"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// FailedLogins and LockedUntil show the throttling state: failed sign-ins
	// since the last good one, and the end of a lock (zero when none).
	FailedLogins int       `json:"failed_logins"`
	LockedUntil  time.Time `json:"locked_until,omitzero"`

	passwordHash string
}

// CredentialStamp changes whenever the user's password does (it is derived
// from the stored hash, and reveals nothing of it). A session keeps the
// stamp of its sign-in and ends when it no longer matches: a new password
// signs the user out everywhere.
func (u *User) CredentialStamp() string {
	sum := sha256.Sum256([]byte("fosis session stamp\x00" + u.passwordHash))
	return hex.EncodeToString(sum[:8])
}

// Principal returns the user as an authenticated caller.
func (u *User) Principal() *Principal {
	return &Principal{UserID: u.ID, Username: u.Username, Role: u.Role, RegionCode: u.RegionCode}
}

// NewUser is what an administrator gives to create an account.
type NewUser struct {
	Username    string
	DisplayName string
	Role        Role
	RegionCode  string // required for RoleRegional, empty otherwise
	Language    string // "es" (default) or "en"
	Password    string
}

// Languages are the interface languages a user may choose.
var Languages = []string{"es", "en"}

var usernameRE = regexp.MustCompile(`^[a-z0-9._-]{3,32}$`)

const maxDisplayName = 100

// NormalizeUsername is how a typed username is compared: without surrounding
// spaces, in lower case.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// mayManageUsers reports whether p may create and change accounts.
func mayManageUsers(p *Principal) bool {
	return p != nil && (p.System || p.Role == RoleAdmin)
}

func forbidden(what string) error {
	return fosis.Errorf(fosis.EFORBIDDEN, "only an administrator may %s", what)
}

// actor returns how p is named in the audit trail.
func actor(p *Principal) (name, role string) {
	if p == nil {
		return "system", ""
	}
	return p.Username, string(p.Role)
}

// CreateUser creates an account. Only an administrator (or the command line,
// System) may. The username is lower-cased; the password must pass
// CheckPassword. The audit entry user.create records the account without its
// password hash.
func (s *Store) CreateUser(ctx context.Context, by *Principal, nu NewUser) (*User, error) {
	if !mayManageUsers(by) {
		return nil, forbidden("create users")
	}
	u := &User{
		Username: NormalizeUsername(nu.Username), DisplayName: strings.TrimSpace(nu.DisplayName),
		Role: Role(strings.TrimSpace(string(nu.Role))), RegionCode: strings.TrimSpace(nu.RegionCode),
		Language: strings.TrimSpace(nu.Language), Active: true,
	}
	if u.Language == "" {
		u.Language = "es"
	}
	var problems []fosis.FieldError
	bad := func(field, msg string) { problems = append(problems, fosis.FieldError{Field: field, Message: msg}) }
	if !usernameRE.MatchString(u.Username) {
		bad("username", "must be 3 to 32 characters: lower-case letters a–z, digits, '.', '_' or '-'")
	}
	if utf8.RuneCountInString(u.DisplayName) > maxDisplayName {
		bad("display_name", fmt.Sprintf("must be at most %d characters", maxDisplayName))
	}
	roleProblems, err := s.checkRole(ctx, u.Role, u.RegionCode)
	if err != nil {
		return nil, err
	}
	problems = append(problems, roleProblems...)
	if u.Language != "es" && u.Language != "en" {
		bad("language", "must be es or en")
	}
	if err := CheckPassword(u.Username, nu.Password); err != nil {
		bad("password", err.(*fosis.Error).Fields[0].Message)
	}
	if len(problems) > 0 {
		return nil, invalid("the user is not valid", problems)
	}
	hash, err := s.hash(ctx, nu.Password)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	u.CreatedAt, u.UpdatedAt = now, now
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		u.ID, err = tx.InsertID(ctx, `INSERT INTO users (username, display_name, role, region_code, language,
			password_hash, active, created_at, updated_at, failed_logins) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, 0)`,
			u.Username, u.DisplayName, string(u.Role), u.RegionCode, u.Language, hash, s.db.Time(now), s.db.Time(now))
		if fosis.ErrorCode(err) == fosis.ECONFLICT {
			return &fosis.Error{Code: fosis.ECONFLICT, Message: fmt.Sprintf("the username %q is taken", u.Username),
				Fields: []fosis.FieldError{{Field: "username", Message: "is taken"}}}
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "user.create", "user", u.ID, nil, userAudit(u))
	})
	if err != nil {
		return nil, err
	}
	u.passwordHash = hash
	return u, nil
}

// checkRole returns what is wrong with a role and region: the role must
// exist, and a regional officer, and only one, has a region of the
// territory.
func (s *Store) checkRole(ctx context.Context, role Role, region string) ([]fosis.FieldError, error) {
	var problems []fosis.FieldError
	bad := func(field, msg string) { problems = append(problems, fosis.FieldError{Field: field, Message: msg}) }
	switch {
	case !role.Valid():
		bad("role", fmt.Sprintf("%q is not a role; the roles are %s", role, roleList()))
	case role == RoleRegional && region == "":
		bad("region_code", "a regional officer needs a region")
	case role != RoleRegional && region != "":
		bad("region_code", "only a regional officer has a region")
	case role == RoleRegional:
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM regions WHERE code = ?", region).Scan(&n); err != nil {
			return nil, fmt.Errorf("look up region %s: %w", region, err)
		}
		if n == 0 {
			bad("region_code", fmt.Sprintf("%q is not a region code", region))
		}
	}
	return problems, nil
}

// SetRole gives a user another role (and region, for a regional officer).
// Administrators only, and not on their own account (an administrator who
// demoted themselves could lock everyone out). It takes effect at the user's
// next request, pages and API tokens alike. Audited as user.role.
func (s *Store) SetRole(ctx context.Context, by *Principal, userID int64, role Role, region string) error {
	if !mayManageUsers(by) {
		return forbidden("change roles")
	}
	if !by.System && by.UserID == userID {
		return fosis.Errorf(fosis.ECONFLICT, "you cannot change your own role: ask another administrator")
	}
	role, region = Role(strings.TrimSpace(string(role))), strings.TrimSpace(region)
	problems, err := s.checkRole(ctx, role, region)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return invalid("the role is not valid", problems)
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.Role == role && u.RegionCode == region {
		return nil
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET role = ?, region_code = ?, updated_at = ? WHERE id = ?",
			string(role), region, s.db.Time(s.clock()), userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "user.role", "user", userID,
			map[string]string{"role": string(u.Role), "region_code": u.RegionCode},
			map[string]string{"role": string(role), "region_code": region})
	})
}

func roleList() string {
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// invalid builds the EINVALID error of a list of field problems.
func invalid(prefix string, problems []fosis.FieldError) *fosis.Error {
	parts := make([]string, len(problems))
	for i, p := range problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return &fosis.Error{Code: fosis.EINVALID, Message: prefix + ": " + strings.Join(parts, "; "), Fields: problems}
}

// userAudit is what the audit trail records of an account: never its
// password hash.
func userAudit(u *User) map[string]any {
	return map[string]any{"username": u.Username, "display_name": u.DisplayName, "role": u.Role,
		"region_code": u.RegionCode, "language": u.Language, "active": u.Active}
}

// audit appends an entry by p about the record entity/id.
func (s *Store) audit(ctx context.Context, tx *db.Tx, p *Principal, action, entity string, id int64, before, after any) error {
	name, role := actor(p)
	_, err := audit.Append(ctx, tx, audit.Entry{Actor: name, ActorRole: role, Action: action, Entity: entity,
		EntityID: fmt.Sprint(id), Before: before, After: after})
	return err
}

// SetPassword replaces a user's password. An administrator may set anyone's;
// a user may set their own (the caller must have checked the current password
// first, e.g. with Authenticate). Audited as user.password, without hashes.
func (s *Store) SetPassword(ctx context.Context, by *Principal, userID int64, password string) error {
	if !mayManageUsers(by) && (by == nil || by.UserID != userID) {
		return forbidden("change another user's password")
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := CheckPassword(u.Username, password); err != nil {
		return err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return err
	}
	now := s.clock()
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
			hash, s.db.Time(now), userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "user.password", "user", userID, nil, nil)
	})
}

// SetActive enables or disables an account. A disabled user cannot sign in
// and their API tokens stop working. Only an administrator may, and not to
// their own account (so that the last administrator cannot lock everyone
// out by mistake). Audited as user.enable or user.disable.
func (s *Store) SetActive(ctx context.Context, by *Principal, userID int64, active bool) error {
	if !mayManageUsers(by) {
		return forbidden("enable or disable users")
	}
	if !active && !by.System && by.UserID == userID {
		return fosis.Errorf(fosis.ECONFLICT, "you cannot disable your own account")
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.Active == active {
		return nil
	}
	action := map[bool]string{true: "user.enable", false: "user.disable"}[active]
	now := s.clock()
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET active = ?, updated_at = ? WHERE id = ?",
			db.Bool(active), s.db.Time(now), userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, action, "user", userID, map[string]bool{"active": u.Active}, map[string]bool{"active": active})
	})
}

// SetLanguage records the interface language by's own account uses, so the
// next sign-in, on any device, opens in it. Any signed-in user may set their
// own; the change is audited like every write.
func (s *Store) SetLanguage(ctx context.Context, by *Principal, lang string) error {
	if by == nil || by.UserID == 0 {
		return fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	}
	if !slices.Contains(Languages, lang) {
		return &fosis.Error{Code: fosis.EINVALID, Message: "choose an interface language: es or en",
			Fields: []fosis.FieldError{{Field: "language", Message: fmt.Sprintf("%q is not one of es, en", lang)}}}
	}
	u, err := s.UserByID(ctx, by.UserID)
	if err != nil {
		return err
	}
	if u.Language == lang {
		return nil
	}
	return s.db.Transact(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE users SET language = ?, updated_at = ? WHERE id = ?",
			lang, s.db.Time(s.clock()), u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, by, "user.language", "user", u.ID, map[string]string{"language": u.Language}, map[string]string{"language": lang})
	})
}

// Users lists every account by username. Administrators and auditors may.
func (s *Store) Users(ctx context.Context, by *Principal) ([]User, error) {
	if !mayManageUsers(by) && (by == nil || by.Role != RoleAuditor) {
		return nil, forbidden("list users")
	}
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (User, error) {
		var u User
		err := scanUser(rows, &u)
		return u, err
	}, "SELECT "+userColumns+" FROM users ORDER BY username")
}

// UserByUsername returns the account with that username (compared after
// NormalizeUsername), or ENOTFOUND. It checks no caller: it is for the
// system's own use (sessions, the command line).
func (s *Store) UserByUsername(ctx context.Context, username string) (*User, error) {
	return s.userWhere(ctx, "username = ?", NormalizeUsername(username))
}

// UserByID returns the account with that id, or ENOTFOUND. It checks no
// caller.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

func (s *Store) userWhere(ctx context.Context, cond string, arg any) (*User, error) {
	var u User
	err := scanUser(s.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE "+cond, arg), &u)
	if db.IsNoRows(err) {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no user %v", arg)
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// SessionUser reads a web session's encoded data and, in the same query,
// the account it is signed in as (migration 00015 keeps the account's id
// beside the data): nil when the session has no account or the account is
// gone. found is false when there is no such unexpired session. It checks
// no caller: the session's token is the credential.
func (s *Store) SessionUser(ctx context.Context, token string) (data []byte, u *User, found bool, err error) {
	var id sql.NullInt64
	var username, display, role, region, lang, hash sql.NullString
	var active, failed sql.NullInt64
	var created, updated, locked db.Instant
	err = s.db.QueryRowContext(ctx, `SELECT s.data, u.id, u.username, u.display_name, u.role, u.region_code, u.language, u.active,
		u.created_at, u.updated_at, u.failed_logins, u.locked_until, u.password_hash
		FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.token = ? AND ? < s.expiry`, token, sessionTime(s.db, s.clock())).
		Scan(&data, &id, &username, &display, &role, &region, &lang, &active, &created, &updated, &failed, &locked, &hash)
	if db.IsNoRows(err) {
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	if id.Valid {
		u = &User{ID: id.Int64, Username: username.String, DisplayName: display.String, Role: Role(role.String),
			RegionCode: region.String, Language: lang.String, Active: active.Int64 == 1, FailedLogins: int(failed.Int64),
			CreatedAt: created.Time, UpdatedAt: updated.Time, LockedUntil: locked.Time, passwordHash: hash.String}
	}
	return data, u, true, nil
}

const userColumns = `id, username, display_name, role, region_code, language, active, created_at, updated_at,
	failed_logins, locked_until, password_hash`

func scanUser(sc interface{ Scan(...any) error }, u *User) error {
	var role string
	var active int
	var created, updated, locked db.Instant
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.RegionCode, &u.Language, &active,
		&created, &updated, &u.FailedLogins, &locked, &u.passwordHash); err != nil {
		return err
	}
	u.Role, u.Active = Role(role), active == 1
	u.CreatedAt, u.UpdatedAt, u.LockedUntil = created.Time, updated.Time, locked.Time
	return nil
}

// hash computes a password hash in one of the store's hashing slots.
func (s *Store) hash(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	return HashPassword(password)
}

// verify checks a password in one of the store's hashing slots.
func (s *Store) verify(ctx context.Context, phc, password string) (bool, error) {
	if err := s.acquire(ctx); err != nil {
		return false, err
	}
	defer s.release()
	return VerifyPassword(phc, password)
}

func (s *Store) acquire(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) release() { <-s.slots }

// dummyHash is a hash verified for unknown usernames, so that a sign-in with
// an unknown username costs the same time as one with a wrong password.
func (s *Store) dummyHash() (string, error) {
	s.dummyOnce.Do(func() { s.dummy, s.dummyErr = HashPassword(rand.Text()) })
	return s.dummy, s.dummyErr
}

// nullInstant is db.DB.Time, with NULL for the zero time.
func nullInstant(d *db.DB, t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.Time(t)
}
