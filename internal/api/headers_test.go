package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/auth"
)

// TestSecurityHeaders: every API answer (data, error, public, unknown path)
// forbids a browser to render, frame or leak it, and says HSTS only when
// the server is reached over HTTPS only (issue 11, item 16).
func TestSecurityHeaders(t *testing.T) {
	for _, hsts := range []bool{false, true} {
		srv := httptest.NewServer((&api.Server{Tokens: fakeTokens, HSTS: hsts}).Handler())
		defer srv.Close()
		for _, c := range []struct{ path, token string }{
			{"/api/v1/openapi.json", ""},
			{"/api/v1/territory", ""},       // 401
			{"/api/v1/no/such/thing", "rm"}, // 404
		} {
			req, _ := http.NewRequest("GET", srv.URL+c.path, nil)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := map[string]string{
				"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
				"Referrer-Policy":           "no-referrer",
				"X-Content-Type-Options":    "nosniff",
				"Cache-Control":             "no-store",
				"Strict-Transport-Security": "",
			}
			if hsts {
				want["Strict-Transport-Security"] = "max-age=31536000"
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("hsts=%v GET %s (%d): %s = %q, want %q", hsts, c.path, resp.StatusCode, k, got, v)
				}
			}
		}
	}
}

// limitedTokens refuses every token as a locked sign-in would.
type limitedTokens struct{}

func (limitedTokens) AuthenticateToken(context.Context, string) (*auth.Principal, []string, error) {
	e := fosis.Errorf(fosis.ELIMITED, "too many attempts; try again in 2 minutes")
	e.RetryAfter = 90*time.Second + time.Millisecond
	return nil, nil, e
}

// TestRetryAfter: a refusal that says when to try again answers 429 with
// Retry-After in whole seconds, rounded up (issue 11, item 17).
func TestRetryAfter(t *testing.T) {
	srv := httptest.NewServer((&api.Server{Tokens: limitedTokens{}}).Handler())
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/territory", nil)
	req.Header.Set("Authorization", "Bearer x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body api.ErrorBody
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "91" || body.Error.Code != fosis.ELIMITED {
		t.Errorf("%d Retry-After %q %+v, want 429, 91, %s", resp.StatusCode, resp.Header.Get("Retry-After"), body, fosis.ELIMITED)
	}
}
