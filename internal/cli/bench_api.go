package cli

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/api"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/web"
)

// apiOnly serves the configured database on a loopback port (the API and the
// web application, as fosis serve does) and loads it: first GET /healthz
// (the baseline: an HTTP round trip and a database ping), then GET
// /api/v1/households/{id} of random households with an analyst's token, then
// the same households' web pages (GET /households/{id}) in a signed-in
// session, each with the given number of concurrent clients for duration,
// after the same load for warmup, unmeasured.
// The load comes from wrk in a process of its own when it is installed
// (loader "auto" or "wrk"), else from goroutines in this process ("go"),
// which then share the server's two cores and its garbage collector.
func (b *bench) apiOnly(ctx context.Context, out, loader string, clients int, duration, warmup time.Duration) error {
	a, err := b.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	f, err := a.Registry.LoadFrame(ctx, true)
	if err != nil {
		return err
	}
	if f.Len() == 0 {
		return fosis.Errorf(fosis.EINVALID, "the registry is empty: import an extract first")
	}
	b.n = f.Len()
	// Only the households' ids are kept, and with wrk not even those: they
	// go to the file wrk reads, so that the server's heap holds no million
	// strings for its garbage collector to mark at every cycle.
	ids := f.ExtID
	f = nil
	token, password, err := benchToken(ctx, a)
	if err != nil {
		return err
	}
	w, err := web.New(web.Config{DB: a.DB, Registry: a.Registry, Targeting: a.Targeting, Users: a.Auth, Log: a.Log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	apiH := (&api.Server{DB: a.DB, Registry: a.Registry, Targeting: a.Targeting, Tokens: a.Auth, Log: a.Log}).Handler()
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", apiH)
	mux.Handle("/healthz", apiH)
	mux.Handle("/", w.Handler())
	inServer := &serverTimes{}
	srv := &http.Server{Handler: inServer.wrap(mux)}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	cookie, err := benchSignIn(ctx, base, password)
	if err != nil {
		return err
	}
	b.header()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	bearer := [2]string{"Authorization", "Bearer " + token}
	session := [2]string{"Cookie", cookie}
	var creds [2]string
	useWrk := false
	switch loader {
	case "wrk":
		if !wrkAvailable() {
			return fosis.Errorf(fosis.EINVALID, "--loader wrk: wrk is not installed (apt-get install wrk)")
		}
		useWrk = true
	case "auto":
		useWrk = wrkAvailable()
	case "go":
	default:
		return fosis.Errorf(fosis.EINVALID, "--loader %q: use auto, wrk or go", loader)
	}
	how := "in-process Go clients"
	idsFile := ""
	if useWrk {
		how = "wrk, its own process, 2 threads"
		dir, err := os.MkdirTemp("", "fosis-wrk-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		idsFile = filepath.Join(dir, "ids.txt")
		if err := writeWrkIDs(idsFile, ids); err != nil {
			return err
		}
		ids = nil
		runtime.GC()
	}
	if warmup > 0 {
		how += fmt.Sprintf(", after %s unmeasured", secs(warmup))
	}
	results := map[string]*loadResult{}
	// load runs one load: prefix alone, or prefix followed by a random
	// household id.
	load := func(tag, name, prefix string, withIDs bool) error {
		run := func(d time.Duration) (*loadResult, error) {
			if useWrk {
				file := ""
				if withIDs {
					file = idsFile
				}
				return runWrk(ctx, base, prefix, file, creds, clients, d)
			}
			return runLoad(ctx, client, base, creds, clients, d, func(r *rand.Rand) string {
				if withIDs {
					return prefix + ids[r.IntN(len(ids))]
				}
				return prefix
			})
		}
		if warmup > 0 {
			b.progress("warming up %s with %d clients for %s", name, clients, warmup)
			if res, err := run(warmup); err != nil {
				return err
			} else if res.errors > 0 {
				return fmt.Errorf("%s: %d errors while warming up (first: %s)", name, res.errors, res.firstErr)
			}
		}
		b.progress("loading %s with %d clients for %s (%s)", name, clients, duration, how)
		stop, err := startProfile(tag)
		if err != nil {
			return err
		}
		inServer.reset()
		res, err := run(duration)
		stop()
		if err != nil {
			return err
		}
		inServerP99 := inServer.p(99)
		b.say("| %s api | %s: %d clients (%s), %d requests in %s | %.0f req/s | p50 %s, p90 %s, p99 %s, max %s (in the server: p99 %s)%s |", a.DB.Engine, name, clients, how,
			res.n, secs(res.elapsed), float64(res.n)/res.elapsed.Seconds(), ms(res.p(50)), ms(res.p(90)), ms(res.p(99)), ms(res.p(100)), ms(inServerP99), res.errNote())
		results[tag] = res
		return nil
	}
	creds = bearer
	if err := load("healthz", "baseline GET /healthz", "/healthz", false); err != nil {
		return err
	}
	if err := load("api", "GET /api/v1/households/{id} (members, latest score with explanation, history)", "/api/v1/households/", true); err != nil {
		return err
	}
	creds = session
	if err := load("page", "GET /households/{id} (the household page, signed in)", "/households/", true); err != nil {
		return err
	}
	b.say("")
	b.say("Targets: household page and API lookup p99 under 50 ms at 50 concurrent clients, and at least 2,000 API lookups per second.")
	if clients == 50 {
		api, pg := results["api"], results["page"]
		mark := func(ok bool) string {
			if ok {
				return "met"
			}
			return "NOT met"
		}
		rate := float64(api.n) / api.elapsed.Seconds()
		b.say("Here: API lookups %.0f/s (%s), their p99 %s (%s); household page p99 %s (%s).",
			rate, mark(rate >= 2000 && api.errors == 0), ms(api.p(99)), mark(api.p(99) < 50*time.Millisecond),
			ms(pg.p(99)), mark(pg.p(99) < 50*time.Millisecond && pg.errors == 0))
	}
	if out != "" {
		return writeLines(out, b.lines)
	}
	return nil
}

// serverTimes counts how long the server took over each request, from its
// handler's start to its end, in buckets of 100 µs up to 1 s: with the
// latency the clients saw, it tells time spent serving from time spent
// waiting to be read or scheduled.
type serverTimes struct{ n [10001]atomic.Int64 }

func (t *serverTimes) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		h.ServeHTTP(w, r)
		t.n[min(time.Since(t0)/(100*time.Microsecond), 10000)].Add(1)
	})
}

