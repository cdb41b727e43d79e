package programs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fosis/fosis/internal/platform/db"
)

// TerritoryCodesInUse says which of the given commune and region codes the
// programmes still use (agency contracts, call quotas, applications), one
// line each, so that a change of territory that removes them is refused
// (registry.CodeUsers).
func (s *Store) TerritoryCodesInUse(ctx context.Context, communes, regions []string) ([]string, error) {
	return codesInUse(ctx, s.db, communes, regions, []codeUse{
		{"commune", "agency contracts", `SELECT commune_code, count(*) FROM agency_contract_communes GROUP BY commune_code`},
		{"commune", "call quotas", `SELECT commune_code, count(*) FROM call_communes GROUP BY commune_code`},
		{"commune", "applications", `SELECT commune_code, count(*) FROM applications GROUP BY commune_code`},
		{"region", "call quotas", `SELECT region_code, count(*) FROM call_regions GROUP BY region_code`},
		{"region", "applications", `SELECT region_code, count(*) FROM applications GROUP BY region_code`},
	})
}

// codeUse is a query counting the rows that use each code of a kind.
type codeUse struct{ kind, what, sql string }

func codesInUse(ctx context.Context, d *db.DB, communes, regions []string, uses []codeUse) ([]string, error) {
	wanted := map[string]map[string]bool{"commune": {}, "region": {}}
	for _, c := range communes {
		wanted["commune"][c] = true
	}
	for _, r := range regions {
		wanted["region"][r] = true
	}
	var out []string
	for _, u := range uses {
		if len(wanted[u.kind]) == 0 {
			continue
		}
		err := db.Each(ctx, d, func(rows *sql.Rows) error {
			var code string
			var n int64
			if err := rows.Scan(&code, &n); err != nil {
				return err
			}
			if wanted[u.kind][code] {
				out = append(out, fmt.Sprintf("%s %s: %d %s", u.kind, code, n, u.what))
			}
			return nil
		}, u.sql)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
