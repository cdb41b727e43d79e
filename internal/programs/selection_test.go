package programs

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fosis/fosis"
)

// twoRegions is a small territory: communes A1, A2 in region A, B1 in B.
func twoRegions(c string) (string, bool) {
	switch c {
	case "A1", "A2":
		return "A", true
	case "B1":
		return "B", true
	}
	return "", false
}

func TestSelect(t *testing.T) {
	app := func(id int64, commune string, bracket int, pct float64) Applicant {
		r, _ := twoRegions(commune)
		return Applicant{ID: id, Commune: commune, Region: r, Eligible: true, Bracket: bracket, Percentile: pct, SubmittedAt: 100}
	}
	withPriority := func(a Applicant, p uint32) Applicant { a.Priority = p; return a }
	withReserved := func(a Applicant, g uint32) Applicant { a.Reserved = g; return a }
	at := func(a Applicant, ts int64) Applicant { a.SubmittedAt = ts; return a }
	ineligible := func(a Applicant) Applicant { a.Eligible = false; return a }
	type seat struct {
		ID   int64
		Rank int
		Seat string
		Q    string
		Pos  int
	}
	for _, tc := range []struct {
		name string
		apps []Applicant
		q    Quotas
		want []seat
	}{
		{
			name: "most vulnerable first, then waitlist",
			apps: []Applicant{app(1, "A1", 50, 45), app(2, "A1", 40, 10), app(3, "A1", 40, 5)},
			q:    Quotas{Communes: map[string]int{"A1": 2}},
			want: []seat{{1, 3, SeatWaitlist, "A", 1}, {2, 2, SeatCommune, "A1", 0}, {3, 1, SeatCommune, "A1", 0}},
		},
		{
			name: "priority groups rank within a bracket, not across",
			apps: []Applicant{app(1, "A1", 40, 5), withPriority(app(2, "A1", 40, 30), 0b11), withPriority(app(3, "A1", 50, 41), 0b111)},
			q:    Quotas{Communes: map[string]int{"A1": 1}},
			want: []seat{{1, 2, SeatWaitlist, "A", 1}, {2, 1, SeatCommune, "A1", 0}, {3, 3, SeatWaitlist, "A", 2}},
		},
		{
			name: "ties broken by submission time, then by id",
			apps: []Applicant{at(app(9, "A1", 40, 10), 200), at(app(7, "A1", 40, 10), 100), at(app(8, "A1", 40, 10), 100)},
			q:    Quotas{Communes: map[string]int{"A1": 1}},
			want: []seat{{9, 3, SeatWaitlist, "A", 2}, {7, 1, SeatCommune, "A1", 0}, {8, 2, SeatWaitlist, "A", 1}},
		},
		{
			name: "unused commune places flow to the region's waiting list",
			apps: []Applicant{app(1, "A1", 40, 1), app(2, "A1", 40, 2), app(3, "A1", 40, 3), app(4, "A2", 40, 50), app(5, "B1", 40, 0.5)},
			q:    Quotas{Communes: map[string]int{"A1": 1, "A2": 2, "B1": 0}},
			want: []seat{{1, 2, SeatCommune, "A1", 0}, {2, 3, SeatRegion, "A", 0}, {3, 4, SeatWaitlist, "A", 1}, {4, 5, SeatCommune, "A2", 0}, {5, 1, SeatWaitlist, "B", 1}},
		},
		{
			name: "a regional quota above the communes' adds pool places",
			apps: []Applicant{app(1, "A1", 40, 1), app(2, "A1", 40, 2), app(3, "A2", 40, 3)},
			q:    Quotas{Communes: map[string]int{"A1": 1, "A2": 0}, Regions: map[string]int{"A": 2}},
			want: []seat{{1, 1, SeatCommune, "A1", 0}, {2, 2, SeatRegion, "A", 0}, {3, 3, SeatWaitlist, "A", 1}},
		},
		{
			name: "reserved share goes first to the group, the rest by rank",
			apps: []Applicant{app(1, "A1", 40, 1), app(2, "A1", 40, 2), withReserved(app(3, "A1", 50, 60), 1), withReserved(app(4, "A1", 60, 70), 1), app(5, "A1", 40, 3)},
			q:    Quotas{Communes: map[string]int{"A1": 4}, Shares: []float64{0.5}},
			want: []seat{{1, 1, SeatCommune, "A1", 0}, {2, 2, SeatCommune, "A1", 0}, {3, 4, SeatReserved, "A1", 0}, {4, 5, SeatReserved, "A1", 0}, {5, 3, SeatWaitlist, "A", 1}},
		},
		{
			name: "reserved places the group cannot fill return to the commune",
			apps: []Applicant{app(1, "A1", 40, 1), app(2, "A1", 40, 2), withReserved(app(3, "A1", 50, 60), 1)},
			q:    Quotas{Communes: map[string]int{"A1": 3}, Shares: []float64{0.7}},
			want: []seat{{1, 1, SeatCommune, "A1", 0}, {2, 2, SeatCommune, "A1", 0}, {3, 3, SeatReserved, "A1", 0}},
		},
		{
			name: "the ineligible are not ranked and take no place",
			apps: []Applicant{ineligible(app(1, "A1", 40, 0.1)), app(2, "A1", 70, 90)},
			q:    Quotas{Communes: map[string]int{"A1": 1}},
			want: []seat{{1, 0, SeatIneligible, "", 0}, {2, 1, SeatCommune, "A1", 0}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []seat
			for _, p := range Select(tc.apps, tc.q, twoRegions) {
				got = append(got, seat{p.ID, p.Rank, p.Seat, p.Quota, p.WaitPos})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("placements (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQuotasValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    Quotas
		want string
	}{
		{"fine", Quotas{Communes: map[string]int{"A1": 2, "A2": 1}, Regions: map[string]int{"A": 3}, Shares: []float64{0.2, 0.3}}, ""},
		{"region below its communes", Quotas{Communes: map[string]int{"A1": 2, "A2": 1}, Regions: map[string]int{"A": 2}}, "region A has a quota of 2 places, fewer than its communes' quotas (3)"},
		{"unknown commune", Quotas{Communes: map[string]int{"Z9": 2}}, `commune "Z9" is not in the territory`},
		{"share over one", Quotas{Shares: []float64{1.5}}, "reserved share 1 is 1.5; it must be more than 0 and at most 1"},
		{"shares over the whole", Quotas{Shares: []float64{0.6, 0.6}}, "the reserved shares add up to 1.20, more than the whole quota"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := tc.q.Validate(twoRegions); err != nil {
				got = fosis.ErrorMessage(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSelectInvariants checks, on random inputs, what must always hold: no
// quota is exceeded, places follow rank within a commune, and the same
// inputs in another order give the same placements.
func TestSelectInvariants(t *testing.T) {
	communes := []string{"A1", "A2", "B1"}
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 1))
		apps := make([]Applicant, 50+rng.IntN(100))
		for i := range apps {
			c := communes[rng.IntN(3)]
			r, _ := twoRegions(c)
			apps[i] = Applicant{ID: int64(i + 1), Commune: c, Region: r, Eligible: rng.IntN(5) > 0,
				Bracket: 40 + 10*rng.IntN(3), Percentile: float64(rng.IntN(40)), Priority: uint32(rng.IntN(4)),
				Reserved: uint32(rng.IntN(2)), SubmittedAt: int64(rng.IntN(5))}
		}
		q := Quotas{Communes: map[string]int{"A1": rng.IntN(20), "A2": rng.IntN(20), "B1": rng.IntN(20)}, Shares: []float64{0.25}}
		q.Regions = map[string]int{"A": q.Communes["A1"] + q.Communes["A2"] + rng.IntN(5)}
		got := Select(apps, q, twoRegions)
		perCommune := map[string]int{}
		perRegion := map[string]int{}
		for _, p := range got {
			if p.Selected() {
				r := p.Quota
				if p.Seat != SeatRegion {
					perCommune[p.Quota]++
					r, _ = twoRegions(p.Quota)
				}
				perRegion[r]++
			}
		}
		for c, n := range perCommune {
			if n > q.Communes[c] {
				t.Fatalf("seed %d: commune %s got %d places, quota %d", seed, c, n, q.Communes[c])
			}
		}
		if perRegion["A"] > q.Regions["A"] || perRegion["B"] > q.Communes["B1"] {
			t.Fatalf("seed %d: regions over quota: %v", seed, perRegion)
		}
		shuffled := append([]Applicant(nil), apps...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		again := map[int64]Placement{}
		for _, p := range Select(shuffled, q, twoRegions) {
			again[p.ID] = p
		}
		for _, p := range got {
			if again[p.ID] != p {
				t.Fatalf("seed %d: application %d placed %+v, then %+v with the input reordered", seed, p.ID, p, again[p.ID])
			}
		}
	}
}

func ExampleSelect() {
	apps := []Applicant{
		{ID: 1, Commune: "A1", Region: "A", Eligible: true, Bracket: 40, Percentile: 3},
		{ID: 2, Commune: "A1", Region: "A", Eligible: true, Bracket: 40, Percentile: 8},
		{ID: 3, Commune: "A2", Region: "A", Eligible: true, Bracket: 50, Percentile: 44},
	}
	for _, p := range Select(apps, Quotas{Communes: map[string]int{"A1": 1, "A2": 1}}, twoRegions) {
		fmt.Println(p.ID, p.Rank, p.Seat, p.Quota, p.WaitPos)
	}
	// Output:
	// 1 1 commune A1 0
	// 2 2 waitlist A 1
	// 3 3 commune A2 0
}

// TestLotteryBreaksTies: applicants equal on every key (a CSV import gives
// them one submission time) are ordered by the public lottery, not by
// their ids (the file's row order); the lottery number is the documented
// SHA-256, which anyone recomputes with sha256sum.
func TestLotteryBreaksTies(t *testing.T) {
	if got, want := LotteryKey("c0ffee", 42), "4788b5f26a1ce3bbf96b0a1d0c196b856b1d07a8923e09c4748c37235df162ac"; got != want {
		t.Fatalf("LotteryKey: %s, want %s (printf 'c0ffee:42' | sha256sum)", got, want)
	}
	const seed = "9a1f6c"
	apps := make([]Applicant, 40)
	for i := range apps {
		id := int64(i + 1)
		apps[i] = Applicant{ID: id, Commune: "A1", Region: "A", Eligible: true, Bracket: 40, Percentile: 12.5, SubmittedAt: 100,
			Lottery: LotteryKey(seed, id)}
	}
	order := Rank(apps)
	byID := true
	for k := 1; k < len(order); k++ {
		a, b := apps[order[k-1]], apps[order[k]]
		if a.Lottery >= b.Lottery {
			t.Fatalf("rank %d: lottery %s before %s", k, a.Lottery, b.Lottery)
		}
		byID = byID && a.ID < b.ID
	}
	if byID {
		t.Fatal("the tied applicants kept the order of their ids")
	}
	// The last place of a quota of 3 goes to the third-lowest lottery number.
	got := Select(apps, Quotas{Communes: map[string]int{"A1": 3}}, twoRegions)
	for k, i := range order {
		if got[i].Selected() != (k < 3) {
			t.Errorf("rank %d (application %d): selected %v", k+1, apps[i].ID, got[i].Selected())
		}
	}
	// The earlier keys still come first.
	apps[order[0]].SubmittedAt = 101
	if Rank(apps)[0] == order[0] {
		t.Error("the lottery overrode the submission time")
	}
}
