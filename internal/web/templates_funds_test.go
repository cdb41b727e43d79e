package web

import "github.com/fosis/fosis/internal/funds"

func init() {
	keyPrefixes = append(keyPrefixes, "funds")
	k := funds.Key{Year: 2026, Line: "yo-emprendo", Region: "13"}
	rows := []funds.Row{
		{Budget: k, Assigned: 11_500_000, Unallocated: 6_500_000, Envelope: 4_300_000, Committed: 210_000, Paid: 40_000, Justified: 400_000, Recovered: 50_000},
		{Budget: k, Call: "YE-2026-13", Envelope: 4_300_000, Committed: 210_000, Paid: 40_000, Justified: 400_000, Recovered: 50_000},
	}
	moreTemplateCases = append(moreTemplateCases,
		templateCase{"funds", fundsData{Year: "2026", Rows: rows}, `>YE-2026-13</a></td>`},
		templateCase{"funds", fundsData{Year: "2026", Rows: rows}, `>4 %</td>`},
		templateCase{"funds", fundsData{}, `id="funds-empty"`},
	)
}
