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
	"sync"
	"sync/atomic"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/csvin"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/rut"
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
	unknown []string
	// hfile and pfile name the files in problems.
	hfile, pfile string
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
	x.validate()
	s.log.Debug("import: validated", "problems", len(x.problem), "elapsed", time.Since(start))
	sum := &ImportSummary{HouseholdsRead: len(x.hs), PersonsRead: x.ps.len(), UnknownColumns: x.unknown}
	if err := s.write(ctx, x, sum, opt); err != nil {
		return nil, err
	}
	if sum.Inserted+sum.Updated+sum.PersonsWritten >= db.AnalyzeRows {
		if err := s.db.Analyze(ctx, "households", "persons", "household_versions"); err != nil {
			s.log.Warn("import: the planner's statistics were not refreshed", "err", err)
		}
	}
	sum.Problems = len(x.problem)
	sum.ProblemsByColumn = map[string]int{}
	for _, p := range x.problem {
		sum.ProblemsByColumn[p.Column]++
	}
	if len(x.problem) > 0 {
		if err := writeProblems(opt.ErrorsPath, x.problem); err != nil {
			return sum, fmt.Errorf("the import succeeded but the problem report could not be written: %w", err)
		}
		sum.ErrorsPath = opt.ErrorsPath
	} else {
		os.Remove(opt.ErrorsPath) // an old report would mislead
	}
	sum.Elapsed = time.Since(start)
	s.log.Info("registry import", "id", sum.ID, "households", sum.HouseholdsRead, "persons", sum.PersonsRead,
		"inserted", sum.Inserted, "updated", sum.Updated, "rejected", sum.Rejected, "problems", sum.Problems, "elapsed", sum.Elapsed)
	return sum, nil
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
		hfile: hr.File, pfile: pr.File,
	}
	for _, u := range hr.Unknown {
		x.unknown = append(x.unknown, hr.File+": "+u)
	}
	for _, u := range pr.Unknown {
		x.unknown = append(x.unknown, pr.File+": "+u)
	}
	var hProblems, pProblems []Problem
	var hErr, pErr error
	var wg sync.WaitGroup
	wg.Go(func() { hProblems, hErr = s.readHouseholds(ctx, hr, x, opt.Today, &hDone) })
	wg.Go(func() { pProblems, pErr = readPersons(ctx, pr, x, opt.Today, &pDone) })
	wg.Wait()
	close(stop)
	tick.Wait()
	if err := errors.Join(hErr, pErr); err != nil {
		return nil, err
	}
	x.problem = append(hProblems, pProblems...)
	return x, nil
}

func headerError(err error) error {
	var he *csvin.HeaderError
	if errors.As(err, &he) {
		return &fosis.Error{Code: fosis.EINVALID, Message: he.Error() +
			" (see docs/extract-format.md for the expected columns)"}
	}
	return err
}

