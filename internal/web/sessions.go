package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// Session lifetimes: a sign-in ends after IdleTimeout without a request, and
// in any case Lifetime after sign-in.
//
// The idle timeout is kept by fosis, not by scs: scs would write the session
// back to the database at every request to move its expiry, one write per
// page view. fosis records when the user was last seen and writes it only
// when it is more than touchEvery old, so the idle timeout is exact to
// within touchEvery and a page view is a read.
const (
	IdleTimeout = 30 * time.Minute
	Lifetime    = 12 * time.Hour
	touchEvery  = time.Minute
)

// Session keys.
const (
	keyUser  = "uid"   // int64: the signed-in user's id; absent when signed out
	keyLang  = "lang"  // string: "es" or "en", chosen with the language switch
	keySeen  = "seen"  // int64: Unix time the signed-in user was last seen
	keyStamp = "stamp" // string: the user's credential stamp at sign-in (a new password ends the session)
)

// newSessions returns two session managers over the same store that differ
// only in the cookie's Secure attribute: sessionsFor picks the secure one for
// TLS requests (or always, with Config.SecureCookies). Each manager keeps its
// session under its own context key, so a request uses one manager from
// start to end.
func newSessions(store *sessionStore, log *slog.Logger) (plain, secure *scs.SessionManager) {
	mk := func(sec bool) *scs.SessionManager {
		m := scs.New()
		m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return // the client went away: nothing to answer
			}
			log.Error("session", "path", r.URL.Path, "err", err)
			http.Error(w, http.StatusText(fosis.HTTPStatus(fosis.EINTERNAL)), fosis.HTTPStatus(fosis.EINTERNAL))
		}
		m.Store = store
		m.Codec = sessionCodec{}
		m.Lifetime = Lifetime // the idle timeout: see keySeen
		m.Cookie.Name = "fosis_session"
		m.Cookie.HttpOnly = true
		m.Cookie.SameSite = http.SameSiteLaxMode
		m.Cookie.Path = "/"
		m.Cookie.Persist = false // gone when the browser closes: offices share computers
		m.Cookie.Secure = sec
		return m
	}
	return mk(false), mk(true)
}

// sessionStore keeps scs sessions in the sessions table through
// auth.Sessions (the table's SQL lives in platform/auth, beside the
// account it names), whose layout is exactly the one scs's sqlite3store and
// postgresstore expect. It goes through db.DB rather than those stores
// because they need a *sql.DB, and on SQLite all writes must queue on
// db.DB's one writer connection: a second writer pool would meet
// SQLITE_BUSY under load.
//
// The account a session is signed in as is kept in the row too (user_id,
// migration 00015, written with the data in one statement), and with a
// user store that reads both at once (auth.Store.SessionUser) the session
// and its account come in one query: FindCtx leaves the account in the
// request's accountSlot for withSession.
type sessionStore struct {
	rows  *auth.Sessions
	users *auth.Store // reads a session with its account (SessionUser); nil without accounts
}

// accountSlot carries, within one request, the account FindCtx read with
// the session; withSession puts an empty one in the context.
type accountSlot struct {
	read bool       // FindCtx read the session with its account
	u    *auth.User // nil: the row names no account, or it is gone
}

type accountSlotKey struct{}

var _ scs.CtxStore = (*sessionStore)(nil)

func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if s.users != nil {
		b, u, found, err := s.users.SessionUser(ctx, token)
		if slot, ok := ctx.Value(accountSlotKey{}).(*accountSlot); ok && err == nil && found {
			slot.read, slot.u = true, u
		}
		return b, found, err
	}
	return s.rows.Find(ctx, token)
}

func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	// The account signed in, from the data itself, so that the two never
	// disagree.
	var user int64
	if _, values, err := (sessionCodec{}).Decode(b); err == nil {
		user, _ = values[keyUser].(int64)
	}
	return s.rows.Commit(ctx, token, b, expiry, user)
}

func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.rows.Delete(ctx, token)
}

// deleteExpired removes ended sessions. It runs at each sign-in, which is
// often enough to bound the table and needs no background goroutine.
func (s *sessionStore) deleteExpired(ctx context.Context) error {
	return s.rows.DeleteExpired(ctx)
}

// The context-free methods are required by scs.Store; scs calls the Ctx ones.

func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *sessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}
