package cli

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/platform/rut"
)

// portalCmd is the citizen portal's staff side (docs/portal.md).
func portalCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "portal",
		Short: "The citizen portal: verify the statements people download",
	}
	c.AddCommand(&cobra.Command{
		Use:   "verify CODE",
		Short: "Check a statement's verification code: what it said when it was issued",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			st, err := a.Portal.VerifyStatement(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "statement %s is genuine: issued %s for household %s (%d members)", st.Code, st.IssuedAt.Format("2006-01-02 15:04 UTC"), st.HouseholdID, st.Members)
			if st.Bracket > 0 {
				fmt.Fprintf(a.Stdout, ", bracket %d%%, percentile %.1f, run %d", st.Bracket, st.Percentile, st.RunID)
			}
			fmt.Fprintln(a.Stdout)
			return nil
		}),
	})
	return c
}

// demoCitizen is the demo's person: the provider signs in whoever clicks
// as this person (a demo has no real identities).
type demoCitizen struct {
	mockoidc.MockUser
	run string
}

func (u *demoCitizen) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &struct {
		*mockoidc.IDTokenClaims
		RUN  string `json:"run"`
		Name string `json:"name"`
	}{base, u.run, u.PreferredUsername}, nil
}

// demoPortal starts, for the demo only, an OpenID Connect provider on
// 127.0.0.1 that signs everyone in as one person of the demo registry, and
// returns the portal's settings for it. It stops with ctx.
func demoPortal(ctx context.Context, a *App, addr string) (serveOptions, error) {
	var run int64
	var name string
	err := a.DB.QueryRowContext(ctx, `SELECT p.run, p.given_names || ' ' || p.paternal_surname FROM persons p WHERE p.relation = 'head' ORDER BY p.household LIMIT 1`).Scan(&run, &name)
	if err != nil {
		return serveOptions{}, fmt.Errorf("demo portal: no person in the registry: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return serveOptions{}, err
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		return serveOptions{}, err
	}
	person := &demoCitizen{MockUser: mockoidc.MockUser{Subject: fmt.Sprint(run), PreferredUsername: name}, run: rut.FormatDots(run)}
	m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/authorize") {
				m.QueueUser(person)
			}
			next.ServeHTTP(w, r)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return serveOptions{}, err
	}
	if err := m.Start(ln, nil); err != nil {
		return serveOptions{}, err
	}
	go func() { <-ctx.Done(); m.Shutdown() }()
	cfg := m.Config()
	host := addr
	if strings.HasPrefix(host, ":") {
		host = "127.0.0.1" + host
	}
	fmt.Fprintf(a.Stdout, "Citizen portal: http://%s/portal — the demo's own OpenID provider (for the demo only) signs you in as %s, RUN %s.\n\n",
		host, name, rut.FormatDots(run))
	opts := serveOptions{oidcName: "ClaveÚnica (demo)"}
	opts.oidc.Issuer, opts.oidc.ClientID, opts.oidc.ClientSecret = cfg.Issuer, cfg.ClientID, cfg.ClientSecret
	opts.oidc.RedirectURL, opts.oidc.IDClaim = "http://"+host+"/portal/callback", "run"
	return opts, nil
}
