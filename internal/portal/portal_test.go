package portal_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/natid"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/targeting"
)

// person is a mock provider's user whose ID token carries a RUN claim.
type person struct {
	mockoidc.MockUser
	run string
}

func (p *person) Claims(scope []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &runClaims{IDTokenClaims: base, RUN: p.run}, nil
}

type runClaims struct {
	*mockoidc.IDTokenClaims
	RUN string `json:"run,omitempty"`
}

// provider starts a real OpenID Connect provider (mockoidc, a maintained
// library) and a portal client of it.
func provider(t *testing.T) (*mockoidc.MockOIDC, *portal.Provider) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	cfg := m.Config()
	p, err := portal.NewProvider(context.Background(), portal.OIDCConfig{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: "http://fosis.test/portal/callback", IDClaim: "run"}, natid.Chile())
	if err != nil {
		t.Fatal(err)
	}
	return m, p
}

// authorize follows the provider's authorization URL as a browser would and
// returns the state and code the provider sends back.
func authorize(t *testing.T, authURL string) (state, code string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == "fosis.test" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Host != "fosis.test" {
		t.Fatalf("the provider answered %s, Location %q", res.Status, res.Header.Get("Location"))
	}
	return loc.Query().Get("state"), loc.Query().Get("code")
}

func TestSignIn(t *testing.T) {
	m, p := provider(t)
	ctx := context.Background()

	m.QueueUser(&person{MockUser: *mockoidc.DefaultUser(), run: "12.345.678-5"})
	authURL, attempt := p.Begin()
	if !strings.Contains(authURL, "code_challenge_method=S256") || !strings.Contains(authURL, "nonce=") {
		t.Errorf("the authorization URL lacks PKCE or a nonce: %s", authURL)
	}
	state, code := authorize(t, authURL)
	key, err := p.Finish(ctx, attempt, state, code)
	if err != nil || key != 12345678 {
		t.Fatalf("Finish = %d, %v; want the RUN's body", key, err)
	}
	if _, err := p.Finish(ctx, attempt, state, code); fosis.ErrorCode(err) != fosis.EUNAUTHORIZED {
		t.Errorf("the same code again (a replay): %v, want refused", err)
	}

	for _, tc := range []struct {
		name   string
		user   *person
		tamper func(a *portal.Attempt, state, code *string)
		before func()
		key    string
	}{
		{"a forged state", &person{*mockoidc.DefaultUser(), "12.345.678-5"}, func(a *portal.Attempt, state, _ *string) { *state = "forged" }, nil, "portal.err.state"},
		{"another browser's attempt", &person{*mockoidc.DefaultUser(), "12.345.678-5"}, func(a *portal.Attempt, _, _ *string) { a.Verifier = "x" + a.Verifier }, nil, "portal.err.exchange"},
		{"a tampered nonce", &person{*mockoidc.DefaultUser(), "12.345.678-5"}, func(a *portal.Attempt, _, _ *string) { a.Nonce = "other" }, nil, "portal.err.token"},
		{"a cancelled sign-in", &person{*mockoidc.DefaultUser(), "12.345.678-5"}, func(_ *portal.Attempt, _, code *string) { *code = "" }, nil, "portal.err.cancelled"},
		{"an expired token", &person{*mockoidc.DefaultUser(), "12.345.678-5"}, nil, func() {
			mockoidc.NowFunc = func() time.Time { return time.Now().Add(-2 * time.Hour) }
		}, "portal.err.token"},
		{"no RUN claim", &person{*mockoidc.DefaultUser(), ""}, nil, nil, "portal.err.no_id"},
		{"a RUN with a wrong check digit", &person{*mockoidc.DefaultUser(), "12.345.678-4"}, nil, nil, "portal.err.bad_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() { mockoidc.NowFunc = time.Now }()
			if tc.before != nil {
				tc.before()
			}
			m.QueueUser(tc.user)
			authURL, a := p.Begin()
			state, code := authorize(t, authURL)
			if tc.tamper != nil {
				tc.tamper(&a, &state, &code)
			}
			_, err := p.Finish(ctx, a, state, code)
			var fe *fosis.Error
			if !asErr(err, &fe) || fe.Key != tc.key {
				t.Errorf("Finish: %v, want the refusal %s", err, tc.key)
			}
		})
	}
}

func asErr(err error, target **fosis.Error) bool {
	e, ok := err.(*fosis.Error)
	if ok {
		*target = e
	}
	return ok
}

// TestMine: a citizen sees their own household with its bracket, and no
// other; the view is audited; the statement is verified by staff in scope.
func TestMine(t *testing.T) {
	d, reg := registrytest.Imported(t, 40, 3)
	sys := auth.WithPrincipal(context.Background(), auth.System())
	tgt := targeting.NewStore(d, reg, nil)
	var model *targeting.Model
	for _, m := range targeting.BuiltinModels() {
		if m.Kind == targeting.KindPMT {
			model = m
		}
	}
	if _, err := tgt.ScoreAll(sys, model, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "oficial", nil); err != nil {
		t.Fatal(err)
	}
	s := portal.NewStore(d, reg, tgt, nil)
	var run int64
	var hid string
	if err := d.QueryRowContext(sys, `SELECT p.run, h.household_id FROM persons p JOIN households h ON h.id = p.household ORDER BY p.run LIMIT 1`).Scan(&run, &hid); err != nil {
		t.Fatal(err)
	}
	me := portal.Citizen(context.Background(), run)
	h, err := s.Mine(me, "es")
	if err != nil {
		t.Fatal(err)
	}
	if h.H.ID != hid || h.Self < 0 || h.Score == nil || h.Score.Result.Bracket == 0 || h.Score.Summary == "" {
		t.Errorf("my household: %s (want %s), self %d, score %+v", h.H.ID, hid, h.Self, h.Score)
	}
	if _, err := s.Mine(portal.Citizen(context.Background(), 1), "es"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("a person not in the registry: %v, want not found", err)
	}
	// A citizen reaches nothing else of the registry.
	if _, err := reg.HouseholdFileByID(me, hid); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("a citizen through the staff read: %v, want forbidden", err)
	}
	if _, err := s.Mine(sys, "es"); fosis.ErrorCode(err) != fosis.EFORBIDDEN {
		t.Errorf("staff through the portal: %v, want forbidden", err)
	}
	st, pdf, err := s.IssueStatement(me, "es")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(st.Code) != 14 {
		t.Errorf("statement %+v, %d bytes", st, len(pdf))
	}
	got, err := s.VerifyStatement(sys, strings.ToLower(st.Code))
	if err != nil || got.HouseholdID != hid || got.Bracket != st.Bracket {
		t.Errorf("VerifyStatement = %+v, %v", got, err)
	}
	if _, err := s.VerifyStatement(sys, "XXXX-XXXX-XXXX"); fosis.ErrorCode(err) != fosis.ENOTFOUND {
		t.Errorf("an unknown code: %v", err)
	}
	var views int
	if err := d.QueryRowContext(sys, `SELECT COUNT(*) FROM audit_log WHERE action IN ('portal.view', 'portal.statement') AND entity_id = ?`, hid).Scan(&views); err != nil || views < 3 {
		t.Errorf("audited views of the household: %d, %v; want every view", views, err)
	}
}
