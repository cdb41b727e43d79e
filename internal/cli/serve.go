package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/jobs"
	"github.com/fosis/fosis/internal/platform/natid"
	"github.com/fosis/fosis/internal/platform/observe"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/web"
)

func serveCmd(cfg *Config) *cobra.Command {
	var addr string
	var opts serveOptions
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web application, the JSON API and the health endpoint over HTTP",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			return serveWith(ctx, a, addr, opts, nil)
		}),
	}
	c.Flags().StringVar(&addr, "addr", envOr("FOSIS_ADDR", "127.0.0.1:8080"), "address to listen on, HOST:PORT (env FOSIS_ADDR)")
	c.Flags().BoolVar(&opts.warmFrame, "warm-frame", true,
		"read the registry into memory in the background at start and after each import, so that the first eligibility preview does not wait for it")
	c.Flags().StringVar(&opts.metricsAddr, "metrics-addr", envOr("FOSIS_METRICS_ADDR", ""),
		"serve Prometheus metrics at /metrics on this separate address, e.g. 127.0.0.1:9464, reachable by the monitoring only (env FOSIS_METRICS_ADDR; off when empty)")
	c.Flags().BoolVar(&opts.secureCookies, "secure-cookies", os.Getenv("FOSIS_SECURE_COOKIES") == "1",
		"mark the session cookie Secure on every request, behind a TLS-terminating proxy (env FOSIS_SECURE_COOKIES=1); it always is over TLS")
	oidcFlags(c, &opts)
	return c
}

// oidcFlags are the citizen portal's OpenID Connect provider settings.
func oidcFlags(c *cobra.Command, opts *serveOptions) {
	f := c.Flags()
	f.StringVar(&opts.oidc.Issuer, "oidc-issuer", envOr("FOSIS_OIDC_ISSUER", ""),
		"the citizen portal's OpenID Connect provider, e.g. https://accounts.claveunica.gob.cl/openid (env FOSIS_OIDC_ISSUER; the portal is off when empty)")
	f.StringVar(&opts.oidc.ClientID, "oidc-client-id", envOr("FOSIS_OIDC_CLIENT_ID", ""), "the portal's client id at the provider (env FOSIS_OIDC_CLIENT_ID)")
	opts.oidc.ClientSecret = os.Getenv("FOSIS_OIDC_CLIENT_SECRET") // never a flag: it would show in the process list
	f.StringVar(&opts.oidc.RedirectURL, "oidc-redirect-url", envOr("FOSIS_OIDC_REDIRECT_URL", ""),
		"this server's https://…/portal/callback as registered with the provider (env FOSIS_OIDC_REDIRECT_URL)")
	f.StringVar(&opts.oidc.IDClaim, "oidc-id-claim", envOr("FOSIS_OIDC_ID_CLAIM", "run"),
		"the ID token's claim with the person's national ID; a dotted path reads a nested claim (env FOSIS_OIDC_ID_CLAIM)")
	f.StringSliceVar(&opts.oidc.Scopes, "oidc-scopes", nil, "scopes to ask for besides openid, e.g. run,name")
	f.StringVar(&opts.oidcName, "oidc-name", envOr("FOSIS_OIDC_NAME", "ClaveÚnica"), "the provider's name as people know it, on the sign-in button")
}

// serveOptions are serve's settings beyond the address.
type serveOptions struct {
	secureCookies bool
	warmFrame     bool
	metricsAddr   string
	// oidc is the citizen portal's provider (off when its issuer is
	// empty); oidcName is its name on the sign-in button.
	oidc     portal.OIDCConfig
	oidcName string
}

// serve listens on addr until ctx is cancelled, then shuts down gracefully.
// ready, if set, is called with the bound address once the server accepts.
func serve(ctx context.Context, a *App, addr string, ready func(string)) error {
	return serveWith(ctx, a, addr, serveOptions{}, ready)
}

// handler is the web application at / beside the API under /api/v1 and the
// health and readiness endpoints, every request with its id and counted in
// m (which may be nil).
func handler(a *App, opts serveOptions, tracker *jobs.Tracker, m *observe.Metrics) (http.Handler, error) {
	var prov *portal.Provider
	if opts.oidc.Issuer != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var err error
		if prov, err = portal.NewProvider(ctx, opts.oidc, natid.Chile()); err != nil {
			return nil, err
		}
	}
	w, err := web.New(web.Config{DB: a.DB, Registry: a.Registry, Targeting: a.Targeting, Programs: a.Programs, Users: a.Auth, Log: a.Log,
		SecureCookies: opts.secureCookies, Jobs: tracker, Cooperation: a.Cooperation, Knowledge: a.Knowledge, Delivery: a.Delivery,
		Funds: a.Funds, Results: a.Results, Portal: a.Portal, PortalOIDC: prov, PortalOIDCName: opts.oidcName})
	if err != nil {
		return nil, err
	}
	apiH := (&api.Server{DB: a.DB, Registry: a.Registry, Targeting: a.Targeting, Programs: a.Programs, Tokens: a.Auth, Users: a.Auth,
		Log: a.Log, Jobs: tracker, Cooperation: a.Cooperation, Knowledge: a.Knowledge, WarmFrame: opts.warmFrame, HSTS: opts.secureCookies, Delivery: a.Delivery,
		Funds: a.Funds, Results: a.Results}).Handler()
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", apiH)
	mux.Handle("/healthz", apiH)
	mux.Handle("/readyz", apiH)
	mux.Handle("/", w.Handler())
	return observe.Middleware(m, a.Log, mux), nil
}

