package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/web"
)

// redirectBypasses are the usual ways of smuggling another host into a
// "next" parameter: each one must fall back to "/".
var redirectBypasses = []struct{ name, next string }{
	{"tab", "/\t/127.0.0.1:18099/x"},
	{"leading tab", "\t//evil.example"},
	{"CR LF", "/\r\n/evil.example"},
	{"LF", "/\n/evil.example"},
	{"CR", "/\r/evil.example"},
	{"NUL", "/\x00/evil.example"},
	{"DEL", "/\x7f/evil.example"},
	{"backslash", "\\evil.example"},
	{"slash backslash", "/\\evil.example"},
	{"backslash slash", "\\/evil.example"},
	{"two backslashes", "\\\\evil.example"},
	{"backslash later", "/x\\..\\\\evil.example"},
	{"double slash", "//evil.example"},
	{"triple slash", "///evil.example"},
	{"encoded slash", "/%2F/evil.example"},
	{"encoded slash lower", "/%2f%2fevil.example"},
	{"encoded backslash", "/%5Cevil.example"},
	{"encoded tab", "/%09/evil.example"},
	{"encoded CR LF", "/%0D%0A/evil.example"},
	{"double-encoded slash", "/%252F/evil.example"},
	{"scheme", "https://evil.example"},
	{"scheme without slashes", "https:evil.example"},
	{"javascript", "javascript:alert(1)"},
	{"space", "/ /evil.example"},
	{"leading space", " /x"},
	{"non-ASCII", "/\u3002evil.example"},
	{"relative", "evil.example"},
	{"empty", ""},
	{"dot segments", "/./..//evil.example"},
}

// TestLocalPath: the sign-in and language forms go back only to a path of
// this site (issue 11, item 13: "/%09/127.0.0.1:18099/x" redirected to
// another host).
func TestLocalPath(t *testing.T) {
	for _, c := range redirectBypasses {
		t.Run(c.name, func(t *testing.T) {
			if got := web.LocalPath(c.next); got != "/" {
				t.Errorf("localPath(%q) = %q, want /", c.next, got)
			}
		})
	}
	for _, ok := range []string{"/", "/households/H0001", "/communes/13101?bracket=40&after=abc",
		"/search?q=Gonz%C3%A1lez+Mar%C3%ADa", "/runs/3#top", "/calls/5/applications?status=selected"} {
		if got := web.LocalPath(ok); got != ok {
			t.Errorf("localPath(%q) = %q, want it kept", ok, got)
		}
	}
}

// TestSignInRedirect: a signed-in visitor sent to /signin with a hostile
// next lands on the home page, never elsewhere (the Location header is
// checked as a browser would read it).
func TestSignInRedirect(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	noFollow := &http.Client{Jar: c.http.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, b := range redirectBypasses {
		for _, how := range []string{"GET", "POST"} {
			req, _ := http.NewRequest("GET", f.srv.URL+"/signin?next="+url.QueryEscape(b.next), nil)
			if how == "POST" {
				form := url.Values{"lang": {"es"}, "next": {b.next}}
				req, _ = http.NewRequest("POST", f.srv.URL+"/lang", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
				t.Errorf("%s %s: %d Location %q, want 303 /", how, b.name, resp.StatusCode, loc)
			}
		}
	}
}

// TestHSTS: the pages say Strict-Transport-Security only when the site is
// reached over HTTPS only (SecureCookies, serve --secure-cookies).
func TestHSTS(t *testing.T) {
	for _, secure := range []bool{false, true} {
		w, err := web.New(web.Config{SecureCookies: secure})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		w.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/static/0/none.css", nil))
		want := ""
		if secure {
			want = "max-age=31536000"
		}
		if got := rec.Header().Get("Strict-Transport-Security"); got != want {
			t.Errorf("SecureCookies %v: Strict-Transport-Security %q, want %q", secure, got, want)
		}
	}
}

// TestSignInLocked: a locked sign-in answers 429 with Retry-After, as
// docs/security.md says (issue 11, item 17), and the right password does
// not get through while the lock runs.
func TestSignInLocked(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for i := 1; i <= auth.MaxAccountFailures; i++ {
		resp, _ := c.do("POST", "/signin", url.Values{"username": {"analista"}, "password": {"wrong password!"}})
		want := http.StatusUnauthorized
		if i == auth.MaxAccountFailures {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("failure %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
	resp, body := c.do("POST", "/signin", url.Values{"username": {"analista"}, "password": {password}})
	retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || retry < 14*60 || retry > 15*60 || !strings.Contains(body, "Demasiados intentos fallidos") {
		t.Errorf("right password while locked: %d, Retry-After %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}
