package registry

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/natid"
)

// ImportOptions says what to import and how to report.
type ImportOptions struct {
	Households string // path of households.csv
	Persons    string // path of persons.csv
	// ErrorsPath is where the problem report goes; "" means
	// import-errors.csv beside households.csv.
	ErrorsPath string
	// Progress, if set, is called from time to time with the stage
	// ("read" or "write") and how far it has got.
	Progress func(stage string, done, total int64)
	// Today bounds dates (nothing may be in the future); zero means now.
	Today time.Time
	// Source is how the import is named in the list of imports (the
	// households file's path if empty).
	Source string
	// HouseholdsName and PersonsName name the files in the problem report
	// and in error messages (the base names of the paths if empty), for
	// files stored under another name than the user gave them.
	HouseholdsName, PersonsName string
	// MaxProblems stops the import once an extract has more problems than
	// this (0 means the store's limit, DefaultMaxProblems unless set with
	// SetMaxProblems): a file of junk would otherwise fill memory and the
	// kept report with millions of rows.
	MaxProblems int
}

// DefaultMaxProblems is how many problems an import reports before it stops.
const DefaultMaxProblems = 10_000

// maxValue bounds the value a problem quotes: a junk field may be a whole
// megabyte, and the report needs only enough of it to be recognised.
const maxValue = 200

// clip returns a copy of at most maxValue bytes of v (cut at a character
// boundary), so that a problem never keeps its record's line in memory.
func clip(v string) string {
	if len(v) <= maxValue {
		return strings.Clone(v)
	}
	cut := maxValue
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}

// ImportSummary tells what an import did.
type ImportSummary struct {
	ID               int64          `json:"id"`
	HouseholdsRead   int            `json:"households_read"`
	PersonsRead      int            `json:"persons_read"`
	Inserted         int            `json:"households_inserted"`
	Updated          int            `json:"households_updated"`
	Rejected         int            `json:"households_rejected"`
	PersonsWritten   int            `json:"persons_written"`
	PersonsMoved     int            `json:"persons_moved"`
	PersonsRemoved   int            `json:"persons_removed"`
	OrphanPersons    int            `json:"orphan_person_rows"`
	NotInExtract     int64          `json:"households_not_in_extract"`
	Problems         int            `json:"problems"`
	ErrorsPath       string         `json:"errors_path,omitempty"`
	UnknownColumns   []string       `json:"unknown_columns,omitempty"`
	Elapsed          time.Duration  `json:"elapsed_ns"`
	ProblemsByColumn map[string]int `json:"problems_by_column"`
	// Stopped says where reading stopped when the extract had too many
	// problems (nothing was imported then); empty otherwise.
	Stopped []StopPoint `json:"stopped,omitempty"`
}

// StopPoint is where an import stopped reading a file.
type StopPoint struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// extract is a parsed pair of files.
type extract struct {
	hs      []Household
	hLine   []int32
	ps      personRows
	pLine   []int32
	pHouse  []int32          // index into hs, or -1
	bad     []bool           // per household: rejected
	idx     map[string]int32 // household_id → index in hs (first occurrence)
	runAt   map[int64]int32  // RUN → index in ps (first occurrence)
	problem []Problem
	// max is how many problems are kept; more stop the import, and stops
	// says where.
	max     int
	stops   []StopPoint
	unknown []string
	// hfile and pfile name the files in problems.
	hfile, pfile string
	// ids is the national ID scheme of the persons' run column.
	ids *natid.Scheme
}

