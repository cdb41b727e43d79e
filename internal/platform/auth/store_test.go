package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// fakeClock is a clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const goodPassword = "correct horse battery staple"

// newStore returns a store over a fresh database with two regions, and checks
// when the test ends that the audit trail it left verifies.
func newStore(t *testing.T) (*Store, *fakeClock, *db.DB) {
	t.Helper()
	d := dbtest.Open(t)
	ctx := context.Background()
	for _, r := range [][]string{{"05", "Valparaíso"}, {"13", "Metropolitana de Santiago"}} {
		if _, err := d.ExecContext(ctx, "INSERT INTO regions (code, name, short_name) VALUES (?, ?, ?)", r[0], r[1], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		rep, err := audit.Verify(ctx, d)
		if err != nil || !rep.OK {
			t.Errorf("audit.Verify at the end = %+v, %v", rep, err)
		}
	})
	clk := &fakeClock{t: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)}
	return NewStore(d, clk.now), clk, d
}

func mustCreate(t *testing.T, s *Store, nu NewUser) *User {
	t.Helper()
	if nu.Password == "" {
		nu.Password = goodPassword
	}
	u, err := s.CreateUser(context.Background(), System(), nu)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", nu.Username, err)
	}
	return u
}

// auditActions returns the audit trail as "action actor entity/id" lines,
// oldest first.
func auditActions(t *testing.T, d *db.DB) []string {
	t.Helper()
	recs, err := audit.List(context.Background(), d, audit.Filter{Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		out = append(out, fmt.Sprintf("%s %s %s/%s", r.Action, r.Actor, r.Entity, r.EntityID))
	}
	return out
}

func fields(err error) []string {
	fe, ok := err.(*fosis.Error)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestCreateUser(t *testing.T) {
	s, _, d := newStore(t)
	ctx := context.Background()
	u := mustCreate(t, s, NewUser{Username: "  Ana.Perez ", DisplayName: "Ana Pérez", Role: RoleRegional, RegionCode: "13", Language: "en"})
	got, err := s.UserByUsername(ctx, "ANA.PEREZ")
	if err != nil {
		t.Fatal(err)
	}
	want := &User{ID: u.ID, Username: "ana.perez", DisplayName: "Ana Pérez", Role: RoleRegional, RegionCode: "13",
		Language: "en", Active: true, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(User{}), cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".passwordHash"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("UserByUsername (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got.passwordHash, "$argon2id$") {
		t.Errorf("stored password %q is not an argon2id hash", got.passwordHash)
	}
	if diff := cmp.Diff(&Principal{UserID: u.ID, Username: "ana.perez", Role: RoleRegional, RegionCode: "13"}, got.Principal()); diff != "" {
		t.Errorf("Principal (-want +got):\n%s", diff)
	}
	if _, err := s.UserByUsername(ctx, "nobody"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("UserByUsername(nobody) = %v, want not found", err)
	}
	// The audit entry describes the account without its password hash.
	recs, err := audit.List(ctx, d, audit.Filter{Action: "user.create"})
	if err != nil || len(recs) != 1 {
		t.Fatalf("user.create entries: %v, %v", recs, err)
	}
	r := recs[0]
	if r.Actor != "system" || r.Entity != "user" || r.EntityID != fmt.Sprint(u.ID) || r.Before != "" {
		t.Errorf("audit entry %+v", r)
	}
	wantAfter := `{"active":true,"display_name":"Ana Pérez","language":"en","region_code":"13","role":"regional","username":"ana.perez"}`
	if r.After != wantAfter {
		t.Errorf("audit after = %s\nwant %s", r.After, wantAfter)
	}
	if strings.Contains(r.After, "argon2") || strings.Contains(r.After, "password") {
		t.Errorf("audit entry leaks the password hash: %s", r.After)
	}
	// Defaults: Spanish, no region.
	v := mustCreate(t, s, NewUser{Username: "victor", Role: RoleAnalyst})
	if v.Language != "es" || v.RegionCode != "" {
		t.Errorf("defaults: language %q, region %q", v.Language, v.RegionCode)
	}
}

func TestCreateUserValidation(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	mustCreate(t, s, NewUser{Username: "taken", Role: RoleAnalyst})
	ok := NewUser{Username: "maria", Role: RoleAnalyst, Password: goodPassword}
	tests := []struct {
		name   string
		change func(u *NewUser)
		code   string
		fields []string
	}{
		{"too short a username", func(u *NewUser) { u.Username = "ab" }, fosis.EINVALID, []string{"username"}},
		{"too long a username", func(u *NewUser) { u.Username = strings.Repeat("a", 33) }, fosis.EINVALID, []string{"username"}},
		{"space in the username", func(u *NewUser) { u.Username = "maria jose" }, fosis.EINVALID, []string{"username"}},
		{"accent in the username", func(u *NewUser) { u.Username = "maría" }, fosis.EINVALID, []string{"username"}},
		{"at sign in the username", func(u *NewUser) { u.Username = "maria@fosis.cl" }, fosis.EINVALID, []string{"username"}},
		{"unknown role", func(u *NewUser) { u.Role = "boss" }, fosis.EINVALID, []string{"role"}},
		{"no role", func(u *NewUser) { u.Role = "" }, fosis.EINVALID, []string{"role"}},
		{"regional without region", func(u *NewUser) { u.Role = RoleRegional }, fosis.EINVALID, []string{"region_code"}},
		{"regional with an unknown region", func(u *NewUser) { u.Role, u.RegionCode = RoleRegional, "99" }, fosis.EINVALID, []string{"region_code"}},
		{"region for a national role", func(u *NewUser) { u.RegionCode = "13" }, fosis.EINVALID, []string{"region_code"}},
		{"unknown language", func(u *NewUser) { u.Language = "fr" }, fosis.EINVALID, []string{"language"}},
		{"short password", func(u *NewUser) { u.Password = "short" }, fosis.EINVALID, []string{"password"}},
		{"password is the username", func(u *NewUser) { u.Username, u.Password = "maria.jose.1", "Maria.Jose.1" }, fosis.EINVALID, []string{"password"}},
		{"display name too long", func(u *NewUser) { u.DisplayName = strings.Repeat("x", 101) }, fosis.EINVALID, []string{"display_name"}},
		{"several problems", func(u *NewUser) { u.Username, u.Role, u.Password = "x", "boss", "" }, fosis.EINVALID, []string{"username", "role", "password"}},
		{"username taken", func(u *NewUser) { u.Username = "Taken" }, fosis.ECONFLICT, []string{"username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nu := ok
			tt.change(&nu)
			_, err := s.CreateUser(ctx, System(), nu)
			if fosis.ErrorCode(err) != tt.code {
				t.Fatalf("CreateUser = %v, want %s", err, tt.code)
			}
			if diff := cmp.Diff(tt.fields, fields(err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
	users, err := s.Users(ctx, System())
	if err != nil || len(users) != 1 {
		t.Errorf("after refused creations: %d users, %v; want only the first", len(users), err)
	}
}

func TestOnlyAdministratorsManageUsers(t *testing.T) {
	s, _, d := newStore(t)
	ctx := context.Background()
	admin := mustCreate(t, s, NewUser{Username: "admin", Role: RoleAdmin}).Principal()
	analyst := mustCreate(t, s, NewUser{Username: "analyst", Role: RoleAnalyst}).Principal()
	auditor := mustCreate(t, s, NewUser{Username: "auditor", Role: RoleAuditor}).Principal()
	nu := NewUser{Username: "newbie", Role: RoleAnalyst, Password: goodPassword}
	for _, by := range []*Principal{analyst, auditor, nil, {Username: "x", Role: RoleRegional, RegionCode: "13"}} {
		name := "nobody"
		if by != nil {
			name = string(by.Role)
		}
		t.Run(name, func(t *testing.T) {
			if _, err := s.CreateUser(ctx, by, nu); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
				t.Errorf("CreateUser = %v, want forbidden", err)
			}
			if err := s.SetActive(ctx, by, admin.UserID, false); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
				t.Errorf("SetActive = %v, want forbidden", err)
			}
			if err := s.SetPassword(ctx, by, admin.UserID, "another good password"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
				t.Errorf("SetPassword on someone else = %v, want forbidden", err)
			}
		})
	}
	if _, err := s.Users(ctx, analyst); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("Users(analyst) = %v, want forbidden", err)
	}
	if users, err := s.Users(ctx, auditor); err != nil || len(users) != 3 {
		t.Errorf("Users(auditor) = %d, %v; auditors may read the list", len(users), err)
	}
	// An administrator may; a user may change their own password.
	if _, err := s.CreateUser(ctx, admin, nu); err != nil {
		t.Fatalf("CreateUser(admin) = %v", err)
	}
	if err := s.SetPassword(ctx, analyst, analyst.UserID, "my own new password"); err != nil {
		t.Errorf("SetPassword(self) = %v", err)
	}
	if err := s.SetPassword(ctx, admin, analyst.UserID, "short"); fosis.ErrorCode(err) != fosis.EINVALID {
		t.Errorf("SetPassword(short) = %v, want invalid", err)
	}
	if err := s.SetActive(ctx, admin, admin.UserID, false); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("an administrator disabling themselves = %v, want conflict", err)
	}
	if err := s.SetActive(ctx, admin, analyst.UserID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.SetActive(ctx, admin, analyst.UserID, false); err != nil {
		t.Errorf("disabling twice = %v", err)
	}
	if err := s.SetActive(ctx, admin, 999, true); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("SetActive(unknown) = %v, want not found", err)
	}
	want := []string{
		"user.create system user/1", "user.create system user/2", "user.create system user/3",
		"user.create admin user/4", "user.password analyst user/2", "user.disable admin user/2",
	}
	if diff := cmp.Diff(want, auditActions(t, d)); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
}

func TestAuthenticate(t *testing.T) {
	s, clk, d := newStore(t)
	ctx := context.Background()
	ana := mustCreate(t, s, NewUser{Username: "ana", Role: RoleRegional, RegionCode: "05"})
	p, err := s.Authenticate(ctx, " ANA ", goodPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Principal{UserID: ana.ID, Username: "ana", Role: RoleRegional, RegionCode: "05"}, p); diff != "" {
		t.Errorf("Principal (-want +got):\n%s", diff)
	}
	// An unknown username and a wrong password are told apart by nothing.
	clk.advance(time.Second)
	_, errWrong := s.Authenticate(ctx, "ana", "not the password", "192.0.2.1")
	_, errUnknown := s.Authenticate(ctx, "nobody", goodPassword, "192.0.2.1")
	for _, err := range []error{errWrong, errUnknown} {
		if fosis.ErrorCode(err) != fosis.EUNAUTHORIZED || fosis.ErrorMessage(err) != "wrong username or password" || err.Error() != errWrong.Error() {
			t.Errorf("failed sign-in: %v", err)
		}
	}
	// Disabled: refused, with a clear message once the password is right.
	if err := s.SetActive(ctx, System(), ana.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ""); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("disabled user: %v, want forbidden", err)
	}
	if _, err := s.Authenticate(ctx, "ana", "not the password", ""); fosis.ErrorMessage(err) != "wrong username or password" {
		t.Errorf("disabled user, wrong password: %v", err)
	}
	if err := s.SetActive(ctx, System(), ana.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ""); err != nil {
		t.Errorf("re-enabled user: %v", err)
	}
	// A new password replaces the old one.
	if err := s.SetPassword(ctx, System(), ana.ID, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ""); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("old password after a change: %v", err)
	}
	if _, err := s.Authenticate(ctx, "ana", "a brand new passphrase", ""); err != nil {
		t.Errorf("new password: %v", err)
	}
	want := []string{
		"user.create system user/1",
		"auth.login ana user/1",
		"auth.login_failed ana user/1",
		"auth.login_failed nobody user/",
		"user.disable system user/1",
		"auth.login_failed ana user/1",
		"auth.login_failed ana user/1",
		"user.enable system user/1",
		"auth.login ana user/1",
		"user.password system user/1",
		"auth.login_failed ana user/1",
		"auth.login ana user/1",
	}
	if diff := cmp.Diff(want, auditActions(t, d)); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
	var attempts []string
	rows, err := d.QueryContext(ctx, "SELECT username, ip, ok, reason FROM login_attempts ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var u, ip, reason string
		var ok int
		rows.Scan(&u, &ip, &ok, &reason)
		attempts = append(attempts, fmt.Sprintf("%s %s %d %s", u, ip, ok, reason))
	}
	wantAttempts := []string{
		"ana 192.0.2.1 1 ok", "ana 192.0.2.1 0 bad_password", "nobody 192.0.2.1 0 unknown_user",
		"ana  0 inactive", "ana  0 bad_password", "ana  1 ok", "ana  0 bad_password", "ana  1 ok",
	}
	if diff := cmp.Diff(wantAttempts, attempts); diff != "" {
		t.Errorf("login_attempts (-want +got):\n%s", diff)
	}
}

func TestAccountLockout(t *testing.T) {
	s, clk, d := newStore(t)
	ctx := context.Background()
	mustCreate(t, s, NewUser{Username: "ana", Role: RoleAnalyst})
	fail := func(user string) error {
		clk.advance(10 * time.Second)
		_, err := s.Authenticate(ctx, user, "not the password", "")
		return err
	}
	const wrong, locked = "wrong username or password", "too many failed sign-ins; try again in 15 minutes"
	for _, user := range []string{"ana", "ghost"} { // an unknown username locks alike
		t.Run(user, func(t *testing.T) {
			for i := 1; i <= 4; i++ {
				if err := fail(user); fosis.ErrorMessage(err) != wrong {
					t.Fatalf("failure %d: %v", i, err)
				}
			}
			if err := fail(user); fosis.ErrorCode(err) != fosis.ELIMITED || fosis.ErrorMessage(err) != locked || fosis.RetryAfter(err) != 15*60 {
				t.Fatalf("failure 5: %v (retry after %d s), want %q in 900 s", err, fosis.RetryAfter(err), locked)
			}
			clk.advance(14 * time.Minute)
			_, err := s.Authenticate(ctx, user, goodPassword, "")
			if fosis.ErrorCode(err) != fosis.ELIMITED || fosis.ErrorMessage(err) != "too many failed sign-ins; try again in 1 minute" || fosis.RetryAfter(err) != 60 {
				t.Fatalf("right password while locked: %v", err)
			}
			clk.advance(time.Minute)
			_, err = s.Authenticate(ctx, user, goodPassword, "")
			if user == "ana" && err != nil {
				t.Errorf("after 15 minutes: %v", err)
			}
			if user == "ghost" && fosis.ErrorMessage(err) != wrong {
				t.Errorf("after 15 minutes: %v", err)
			}
		})
	}
	u, err := s.UserByUsername(ctx, "ana")
	if err != nil || u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("after a good sign-in: %+v, %v", u, err)
	}

	// Failures spread over more than the window do not lock, nor do
	// failures before a good sign-in.
	for i := 0; i < 4; i++ {
		fail("ana")
	}
	clk.advance(ThrottleWindow)
	if err := fail("ana"); fosis.ErrorMessage(err) != wrong {
		t.Errorf("5th failure after the window: %v", err)
	}
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 4; i++ {
		if err := fail("ana"); fosis.ErrorMessage(err) != wrong {
			t.Errorf("failure %d after a good sign-in: %v", i, err)
		}
	}
	u, _ = s.UserByUsername(ctx, "ana")
	if u.FailedLogins != 4 || !u.LockedUntil.IsZero() {
		t.Errorf("after 4 failures: failed_logins %d, locked until %v", u.FailedLogins, u.LockedUntil)
	}
	if err := fail("ana"); fosis.ErrorMessage(err) != locked {
		t.Errorf("5th failure: %v", err)
	}
	u, _ = s.UserByUsername(ctx, "ana")
	if want := clk.now().Add(ThrottleWindow); u.FailedLogins != 5 || !u.LockedUntil.Equal(want) {
		t.Errorf("locked: failed_logins %d, locked until %v; want 5, %v", u.FailedLogins, u.LockedUntil, want)
	}
	// Attempts refused during a lock are recorded, not audited, and do not
	// extend it.
	var before int
	d.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&before)
	for range 3 {
		clk.advance(time.Minute)
		if _, err := s.Authenticate(ctx, "ana", "not the password", ""); fosis.ErrorCode(err) != fosis.ELIMITED {
			t.Errorf("while locked: %v", err)
		}
	}
	var after, refused int
	d.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&after)
	d.QueryRowContext(ctx, "SELECT count(*) FROM login_attempts WHERE reason = 'account_locked'").Scan(&refused)
	if after != before || refused != 5 {
		t.Errorf("refused attempts: %d new audit entries, %d recorded; want 0, 5", after-before, refused)
	}
	clk.advance(12 * time.Minute)
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ""); err != nil {
		t.Errorf("15 minutes after the lock: %v", err)
	}
}

