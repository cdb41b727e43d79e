package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/jobs"
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
	c.Flags().BoolVar(&opts.secureCookies, "secure-cookies", os.Getenv("FOSIS_SECURE_COOKIES") == "1",
		"mark the session cookie Secure on every request, behind a TLS-terminating proxy (env FOSIS_SECURE_COOKIES=1); it always is over TLS")
	return c
}

// serveOptions are serve's settings beyond the address.
type serveOptions struct {
	secureCookies bool
}

// serve listens on addr until ctx is cancelled, then shuts down gracefully.
// ready, if set, is called with the bound address once the server accepts.
func serve(ctx context.Context, a *App, addr string, ready func(string)) error {
	return serveWith(ctx, a, addr, serveOptions{}, ready)
}

// handler is the web application at / beside the API under /api/v1 and the
// health endpoint.
func handler(a *App, opts serveOptions) (http.Handler, error) {
	// One tracker for the pages and the API: an import started in either
	// shows in both, and only one runs at a time.
	tracker := jobs.New(50, nil, a.Log)
	w, err := web.New(web.Config{DB: a.DB, Registry: a.Registry, Targeting: a.Targeting, Programs: a.Programs, Users: a.Auth, Log: a.Log,
		SecureCookies: opts.secureCookies, Jobs: tracker, Cooperation: a.Cooperation, Knowledge: a.Knowledge})
	if err != nil {
		return nil, err
	}
	apiH := (&api.Server{DB: a.DB, Registry: a.Registry, Targeting: a.Targeting, Programs: a.Programs, Tokens: a.Auth, Users: a.Auth,
		Log: a.Log, Jobs: tracker, Cooperation: a.Cooperation, Knowledge: a.Knowledge}).Handler()
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", apiH)
	mux.Handle("/healthz", apiH)
	mux.Handle("/", w.Handler())
	return mux, nil
}

func serveWith(ctx context.Context, a *App, addr string, opts serveOptions, ready func(string)) error {
	h, err := handler(a, opts)
	if err != nil {
		return err
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
	fmt.Fprintf(a.Stdout, "fosis is serving %s on http://%s (web: /; health: /healthz; API: /api/v1/…). Ctrl-C stops it.\n", a.DB, bound)
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
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(a.Stdout, "stopped")
	return nil
}
