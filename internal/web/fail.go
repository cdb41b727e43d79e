package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fosis/fosis"
)

type errorData struct {
	Message string
	Arg     string
	Detail  string // a keyed refusal said in the reader's language (fosis.Error.Key)
}

// fail renders an error from a slice. Not found and out of scope are the
// same error (the registry makes them so) and look the same here.
//
// A refusal that carries a catalog key (fosis.Error.Key) is also said in
// the reader's language under the generic heading; others show only the
// heading, as their English text may not be meant for every reader.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := fosis.ErrorCode(err)
	heading, ok := failHeadings[code]
	switch {
	case code == fosis.EUNAUTHORIZED:
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
		return
	case !ok:
		if !errors.Is(err, context.Canceled) {
			s.log.Error("request", "path", r.URL.Path, "err", err)
		}
		s.render(w, r, fosis.HTTPStatus(fosis.EINTERNAL), "error", errorData{Message: "error.internal"})
		return
	}
	detail := ""
	if e := (*fosis.Error)(nil); errors.As(err, &e) && e.Key != "" {
		detail = s.msgs.Say(viewerOf(r.Context()).lang, e.Phrase())
	}
	setRetryAfter(w, err)
	s.render(w, r, fosis.HTTPStatus(code), "error", errorData{Message: heading, Detail: detail})
}

// failHeadings is the error page's heading for each error code a refusal
// may carry; the status is fosis.HTTPStatus's. Anything else is an internal
// error, logged and not shown.
var failHeadings = map[string]string{
	fosis.ENOTFOUND:    "error.notfound",
	fosis.EFORBIDDEN:   "error.forbidden",
	fosis.EINVALID:     "error.invalid",
	fosis.ECONFLICT:    "error.conflict",
	fosis.EUNAVAILABLE: "error.unavailable",
	fosis.ELIMITED:     "error.limited",
}

// setRetryAfter says when to try again, for an error that knows
// (fosis.Error.RetryAfter: a sign-in lock).
func setRetryAfter(w http.ResponseWriter, err error) {
	if n := fosis.RetryAfter(err); n > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(n))
	}
}

// localPath returns next if it is a path on this site, else "/": the
// sign-in and language forms must not redirect elsewhere. Browsers drop
// tabs and line breaks from a URL and read a backslash as a slash, so
// "/<TAB>/host" or "/\\host" would leave the site: only printable ASCII
// without backslashes or spaces is kept, starting with a single "/"
// followed by a path character, with no empty, "." or ".." segment; and
// so again once and twice decoded (where spaces and other letters are
// fine), so that an encoded slash, backslash or control character does not