func TestAddressThrottling(t *testing.T) {
	s, clk, _ := newStore(t)
	ctx := context.Background()
	mustCreate(t, s, NewUser{Username: "ana", Role: RoleAnalyst})
	const ip, other = "198.51.100.7", "2001:db8::1"
	// 21 failures from one address, spread over usernames so that no account
	// locks.
	for i := 1; i <= MaxAddressFailures+1; i++ {
		clk.advance(20 * time.Second)
		_, err := s.Authenticate(ctx, fmt.Sprintf("user%d", i%6), "not the password", ip)
		want := "wrong username or password"
		if i == MaxAddressFailures+1 {
			want = "too many failed sign-ins from this address; try again in 15 minutes"
		}
		if fosis.ErrorMessage(err) != want {
			t.Fatalf("failure %d: %v, want %q", i, err, want)
		}
	}
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ip); fosis.ErrorCode(err) != fosis.ELIMITED {
		t.Errorf("right password from the refused address: %v", err)
	}
	if _, err := s.Authenticate(ctx, "ana", goodPassword, other); err != nil {
		t.Errorf("right password from another address: %v", err)
	}
	clk.advance(ThrottleWindow)
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ip); err != nil {
		t.Errorf("15 minutes later: %v", err)
	}
}

func TestRehashOnSignIn(t *testing.T) {
	s, _, d := newStore(t)
	ctx := context.Background()
	u := mustCreate(t, s, NewUser{Username: "ana", Role: RoleAnalyst})
	old, err := HashPasswordWith(Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", old, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	got, _ := s.UserByID(ctx, u.ID)
	if got.passwordHash == old || NeedsRehash(got.passwordHash) {
		t.Errorf("hash after sign-in: %s", got.passwordHash)
	}
	if _, err := s.Authenticate(ctx, "ana", goodPassword, ""); err != nil {
		t.Errorf("sign-in with the rehashed password: %v", err)
	}
}

func TestTokens(t *testing.T) {
	s, clk, d := newStore(t)
	ctx := context.Background()
	analyst := mustCreate(t, s, NewUser{Username: "analyst", Role: RoleAnalyst})
	auditor := mustCreate(t, s, NewUser{Username: "auditor", Role: RoleAuditor})

	secret, tok, err := s.CreateToken(ctx, System(), analyst.ID, "nightly export", []string{"write read", "read"}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "fos_") || len(secret) != 47 {
		t.Errorf("secret %q: want fos_ and 43 base64url characters", secret)
	}
	if diff := cmp.Diff([]string{"read", "write"}, tok.Scopes); diff != "" || !tok.ExpiresAt.Equal(clk.now().Add(24*time.Hour)) {
		t.Errorf("token %+v", tok)
	}
	var stored int
	d.QueryRowContext(ctx, "SELECT count(*) FROM api_tokens WHERE token_hash = ? AND token_hash <> ?", tokenHash(secret), secret).Scan(&stored)
	if stored != 1 {
		t.Error("the token's hash is not what is stored")
	}

	p, scopes, err := s.AuthenticateToken(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(analyst.Principal(), p); diff != "" || !HasScope(scopes, ScopeWrite) || !HasScope(scopes, ScopeRead) {
		t.Errorf("AuthenticateToken = %+v %v (-want +got):\n%s", p, scopes, diff)
	}
	lastUsed := func() time.Time {
		toks, err := s.Tokens(ctx, System(), analyst.ID)
		if err != nil || len(toks) != 1 {
			t.Fatalf("Tokens = %v, %v", toks, err)
		}
		return toks[0].LastUsedAt
	}
	first := lastUsed()
	if !first.Equal(clk.now()) {
		t.Errorf("last used %v, want %v", first, clk.now())
	}
	clk.advance(30 * time.Second)
	s.AuthenticateToken(ctx, secret)
	if !lastUsed().Equal(first) {
		t.Error("last_used_at written again within a minute")
	}
	clk.advance(time.Minute)
	s.AuthenticateToken(ctx, secret)
	if !lastUsed().Equal(clk.now()) {
		t.Error("last_used_at not written after a minute")
	}

	// Refusals.
	mangled := secret[:len(secret)-1] + map[bool]string{true: "A", false: "B"}[secret[len(secret)-1] != 'A']
	for _, bad := range []string{"", "fos_", mangled, "Bearer " + secret, strings.ToUpper(secret), "fos_" + strings.Repeat("x", 43)} {
		if _, _, err := s.AuthenticateToken(ctx, bad); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
			t.Errorf("AuthenticateToken(%q) = %v, want unauthorized", bad, err)
		}
	}
	badTokens := []struct {
		name   string
		user   int64
		tname  string
		scopes []string
		ttl    time.Duration
		fields []string
	}{
		{"no name", analyst.ID, " ", []string{"read"}, 0, []string{"name"}},
		{"no scope", analyst.ID, "x", nil, 0, []string{"scopes"}},
		{"unknown scope", analyst.ID, "x", []string{"read admin"}, 0, []string{"scopes"}},
		{"write for a reader", auditor.ID, "x", []string{"write"}, 0, []string{"scopes"}},
		{"negative lifetime", analyst.ID, "x", []string{"read"}, -time.Hour, []string{"ttl"}},
	}
	for _, tt := range badTokens {
		if _, _, err := s.CreateToken(ctx, System(), tt.user, tt.tname, tt.scopes, tt.ttl); fosis.ErrorCode(err) != fosis.EINVALID || !cmp.Equal(fields(err), tt.fields) {
			t.Errorf("%s: CreateToken = %v, want invalid %v", tt.name, err, tt.fields)
		}
	}
	if _, _, err := s.CreateToken(ctx, System(), 999, "x", []string{"read"}, 0); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("token for an unknown user: %v", err)
	}
	// Users manage their own tokens only.
	if _, _, err := s.CreateToken(ctx, auditor.Principal(), analyst.ID, "x", []string{"read"}, 0); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("token for someone else: %v, want forbidden", err)
	}
	own, ownTok, err := s.CreateToken(ctx, auditor.Principal(), auditor.ID, "my reports", []string{"read"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !ownTok.ExpiresAt.IsZero() {
		t.Errorf("ttl 0 gave an expiry: %v", ownTok.ExpiresAt)
	}
	if err := s.RevokeToken(ctx, analyst.Principal(), ownTok.ID); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("revoking someone else's token: %v, want forbidden", err)
	}
	if _, err := s.Tokens(ctx, analyst.Principal(), auditor.ID); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("listing someone else's tokens: %v, want forbidden", err)
	}
	// Expiry.
	clk.advance(24 * time.Hour)
	if _, _, err := s.AuthenticateToken(ctx, secret); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: %v", err)
	}
	if _, _, err := s.AuthenticateToken(ctx, own); err != nil {
		t.Errorf("token without expiry: %v", err)
	}
	// A disabled user's tokens stop working, and work again when re-enabled.
	s.SetActive(ctx, System(), auditor.ID, false)
	if _, _, err := s.AuthenticateToken(ctx, own); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("token of a disabled user: %v, want unauthorized", err)
	}
	s.SetActive(ctx, System(), auditor.ID, true)
	// Revocation.
	if err := s.RevokeToken(ctx, auditor.Principal(), ownTok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AuthenticateToken(ctx, own); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked token: %v", err)
	}
	if err := s.RevokeToken(ctx, System(), ownTok.ID); fosis.ErrorCode(err) != fosis.ECONFLICT {
		t.Errorf("revoking twice: %v, want conflict", err)
	}
	if err := s.RevokeToken(ctx, System(), 999); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("revoking an unknown token: %v, want not found", err)
	}
	all, err := s.Tokens(ctx, System(), 0)
	if err != nil || len(all) != 2 || all[0].ID != ownTok.ID || all[0].RevokedAt.IsZero() || all[1].Username != "analyst" {
		t.Errorf("Tokens(all) = %+v, %v", all, err)
	}
	want := []string{
		"user.create system user/1", "user.create system user/2",
		"token.create system api_token/1", "token.create auditor api_token/2",
		"user.disable system user/2", "user.enable system user/2",
		"token.revoke auditor api_token/2",
	}
	if diff := cmp.Diff(want, auditActions(t, d)); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
}

