package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/portal"
	"github.com/fosis/fosis/internal/programs"
	"github.com/fosis/fosis/internal/registry"
)

// The citizen portal's session keys: the signed-in person's national ID
// key, and the sign-in attempt between leaving for the provider and coming
// back. A citizen's session never carries a staff account (keyUser), so
// staff pages treat a citizen as signed out.
const (
	keyCitizen    = "cid"
	keyOIDCState  = "oidc_state"
	keyOIDCNonce  = "oidc_nonce"
	keyOIDCVerify = "oidc_verifier"
)

// citizenOf returns the context of the citizen signed in to the portal in
// this session, or nil.
func (s *Server) citizenOf(r *http.Request) context.Context {
	v := viewerOf(r.Context())
	if v.sm == nil || v.p != nil {
		return nil
	}
	key := v.sm.GetInt64(r.Context(), keyCitizen)
	if key <= 0 {
		return nil
	}
	now := s.now().Unix()
	if seen := v.sm.GetInt64(r.Context(), keySeen); now-seen >= int64(IdleTimeout.Seconds()) {
		v.sm.Remove(r.Context(), keyCitizen)
		return nil
	} else if now-seen >= int64(touchEvery.Seconds()) {
		v.sm.Put(r.Context(), keySeen, now)
	}
	return portal.Citizen(r.Context(), key)
}

func (s *Server) portalRoutes(pages *routeMux) {
	pages.HandleFunc("GET /portal", s.portalHome)
	pages.HandleFunc("GET /portal/signin", s.portalSignin)
	pages.HandleFunc("GET /portal/callback", s.portalCallback)
	pages.HandleFunc("POST /portal/signout", s.portalSignout)
	pages.HandleFunc("GET /portal/statement.pdf", s.portalStatement)
	pages.HandleFunc("GET /portal/verify", s.requireUser(s.portalVerify))
	pages.HandleFunc("GET /portal/calls", s.portalCalls)
	pages.HandleFunc("POST /portal/calls/{code}/apply", s.portalApply)
	pages.HandleFunc("GET /portal/applications", s.portalApplications)
	s.portal2Routes(pages)
}

// portalCallsData is the open calls a person could apply to.
type portalCallsData struct {
	Calls []programs.CallCheck
	// Form and Error are the apply form of call Code as typed, after a
	// refusal.
	Code  string
	Form  map[string]string
	Error error
}

// FieldError returns the refusal of field, for the form.
func (d *portalCallsData) FieldError(code, field string) *fosis.FieldError {
	var fe *fosis.Error
	if d.Code != code || !errors.As(d.Error, &fe) {
		return nil
	}
	for i := range fe.Fields {
		if fe.Fields[i].Field == field {
			return &fe.Fields[i]
		}
	}
	return nil
}

func (s *Server) portalCalls(w http.ResponseWriter, r *http.Request) {
	s.portalCallsPage(w, r, http.StatusOK, &portalCallsData{Form: map[string]string{}})
}