// Import loads a national extract into the registry. Households with any
// problem are rejected whole, every problem is written to the report, valid
// households are inserted or updated in one transaction (so nothing is ever
// half-written), and re-importing the same or a newer extract updates rather
// than duplicates. A header problem stops the import before anything is read.
func (s *Store) Import(ctx context.Context, opt ImportOptions) (*ImportSummary, error) {
	if _, err := national(ctx, true); err != nil {
		return nil, err
	}
	start := time.Now()
	if opt.Today.IsZero() {
		opt.Today = time.Now().UTC()
	}
	if opt.ErrorsPath == "" {
		opt.ErrorsPath = filepath.Join(filepath.Dir(opt.Households), "import-errors.csv")
	}
	x, err := s.readExtract(ctx, opt)
	if err != nil {
		return nil, err
	}
	s.log.Debug("import: files read", "households", len(x.hs), "persons", x.ps.len(), "elapsed", time.Since(start))
	if len(x.stops) == 0 {
		x.validate()
	}
	x.sortProblems()
	s.log.Debug("import: validated", "problems", len(x.problem), "elapsed", time.Since(start))
	sum := &ImportSummary{HouseholdsRead: len(x.hs), PersonsRead: x.ps.len(), UnknownColumns: x.unknown}
	if len(x.stops) > 0 {
		return sum, s.stopped(ctx, x, sum, opt, start)
	}
	if err := s.write(ctx, x, sum, opt); err != nil {
		return nil, err
	}
	if sum.Inserted+sum.Updated+sum.PersonsWritten >= db.AnalyzeRows {
		if err := s.db.Analyze(ctx, "households", "persons", "household_versions"); err != nil {
			s.log.Warn("import: the planner's statistics were not refreshed", "err", err)
		}
	}
	if err := x.summarize(sum, opt); err != nil {
		return sum, fmt.Errorf("the import succeeded but the problem report could not be written: %w", err)
	}
	sum.Elapsed = time.Since(start)
	s.log.Info("registry import", "id", sum.ID, "households", sum.HouseholdsRead, "persons", sum.PersonsRead,
		"inserted", sum.Inserted, "updated", sum.Updated, "rejected", sum.Rejected, "problems", sum.Problems, "elapsed", sum.Elapsed)
	return sum, nil
}

// summarize counts the problems into sum and writes the report file.
func (x *extract) summarize(sum *ImportSummary, opt ImportOptions) error {
	sum.Problems = len(x.problem)
	sum.ProblemsByColumn = map[string]int{}
	for _, p := range x.problem {
		sum.ProblemsByColumn[p.Column]++
	}
	if len(x.problem) == 0 {
		os.Remove(opt.ErrorsPath) // an old report would mislead
		return nil
	}
	if err := writeProblems(opt.ErrorsPath, x.problem); err != nil {
		return err
	}
	sum.ErrorsPath = opt.ErrorsPath
	return nil
}

// readExtract parses both files at once, one goroutine each.
func (s *Store) readExtract(ctx context.Context, opt ImportOptions) (*extract, error) {
	hf, err := os.Open(opt.Households)
	if err != nil {
		return nil, fosis.Errorf(fosis.EINVALID, "cannot open the households file: %v", err)
	}
	defer hf.Close()
	pf, err := os.Open(opt.Persons)
	if err != nil {
		return nil, fosis.Errorf(fosis.EINVALID, "cannot open the persons file: %v", err)
	}
	defer pf.Close()
	hr, err := csvin.NewReader(hf, cmp.Or(opt.HouseholdsName, filepath.Base(opt.Households)), HouseholdColumns)
	if err != nil {
		return nil, headerError(err)
	}
	pr, err := csvin.NewReader(pf, cmp.Or(opt.PersonsName, filepath.Base(opt.Persons)), PersonColumns)
	if err != nil {
		return nil, headerError(err)
	}
	var hSize, pSize int64
	if st, err := hf.Stat(); err == nil {
		hSize = st.Size()
	}
	if st, err := pf.Stat(); err == nil {
		pSize = st.Size()
	}
	total := hSize + pSize
	var hDone, pDone atomic.Int64
	stop := make(chan struct{})
	var tick sync.WaitGroup
	if opt.Progress != nil {
		tick.Go(func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					opt.Progress("read", total, total)
					return
				case <-t.C:
					opt.Progress("read", hDone.Load()+pDone.Load(), total)
				}
			}
		})
	}
	// Size the row slices from the file sizes (rows are about 80–100 bytes):
	// growing slices of millions of structs by copying was a quarter of the
	// read time.
	x := &extract{
		hs: make([]Household, 0, hSize/80+16), hLine: make([]int32, 0, hSize/80+16), bad: make([]bool, 0, hSize/80+16),
		ps: newPersonRows(int(pSize/85 + 16)), pLine: make([]int32, 0, pSize/85+16),
		hfile: hr.File, pfile: pr.File, max: cmp.Or(opt.MaxProblems, s.maxProblems, DefaultMaxProblems),
		ids: s.IDScheme(),
	}
	for _, u := range hr.Unknown {
		x.unknown = append(x.unknown, hr.File+": "+u)
	}
	for _, u := range pr.Unknown {
		x.unknown = append(x.unknown, pr.File+": "+u)
	}
	var hProblems, pProblems []Problem
	var hStop, pStop int
	var hErr, pErr error
	var wg sync.WaitGroup
	// The two readers share one count of problems, so that together they
	// keep at most about x.max.
	var count atomic.Int64
	wg.Go(func() { hProblems, hStop, hErr = s.readHouseholds(ctx, hr, x, opt.Today, &hDone, &count) })
	wg.Go(func() { pProblems, pStop, pErr = readPersons(ctx, pr, x, opt.Today, &pDone, &count) })
	wg.Wait()
	close(stop)
	tick.Wait()
	if err := errors.Join(hErr, pErr); err != nil {
		return nil, err
	}
	x.problem = append(hProblems, pProblems...)
	if hStop > 0 {
		x.stops = append(x.stops, StopPoint{File: x.hfile, Line: hStop})
	}
	if pStop > 0 {
		x.stops = append(x.stops, StopPoint{File: x.pfile, Line: pStop})
	}
	return x, nil
}