func TestSetLanguage(t *testing.T) {
	s, _, d := newStore(t)
	ctx := context.Background()
	auditor := mustCreate(t, s, NewUser{Username: "otto", Role: RoleAuditor}).Principal()
	if err := s.SetLanguage(ctx, auditor, "fr"); fosis.ErrorCode(err) != fosis.EINVALID || !slices.Equal(fields(err), []string{"language"}) {
		t.Errorf("SetLanguage(fr) = %v, want invalid language", err)
	}
	if err := s.SetLanguage(ctx, nil, "en"); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("SetLanguage without a user = %v, want unauthorized", err)
	}
	if err := s.SetLanguage(ctx, System(), "en"); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("SetLanguage(system) = %v, want unauthorized: the system has no account", err)
	}
	// Even a read-only role keeps its own preference.
	for range 2 {
		if err := s.SetLanguage(ctx, auditor, "en"); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := s.UserByID(ctx, auditor.UserID); err != nil || u.Language != "en" {
		t.Errorf("language after SetLanguage = %v, %v", u, err)
	}
	want := []string{"user.create system user/1", "user.language otto user/1"}
	if diff := cmp.Diff(want, auditActions(t, d)); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
}

func TestSetRole(t *testing.T) {
	s, _, d := newStore(t)
	ctx := context.Background()
	admin := mustCreate(t, s, NewUser{Username: "adela", Role: RoleAdmin}).Principal()
	ana := mustCreate(t, s, NewUser{Username: "ana", Role: RoleAnalyst})
	for _, tt := range []struct {
		name   string
		by     *Principal
		id     int64
		role   Role
		region string
		code   string
		fields []string
	}{
		{"not an administrator", ana.Principal(), admin.UserID, RoleAuditor, "", fosis.EFORBIDDEN, nil},
		{"one's own role", admin, admin.UserID, RoleAnalyst, "", fosis.ECONFLICT, nil},
		{"no such role", admin, ana.ID, "boss", "", fosis.EINVALID, []string{"role"}},
		{"regional without region", admin, ana.ID, RoleRegional, "", fosis.EINVALID, []string{"region_code"}},
		{"unknown region", admin, ana.ID, RoleRegional, "99", fosis.EINVALID, []string{"region_code"}},
		{"a region for a national role", admin, ana.ID, RoleAuditor, "13", fosis.EINVALID, []string{"region_code"}},
		{"no such user", admin, 999, RoleAuditor, "", fosis.ENOTFOUND, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.SetRole(ctx, tt.by, tt.id, tt.role, tt.region)
			if fosis.ErrorCode(err) != tt.code || !slices.Equal(fields(err), tt.fields) {
				t.Errorf("SetRole = %v, want %s %v", err, tt.code, tt.fields)
			}
		})
	}
	if err := s.SetRole(ctx, admin, ana.ID, RoleRegional, " 13 "); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.UserByID(ctx, ana.ID); u.Role != RoleRegional || u.RegionCode != "13" || u.Principal().SeesRegion("05") {
		t.Errorf("after SetRole: %+v", u)
	}
	if err := s.SetRole(ctx, admin, ana.ID, RoleRegional, "13"); err != nil {
		t.Errorf("the same role again: %v", err)
	}
	want := []string{"user.create system user/1", "user.create system user/2", "user.role adela user/2"}
	if diff := cmp.Diff(want, auditActions(t, d)); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
}
