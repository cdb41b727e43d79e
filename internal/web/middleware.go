package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// (Config.SecureCookies): a year, this host only.
func securityHeaders(next http.Handler, hsts bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if hsts {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store") // pages carry personal data
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", p)
				http.Error(w, http.StatusText(fosis.HTTPStatus(fosis.EINTERNAL)), fosis.HTTPStatus(fosis.EINTERNAL))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// viewer is who is asking, in which language; it lives in the request context.
type viewer struct {
	sm   *scs.SessionManager
	p    *auth.Principal // nil when signed out
	name string
	lang string
}

type viewerKey struct{}

func viewerOf(ctx context.Context) *viewer {
	if v, ok := ctx.Value(viewerKey{}).(*viewer); ok {
		return v
	}
	return &viewer{lang: "es"}
}

// sessionsFor picks the session manager whose cookie is Secure when the
// request came over TLS (or always, with Config.SecureCookies).
func (s *Server) sessionsFor(r *http.Request) *scs.SessionManager {
	if r.TLS != nil || s.cfg.SecureCookies {
		return s.sessions[1]
	}
	return s.sessions[0]
}

// withSession loads the session and, if someone is signed in, their account:
// read at every request, so that a disabled account or a changed role or
// region takes effect at once. The principal goes into the context, where
// the slices find it and enforce its scope.
func (s *Server) withSession(next http.Handler) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm := s.sessionsFor(r)
		ctx := r.Context()
		v := &viewer{sm: sm, lang: validLang(sm.GetString(ctx, keyLang))}
		if v.lang == "" {
			v.lang = acceptLang(r)
		}
		id := sm.GetInt64(ctx, keyUser)
		if id != 0 {
			now := s.now().Unix()
			switch seen := sm.GetInt64(ctx, keySeen); {
			case now-seen >= int64(IdleTimeout/time.Second):
				sm.Remove(ctx, keyUser) // idle too long: signed out
				sm.Remove(ctx, keySeen)
				id = 0
			case now-seen >= int64(touchEvery/time.Second):
				sm.Put(ctx, keySeen, now)
			}
		}
		if id != 0 {
			// The account as read with the session (one query), or on its
			// own when the session row does not name it (a session written
			// before migration 00015).
			var u *auth.User
			var err error
			if slot, ok := ctx.Value(accountSlotKey{}).(*accountSlot); ok && slot.read && slot.u != nil && slot.u.ID == id {
				u = slot.u
			} else {
				u, err = s.cfg.Users.UserByID(ctx, id)
			}
			switch {
			case err == nil && u.Active && sm.GetString(ctx, keyStamp) == u.CredentialStamp():
				v.p, v.name = u.Principal(), u.DisplayName
				if v.name == "" {
					v.name = u.Username
				}
				ctx = auth.WithPrincipal(ctx, v.p)
			case err == nil || fosis.ErrorCode(err) == fosis.ENOTFOUND:
				sm.Remove(ctx, keyUser) // account gone or disabled, or a new password: signed out
			default:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, viewerKey{}, v)))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), accountSlotKey{}, &accountSlot{}))
		s.sessionsFor(r).LoadAndSave(inner).ServeHTTP(w, r)
	})
}

// requireUser sends visitors who are not signed in to the sign-in page,
// then back.
func (s *Server) requireUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if viewerOf(r.Context()).p == nil {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r)
	}
}

// errorData is the error page's content: a catalog key, and an optional
// argument shown in it (escaped like everything else).
