package targeting

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
)

// HouseholdResult is one household's row of a run.
type HouseholdResult struct {
	Run        int64   `json:"run"`
	Value      float64 `json:"value"`
	Percentile float64 `json:"percentile"`
	Bracket    uint8   `json:"bracket"`
	Poorest5   bool    `json:"poorest5"`
	// TieKeys are the second and third ranking keys as ranked (see
	// Results.Tie1 and Tie2).
	TieKeys  [2]float64 `json:"tie_keys"`
	Upgrade  uint8      `json:"-"`
	Upgrades []string   `json:"upgrades"`
}

// Result returns household key's row of run runID.
func (s *Store) Result(ctx context.Context, runID, key int64) (*HouseholdResult, error) {
	if err := s.reg.InScope(ctx, key); err != nil {
		return nil, err
	}
	return s.result(ctx, runID, key)
}

// result is Result without the scope check, for callers that made it.
func (s *Store) result(ctx context.Context, runID, key int64) (*HouseholdResult, error) {
	r := HouseholdResult{Run: runID}
	var p5 int
	err := s.db.QueryRowContext(ctx, `SELECT value, percentile, bracket, poorest5, upgrade, tie1, tie2 FROM score_results WHERE run = ? AND household = ?`,
		runID, key).Scan(&r.Value, &r.Percentile, &r.Bracket, &p5, &r.Upgrade, &r.TieKeys[0], &r.TieKeys[1])
	if err == sql.ErrNoRows {
		return nil, fosis.Errorf(fosis.ENOTFOUND, "household was not scored in run %d (it was added after the run)", runID)
	}
	if err != nil {
		return nil, err
	}
	r.Poorest5, r.Upgrades = p5 == 1, upgradeList(r.Upgrade)
	return &r, nil
}

// upgradeList is UpgradeReasons, never nil (so JSON shows []).
func upgradeList(mask uint8) []string {
	if r := UpgradeReasons(mask); r != nil {
		return r
	}
	return []string{}
}

// history returns a household's rows across every run, newest first,
// without a scope check: callers make it.
func (s *Store) history(ctx context.Context, key int64) ([]HouseholdResult, error) {
	// One primary-key seek of (run, household) per run: score_results has no
	// index on household alone (it would slow every national run's write),
	// and a plain join let SQLite's planner scan the whole snapshot instead.
	return db.Collect(ctx, s.db, func(rows *sql.Rows) (HouseholdResult, error) {
		var r HouseholdResult
		var p5 int
		if err := rows.Scan(&r.Run, &r.Value, &r.Percentile, &r.Bracket, &p5, &r.Upgrade, &r.TieKeys[0], &r.TieKeys[1]); err != nil {
			return r, err
		}
		r.Poorest5, r.Upgrades = p5 == 1, upgradeList(r.Upgrade)
		return r, nil
	}, `SELECT s.run, s.value, s.percentile, s.bracket, s.poorest5, s.upgrade, s.tie1, s.tie2
		FROM score_results s WHERE s.run IN (SELECT id FROM score_runs) AND s.household = ? ORDER BY s.run DESC`, key)
}

// Change is a household whose bracket differs between two runs.
type Change struct {
	HouseholdID string `json:"household_id"`
	CommuneCode string `json:"commune_code"`
	From        uint8  `json:"from_bracket"`
	To          uint8  `json:"to_bracket"`
}

// Diff calls fn for every household scored in both runs whose bracket
// differs, in household order, and returns how many there were.
func (s *Store) Diff(ctx context.Context, a, b int64, fn func(Change) error) (int, error) {
	if _, err := auth.National(ctx, false); err != nil {
		return 0, err
	}
	n := 0
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var c Change
		if err := rows.Scan(&c.HouseholdID, &c.CommuneCode, &c.From, &c.To); err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		n++
		return nil
	}, diffSQL, b, a)
	return n, err
}

// ExportHeader is the header of ExportRun's CSV.
const ExportHeader = "household_id,value,tie_key_1,tie_key_2,rank,percentile,bracket,poorest5,upgraded,upgrade_to_bracket,upgrade_reasons"

