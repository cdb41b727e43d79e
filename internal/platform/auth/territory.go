package auth

import (
	"context"
	"fmt"
)

// RegionsInUse says which of the given region codes are regional officers'
// regions, one line each, so that a change of territory that removes them
// is refused. communes is ignored (accounts name regions only).
func (s *Store) RegionsInUse(ctx context.Context, communes, regions []string) ([]string, error) {
	if len(regions) == 0 {
		return nil, nil
	}
	wanted := map[string]bool{}
	for _, r := range regions {
		wanted[r] = true
	}
	rows, err := s.db.QueryContext(ctx, `SELECT region_code, count(*) FROM users WHERE region_code <> '' GROUP BY region_code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		if wanted[code] {
			out = append(out, fmt.Sprintf("region %s: %d regional officer account(s)", code, n))
		}
	}
	return out, rows.Err()
}
