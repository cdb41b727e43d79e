// Package synth is the synthetic registry generator: it writes a believable
// national extract (households.csv, persons.csv) plus truth.csv, the true
// per-capita income of every household, which the registry itself never sees. The model and the
// source of every distribution are described in docs/extract-format.md,
// section "Synthetic data"; the model lives in generate_model.go and its
// reference tables in generate_tables.go.
//
// Households are generated in chunks of genChunkSize, each with its own PCG
// stream seeded from (Seed, chunk index), by GOMAXPROCS workers into byte
// buffers that one writer emits in chunk order: the output depends only on
// Seed, Households, AsOf and Territory, never on scheduling.
package synth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
)

// Options configures Generate.
type Options struct {
	// Households is the number of households to generate.
	Households int
	// Seed selects the random stream; the same options give byte-identical
	// files.
	Seed uint64
	// AsOf is the reference date: ages, registration dates and the RUN
	// numbering are relative to it. The zero value means 2026-11-01.
	AsOf time.Time
	// Territory is the country's division; nil means geo.Chile(). Chile's
	// demographic tables apply when Territory.Country is "CL"; any other
	// territory gets neutral defaults (see the doc).
	Territory *geo.Territory
}

// Stats summarises a generation run.
type Stats struct {
	Households int
	Persons    int
	// Regions has one entry per region of the territory, in territory order.
	Regions []RegionCount
	Elapsed time.Duration
}

// RegionCount is the number of generated households and persons of a region.
type RegionCount struct {
	Code       string
	Name       string
	Households int
	Persons    int
}

// DefaultAsOf is the reference date used when Options.AsOf is
// zero.
var DefaultAsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// MaxHouseholds bounds Options.Households so that RUN bodies
// stay unique and within 8 digits.
const MaxHouseholds = 20_000_000

// TruthColumns is the header of truth.csv.
var TruthColumns = []string{"household_id", "per_capita_income_clp"}

const (
	genChunkSize   = 8192
	genWriteBuffer = 1 << 20
)

// genChunk is one chunk's output: the rows of the three files and counts.
type genChunk struct {
	idx        int
	households []byte
	persons    []byte
	truth      []byte
	nPersons   int
	regionHH   []int
	regionP    []int
	err        error
}

