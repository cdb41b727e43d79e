package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
)

// TestAdminForbidden: roles other than administrator and auditor get the
// forbidden page on the users and audit pages, and see no link to them.
func TestAdminForbidden(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	for _, p := range []string{"/admin/users", "/audit"} {
		resp, body := c.do("GET", p, nil)
		if resp.StatusCode != 403 || !strings.Contains(body, `id="error"`) {
			t.Errorf("analyst on %s: %d", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/audit/verify", "/admin/users/1/active", "/admin/users/1/role", "/admin/users/1/password"} {
		if resp, _ := c.do("POST", p, url.Values{"active": {"0"}}); resp.StatusCode != 403 {
			t.Errorf("analyst posts %s: %d", p, resp.StatusCode)
		}
	}
	resp, body := c.do("POST", "/admin/users", url.Values{"username": {"intruso"}, "role": {"admin"}})
	if resp.StatusCode != 403 {
		t.Errorf("analyst creates a user: %d", resp.StatusCode)
	}
	_, body = c.do("GET", "/admin/tokens", nil)
	if strings.Contains(body, `id="nav-audit"`) || strings.Contains(body, `id="nav-users"`) || !strings.Contains(body, `id="tokens-empty"`) {
		t.Errorf("analyst's tokens page:\n%s", body)
	}

	// An auditor reads the users but has no form nor buttons.
	a := f.client(t)
	a.signIn("otilia")
	resp, body = a.do("GET", "/admin/users", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="user-rosa"`) || strings.Contains(body, `id="new-user"`) || strings.Contains(body, `id="disable-`) {
		t.Errorf("auditor's users page: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := a.do("POST", "/admin/users", url.Values{"username": {"intruso"}, "role": {"admin"}}); resp.StatusCode != 403 {
		t.Errorf("auditor creates a user: %d", resp.StatusCode)
	}
}

var passwordRE = regexp.MustCompile(`id="new-password">([^<]+)<`)

// TestAdminUsers: an administrator creates a regional officer, who signs in
// with the password shown once; a bad username is refused next to the field
// with what was typed kept; a disabled user can no longer sign in; the audit
// page lists the creation and the chain verifies.
func TestAdminUsers(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("adela")

	resp, body := c.do("POST", "/admin/users", url.Values{"username": {"Ro sa!"}, "display_name": {"Renata <Regional>"},
		"role": {"regional"}, "region_code": {"05"}, "language": {"es"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="username-error"`) || !strings.Contains(body, `value="Ro sa!"`) ||
		!strings.Contains(body, `value="Renata &lt;Regional&gt;"`) || !strings.Contains(body, `<option value="05" selected>`) {
		t.Fatalf("bad username: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, `id="new-password"`) {
		t.Error("a refused creation shows a password")
	}
	resp, body = c.do("POST", "/admin/users", url.Values{"username": {"renata"}, "display_name": {"Renata"}, "role": {"analyst"},
		"region_code": {"05"}, "language": {"es"}})
	if resp.StatusCode != 400 || !strings.Contains(body, `id="region_code-error"`) {
		t.Errorf("a region for an analyst: %d", resp.StatusCode)
	}

	resp, body = c.do("POST", "/admin/users", url.Values{"username": {"renata"}, "display_name": {"Renata Regional"},
		"role": {"regional"}, "region_code": {"05"}, "language": {"en"}})
	m := passwordRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(body, `id="user-renata"`) {
		t.Fatalf("create a regional officer: %d\n%s", resp.StatusCode, body)
	}
	pw := html.UnescapeString(m[1])
	if _, again := c.do("GET", "/admin/users", nil); strings.Contains(again, pw) {
		t.Error("the password is shown again")
	}
	resp, _ = c.do("POST", "/admin/users", url.Values{"username": {"renata"}, "role": {"analyst"}, "language": {"es"}})
	if resp.StatusCode != 409 {
		t.Errorf("a taken username: %d", resp.StatusCode)
	}

	r := f.client(t)
	resp, body = r.do("POST", "/signin", url.Values{"username": {"renata"}, "password": {pw}, "next": {"/"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="q"`) || !strings.Contains(body, `html lang="en"`) {
		t.Fatalf("the new user signs in: %d\n%s", resp.StatusCode, body)
	}

	// An administrator cannot disable themself.
	id := func(user string) string {
		_, body := c.do("GET", "/admin/users", nil)
		m := regexp.MustCompile(`action="/admin/users/(\d+)/active">\s*<input type="hidden" name="active" value="[01]"><button[^>]*id="(?:dis|en)able-` + user + `"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no button for %s:\n%s", user, body)
		}
		return m[1]
	}
	resp, body = c.do("POST", "/admin/users/"+id("adela")+"/active", url.Values{"active": {"0"}})
	if resp.StatusCode != 409 || !strings.Contains(body, `id="users-error"`) {
		t.Errorf("disable oneself: %d", resp.StatusCode)
	}

	resp, body = c.do("POST", "/admin/users/"+id("renata")+"/active", url.Values{"active": {"0"}})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="enable-renata"`) {
		t.Fatalf("disable: %d\n%s", resp.StatusCode, body)
	}
	// Signed out at their next request, and refused at sign-in.
	if resp, _ := r.do("GET", "/runs", nil); resp.Request.URL.Path != "/signin" {
		t.Errorf("a disabled user's session still works: %s", resp.Request.URL)
	}
	if resp, _ := r.do("POST", "/signin", url.Values{"username": {"renata"}, "password": {pw}, "next": {"/"}}); resp.StatusCode != 403 {
		t.Errorf("a disabled user signs in: %d", resp.StatusCode)
	}

	// The audit trail.
	resp, body = c.do("GET", "/audit?action=user.create", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "<code>user.create</code>") || !strings.Contains(body, "&#34;username&#34;: &#34;renata&#34;") {
		t.Fatalf("audit page: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<code>user.disable</code>") {
		t.Error("the action filter lets other actions through")
	}
	resp, body = c.do("GET", "/audit", nil)
	if !strings.Contains(body, "<code>user.disable</code>") || !strings.Contains(body, `id="older-page"`) {
		t.Errorf("audit page without filter: %d\n%s", resp.StatusCode, body)
	}
	older := html.UnescapeString(regexp.MustCompile(`href="([^"]+)" id="older-page"`).FindStringSubmatch(body)[1])
	if resp, body := c.do("GET", older, nil); resp.StatusCode != 200 || !strings.Contains(body, `id="newest-page"`) || !strings.Contains(body, "<code>user.create</code>") {
		t.Errorf("older entries %s: %d", older, resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/audit?from=ayer", nil); resp.StatusCode != 400 {
		t.Errorf("a bad date: %d", resp.StatusCode)
	}
	resp, body = c.do("POST", "/audit/verify", url.Values{})
	if resp.StatusCode != 200 || !strings.Contains(body, `id="verify-ok"`) || !strings.Contains(body, `id="verify-anchor"`) {
		t.Errorf("verify: %d\n%s", resp.StatusCode, body)
	}
	a := f.client(t)
	a.signIn("otilia")
	if resp, body := a.do("POST", "/audit/verify", url.Values{}); resp.StatusCode != 200 || !strings.Contains(body, `id="verify-ok"`) {
		t.Errorf("auditor verifies: %d", resp.StatusCode)
	}
}

// TestAdminRoleAndPassword: an administrator moves a regional officer to
// another region (she sees the new one at her next request) and gives her a
// new password (the old one stops working); changing one's own role is
// refused with an explanation.
func TestAdminRoleAndPassword(t *testing.T) {
	f := newFixture(t)
	admin := f.client(t)
	admin.signIn("adela")
	rosa := f.client(t)
	rosa.signIn("rosa")
	if resp, _ := rosa.do("GET", "/households/"+f.inRM.id, nil); resp.StatusCode != 200 {
		t.Fatalf("rosa's own region: %d", resp.StatusCode)
	}
	var rosaID, adelaID string
	f.d.QueryRowContext(context.Background(), `SELECT id FROM users WHERE username = 'rosa'`).Scan(&rosaID)
	f.d.QueryRowContext(context.Background(), `SELECT id FROM users WHERE username = 'adela'`).Scan(&adelaID)
	var other string
	f.d.QueryRowContext(context.Background(), `SELECT c.region_code FROM households h JOIN communes c ON c.code = h.commune_code
		WHERE h.household_id = ?`, f.outRM.id).Scan(&other)
	resp, _ := admin.do("POST", "/admin/users/"+rosaID+"/role", url.Values{"role": {"regional"}, "region_code": {other}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/admin/users" {
		t.Fatalf("change rosa's region: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if resp, _ := rosa.do("GET", "/households/"+f.inRM.id, nil); resp.StatusCode != 404 {
		t.Errorf("rosa still sees region 13 after the move: %d", resp.StatusCode)
	}
	if resp, _ := rosa.do("GET", "/households/"+f.outRM.id, nil); resp.StatusCode != 200 {
		t.Errorf("rosa does not see her new region %s: %d", other, resp.StatusCode)
	}
	if resp, body := admin.do("POST", "/admin/users/"+rosaID+"/role", url.Values{"role": {"regional"}}); resp.StatusCode != 400 || !strings.Contains(body, `id="users-error"`) {
		t.Errorf("a regional officer without region: %d", resp.StatusCode)
	}
	if resp, body := admin.do("POST", "/admin/users/"+adelaID+"/role", url.Values{"role": {"analyst"}}); resp.StatusCode != 409 || !strings.Contains(body, `id="users-error"`) {
		t.Errorf("an administrator demoting herself: %d", resp.StatusCode)
	}
	resp, body := admin.do("POST", "/admin/users/"+rosaID+"/password", url.Values{})
	m := passwordRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(body, `id="password-reset"`) {
		t.Fatalf("reset rosa's password: %d", resp.StatusCode)
	}
	if resp, _ := rosa.do("GET", "/", nil); resp.Request.URL.Path != "/signin" {
		t.Errorf("rosa's session outlived her new password: %s", resp.Request.URL)
	}
	fresh := f.client(t)
	if resp, _ := fresh.do("POST", "/signin", url.Values{"username": {"rosa"}, "password": {password}}); resp.StatusCode != 401 {
		t.Errorf("the old password still works: %d", resp.StatusCode)
	}
	if resp, _ := fresh.do("POST", "/signin", url.Values{"username": {"rosa"}, "password": {html.UnescapeString(m[1])}, "next": {"/"}}); resp.StatusCode != 200 || resp.Request.URL.Path != "/" {
		t.Errorf("the new password does not work: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}

// TestAdminTokens: administrators see every token and revoke any; others
// see and revoke only their own.
func TestAdminTokens(t *testing.T) {
	f := newFixture(t)
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	users := auth.NewStore(f.d, time.Now)
	var ids []int64
	for _, name := range []string{"analista", "rosa"} {
		u, err := users.UserByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		_, tok, err := users.CreateToken(ctx, auth.System(), u.ID, "informes de "+name, []string{"read"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tok.ID)
	}
	own, other := fmt.Sprint(ids[0]), fmt.Sprint(ids[1])

	c := f.client(t)
	c.signIn("analista")
	_, body := c.do("GET", "/admin/tokens", nil)
	if !strings.Contains(body, `id="token-`+own+`"`) || strings.Contains(body, `id="token-`+other+`"`) || !strings.Contains(body, `id="revoke-`+own+`"`) {
		t.Errorf("analyst's tokens page:\n%s", body)
	}
	if resp, _ := c.do("POST", "/admin/tokens/"+other+"/revoke", url.Values{}); resp.StatusCode != 403 {
		t.Errorf("analyst revokes another's token: %d", resp.StatusCode)
	}
	if resp, body := c.do("POST", "/admin/tokens/"+own+"/revoke", url.Values{}); resp.StatusCode != 200 || strings.Contains(body, `id="revoke-`+own+`"`) {
		t.Errorf("analyst revokes their own token: %d", resp.StatusCode)
	}
	if resp, _ := c.do("POST", "/admin/tokens/"+own+"/revoke", url.Values{}); resp.StatusCode != 409 {
		t.Errorf("revoke twice: %d", resp.StatusCode)
	}

	a := f.client(t)
	a.signIn("adela")
	_, body = a.do("GET", "/admin/tokens", nil)
	if !strings.Contains(body, `id="token-`+own+`"`) || !strings.Contains(body, `id="revoke-`+other+`"`) || strings.Contains(body, `id="revoke-`+own+`"`) {
		t.Errorf("admin's tokens page:\n%s", body)
	}
	if resp, _ := a.do("POST", "/admin/tokens/"+other+"/revoke", url.Values{}); resp.StatusCode != 200 {
		t.Errorf("admin revokes: %d", resp.StatusCode)
	}
	if _, body := a.do("GET", "/audit?action=token.revoke", nil); strings.Count(body, "<code>token.revoke</code>") != 2 {
		t.Errorf("the revocations are not in the audit trail:\n%s", body)
	}
}