func headerError(err error) error {
	var he *csvin.HeaderError
	if errors.As(err, &he) {
		e := he.Refusal()
		e.Message += " (see docs/extract-format.md for the expected columns)"
		return e
	}
	return err
}

// eachRecord reads r to the end, calling good for every well-formed record
// and bad for every malformed one (whose fields r.Loose may still read);
// either returns how many problems it found. Once count, shared by the
// readers of an extract, passes limit, it stops and returns the line it
// stopped at (0 if it read to the end). It reports progress through done
// and stops if ctx is cancelled.
func eachRecord(ctx context.Context, r *csvin.Reader, done *atomic.Int64, count *atomic.Int64, limit int,
	good func() int, bad func(*csvin.RowError) int) (int, error) {
	for n := 0; ; n++ {
		err := r.Next()
		if errors.Is(err, io.EOF) {
			return 0, nil
		}
		if n%16384 == 0 {
			done.Store(r.Offset())
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		var re *csvin.RowError
		var found int
		switch {
		case errors.As(err, &re):
			found = bad(re)
		case err != nil:
			return 0, fmt.Errorf("read %s: %w", r.File, err)
		default:
			found = good()
		}
		// Only rows with problems touch the shared count; the other
		// reader's problems are seen at this reader's next one.
		if found > 0 && count.Add(int64(found)) > int64(limit) {
			return r.Line(), nil
		}
	}
}

func rowProblem(r *csvin.Reader, re *csvin.RowError, household string) Problem {
	return Problem{File: r.File, Line: re.Line, Column: "(row)", Reason: re.Err.Error(), HouseholdID: household}
}

func (s *Store) readHouseholds(ctx context.Context, r *csvin.Reader, x *extract, today time.Time, done, count *atomic.Int64) ([]Problem, int, error) {
	var problems []Problem
	stop, err := eachRecord(ctx, r, done, count, x.max, func() int {
		h, ps := parseHousehold(r, s.terr, today)
		problems = append(problems, ps...)
		x.hs = append(x.hs, h)
		x.hLine = append(x.hLine, int32(r.Line()))
		x.bad = append(x.bad, len(ps) > 0)
		return len(ps)
	}, func(re *csvin.RowError) int {
		// Keep a placeholder so that the household is known and rejected.
		// Its id is bounded: ids longer than 64 bytes are refused anyway.
		h := Household{ID: clipID(r.Loose(hcID))}
		problems = append(problems, rowProblem(r, re, h.ID))
		x.hs = append(x.hs, h)
		x.hLine = append(x.hLine, int32(re.Line))
		x.bad = append(x.bad, true)
		return 1
	})
	return problems, stop, err
}

// clipID copies at most 65 bytes of a household id read from a malformed
// row: enough to stay distinct from every valid id (at most 64 bytes).
func clipID(id string) string { return strings.Clone(id[:min(len(id), 65)]) }

// readPersons reads persons.csv; a person's line is stored negated when the
// row itself is unusable, so that its household is rejected.
func readPersons(ctx context.Context, r *csvin.Reader, x *extract, today time.Time, done, count *atomic.Int64) ([]Problem, int, error) {
	var problems []Problem
	stop, err := eachRecord(ctx, r, done, count, x.max, func() int {
		p, ps := parsePerson(r, today, x.ids)
		problems = append(problems, ps...)
		line := int32(r.Line())
		if len(ps) > 0 {
			line = -line
		}
		x.ps.add(p)
		x.pLine = append(x.pLine, line)
		return len(ps)
	}, func(re *csvin.RowError) int {
		p := Person{HouseholdID: clipID(r.Loose(pcHousehold))}
		problems = append(problems, rowProblem(r, re, p.HouseholdID))
		x.ps.add(p)
		x.pLine = append(x.pLine, -int32(re.Line))
		return 1
	})
	return problems, stop, err
}

// validate applies the rules that span rows: unique household ids, persons
// pointing at households of the extract, one household per RUN, exactly one
// head per household. A household with any problem is marked bad, and every
// household it rejects is named in a problem of its own. A problem that
// only follows from another (a household without a head because its head's
// row was refused) is not reported: the other one is the cause.
func (x *extract) validate() {
	hfile, pfile := x.hfile, x.pfile
	idx := make(map[string]int32, len(x.hs))
	// named marks households already named by a problem of the rule at
	// hand, so that the first of several duplicates is named once.
	var named map[int32]bool
	nameOnce := func(i int32) bool {
		if named == nil {
			named = map[int32]bool{}
		}
		if named[i] {
			return false
		}
		named[i] = true
		return true
	}
	for i := range x.hs {
		id := x.hs[i].ID
		if id == "" {
			continue
		}
		if j, dup := idx[id]; dup {
			if nameOnce(j) {
				x.add(Problem{File: hfile, Line: int(x.hLine[j]), Column: "household_id", Value: clip(id),
					Reason: fmt.Sprintf("appears more than once (again on line %d); every row with this id is rejected", x.hLine[i]), HouseholdID: id})
			}
			x.add(Problem{File: hfile, Line: int(x.hLine[i]), Column: "household_id", Value: clip(id),
				Reason: fmt.Sprintf("appears more than once (first on line %d); every row with this id is rejected", x.hLine[j]), HouseholdID: id})
			x.bad[i], x.bad[j] = true, true
			continue
		}
		idx[id] = int32(i)
	}
	named = nil
	n := x.ps.len()
	x.pHouse = make([]int32, n)
	heads := make([]uint8, len(x.hs))
	// unread marks households with a member whose row was refused before
	// its relation could be read: that member may be the missing head.
	var unread []bool
	runAt := make(map[int64]int32, n)
	for k := range n {
		hid, run := x.ps.householdID(k), x.ps.run[k]
		hi, ok := idx[hid]
		if !ok {
			hi = -1
			if hid != "" {
				x.add(Problem{File: pfile, Line: abs(x.pLine[k]), Column: "household_id", Value: clip(hid),
					Reason: "is not in households.csv; the person's row cannot be imported", HouseholdID: hid})
			}
		}
		x.pHouse[k] = hi
		rel := x.ps.relation(k)
		if hi >= 0 && rel == RelHead && heads[hi] < 255 {
			// A refused row that says "head" still counts: the household
			// has its head, refused for the reason its row gives.
			heads[hi]++
		}
		if x.pLine[k] < 0 {
			if hi >= 0 {
				x.bad[hi] = true
				if rel == 0 {
					if unread == nil {
						unread = make([]bool, len(x.hs))
					}
					unread[hi] = true
				}
			}
			continue
		}
		if run == 0 {
			continue
		}
		if j, dup := runAt[run]; dup {
			other, hj := x.ps.householdID(int(j)), x.pHouse[j]
			// Policy: a RUN in two households rejects both (which one the
			// person belongs to is for the source to say), and both are
			// named, each on its own person's line.
			if hj != hi && nameOnce(j) {
				x.add(Problem{File: pfile, Line: abs(x.pLine[j]), Column: "run", Value: x.ids.Canonical(run),
					Reason:      fmt.Sprintf("appears more than once (again on line %d, household %s); a RUN belongs to one household only, so both households are rejected", abs(x.pLine[k]), hid),
					HouseholdID: other})
			}
			reason := fmt.Sprintf("appears more than once (first on line %d, household %s); a RUN belongs to one household only", abs(x.pLine[j]), other)
			if hj != hi {
				reason += ", so both households are rejected"
			}
			x.add(Problem{File: pfile, Line: abs(x.pLine[k]), Column: "run", Value: x.ids.Canonical(run), Reason: reason, HouseholdID: hid})
			if hi >= 0 {
				x.bad[hi] = true
			}
			if hj >= 0 {
				x.bad[hj] = true
			}
			continue
		}
		runAt[run] = int32(k)
	}
	for i := range x.hs {
		if x.hs[i].ID == "" || heads[i] == 1 || (heads[i] == 0 && unread != nil && unread[i]) || idx[x.hs[i].ID] != int32(i) {
			// A repeated id's later rows get no members (they go to the
			// first), which says nothing more than the repetition.
			continue
		}
		reason := "has no member with relation=head; exactly one is required"
		if heads[i] > 1 {
			reason = fmt.Sprintf("has %d members with relation=head; exactly one is required", heads[i])
		}
		x.add(Problem{File: hfile, Line: int(x.hLine[i]), Column: "relation", Value: "", Reason: reason, HouseholdID: x.hs[i].ID})
		x.bad[i] = true
	}
	x.idx, x.runAt = idx, runAt
}

// add keeps p unless the extract already has as many problems as it keeps:
// then it notes where it stopped (once per file) and drops p.
func (x *extract) add(p Problem) {
	if len(x.problem) < x.max {
		x.problem = append(x.problem, p)
		return
	}
	if !slices.ContainsFunc(x.stops, func(s StopPoint) bool { return s.File == p.File }) {
		x.stops = append(x.stops, StopPoint{File: p.File, Line: p.Line})
	}
}

// sortProblems puts the problems in file and line order and, when the
// import stopped, keeps the first x.max of them.
func (x *extract) sortProblems() {
	slices.SortStableFunc(x.problem, func(a, b Problem) int {
		if a.File != b.File {
			if a.File < b.File {
				return -1
			}
			return 1
		}
		return a.Line - b.Line
	})
	if len(x.problem) > x.max {
		clear(x.problem[x.max:])
		x.problem = x.problem[:x.max]
	}
}

func abs(v int32) int {
	if v < 0 {
		return int(-v)
	}
	return int(v)
}

// writeProblems writes the problem report as CSV.
func writeProblems(path string, problems []Problem) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := problemsCSV(f, problems); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// problemsCSV writes the problem report: a header, then one row per problem.
func problemsCSV(w io.Writer, problems []Problem) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"file", "line", "column", "value", "reason", "household_id"})
	for _, p := range problems {
		cw.Write([]string{p.File, strconv.Itoa(p.Line), p.Column, p.Value, p.Reason, p.HouseholdID})
	}
	cw.Flush()
	return cw.Error()
}

// problemsGzip is the problem report, gzip-compressed, as the database
// keeps it.
func problemsGzip(problems []Problem) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := problemsCSV(zw, problems); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ErrRejected is returned (wrapped) by callers that want a non-zero exit when
// an import rejected households.
var ErrRejected = errors.New("some households were rejected")
