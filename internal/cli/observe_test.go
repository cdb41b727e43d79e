package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/observe"
)

// TestObservability serves a small registry as serve does and checks what
// operators get (issue 18): every answer carries an X-Request-Id (a sane one
// from a proxy is kept), log lines written with the request's context carry
// it, the metrics count requests by route pattern (not by path) and status
// and report the pools and the audit chain, and /readyz says ready once the
// frame is warm, 503 before with --warm-frame.
func TestObservability(t *testing.T) {
	dsn := dbtest.DSN(t)
	extract := filepath.Join(t.TempDir(), "extract")
	mustRun(t, "registry", "generate", "--households", "50", "--seed", "3", "--out", extract)
	mustRun(t, "--db", dsn, "registry", "import", extract)
	mustRun(t, "--db", dsn, "users", "add", "ana", "--role", "analyst", "--name", "Ana")
	out := mustRun(t, "--db", dsn, "tokens", "create", "ana", "--name", "test")
	token := strings.Fields(out[strings.Index(out, "fos_"):])[0]
	sys := auth.WithPrincipal(context.Background(), auth.System())
	a, err := Open(sys, Config{DB: dsn, Quiet: true}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var logs bytes.Buffer
	a.Log = slog.New(observe.LogHandler{Handler: slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})})

	opts := serveOptions{warmFrame: true}
	tracker := newTracker(sys, a, opts)
	m := newMetrics(a, tracker)
	h, err := handler(a, opts, tracker, m)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path string, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res
	}

	res := get("/readyz", nil)
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz before the frame is warm: %d, want 503", res.StatusCode)
	}
	if _, err := a.Registry.SharedFrame(sys, false); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/readyz", nil)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	json.NewDecoder(res.Body).Decode(&ready)
	res.Body.Close()
	if res.StatusCode != 200 || ready.Status != "ready" || ready.Checks["frame"] != "warm" || ready.Checks["migrations"] != "current" {
		t.Errorf("/readyz once warm: %d %+v", res.StatusCode, ready)
	}

	id := regexp.MustCompile(`^[0-9a-f]{16}$`)
	bearer := map[string]string{"Authorization": "Bearer " + token}
	for _, path := range []string{"/api/v1/households/H0000001", "/api/v1/households/H9999999", "/healthz", "/signin"} {
		if got := get(path, bearer).Header.Get("X-Request-Id"); !id.MatchString(got) {
			t.Errorf("%s: X-Request-Id %q", path, got)
		}
	}
	if got := get("/healthz", map[string]string{"X-Request-Id": "lb-42.a"}).Header.Get("X-Request-Id"); got != "lb-42.a" {
		t.Errorf("a proxy's request id was not kept: %q", got)
	}
	if got := get("/healthz", map[string]string{"X-Request-Id": "bad\tid<script>"}).Header.Get("X-Request-Id"); !id.MatchString(got) {
		t.Errorf("an odd request id was kept: %q", got)
	}
	if !strings.Contains(logs.String(), `"request_id":"lb-42.a"`) {
		t.Errorf("the request's log line lacks its id:\n%s", logs.String())
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`fosis_http_requests_total{method="GET",route="GET /api/v1/households/{id}",status="200"} 1`,
		`fosis_http_requests_total{method="GET",route="GET /api/v1/households/{id}",status="404"} 1`,
		`fosis_http_requests_total{method="GET",route="GET /signin",status="200"} 1`,
		`fosis_http_request_duration_seconds_count{method="GET",route="GET /healthz"} 3`,
		`fosis_jobs_running 0`,
		`fosis_audit_chain_entries `,
		`_max_open_connections`,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the metrics lack %q", want)
		}
	}
	if strings.Contains(body, "H0000001") {
		t.Error("the metrics name a household: routes must be counted by pattern")
	}
}
