package programs

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"

	"github.com/fosis/fosis"
)

// The selection is a pure function of its inputs (Applicants and Quotas), so
// that a frozen record re-runs to the same answer. docs/selection.md states
// the rules; in short:
//
//  1. Only eligible applicants are ranked. The order is: bracket of the
//     call's scoring run (lower first), then the number of the call's
//     priority groups the applicant belongs to (more first), then the
//     run's percentile (lower first), then the submission time (earlier
//     first), then the public lottery (LotteryKey, lower first), then the
//     application id (lower first) — the last is unique, so the order is
//     total and stable.
//  2. Commune by commune, the reserved shares are filled first: share s of a
//     commune quota q reserves ⌊s·q⌋ places for the group, taken by the
//     group's best-ranked applicants of the commune. Reserved places the
//     group cannot fill return to the commune.
//  3. The commune's remaining places go to its best-ranked applicants not yet
//     placed.
//  4. Flow-over: places a commune cannot fill, plus the region's quota above
//     the sum of its communes' quotas, form the region's pool, filled from
//     the region's waiting list (its unplaced applicants, in rank order).
//  5. Everyone else eligible is waitlisted, numbered by rank within the
//     region.

// Applicant is one application as the selection sees it.
type Applicant struct {
	ID          int64   `json:"id"`
	Commune     string  `json:"commune"`
	Region      string  `json:"region"`
	Eligible    bool    `json:"eligible"`
	Bracket     int     `json:"bracket"`
	Percentile  float64 `json:"percentile"`
	Priority    uint32  `json:"priority"` // bit k: member of priority group k
	Reserved    uint32  `json:"reserved"` // bit k: member of reserved share k's group
	SubmittedAt int64   `json:"submitted_at"`
	// Lottery is LotteryKey(the call's seed, ID): the last key of the
	// ranking, a public lottery among applicants equal on every other key.
	// Empty in records frozen before the lottery existed.
	Lottery string `json:"lottery,omitempty"`
}

// LotteryKey is an application's lottery number: the SHA-256 of the call's
// lottery seed, a colon and the application id in decimal, in lower-case
// hex (docs/selection.md shows how to recompute it with sha256sum). Lower
// comes first.
func LotteryKey(seed string, id int64) string {
	sum := sha256.Sum256([]byte(seed + ":" + strconv.FormatInt(id, 10)))
	return hex.EncodeToString(sum[:])
}

// Quotas are a call's places.
type Quotas struct {
	Communes map[string]int `json:"communes"`
	// Regions are regional totals; a region without one gets the sum of its
	// communes' quotas (no pool beyond flow-over).
	Regions map[string]int `json:"regions"`
	// Shares[k] is reserved share k (0 < s ≤ 1) of every commune quota.
	Shares []float64 `json:"shares"`
}

// Seat kinds of a Placement.
const (
	SeatReserved   = "reserved"   // a reserved share's place in the commune
	SeatCommune    = "commune"    // a commune place
	SeatRegion     = "region"     // a place of the region's pool (flow-over)
	SeatWaitlist   = "waitlist"   // not placed; WaitPos is the position in the region
	SeatIneligible = "ineligible" // failed the eligibility rules
)

// Placement is what the selection decided for one applicant, and why.
type Placement struct {
	ID      int64  `json:"id"`
	Rank    int    `json:"rank"`               // 1-based among the eligible; 0 if ineligible
	Seat    string `json:"seat"`               // one of the Seat constants
	Share   int    `json:"share,omitempty"`    // the reserved share's index + 1 for SeatReserved
	Quota   string `json:"quota"`              // commune code (reserved, commune) or region code (region, waitlist)
	WaitPos int    `json:"wait_pos,omitempty"` // position in the region's waiting list
}

// Selected reports whether p holds a place.
func (p Placement) Selected() bool {
	return p.Seat == SeatReserved || p.Seat == SeatCommune || p.Seat == SeatRegion
}