// Generate writes a synthetic registry of opt.Households households: the
// households.csv and persons.csv extract (with their header rows) to
// households and persons, and truth.csv (household_id,per_capita_income_clp)
// to truth, which may be nil to skip it. progress, if not nil, is called from
// the calling goroutine after each chunk is written with the number of
// households written so far. Generate stops with ctx's error when ctx is
// cancelled; the writers then hold a prefix of the output.
func Generate(ctx context.Context, opt Options, households, persons, truth io.Writer, progress func(householdsDone int)) (Stats, error) {
	start := time.Now()
	m, err := newGenModel(opt)
	if err != nil {
		return Stats{}, err
	}
	stats := Stats{Regions: make([]RegionCount, len(m.terr.Regions))}
	for i, r := range m.terr.Regions {
		stats.Regions[i] = RegionCount{Code: r.Code, Name: r.Name}
	}

	hw := bufio.NewWriterSize(households, genWriteBuffer)
	pw := bufio.NewWriterSize(persons, genWriteBuffer)
	var tw *bufio.Writer
	if truth != nil {
		tw = bufio.NewWriterSize(truth, genWriteBuffer)
	}
	if _, err := hw.Write(registry.AppendExtractHeader(nil, registry.HouseholdColumns)); err != nil {
		return stats, err
	}
	if _, err := pw.Write(registry.AppendExtractHeader(nil, registry.PersonColumns)); err != nil {
		return stats, err
	}
	if tw != nil {
		if _, err := tw.Write(registry.AppendExtractHeader(nil, TruthColumns)); err != nil {
			return stats, err
		}
	}

	nChunks := m.nChunks
	workers := min(max(runtime.GOMAXPROCS(0), 1), max(nChunks, 1))
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { // on every return: stop the goroutines and wait for them
		cancel()
		wg.Wait()
	}()

	// inFlight buffers bound memory: the dispatcher takes one per chunk and
	// the writer gives it back once the chunk is on its way to the files.
	inFlight := 2*workers + 1
	free := make(chan *genChunk, inFlight)
	per := min(genChunkSize, m.households) // households per chunk
	for range inFlight {
		free <- &genChunk{
			// About 90, 225 and 16 bytes per household.
			households: make([]byte, 0, 96*per),
			persons:    make([]byte, 0, 256*per),
			truth:      make([]byte, 0, 20*per),
			regionHH:   make([]int, len(m.terr.Regions)),
			regionP:    make([]int, len(m.terr.Regions)),
		}
	}
	jobs := make(chan *genChunk)
	results := make(chan *genChunk, inFlight)
	wg.Add(1)
	go func() { // dispatcher
		defer wg.Done()
		defer close(jobs)
		for i := range nChunks {
			var c *genChunk
			select {
			case c = <-free:
			case <-ctx.Done():
				return
			}
			c.idx = i
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := newGenWorker(m)
			for c := range jobs {
				g.generate(c)
				results <- c // never blocks: capacity covers every buffer
			}
		}()
	}

	pending := make(map[int]*genChunk, inFlight)
	done := 0
	for next := 0; next < nChunks; {
		select {
		case c := <-results:
			pending[c.idx] = c
		case <-ctx.Done():
			return stats, ctx.Err()
		}
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if c.err != nil {
				return stats, c.err
			}
			if err := writeGenChunk(c, hw, pw, tw); err != nil {
				return stats, err
			}
			n := min(genChunkSize, m.households-next*genChunkSize)
			done += n
			stats.Households += n
			stats.Persons += c.nPersons
			for r := range stats.Regions {
				stats.Regions[r].Households += c.regionHH[r]
				stats.Regions[r].Persons += c.regionP[r]
			}
			free <- c
			next++
			if progress != nil {
				progress(done)
			}
		}
	}
	if err := hw.Flush(); err != nil {
		return stats, err
	}
	if err := pw.Flush(); err != nil {
		return stats, err
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return stats, err
		}
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

func writeGenChunk(c *genChunk, hw, pw, tw *bufio.Writer) error {
	if _, err := hw.Write(c.households); err != nil {
		return err
	}
	if _, err := pw.Write(c.persons); err != nil {
		return err
	}
	if tw != nil {
		if _, err := tw.Write(c.truth); err != nil {
			return err
		}
	}
	return nil
}

// GenerateDir runs Generate into dir (created if missing), writing
// households.csv, persons.csv and truth.csv. Each file is written under a
// temporary name and renamed into place only when the whole run succeeds.
func GenerateDir(ctx context.Context, dir string, opt Options, progress func(householdsDone int)) (Stats, error) {
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, err
	}
	names := []string{"households.csv", "persons.csv", "truth.csv"}
	var files []*os.File
	fail := func(stats Stats, err error) (Stats, error) {
		for _, f := range files {
			f.Close()
			os.Remove(f.Name())
		}
		return stats, err
	}
	for _, n := range names {
		f, err := os.CreateTemp(dir, "."+n+".*.tmp")
		if err != nil {
			return fail(Stats{}, err)
		}
		files = append(files, f)
	}
	stats, err := Generate(ctx, opt, files[0], files[1], files[2], progress)
	if err != nil {
		return fail(stats, err)
	}
	for _, f := range files {
		if err := f.Chmod(0o644); err != nil {
			return fail(stats, err)
		}
		if err := f.Close(); err != nil {
			return fail(stats, err)
		}
	}
	for i, f := range files {
		if err := os.Rename(f.Name(), filepath.Join(dir, names[i])); err != nil {
			return fail(stats, fmt.Errorf("generate: %w", err))
		}
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

// errGenRUNSpace is returned if the RUN numbering runs out of room, which the
// bound on Households is meant to prevent.
var errGenRUNSpace = errors.New("generate: RUN space exhausted; generate fewer households")
