package registry

import (
	"context"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// Every read and write of the registry runs as a principal taken from the
// context (auth.WithPrincipal): the command line runs as auth.System(), the
// API as the token's user. No principal means no access, so a forgotten one
// fails closed.

func caller(ctx context.Context) (*auth.Principal, error) { return auth.Caller(ctx) }

func national(ctx context.Context, write bool) (*auth.Principal, error) {
	return auth.National(ctx, write)
}

// outOfScope is the error for a household outside the caller's territory: the
// same as for one that does not exist, so that scope does not reveal existence.
func outOfScope(what string) error {
	return fosis.Errorf(fosis.ENOTFOUND, "no %s", what)
}