func (t *serverTimes) reset() {
	for i := range t.n {
		t.n[i].Store(0)
	}
}

// p is the q-th percentile, to the bucket's upper bound.
func (t *serverTimes) p(q int) time.Duration {
	var total int64
	for i := range t.n {
		total += t.n[i].Load()
	}
	want, seen := (total*int64(q)+99)/100, int64(0)
	for i := range t.n {
		if seen += t.n[i].Load(); seen >= want && want > 0 {
			return time.Duration(i+1) * 100 * time.Microsecond
		}
	}
	return 0
}

// startProfile starts a CPU profile of the measured load named tag, into
// $FOSIS_CPUPROFILE.tag, when that variable is set; stop ends it.
func startProfile(tag string) (stop func(), err error) {
	prefix := os.Getenv("FOSIS_CPUPROFILE")
	if prefix == "" {
		return func() {}, nil
	}
	f, err := os.Create(prefix + "." + tag)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// benchToken creates (or reuses) an analyst account for the benchmark, gives
// it a fresh password, and returns a fresh read token of it and the password.
func benchToken(ctx context.Context, a *App) (token, password string, err error) {
	sys := auth.System()
	password = auth.GeneratePassword()
	u, err := a.Auth.UserByUsername(ctx, "bench-analyst")
	if fosis.ErrorCode(err) == fosis.ENOTFOUND {
		u, err = a.Auth.CreateUser(ctx, sys, auth.NewUser{Username: "bench-analyst", DisplayName: "Benchmark", Role: auth.RoleAnalyst, Password: password})
	} else if err == nil {
		err = a.Auth.SetPassword(ctx, sys, u.ID, password)
	}
	if err != nil {
		return "", "", err
	}
	token, _, err = a.Auth.CreateToken(ctx, sys, u.ID, "bench", []string{"read"}, time.Hour)
	return token, password, err
}

// benchSignIn signs the benchmark account in to the web application and
// returns its session cookie ("name=value").
func benchSignIn(ctx context.Context, base, password string) (string, error) {
	form := url.Values{"username": {"bench-analyst"}, "password": {password}, "next": {"/"}}
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "fosis_session" && resp.StatusCode == http.StatusSeeOther {
			return ck.Name + "=" + ck.Value, nil
		}
	}
	return "", fmt.Errorf("the benchmark account could not sign in (status %d)", resp.StatusCode)
}

type loadResult struct {
	n, errors int
	firstErr  string
	elapsed   time.Duration
	lat       []time.Duration       // every latency, sorted (the Go load)
	pct       map[int]time.Duration // percentiles as wrk reports them (the wrk load)
}

func (r *loadResult) p(q int) time.Duration {
	if r.pct != nil {
		return r.pct[q]
	}
	if len(r.lat) == 0 {
		return 0
	}
	i := (len(r.lat)*q + 99) / 100
	return r.lat[min(max(i-1, 0), len(r.lat)-1)]
}

func (r *loadResult) errNote() string {
	if r.errors == 0 {
		return ""
	}
	return fmt.Sprintf("; %d errors (first: %s)", r.errors, r.firstErr)
}

// runLoad runs clients goroutines, each sending requests back to back until
// duration has passed, and collects every latency.
func runLoad(ctx context.Context, client *http.Client, base string, creds [2]string, clients int, duration time.Duration, path func(*rand.Rand) string) (*loadResult, error) {
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var mu sync.Mutex
	res := &loadResult{}
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 99))
			var lat []time.Duration
			errs, first := 0, ""
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "GET", base+path(r), nil)
				req.Header.Set(creds[0], creds[1])
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if ctx.Err() != nil {
					break
				}
				lat = append(lat, time.Since(t0))
				if err != nil {
					if errs == 0 {
						first = err.Error()
					}
					errs++
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			if res.firstErr == "" {
				res.firstErr = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = len(res.lat)
	slices.Sort(res.lat)
	return res, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
