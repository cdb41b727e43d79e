// Package observe is what the service tells its operators: a request id on
// every request (returned in the X-Request-Id header and carried by every
// log line written with the request's context), and metrics in the
// Prometheus text format (https://prometheus.io/docs/instrumenting/exposition_formats/)
// through the official Go client — requests by route and status, their
// durations, the database's connection pools, running jobs and their rows
// per second, finished jobs' durations, and the audit chain's length.
package observe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/jobs"
)

// Metrics holds the service's collectors in a registry of its own (nothing
// is registered globally).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	jobDur   *prometheus.HistogramVec
}

// New returns the metrics of a service over d. tracker, if not nil, is the
// background jobs' tracker whose running jobs are reported; auditLen, if
// not nil, says how long the audit chain is (read at each scrape).
func New(d *db.DB, tracker *jobs.Tracker, auditLen func(context.Context) (int64, error)) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fosis_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fosis_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method"})
	m.jobDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fosis_job_duration_seconds", Help: "Duration of finished background jobs (imports, scoring…), by kind and outcome.",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600},
	}, []string{"kind", "outcome"})
	m.reg.MustRegister(m.requests, m.duration, m.jobDur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if d != nil {
		for role, pool := range d.Pools() {
			m.reg.MustRegister(collectors.NewDBStatsCollector(pool, "fosis_"+role))
		}
	}
	if tracker != nil {
		m.reg.MustRegister(jobsCollector{tracker})
		tracker.OnFinish(func(j jobs.Job) {
			outcome := "ok"
			if j.ErrorCode != "" {
				outcome = j.ErrorCode
			}
			m.jobDur.WithLabelValues(j.Kind, outcome).Observe(j.FinishedAt.Sub(j.StartedAt).Seconds())
		})
	}
	if auditLen != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fosis_audit_chain_entries", Help: "Entries in the audit trail's hash chain (its newest sequence number).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := auditLen(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// jobsCollector reports the running jobs: how far each has got and its rows
// per second so far.
type jobsCollector struct{ t *jobs.Tracker }

var (
	jobDoneDesc = prometheus.NewDesc("fosis_job_rows_done", "Rows a running background job has processed.", []string{"kind", "id"}, nil)
	jobRateDesc = prometheus.NewDesc("fosis_job_rows_per_second", "Rows per second of a running background job since it started.", []string{"kind", "id"}, nil)
	jobsDesc    = prometheus.NewDesc("fosis_jobs_running", "Background jobs running.", nil, nil)
)

func (c jobsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobDoneDesc
	ch <- jobRateDesc
	ch <- jobsDesc
}

func (c jobsCollector) Collect(ch chan<- prometheus.Metric) {
	active := c.t.Active()
	ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(len(active)))
	for _, j := range active {
		ch <- prometheus.MustNewConstMetric(jobDoneDesc, prometheus.GaugeValue, float64(j.Done), j.Kind, j.ID)
		if secs := time.Since(j.StartedAt).Seconds(); secs > 0 {
			ch <- prometheus.MustNewConstMetric(jobRateDesc, prometheus.GaugeValue, float64(j.Done)/secs, j.Kind, j.ID)
		}
	}
}

// info is what the middleware knows of a request, shared with the handlers
// through its context.
type info struct {
	id    string
	route string
}

type infoKey struct{}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if in, _ := ctx.Value(infoKey{}).(*info); in != nil {
		return in.id
	}
	return ""
}

// Route records the route pattern that matched r (r.Pattern), so that the
// request is counted under it rather than under its path (which would make
// one series per household). The muxes call it as they dispatch.
func Route(r *http.Request) {
	if in, _ := r.Context().Value(infoKey{}).(*info); in != nil && r.Pattern != "" {
		in.route = r.Pattern
	}
}

// HeaderRequestID is the header that carries the request id both ways: a
// proxy's id is kept when it is sane, and every answer returns it.
const HeaderRequestID = "X-Request-Id"

// Middleware gives every request an id, returns it in X-Request-Id, counts
// and times the request by route (m may be nil: no metrics) and logs one
// line per request at debug level with its id.
func Middleware(m *Metrics, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(HeaderRequestID)
		if !saneID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		in := &info{id: id}
		w.Header().Set(HeaderRequestID, id)
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, in))
		next.ServeHTTP(rec, r)
		route := in.route
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		if m != nil {
			m.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
			m.duration.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
		}
		if log != nil && log.Enabled(r.Context(), slog.LevelDebug) {
			log.DebugContext(r.Context(), "request", "method", r.Method, "route", route, "status", rec.status, "elapsed", elapsed)
		}
	})
}

// saneID accepts an incoming request id of 1–64 letters, digits, '-', '_'
// or '.', so that nothing odd reaches the logs or the headers.
func saneID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (flush,
// deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// LogHandler adds the request id of the context to every record logged with
// one (slog's …Context methods).
type LogHandler struct{ slog.Handler }

// Handle adds request_id when ctx carries one.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return LogHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper.
func (h LogHandler) WithGroup(name string) slog.Handler { return LogHandler{h.Handler.WithGroup(name)} }