// ExportRun writes a run as CSV (ExportHeader): household_id; the three
// ranking keys exactly as ranked (value, tie_key_1, tie_key_2: lower is more
// vulnerable, compared in that order; the shortest decimal that reads back
// as the stored number); rank = 1 + the number of households strictly more
// vulnerable on those keys; percentile = 100 × rank / N to four decimals;
// bracket; poorest5 (0/1); upgraded (0/1), the bracket an upgrade raises
// to (on upgraded rows) and the upgrade reasons. From the file alone, N is its number of rows, and every rank, percentile, bracket
// and flag can be recomputed (docs/scorecard.md, "Ranking keys").
func (s *Store) ExportRun(ctx context.Context, runID int64, w io.Writer, progress func(rows int64)) (int64, error) {
	if _, err := auth.National(ctx, false); err != nil {
		return 0, err
	}
	run, err := s.runByID(ctx, runID)
	if err != nil {
		return 0, err
	}
	total := float64(run.Households)
	m, err := s.RunModel(ctx, runID)
	if err != nil {
		return 0, err
	}
	var upTo int64
	if m.MeansTest != nil {
		upTo = int64(m.MeansTest.UpgradeToBracket)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(ExportHeader + "\n")
	var (
		n                    int64
		id                   string
		value, t1, t2, pct   float64
		bracket, p5, upgrade int
		buf                  []byte
	)
	err = db.Each(ctx, s.db, func(rows *sql.Rows) error {
		if err := rows.Scan(&id, &value, &t1, &t2, &pct, &bracket, &p5, &upgrade); err != nil {
			return err
		}
		buf = csvin.AppendField(buf[:0], id)
		for _, k := range [3]float64{value, t1, t2} {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, k, 'f', -1, 64)
		}
		buf = append(buf, ',')
		// The stored percentile is 100 × rank / N: the rank comes back exactly.
		buf = strconv.AppendInt(buf, int64(math.Round(pct*total/100)), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, pct, 'f', 4, 64)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(bracket), 10)
		buf = append(buf, ',', byte('0'+p5), ',')
		if upgrade != 0 {
			buf = append(buf, '1', ',')
			buf = strconv.AppendInt(buf, upTo, 10)
			buf = append(buf, ',')
			for k, r := range UpgradeReasons(uint8(upgrade)) {
				if k > 0 {
					buf = append(buf, '|')
				}
				buf = append(buf, r...)
			}
		} else {
			buf = append(buf, '0', ',', ',')
		}
		buf = append(buf, '\n')
		bw.Write(buf)
		n++
		if progress != nil && n%65536 == 0 {
			progress(n)
		}
		return nil
	}, exportRunSQL, runID)
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// resultsKey names a run's results among the values derived from a shared
// frame (registry.Frame.DerivedFromKeys).
type resultsKey struct{ run int64 }

// ResultsFor returns run's results aligned with frame f, as LoadResults
// does. For a shared frame (registry.Store.SharedFrame) they are read once
// and kept with the frame: a run never changes, and the alignment depends on
// the frame's keys only (LoadResults), so the two name it completely. They
// go when the frame goes, and are carried over to the next frame when that
// one is spliced after approvals (same households, same order). The results
// are shared like the frame: read-only. The caller's national reach is
// checked on every call.
func (s *Store) ResultsFor(ctx context.Context, runID int64, f *registry.Frame) (*Results, error) {
	if _, err := auth.National(ctx, false); err != nil {
		return nil, err
	}
	v, err := f.DerivedFromKeys(ctx, resultsKey{runID}, func(ctx context.Context) (any, error) {
		return s.LoadResults(ctx, runID, f.Key)
	})
	if err != nil {
		return nil, err
	}
	return v.(*Results), nil
}