func (s *Server) portalCallsPage(w http.ResponseWriter, r *http.Request, status int, d *portalCallsData) {
	ctx := s.citizenOf(r)
	if ctx == nil || s.cfg.Programs == nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	calls, err := s.cfg.Programs.OpenCallsFor(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Calls = calls
	s.render(w, r, status, "portal_calls", d)
}

func (s *Server) portalApply(w http.ResponseWriter, r *http.Request) {
	if viewerOf(r.Context()).p != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EFORBIDDEN, "portal.err.citizens_only", "the portal is for people signed in with their own identity"))
		return
	}
	ctx := s.citizenOf(r)
	if ctx == nil || s.cfg.Programs == nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, fosis.KeyedErrorf(fosis.EINVALID, "coop.err.form.bad", "the form could not be read; reload the page and try again"))
		return
	}
	if err := s.portalLimit(ctx, r, "apply"); err != nil {
		s.fail(w, r, err)
		return
	}
	code := r.PathValue("code")
	in := programs.OnlineApplication{Consent: r.PostFormValue("consent") == "yes", Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email")}
	if _, err := s.cfg.Programs.ApplyOnline(ctx, code, in); err != nil {
		switch fosis.ErrorCode(err) {
		case fosis.EINVALID, fosis.ECONFLICT:
			form := map[string]string{"phone": in.Phone, "email": in.Email}
			s.portalCallsPage(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), &portalCallsData{Code: code, Form: form, Error: err})
		default:
			s.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/portal/applications?applied="+url.QueryEscape(code), http.StatusSeeOther)
}

// portalApplicationsData is a person's applications.
type portalApplicationsData struct {
	Applications []programs.Application
	Applied      string // the call just applied to
	Withdrawn    string // the call whose application was just withdrawn
	Error        error  // a withdrawal refused
}

func (s *Server) portalApplications(w http.ResponseWriter, r *http.Request) {
	ctx := s.citizenOf(r)
	if ctx == nil || s.cfg.Programs == nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	apps, err := s.cfg.Programs.MyApplications(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "portal_applications", &portalApplicationsData{Applications: apps, Applied: r.URL.Query().Get("applied"), Withdrawn: r.URL.Query().Get("withdrawn")})
}

// portalData is the portal's page.
type portalData struct {
	Enabled    bool // a provider is configured
	SignedIn   bool
	NotInReg   bool // signed in, but not in the registry
	Household  *portal.Household
	Error      error
	StaffHere  bool // a staff account is signed in: the portal is for people
	ProviderID string
	// Corrections are the person's requests to correct their household;
	// Corrected is set just after asking for one.
	Corrections []registry.ChangeRequest
	Corrected   bool
}

func (s *Server) portalHome(w http.ResponseWriter, r *http.Request) {
	d := &portalData{Enabled: s.cfg.Portal != nil && s.cfg.PortalOIDC != nil, StaffHere: viewerOf(r.Context()).p != nil}
	if d.Enabled {
		d.ProviderID = s.cfg.PortalOIDCName
	}
	ctx := s.citizenOf(r)
	if ctx == nil || s.cfg.Portal == nil {
		s.render(w, r, http.StatusOK, "portal", d)
		return
	}
	d.SignedIn = true
	h, err := s.cfg.Portal.Mine(ctx, viewerOf(r.Context()).lang)
	switch {
	case fosis.ErrorCode(err) == fosis.ENOTFOUND:
		d.NotInReg = true
	case err != nil:
		s.fail(w, r, err)
		return
	}
	d.Household = h
	if h != nil {
		if d.Corrections, err = s.cfg.Portal.Corrections(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		d.Corrected = r.URL.Query().Get("corrected") != ""
	}
	s.render(w, r, http.StatusOK, "portal", d)
}

// portalSignin sends the person to the provider, keeping the attempt
// (state, nonce, PKCE verifier) in their session.
func (s *Server) portalSignin(w http.ResponseWriter, r *http.Request) {
	v := viewerOf(r.Context())
	if s.cfg.PortalOIDC == nil || v.sm == nil {
		s.render(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), "error", errorData{Message: "portal.unavailable"})
		return
	}
	url, a := s.cfg.PortalOIDC.Begin()
	v.sm.Put(r.Context(), keyOIDCState, a.State)
	v.sm.Put(r.Context(), keyOIDCNonce, a.Nonce)
	v.sm.Put(r.Context(), keyOIDCVerify, a.Verifier)
	http.Redirect(w, r, url, http.StatusFound)
}

// portalCallback finishes the sign-in: the attempt is used once, whatever
// the outcome.
func (s *Server) portalCallback(w http.ResponseWriter, r *http.Request) {
	v := viewerOf(r.Context())
	if s.cfg.PortalOIDC == nil || v.sm == nil {
		s.render(w, r, fosis.HTTPStatus(fosis.ENOTFOUND), "error", errorData{Message: "portal.unavailable"})
		return
	}
	ctx := r.Context()
	a := portal.Attempt{State: v.sm.PopString(ctx, keyOIDCState), Nonce: v.sm.PopString(ctx, keyOIDCNonce), Verifier: v.sm.PopString(ctx, keyOIDCVerify)}
	q := r.URL.Query()
	key, err := s.cfg.PortalOIDC.Finish(ctx, a, q.Get("state"), q.Get("code"))
	if err != nil {
		s.log.Info("portal sign-in refused", "err", err)
		d := &portalData{Enabled: true, Error: err, ProviderID: s.cfg.PortalOIDCName}
		s.render(w, r, fosis.HTTPStatus(fosis.ErrorCode(err)), "portal", d)
		return
	}
	if err := v.sm.RenewToken(ctx); err != nil { // no session fixation
		s.fail(w, r, err)
		return
	}
	v.sm.Remove(ctx, keyUser)
	v.sm.Put(ctx, keyCitizen, key)
	v.sm.Put(ctx, keySeen, s.now().Unix())
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

func (s *Server) portalSignout(w http.ResponseWriter, r *http.Request) {
	if v := viewerOf(r.Context()); v.sm != nil {
		v.sm.Remove(r.Context(), keyCitizen)
		v.sm.RenewToken(r.Context())
	}
	http.Redirect(w, r, "/portal", http.StatusSeeOther)
}

// portalStatement downloads the signed-in person's statement as a PDF.
func (s *Server) portalStatement(w http.ResponseWriter, r *http.Request) {
	ctx := s.citizenOf(r)
	if ctx == nil || s.cfg.Portal == nil {
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	if err := s.portalLimit(ctx, r, "statement"); err != nil {
		s.fail(w, r, err)
		return
	}
	st, pdf, err := s.cfg.Portal.IssueStatement(ctx, viewerOf(r.Context()).lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="certificado-`+st.Code+`.pdf"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
}

// portalVerifyData is the staff page that checks a statement's code.
type portalVerifyData struct {
	Code      string
	Statement *portal.Statement
	NotFound  bool
}

func (s *Server) portalVerify(w http.ResponseWriter, r *http.Request) {
	d := &portalVerifyData{Code: r.URL.Query().Get("code")}
	if d.Code != "" && s.cfg.Portal != nil {
		st, err := s.cfg.Portal.VerifyStatement(r.Context(), d.Code)
		switch {
		case fosis.ErrorCode(err) == fosis.ENOTFOUND:
			d.NotFound = true
		case err != nil:
			s.fail(w, r, err)
			return
		}
		d.Statement = st
	}
	if p := auth.FromContext(r.Context()); p != nil && !p.SeesRegistry() {
		s.fail(w, r, fosis.Errorf(fosis.EFORBIDDEN, "your role (%s) does not give access to the social registry", p.Role))
		return
	}
	s.render(w, r, http.StatusOK, "portal_verify", d)
}
