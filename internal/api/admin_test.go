package api_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
)

// newAdminServer serves the API over a real user store with an
// administrator, an auditor and an analyst, each with a token (read-write
// but for the auditor, who only reads).
// It returns the tokens and the accounts' ids by role, and "spare-token",
// the id of a second token of the analyst.
func newAdminServer(t *testing.T) (*httptest.Server, map[string]string, map[string]string) {
	t.Helper()
	ctx := auth.WithPrincipal(context.Background(), auth.System())
	d := dbtest.Open(t)
	if err := registry.NewStore(d, geo.Chile(), nil).SyncTerritory(ctx); err != nil { // regions, for regional officers
		t.Fatal(err)
	}
	users := auth.NewStore(d, time.Now)
	toks, ids := map[string]string{}, map[string]string{}
	for _, r := range []auth.Role{auth.RoleAdmin, auth.RoleAuditor, auth.RoleAnalyst} {
		u, err := users.CreateUser(ctx, auth.System(), auth.NewUser{Username: string(r) + "-1", Role: r, Password: auth.GeneratePassword()})
		if err != nil {
			t.Fatal(err)
		}
		scopes := []string{"read", "write"}
		if !u.Principal().Writes() {
			scopes = scopes[:1]
		}
		secret, _, err := users.CreateToken(ctx, auth.System(), u.ID, "test", scopes, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		toks[string(r)], ids[string(r)] = secret, strconv.FormatInt(u.ID, 10)
		if r == auth.RoleAnalyst {
			_, tk, err := users.CreateToken(ctx, auth.System(), u.ID, "spare", []string{"read"}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			ids["spare-token"] = strconv.FormatInt(tk.ID, 10)
		}
	}
	srv := httptest.NewServer((&api.Server{DB: d, Tokens: users, Users: users}).Handler())
	t.Cleanup(srv.Close)
	return srv, toks, ids
}
