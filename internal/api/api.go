// Package api serves fosis's JSON API under /api/v1 and the health endpoint.
// Handlers parse the request, call a slice and write JSON; errors carry a
// stable code, and one function maps codes to HTTP statuses.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/cooperation"
	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/knowledge"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/jobs"
	"github.com/fosis/fosis/internal/platform/observe"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/results"
	"github.com/fosis/fosis/internal/targeting"
)

// Server holds what the handlers need.
type Server struct {
	DB        *db.DB
	Registry  *registry.Store
	Targeting *targeting.Store
	Programs  *programs.Store
	Tokens    TokenAuthenticator
	// Users serves the administration endpoints (users, tokens).
	Users *auth.Store
	Log   *slog.Logger
	// Jobs runs imports in the background (nil: no import endpoint).
	Jobs *jobs.Tracker
	// UploadDir is where uploaded extracts wait for their import (the
	// system's temporary folder if empty); MaxUpload bounds an upload, in
	// bytes (4 GiB if zero).
	UploadDir string
	MaxUpload int64

	// Cooperation serves /api/v1/cooperation and Knowledge /api/v1/knowledge
	// (nil: those answer 503).
	Cooperation *cooperation.Store
	Knowledge   *knowledge.Store

	// Funds serves /api/v1/funds (nil: it answers 503).
	Funds *funds.Store

	// WarmFrame says the server keeps the registry's shared frame warm
	// (serve --warm-frame): /readyz then waits for it.
	WarmFrame bool
	// HSTS adds Strict-Transport-Security to every answer: set when the
	// server is reached over HTTPS only (serve --secure-cookies).
	HSTS bool
	// Delivery serves /api/v1/cases and /api/v1/sessions (nil: 503).
	Delivery *delivery.Store
	// Results serves /api/v1/results (nil: 503).
	Results *results.Store
}

// apiCSP forbids everything a browser could do with an answer (it is JSON,
// never a page to render or frame), so that a response read in a browser
// tab cannot run or load anything.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// hstsValue is the Strict-Transport-Security header of the API and the
// pages: one year, this host only (the proxy decides about subdomains).
const hstsValue = "max-age=31536000"

// TokenAuthenticator turns an API bearer token into the principal it acts
// for, and the scopes it was given ("read", "write").
type TokenAuthenticator interface {
	AuthenticateToken(ctx context.Context, secret string) (*auth.Principal, []string, error)
}

// route is one endpoint: its method, its path pattern (net/http syntax) and
// whether it is served without a token. Handler registers exactly these, and
// the OpenAPI test compares them with openapi.json, so the document cannot
// drift from the routes.
type route struct {
	method, pattern string
	public          bool
	handler         http.Handler
}

// routes is the table of every endpoint. Public ones are the health check
// and the API's own description, which hold no registry data.
func (s *Server) routes() []route {
	return append([]route{
		{"GET", "/healthz", true, http.HandlerFunc(s.health)},
		{"GET", "/readyz", true, http.HandlerFunc(s.ready)},
		{"GET", "/api/v1/openapi.json", true, http.HandlerFunc(serveOpenAPI)},
		{"GET", "/api/v1/households/{id}", false, handle(s.household)},
		{"GET", "/api/v1/households/{id}/sensitive", false, handle(s.sensitive)},
		{"GET", "/api/v1/persons", false, handle(s.searchNames)},
		{"GET", "/api/v1/persons/{run}/household", false, handle(s.householdOfRUN)},
		{"GET", "/api/v1/communes/{code}/households", false, handle(s.listByCommune)},
		{"GET", "/api/v1/territory", false, handle(s.territory)},
		{"GET", "/api/v1/score/runs", false, handle(s.runs)},
		{"GET", "/api/v1/score/runs/{run}", false, handle(s.run)},
		{"GET", "/api/v1/imports", false, handle(s.imports)},
		{"POST", "/api/v1/imports", false, handleW(s.startImport)},
		{"GET", "/api/v1/imports/{id}/problems", false, http.HandlerFunc(s.importProblems)},
		{"GET", "/api/v1/jobs/{id}", false, handle(s.job)},
		{"GET", "/api/v1/users", false, handle(s.users)},
		{"POST", "/api/v1/users", false, handleW(s.createUser)},
		{"POST", "/api/v1/users/{id}/active", false, handleW(s.setActive)},
		{"POST", "/api/v1/users/{id}/role", false, handleW(s.setRole)},
		{"POST", "/api/v1/users/{id}/password", false, handleW(s.resetPassword)},
		{"GET", "/api/v1/tokens", false, handle(s.tokens)},
		{"POST", "/api/v1/tokens/{id}/revoke", false, handleW(s.revokeToken)},
		{"GET", "/api/v1/audit", false, handle(s.auditTrail)},
		{"POST", "/api/v1/audit/verify", false, handleW(s.auditVerify)},
		{"GET", "/api/v1/score/runs/{run}/regions", false, handle(s.runRegions)},
		{"GET", "/api/v1/score/runs/{run}/regions/{region}/communes", false, handle(s.runCommunes)},
		{"GET", "/api/v1/score/diff", false, handle(s.diff)},
		{"GET", "/api/v1/score/diff/moved", false, handle(s.diffMoved)},
		{"POST", "/api/v1/score/what-if", false, handle(s.whatIf)},
		{"POST", "/api/v1/score/what-if/moved", false, handle(s.whatIfMoved)},
		{"GET", "/api/v1/programs", false, handle(s.programsList)},
		{"GET", "/api/v1/programs/{code}", false, handle(s.program)},
		{"POST", "/api/v1/programs", false, handle(s.saveProgram)},
		{"GET", "/api/v1/programs/{code}/versions", false, handle(s.programVersions)},
		{"GET", "/api/v1/agencies", false, handle(s.agencies)},
		{"POST", "/api/v1/agencies", false, handle(s.createAgency)},
		{"POST", "/api/v1/agencies/{code}/contracts", false, handle(s.addContract)},
		{"POST", "/api/v1/agencies/{code}/staff", false, handle(s.addStaff)},
		{"GET", "/api/v1/calls", false, handle(s.callsList)},
		{"POST", "/api/v1/calls", false, handle(s.createCall)},
		{"GET", "/api/v1/calls/{code}", false, handle(s.call)},
		{"POST", "/api/v1/calls/{code}/status", false, handle(s.callStatus)},
		{"GET", "/api/v1/calls/{code}/applications", false, handle(s.callApplications)},
		{"POST", "/api/v1/calls/{code}/applications", false, handle(s.apply)},
		{"POST", "/api/v1/calls/{code}/applications/import", false, handleW(s.importApplications)},
		{"GET", "/api/v1/calls/{code}/preview", false, handle(s.preview)},
		{"POST", "/api/v1/calls/{code}/whatif", false, handle(s.callWhatIf)},
		{"GET", "/api/v1/calls/{code}/selection", false, handle(s.selection)},
		{"POST", "/api/v1/calls/{code}/selection", false, handle(s.runSelection)},
		{"GET", "/api/v1/applications/{id}", false, handle(s.application)},
		{"POST", "/api/v1/applications/{id}/withdraw", false, handle(s.withdraw)},
		{"POST", "/api/v1/applications/{id}/enroll", false, handle(s.enroll)},
	}, append(append(append(append(append(append(append(append(append(s.changeRoutes(), s.coopRoutes()...), s.knowledgeRoutes()...), s.deliveryRoutes()...), s.fundsRoutes()...), s.directoryRoutes()...), s.microcreditRoutes()...), s.resultsRoutes()...), s.fundsParticipantRoutes()...), s.trainingRoutes()...)...)
}

