package registry

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/audit"
	"github.com/fosis/fosis/internal/platform/db"
)

// SensitiveView is a member's sensitive personal data (Ley 21.719): health
// plan, disability, dependency, indigenous identity and pregnancy.
type SensitiveView struct {
	RUN        string `json:"run"`
	HealthPlan string `json:"health_plan"`
	Disability string `json:"disability"`
	Dependency string `json:"dependency"`
	Indigenous bool   `json:"indigenous"`
	Pregnant   bool   `json:"pregnant"`
}

// SensitiveRead is the answer to a sensitive read: the data, and the audit
// entry that recorded the read.
type SensitiveRead struct {
	HouseholdID string          `json:"household_id"`
	Members     []SensitiveView `json:"members"`
	AuditSeq    int64           `json:"audit_seq"`
}

// Sensitive returns the sensitive data of a household's members to a caller
// whose role needs it (and whose territory includes the household). Every
// such read is written to the audit trail — who read whose data, and which
// fields — in the same transaction that reads it, so there is no read
// without its record.
func (s *Store) Sensitive(ctx context.Context, id string, ip string) (*SensitiveRead, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.SeesSensitive() {
		return nil, fosis.Errorf(fosis.EFORBIDDEN, "your role (%s) may not read sensitive personal data", p.Role)
	}
	out := &SensitiveRead{HouseholdID: id, Members: []SensitiveView{}}
	err = s.db.Transact(ctx, func(tx *db.Tx) error {
		var key int64
		var region string
		err := tx.QueryRowContext(ctx, `SELECT h.id, c.region_code FROM households h JOIN communes c ON c.code = h.commune_code
			WHERE h.household_id = ?`, id).Scan(&key, &region)
		if err == sql.ErrNoRows || (err == nil && !p.SeesRegion(region)) {
			return outOfScope(fmt.Sprintf("household with id %q", id))
		}
		if err != nil {
			return err
		}
		var runs []string
		err = db.Each(ctx, tx, func(rows *sql.Rows) error {
			var v SensitiveView
			var run int64
			var indigenous, pregnant int
			if err := rows.Scan(&run, &v.HealthPlan, &v.Disability, &v.Dependency, &indigenous, &pregnant); err != nil {
				return err
			}
			v.RUN, v.Indigenous, v.Pregnant = s.IDScheme().Canonical(run), indigenous == 1, pregnant == 1
			out.Members = append(out.Members, v)
			runs = append(runs, v.RUN)
			return nil
		}, `SELECT run, health_plan, disability, dependency, indigenous, pregnant
			FROM persons WHERE household = ? ORDER BY run`, key)
		if err != nil {
			return err
		}
		out.AuditSeq, err = audit.Append(ctx, tx, audit.Entry{Actor: p.Username, ActorRole: string(p.Role),
			Action: "person.sensitive_read", Entity: "household", EntityID: id, IP: ip,
			After: map[string]any{"runs": runs, "fields": []string{"health_plan", "disability", "dependency", "indigenous", "pregnant"}}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
