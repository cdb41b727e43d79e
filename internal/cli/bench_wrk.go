package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkScript drives wrk (Debian's HTTP load generator, in C): each request
// asks for the path prefix followed by a random id of the ids file (or the
// prefix alone without one), with one extra header; at the end it prints
// one line the benchmark parses: requests, elapsed µs, failed requests and
// the 50th, 90th, 99th percentile and maximum latency in µs.
//
// The ids file (writeWrkIDs) is one string of fixed-width records, not a
// line per id: a Lua table of a million strings made every cycle of wrk's
// garbage collector walk a million objects, which stalled its threads and
// showed up as the server's latency.
const wrkScript = `
local prefix, idsfile, hname, hvalue = os.getenv("FOSIS_WRK_PREFIX"), os.getenv("FOSIS_WRK_IDS"), os.getenv("FOSIS_WRK_HNAME"), os.getenv("FOSIS_WRK_HVALUE")
local ids, width, count = "", 0, 0
local counter = 1
function setup(thread)
  thread:set("seed", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(seed * 7919)
  if idsfile ~= "" then
    local f = assert(io.open(idsfile, "rb"))
    width = tonumber(f:read("*l"))
    ids = f:read("*a")
    f:close()
    count = math.floor(#ids / width)
  end
  wrk.headers[hname] = hvalue
end
function request()
  if count == 0 then return wrk.format("GET", prefix) end
  local i = math.random(count) - 1
  local id = string.sub(ids, i * width + 1, (i + 1) * width)
  return wrk.format("GET", prefix .. string.match(id, "^[^\n]+"))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("FOSIS-WRK %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`

// writeWrkIDs writes ids for wrkScript: a line with the width of the
// longest id, then every id padded to that width with newlines (which no
// id holds), one after the other.
func writeWrkIDs(path string, ids []string) error {
	width := 1
	for _, id := range ids {
		width = max(width, len(id))
	}
	b := make([]byte, 0, 8+width*len(ids))
	b = strconv.AppendInt(b, int64(width), 10)
	b = append(b, '\n')
	for _, id := range ids {
		b = append(b, id...)
		for range width - len(id) {
			b = append(b, '\n')
		}
	}
	return os.WriteFile(path, b, 0o600)
}

// wrkAvailable reports whether wrk is on the PATH.
func wrkAvailable() bool {
	_, err := exec.LookPath("wrk")
	return err == nil
}

// runWrk loads base+prefix(+a random line of idsFile, if not "") with wrk
// in its own process: clients connections over two threads for duration,
// sending header.
func runWrk(ctx context.Context, base, prefix, idsFile string, header [2]string, clients int, duration time.Duration) (*loadResult, error) {
	dir, err := os.MkdirTemp("", "fosis-wrk-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "load.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "wrk", "-t2", "-c"+strconv.Itoa(clients), "-d"+strconv.Itoa(int(duration.Seconds()))+"s",
		"--timeout", "30s", "-s", script, base)
	cmd.Env = append(os.Environ(), "FOSIS_WRK_PREFIX="+prefix, "FOSIS_WRK_IDS="+idsFile,
		"FOSIS_WRK_HNAME="+header[0], "FOSIS_WRK_HVALUE="+header[1])
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("wrk: %v: %s", err, strings.TrimSpace(errOut.String()))
	}
	return parseWrk(out.String())
}

// parseWrk reads the line wrkScript's done prints.
func parseWrk(out string) (*loadResult, error) {
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) != 8 || f[0] != "FOSIS-WRK" {
			continue
		}
		var v [7]int64
		for i := range v {
			n, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("wrk printed %q: %v", strings.TrimSpace(line), err)
			}
			v[i] = n
		}
		us := func(n int64) time.Duration { return time.Duration(n) * time.Microsecond }
		r := &loadResult{n: int(v[0]), errors: int(v[2]), elapsed: us(v[1]),
			pct: map[int]time.Duration{50: us(v[3]), 90: us(v[4]), 99: us(v[5]), 100: us(v[6])}}
		if r.errors > 0 {
			r.firstErr = "non-2xx/3xx status, timeouts or socket errors (wrk does not say which request)"
		}
		return r, nil
	}
	return nil, fmt.Errorf("wrk printed no result line:\n%s", out)
}