// Validate checks that the quotas make sense for regions: every region
// total must cover its communes' quotas. communeRegion maps a commune code
// to its region code.
func (q Quotas) Validate(communeRegion func(string) (string, bool)) error {
	sums := map[string]int{}
	for c, n := range q.Communes {
		r, ok := communeRegion(c)
		if !ok {
			return refuse(fosis.EINVALID, "programs.err.commune_outside", c)
		}
		if n < 0 {
			return refuse(fosis.EINVALID, "programs.err.commune_quota", c)
		}
		sums[r] += n
	}
	for r, n := range q.Regions {
		if n < sums[r] {
			return refuse(fosis.EINVALID, "programs.err.region_below_communes", r, n, sums[r])
		}
	}
	for k, s := range q.Shares {
		if !(s > 0 && s <= 1) {
			return refuse(fosis.EINVALID, "programs.err.share_range", k+1, s)
		}
	}
	total := 0.0
	for _, s := range q.Shares {
		total += s
	}
	if total > 1+1e-9 {
		return refuse(fosis.EINVALID, "programs.err.shares_total", total)
	}
	return nil
}

// Places returns the call's total number of places.
func (q Quotas) Places(communeRegion func(string) (string, bool)) int {
	sums := map[string]int{}
	for c, n := range q.Communes {
		r, _ := communeRegion(c)
		sums[r] += n
	}
	for r, n := range q.Regions {
		sums[r] = max(sums[r], n)
	}
	t := 0
	for _, n := range sums {
		t += n
	}
	return t
}

// Rank orders eligible applicants (see the package comment) and returns
// their indexes in apps, best first.
func Rank(apps []Applicant) []int {
	idx := make([]int, 0, len(apps))
	for i := range apps {
		if apps[i].Eligible {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(i, j int) int { return compareApplicants(&apps[i], &apps[j]) })
	return idx
}

func compareApplicants(a, b *Applicant) int {
	if c := cmp.Compare(a.Bracket, b.Bracket); c != 0 {
		return c
	}
	if c := cmp.Compare(popcount(b.Priority), popcount(a.Priority)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Percentile, b.Percentile); c != 0 {
		return c
	}
	if c := cmp.Compare(a.SubmittedAt, b.SubmittedAt); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Lottery, b.Lottery); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func popcount(x uint32) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// Select places apps into q and returns one placement per applicant, in
// the order of apps. regionOf gives a commune's region (for quotas of
// communes without applicants).
func Select(apps []Applicant, q Quotas, regionOf func(string) (string, bool)) []Placement {
	out := make([]Placement, len(apps))
	for i := range apps {
		out[i] = Placement{ID: apps[i].ID, Seat: SeatIneligible}
	}
	order := Rank(apps)
	// Applicants of each commune and each region, in rank order.
	byCommune := map[string][]int{}
	byRegion := map[string][]int{}
	for r, i := range order {
		out[i].Rank = r + 1
		out[i].Seat = ""
		byCommune[apps[i].Commune] = append(byCommune[apps[i].Commune], i)
		byRegion[apps[i].Region] = append(byRegion[apps[i].Region], i)
	}
	placed := func(i int) bool { return out[i].Seat != "" }
	used := map[string]int{} // places used per region, communes and pool together
	communes := make([]string, 0, len(q.Communes))
	for c := range q.Communes {
		communes = append(communes, c)
	}
	sort.Strings(communes) // the order communes are filled in does not change the result, but keep it fixed
	for _, c := range communes {
		quota := q.Communes[c]
		list := byCommune[c]
		free := quota
		for k, s := range q.Shares {
			reserved := int(s * float64(quota))
			for _, i := range list {
				if reserved == 0 {
					break
				}
				if !placed(i) && apps[i].Reserved&(1<<k) != 0 {
					out[i].Seat, out[i].Share, out[i].Quota = SeatReserved, k+1, c
					reserved--
					free--
				}
			}
		}
		for _, i := range list {
			if free == 0 {
				break
			}
			if !placed(i) {
				out[i].Seat, out[i].Quota = SeatCommune, c
				free--
			}
		}
		if r, ok := regionOf(c); ok {
			used[r] += quota - free
		}
	}
	// The pool of each region: its total minus the places its communes used.
	totals := map[string]int{}
	for c, n := range q.Communes {
		if r, ok := regionOf(c); ok {
			totals[r] += n
		}
	}
	for r, n := range q.Regions {
		totals[r] = max(totals[r], n)
	}
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		pool := totals[r] - used[r]
		pos := 0
		for _, i := range byRegion[r] {
			if placed(i) {
				continue
			}
			if pool > 0 {
				out[i].Seat, out[i].Quota = SeatRegion, r
				pool--
				continue
			}
			pos++
			out[i].Seat, out[i].Quota, out[i].WaitPos = SeatWaitlist, r, pos
		}
	}
	return out
}