// LoadResults reads a run's snapshot aligned with frame f (households of f
// not in the run get bracket 0).
func (s *Store) LoadResults(ctx context.Context, runID int64, keys []int64) (*Results, error) {
	if _, err := auth.National(ctx, false); err != nil {
		return nil, err
	}
	res := &Results{Value: make([]float64, len(keys)), Tie1: make([]float64, len(keys)), Tie2: make([]float64, len(keys)),
		Percentile: make([]float64, len(keys)),
		Bracket:    make([]uint8, len(keys)), Poorest5: make([]bool, len(keys)), Upgrade: make([]uint8, len(keys))}
	i := 0
	err := db.Each(ctx, s.db, func(rows *sql.Rows) error {
		var key int64
		var v, p, t1, t2 float64
		var b, p5, up int
		if err := rows.Scan(&key, &v, &p, &b, &p5, &up, &t1, &t2); err != nil {
			return err
		}
		for i < len(keys) && keys[i] < key {
			i++
		}
		if i < len(keys) && keys[i] == key {
			res.Value[i], res.Tie1[i], res.Tie2[i], res.Percentile[i], res.Bracket[i] = v, t1, t2, p, uint8(b)
			res.Poorest5[i], res.Upgrade[i] = p5 == 1, uint8(up)
		}
		return nil
	}, `SELECT household, value, percentile, bracket, poorest5, upgrade, tie1, tie2 FROM score_results WHERE run = ? ORDER BY household`, runID)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ScoredHousehold is a household's stored result in a run together with the
// explanation of its score.
type ScoredHousehold struct {
	Run         *Run             `json:"run"`
	Result      *HouseholdResult `json:"result"`
	Explanation Explanation      `json:"explanation"`
	// Stale is true when the household's data changed after the run, so the
	// explanation (computed from today's data) no longer matches the stored value.
	Stale   bool   `json:"stale"`
	Summary string `json:"summary"`
}

// Explained returns household key's result in run (and its explanation in
// lang, "es" or "en"), using the exact model version the run used.
func (s *Store) Explained(ctx context.Context, run *Run, key int64, lang string) (*ScoredHousehold, error) {
	f, err := s.reg.FrameOf(ctx, key) // checks the caller's territory
	if err != nil {
		return nil, err
	}
	res, err := s.result(ctx, run.ID, key)
	if err != nil {
		return nil, err
	}
	return s.explain(ctx, f, run, res, lang)
}

// Latest returns a household's score history (newest first) and its latest
// result explained in lang, or a nil ScoredHousehold if it was never scored.
// It is the household page's query: three reads, the run and its model
// coming from memory after their first use.
func (s *Store) Latest(ctx context.Context, key int64, lang string) (*ScoredHousehold, []HouseholdResult, error) {
	f, err := s.reg.FrameOf(ctx, key) // checks the caller's territory
	if err != nil {
		return nil, nil, err
	}
	return s.latest(ctx, f, lang)
}

// LatestOf is Latest for a household file the registry has already read
// (and checked against the caller's territory): one read fewer, which is
// what the household page and the API lookup use.
func (s *Store) LatestOf(ctx context.Context, file *registry.HouseholdFile, lang string) (*ScoredHousehold, []HouseholdResult, error) {
	if _, err := auth.Caller(ctx); err != nil {
		return nil, nil, err
	}
	f := file.Frame()
	if f == nil || f.Len() != 1 {
		return nil, nil, fmt.Errorf("LatestOf: a household file without its frame")
	}
	return s.latest(ctx, f, lang)
}

func (s *Store) latest(ctx context.Context, f *registry.Frame, lang string) (*ScoredHousehold, []HouseholdResult, error) {
	hist, err := s.history(ctx, f.Key[0])
	if err != nil || len(hist) == 0 {
		return nil, hist, err
	}
	run, err := s.runByID(ctx, hist[0].Run)
	if err != nil {
		return nil, nil, err
	}
	sh, err := s.explain(ctx, f, run, &hist[0], lang)
	return sh, hist, err
}

func (s *Store) explain(ctx context.Context, f *registry.Frame, run *Run, res *HouseholdResult, lang string) (*ScoredHousehold, error) {
	m, err := s.RunModel(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	asOf, err := time.Parse(time.DateOnly, run.AsOf)
	if err != nil {
		return nil, err
	}
	e := Explain(f, 0, m, registry.DayNumber(asOf), nil)
	// The stored percentile is 100 × r / N: r comes back exactly, and the
	// bracket from it in integers as rank assigns it.
	ranked := uint8(0)
	if n := int(run.Households); n > 0 {
		ranked = bracketFor(int(math.Round(res.Percentile*float64(n)/100)), n)
	}
	e.Rank = &RankExplanation{Households: int(run.Households), Percentile: res.Percentile,
		RankedBracket: ranked, Bracket: res.Bracket, Poorest5: res.Poorest5,
		Keys: []float64{res.Value, res.TieKeys[0], res.TieKeys[1]}}
	// The percentile is national (the ranking is), but the country's number
	// of households is not a regional officer's to know (issue 11, 14(a)).
	// The run is shown with the count of the caller's territory, as Run
	// shows it (a copy: run is the one kept in memory).
	if p, err := auth.Caller(ctx); err != nil || !p.SeesAllRegions() {
		e.Rank.Households = 0
		if err != nil {
			return nil, err
		}
		own := *run
		if err := s.scopeRun(ctx, p, &own); err != nil {
			return nil, err
		}
		run = &own
	}
	stale := math.Abs(e.Value-res.Value) > 1e-6*math.Max(1, math.Abs(res.Value))
	return &ScoredHousehold{Run: run, Result: res, Explanation: e, Stale: stale, Summary: e.Summary(lang)}, nil
}
