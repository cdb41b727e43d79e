package web

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/fosis/fosis"
)

// slip through a later decoding.
func localPath(next string) string {
	s := next
	for i := range 3 {
		if !plainLocalPath(s, i > 0) {
			return "/"
		}
		u, err := url.PathUnescape(s)
		if err != nil {
			return "/"
		}
		s = u
	}
	return next
}

// plainLocalPath reports whether s, taken literally, is a path of this
// site (see localPath); decoded allows spaces and bytes beyond ASCII.
func plainLocalPath(s string, decoded bool) bool {
	if len(s) == 0 || s[0] != '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c == 0x7f || c == '\\' || !decoded && (c == ' ' || c > 0x7f) {
			return false
		}
	}
	p := s
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if p == "/" {
		return true
	}
	for seg := range strings.SplitSeq(strings.TrimSuffix(p[1:], "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// signinData is the sign-in form's content.
type signinData struct {
	Username string
	Next     string
	Error    string // catalog key
}

// signinRefusals is what the sign-in form says for each refusal of
// Authenticate; its status is fosis.HTTPStatus's (401, 429 with
// Retry-After, 403).
var signinRefusals = map[string]string{
	fosis.EUNAUTHORIZED: "signin.failed",
	fosis.ELIMITED:      "signin.locked",
	fosis.EFORBIDDEN:    "signin.disabled",
}

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	if viewerOf(r.Context()).p != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", signinData{Next: localPath(r.URL.Query().Get("next"))})
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v := viewerOf(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	data := signinData{Username: username, Next: localPath(r.PostFormValue("next"))}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	p, err := s.cfg.Users.Authenticate(ctx, username, password, ip)
	if err != nil {
		code := fosis.ErrorCode(err)
		if data.Error = signinRefusals[code]; data.Error == "" {
			s.fail(w, r, err)
			return
		}
		setRetryAfter(w, err)
		s.render(w, r, fosis.HTTPStatus(code), "signin", data)
		return
	}
	u, err := s.cfg.Users.UserByID(ctx, p.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A new token at sign-in: a token planted before it (session fixation)
	// is worth nothing after it.
	if err := v.sm.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	v.sm.Put(ctx, keyUser, u.ID)
	v.sm.Put(ctx, keySeen, s.now().Unix())
	v.sm.Put(ctx, keyStamp, u.CredentialStamp())
	if validLang(u.Language) != "" {
		v.sm.Put(ctx, keyLang, u.Language)
	}
	if err := s.store.deleteExpired(ctx); err != nil {
		s.log.Warn("delete expired sessions", "err", err)
	}
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if err := viewerOf(r.Context()).sm.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// setLang remembers the chosen language in the session, for signed-in users
// and visitors alike, and goes back to the page it was chosen on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	v := viewerOf(r.Context())
	if l := validLang(r.PostFormValue("lang")); l != "" {
		v.sm.Put(r.Context(), keyLang, l)
		// A signed-in user's choice is kept with the account, so the next
		// sign-in, on any device, opens in it. The session already has it, so
		// a failure here costs only that: it is logged, not shown.
		if v.p != nil {
			if err := s.cfg.Users.SetLanguage(r.Context(), v.p, l); err != nil {
				s.log.Warn("remember the language", "user", v.p.Username, "err", err)
			}
		}
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// homeData is the home page's content: the user's dashboard, the search box
// and its outcome, and the communes of the user's territory for the commune
// picker (search box and picker only for roles that see the registry).