// eachRecord reads r to the end, calling good for every well-formed record
// and bad for every malformed one (whose fields r.Loose may still read). It
// reports progress through done and stops if ctx is cancelled.
func eachRecord(ctx context.Context, r *csvin.Reader, done *atomic.Int64, good func(), bad func(*csvin.RowError)) error {
	for n := 0; ; n++ {
		err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if n%16384 == 0 {
			done.Store(r.Offset())
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var re *csvin.RowError
		switch {
		case errors.As(err, &re):
			bad(re)
		case err != nil:
			return fmt.Errorf("read %s: %w", r.File, err)
		default:
			good()
		}
	}
}

func rowProblem(r *csvin.Reader, re *csvin.RowError, household string) Problem {
	return Problem{File: r.File, Line: re.Line, Column: "(row)", Reason: re.Err.Error(), HouseholdID: household}
}

func (s *Store) readHouseholds(ctx context.Context, r *csvin.Reader, x *extract, today time.Time, done *atomic.Int64) ([]Problem, error) {
	var problems []Problem
	err := eachRecord(ctx, r, done, func() {
		h, ps := parseHousehold(r, s.terr, today)
		problems = append(problems, ps...)
		x.hs = append(x.hs, h)
		x.hLine = append(x.hLine, int32(r.Line()))
		x.bad = append(x.bad, len(ps) > 0)
	}, func(re *csvin.RowError) {
		// Keep a placeholder so that the household is known and rejected.
		h := Household{ID: r.Loose(hcID)}
		problems = append(problems, rowProblem(r, re, h.ID))
		x.hs = append(x.hs, h)
		x.hLine = append(x.hLine, int32(re.Line))
		x.bad = append(x.bad, true)
	})
	return problems, err
}

// readPersons reads persons.csv; a person's line is stored negated when the
// row itself is unusable, so that its household is rejected.
func readPersons(ctx context.Context, r *csvin.Reader, x *extract, today time.Time, done *atomic.Int64) ([]Problem, error) {
	var problems []Problem
	err := eachRecord(ctx, r, done, func() {
		p, ps := parsePerson(r, today)
		problems = append(problems, ps...)
		line := int32(r.Line())
		if len(ps) > 0 {
			line = -line
		}
		x.ps.add(p)
		x.pLine = append(x.pLine, line)
	}, func(re *csvin.RowError) {
		p := Person{HouseholdID: r.Loose(pcHousehold)}
		problems = append(problems, rowProblem(r, re, p.HouseholdID))
		x.ps.add(p)
		x.pLine = append(x.pLine, -int32(re.Line))
	})
	return problems, err
}

// validate applies the rules that span rows: unique household ids, persons
// pointing at households of the extract, one household per RUN, exactly one
// head per household. A household with any problem is marked bad.
func (x *extract) validate() {
	hfile, pfile := x.hfile, x.pfile
	idx := make(map[string]int32, len(x.hs))
	for i := range x.hs {
		id := x.hs[i].ID
		if id == "" {
			continue
		}
		if j, dup := idx[id]; dup {
			x.problem = append(x.problem, Problem{File: hfile, Line: int(x.hLine[i]), Column: "household_id", Value: id,
				Reason: fmt.Sprintf("appears more than once (first on line %d)", x.hLine[j]), HouseholdID: id})
			x.bad[i], x.bad[j] = true, true
			continue
		}
		idx[id] = int32(i)
	}
	n := x.ps.len()
	x.pHouse = make([]int32, n)
	heads := make([]uint8, len(x.hs))
	runAt := make(map[int64]int32, n)
	for k := range n {
		hid, run := x.ps.householdID(k), x.ps.run[k]
		hi, ok := idx[hid]
		if !ok {
			hi = -1
			if hid != "" {
				x.problem = append(x.problem, Problem{File: pfile, Line: abs(x.pLine[k]), Column: "household_id", Value: hid,
					Reason: "is not in households.csv; the person's row cannot be imported", HouseholdID: hid})
			}
		}
		x.pHouse[k] = hi
		if hi >= 0 && x.pLine[k] < 0 {
			x.bad[hi] = true
		}
		if x.pLine[k] < 0 {
			continue
		}
		if hi >= 0 && x.ps.relation(k) == RelHead && heads[hi] < 255 {
			heads[hi]++
		}
		if run == 0 {
			continue
		}
		if j, dup := runAt[run]; dup {
			other := x.ps.householdID(int(j))
			reason := fmt.Sprintf("appears more than once (first on line %d, household %s); a RUN belongs to one household only", abs(x.pLine[j]), other)
			x.problem = append(x.problem, Problem{File: pfile, Line: abs(x.pLine[k]), Column: "run", Value: formatRUN(run), Reason: reason, HouseholdID: hid})
			if hi >= 0 {
				x.bad[hi] = true
			}
			if hj := x.pHouse[j]; hj >= 0 {
				x.bad[hj] = true
			}
			continue
		}
		runAt[run] = int32(k)
	}
	for i := range x.hs {
		if x.hs[i].ID == "" || heads[i] == 1 {
			continue
		}
		reason := "has no member with relation=head; exactly one is required"
		if heads[i] > 1 {
			reason = fmt.Sprintf("has %d members with relation=head; exactly one is required", heads[i])
		}
		x.problem = append(x.problem, Problem{File: hfile, Line: int(x.hLine[i]), Column: "relation", Value: "", Reason: reason, HouseholdID: x.hs[i].ID})
		x.bad[i] = true
	}
	x.idx, x.runAt = idx, runAt
	slices.SortStableFunc(x.problem, func(a, b Problem) int {
		if a.File != b.File {
			if a.File < b.File {
				return -1
			}
			return 1
		}
		return a.Line - b.Line
	})
}

func abs(v int32) int {
	if v < 0 {
		return int(-v)
	}
	return int(v)
}

func formatRUN(body int64) string { return rut.Format(body) }

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