// newMetrics returns the service's metrics: requests, pools, jobs and the
// audit chain's length.
func newMetrics(a *App, tracker *jobs.Tracker) *observe.Metrics {
	return observe.New(a.DB, tracker, func(ctx context.Context) (int64, error) {
		seq, _, err := audit.Head(ctx, a.DB)
		return seq, err
	})
}

// newTracker returns the one tracker of the pages and the API (an import
// started in either shows in both, and only one runs at a time). With
// warmFrame, each import that finishes well has the shared frame read again
// in the background.
func newTracker(ctx context.Context, a *App, opts serveOptions) *jobs.Tracker {
	tracker := jobs.New(50, nil, a.Log)
	// Jobs are leased in the database, so that several instances on one
	// database run an import once and each follows the others' jobs.
	if a.DB.Engine == db.Postgres {
		tracker.Persist(a.DB, instanceName(), jobLease)
	} else {
		// One process serves a SQLite database, and a long import holds
		// its only writer, so a lease could not be renewed meanwhile: the
		// lease is long, and what the last process left running is
		// interrupted at start.
		tracker.Persist(a.DB, instanceName(), 24*time.Hour)
		if err := tracker.InterruptAbandoned(ctx); err != nil {
			a.Log.Error("jobs: marking abandoned jobs interrupted", "err", err)
		}
	}
	tracker.DecodeResult(registry.ImportJobKind, func(raw json.RawMessage) (any, error) {
		var s registry.ImportSummary
		err := json.Unmarshal(raw, &s)
		return &s, err
	})
	if opts.warmFrame {
		tracker.OnFinish(func(j jobs.Job) {
			if j.Kind == registry.ImportJobKind && j.ErrorCode == "" {
				go warmFrame(ctx, a, "import")
			}
		})
	}
	return tracker
}

func serveWith(ctx context.Context, a *App, addr string, opts serveOptions, ready func(string)) error {
	tracker := newTracker(ctx, a, opts)
	metrics := newMetrics(a, tracker)
	h, err := handler(a, opts, tracker, metrics)
	if err != nil {
		return err
	}
	if opts.metricsAddr != "" {
		mln, err := net.Listen("tcp", opts.metricsAddr)
		if err != nil {
			return fmt.Errorf("cannot listen on %s for the metrics: %w (choose another with --metrics-addr)", opts.metricsAddr, err)
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", metrics.Handler())
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		fmt.Fprintf(a.Stdout, "metrics on http://%s/metrics\n", mln.Addr())
	}
	if opts.warmFrame {
		go warmFrame(ctx, a, "start")
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another server using it? choose another with --addr)", addr, err)
	}
	bound := ln.Addr().String()
	fmt.Fprintf(a.Stdout, "fosis is serving %s on http://%s (web: /; health: /healthz, /readyz; API: /api/v1/…). Ctrl-C stops it.\n", a.DB, bound)
	if ready != nil {
		ready(bound)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return err
	}
	// In-flight requests are answered; the jobs still running stop and are
	// marked interrupted, for this instance and the others, rather than
	// left to look alive until their lease runs out.
	tracker.Interrupt(5 * time.Second)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(a.Stdout, "stopped")
	return nil
}

// warmFrame reads the registry's shared frame (behind eligibility previews
// and what-ifs) as the system, so that the first user does not wait for it,
// and logs how long that took. It runs in its own goroutine and holds no
// lock the pages need: a preview that comes meanwhile joins the same load
// (registry.Store.SharedFrame). On an empty registry it costs one count.
// The load goes on if ctx ends (the server stops) while it runs.
func warmFrame(ctx context.Context, a *App, why string) {
	sys := auth.WithPrincipal(ctx, auth.System())
	t0 := time.Now()
	f, err := a.Registry.SharedFrame(sys, false)
	switch {
	case err != nil && ctx.Err() == nil:
		a.Log.Warn("registry frame: warm-up failed", "after", why, "err", err)
	case err == nil && f.Len() > 0:
		a.Log.Info("registry frame warm", "after", why, "households", f.Len(), "elapsed", time.Since(t0).Round(time.Millisecond))
	}
}

// jobLease is how long a job stays this instance's without a renewal: an
// instance that crashed loses its jobs to the others after it.
const jobLease = 30 * time.Second

// instanceName names this process among the instances on one database.
func instanceName() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
