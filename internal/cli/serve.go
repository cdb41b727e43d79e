package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/api"
)

func serveCmd(cfg *Config) *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve the JSON API (and the health endpoint) over HTTP",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			return serve(ctx, a, addr, nil)
		}),
	}
	c.Flags().StringVar(&addr, "addr", envOr("FOSIS_ADDR", "127.0.0.1:8080"), "address to listen on, HOST:PORT (env FOSIS_ADDR)")
	return c
}

// serve listens on addr until ctx is cancelled, then shuts down gracefully.
// ready, if set, is called with the bound address once the server accepts.
func serve(ctx context.Context, a *App, addr string, ready func(string)) error {
	srv := &http.Server{
		Handler:           (&api.Server{DB: a.DB, Registry: a.Registry, Targeting: a.Targeting, Tokens: a.Auth, Log: a.Log}).Handler(),
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
	fmt.Fprintf(a.Stdout, "fosis is serving %s on http://%s (health: /healthz; API: /api/v1/…). Ctrl-C stops it.\n", a.DB, bound)
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