// routed tells the metrics which route pattern served the request.
func routed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		observe.Route(r)
		h.ServeHTTP(w, r)
	})
}

// Handler returns the routes, wrapped with logging and panic recovery.
func (s *Server) Handler() http.Handler {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	api := http.NewServeMux()
	for _, rt := range s.routes() {
		h := routed(rt.handler)
		if rt.public {
			mux.Handle(rt.method+" "+rt.pattern, h)
		} else {
			api.Handle(rt.method+" "+rt.pattern, h)
		}
	}
	// Anything else under /api/v1/ is a 404 in the error shape, behind the
	// token check like the real routes: without a token, every path that is
	// not public answers 401, whether it exists or not.
	api.Handle("/api/v1/", handle(func(*http.Request) (any, error) {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "no such API endpoint")
	}))
	mux.Handle("/api/v1/", s.authenticate(api))
	return s.middleware(mux)
}

// authenticate requires an API bearer token and runs the request as the
// token's principal: every slice then enforces that principal's scope.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || s.Tokens == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fosis"`)
			writeError(w, fosis.Errorf(fosis.EUNAUTHORIZED, "an API token is required: send Authorization: Bearer <token> (create one with 'fosis tokens create')"))
			return
		}
		p, scopes, err := s.Tokens.AuthenticateToken(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fosis", error="invalid_token"`)
			writeError(w, err)
			return
		}
		need := "read"
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			need = "write"
		}
		if !slices.Contains(scopes, need) {
			writeError(w, fosis.Errorf(fosis.EFORBIDDEN, "this token lacks the %q scope", need))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				s.Log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", p)
				writeError(w, errors.New("panic"))
			}
		}()
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", apiCSP)
		h.Set("Referrer-Policy", "no-referrer")
		if s.HSTS {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		next.ServeHTTP(w, r)
		s.Log.Debug("request", "method", r.Method, "path", r.URL.Path, "elapsed", time.Since(start))
	})
}

// handle adapts a handler that returns a value (written as JSON) or an error.
func handle(fn func(r *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(r)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// handleW is handle for handlers that need the response writer (to bound
// the request body); a value with a status method sets the status.
func handleW(fn func(w http.ResponseWriter, r *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(w, r)
		if err != nil {
			writeError(w, err)
			return
		}
		status := http.StatusOK
		if s, ok := v.(interface{ status() int }); ok {
			status = s.status()
		}
		writeJSON(w, status, v)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// ErrorBody is the shape of every error response.
type ErrorBody struct {
	Error struct {
		Code    string             `json:"code"`
		Message string             `json:"message"`
		Fields  []fosis.FieldError `json:"fields,omitempty"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, err error) {
	var body ErrorBody
	body.Error.Code, body.Error.Message = fosis.ErrorCode(err), fosis.ErrorMessage(err)
	var fe *fosis.Error
	if errors.As(err, &fe) {
		body.Error.Fields = fe.Fields
	}
	if errors.Is(err, context.Canceled) {
		body.Error.Code, body.Error.Message = fosis.EUNAVAILABLE, "the request was cancelled"
	}
	if n := fosis.RetryAfter(err); n > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(n))
	}
	writeJSON(w, fosis.HTTPStatus(body.Error.Code), body)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status, code := "ok", http.StatusOK
	if err := s.DB.Ping(ctx); err != nil {
		status, code = "database unreachable", fosis.HTTPStatus(fosis.EUNAVAILABLE)
	}
	cur, newest, _ := s.DB.SchemaStatus(ctx)
	writeJSON(w, code, map[string]any{"status": status, "engine": s.DB.Engine, "schema_version": cur, "schema_newest": newest})
}
