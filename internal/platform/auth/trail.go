package auth

import (
	"context"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
)

// The audit trail as people browse it: only administrators and auditors
// may, and the check is made here, below the pages and the API, like every
// other scope check. (package audit itself cannot ask: auth writes to it.)

func mayBrowseAudit(ctx context.Context) error {
	p := FromContext(ctx)
	switch {
	case p == nil:
		return fosis.Errorf(fosis.EUNAUTHORIZED, "sign in first")
	case !p.SeesAudit():
		return fosis.Errorf(fosis.EFORBIDDEN, "only administrators and auditors see the audit trail")
	}
	return nil
}

// BrowseAudit is audit.List for the principal of ctx.
func BrowseAudit(ctx context.Context, d *db.DB, f audit.Filter) ([]audit.Record, error) {
	if err := mayBrowseAudit(ctx); err != nil {
		return nil, err
	}
	return audit.List(ctx, d, f)
}

// VerifyAudit is audit.Verify for the principal of ctx.
func VerifyAudit(ctx context.Context, d *db.DB) (audit.Report, error) {
	if err := mayBrowseAudit(ctx); err != nil {
		return audit.Report{}, err
	}
	return audit.Verify(ctx, d)
}
