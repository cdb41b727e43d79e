package delivery_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/delivery"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/db/dbtest"
)

// TestBenchDelivery measures the targets for cases and prints
// figures (never asserts them). It is heavy, so it runs only when asked:
//
//	FOSIS_BENCH_DELIVERY=1 go test -run TestBenchDelivery -v -timeout 60m ./internal/delivery/
//	FOSIS_TEST_DB=postgres FOSIS_BENCH_DELIVERY=1 go test -run TestBenchDelivery -v -timeout 60m ./internal/delivery/
//
// Sizes: FOSIS_BENCH_CASES open cases (default 200,000), FOSIS_BENCH_SESSIONS
// sessions (default 5,000,000, each with its timeline entry),
// FOSIS_BENCH_IMPORT rows imported (default 1,000,000). FOSIS_BENCH_OUT
// names a folder to write delivery-<engine>.txt in. It measures, at 20
// concurrent users, a counsellor's caseload (what /cases reads) and the
// case file (what /cases/{id} reads: the case, methodology, timeline,
// diagnosis, sessions, plans, progress, goods, actions), p50 and p99; the
// alerts over every open case (national), best of 3; and the import of the
// sessions CSV against a bare bulk insert of the same rows.
func TestBenchDelivery(t *testing.T) {
	if os.Getenv("FOSIS_BENCH_DELIVERY") == "" {
		t.Skip("set FOSIS_BENCH_DELIVERY=1 to run the cases benchmark")
	}
	size := func(name string, def int) int {
		if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
			return n
		}
		return def
	}
	nCases, nSessions, nImport := size("FOSIS_BENCH_CASES", 200_000), size("FOSIS_BENCH_SESSIONS", 5_000_000), size("FOSIS_BENCH_IMPORT", 1_000_000)
	var out strings.Builder
	say := func(format string, args ...any) {
		fmt.Fprintf(&out, format+"\n", args...)
		t.Logf(format, args...)
	}
	d := dbtest.Open(t)
	engine := "sqlite"
	if d.Engine == db.Postgres {
		engine = "postgres"
	}
	say("fosis cases benchmark, %s, %s, GOMAXPROCS=%d, %s", engine, time.Now().UTC().Format(time.DateTime), runtime.GOMAXPROCS(0), runtime.Version())
	st := delivery.NewStore(d, nil, nil, nil, func() time.Time { return testToday })
	sys := sysCtx()
	if _, err := st.SeedMethodologies(sys); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	w := buildBenchWorld(t, d, nCases, nSessions)
	say("built %d open cases, %d counsellors, %d sessions (and as many timeline entries), %d course attendances, %d plan actions in %v",
		nCases, len(w.counsellors), w.sessions, w.attendance, w.actions, time.Since(t0).Round(time.Second))

	const each = 40
	measure := func(name string, users int, op func(ctx context.Context, rng *rand.Rand, k int) error) {
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		began := time.Now()
		for u := range users {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(u), 9))
				for range each {
					k := rng.IntN(len(w.counsellors))
					ctx := auth.WithPrincipal(context.Background(), &auth.Principal{UserID: w.counsellors[k], Username: fmt.Sprintf("k%05d", k), Role: auth.RoleCounsellor})
					t0 := time.Now()
					if err := op(ctx, rng, k); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					lat = append(lat, time.Since(t0))
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.Sort(lat)
		if len(lat) == 0 {
			return
		}
		say("%s: %d requests by %d concurrent users in %v (%.0f/s): p50 %v, p99 %v, max %v (target p99 < 100 ms at 20 users)", name, len(lat), users,
			time.Since(began).Round(time.Millisecond), float64(len(lat))/time.Since(began).Seconds(),
			lat[len(lat)/2].Round(10*time.Microsecond), lat[len(lat)*99/100].Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	}
	caseload := func(ctx context.Context, _ *rand.Rand, _ int) error {
		p, err := st.Cases(ctx, delivery.Filter{Active: true}, 0, 50)
		if err == nil && len(p.Items) == 0 {
			err = fmt.Errorf("empty caseload")
		}
		return err
	}
	measure("caseload (a counsellor's active cases, first page of 50), one user alone", 1, caseload)
	measure("caseload (a counsellor's active cases, first page of 50)", 20, func(ctx context.Context, _ *rand.Rand, _ int) error {
		p, err := st.Cases(ctx, delivery.Filter{Active: true}, 0, 50)
		if err == nil && len(p.Items) == 0 {
			err = fmt.Errorf("empty caseload")
		}
		return err
	})
	caseFile := func(ctx context.Context, rng *rand.Rand, k int) error {
		cases := w.caseload[k]
		id := cases[rng.IntN(len(cases))]
		if _, err := st.Case(ctx, id); err != nil {
			return err
		}
		if _, err := st.CaseMethodology(ctx, id); err != nil {
			return err
		}
		if _, err := st.Timeline(ctx, id); err != nil {
			return err
		}
		if _, err := st.Diagnosis(ctx, id); err != nil {
			return err
		}
		if _, err := st.Sessions(ctx, id); err != nil {
			return err
		}
		if _, err := st.MayReadNotes(ctx, id); err != nil {
			return err
		}
		if _, err := st.Plans(ctx, id); err != nil {
			return err
		}
		if _, err := st.Progress(ctx, id); err != nil {
			return err
		}
		if _, err := st.CaseGoods(ctx, id); err != nil {
			return err
		}
		_, err := st.PlanActions(ctx, id)
		return err
	}
	measure("case file (case, methodology, timeline, diagnosis, sessions, notes right, plans, progress, goods, actions), one user alone", 1, caseFile)
	measure("case file (case, methodology, timeline, diagnosis, sessions, notes right, plans, progress, goods, actions)", 20, caseFile)
	best := time.Duration(1 << 62)
	var n int
	for range 3 {
		t0 := time.Now()
		as, err := st.Alerts(sys, 30, 1000)
		if err != nil {
			t.Fatal(err)
		}
		best, n = min(best, time.Since(t0)), len(as)
	}
	say("alerts over all %d open cases (national: no contact, overdue sessions, plans past due, low attendance; the oldest 1,000): %d alerts, best of 3 %v (target ≤ 2 s)",
		nCases, n, best.Round(time.Millisecond))

	// The import of nImport rows, against a bare bulk insert of the same rows.
	var csv strings.Builder
	csv.WriteString("case,ref,date,component,kind,status,minutes,attendees,dimensions,notes\n")
	rows := make([][]any, 0, nImport)
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range nImport {
		c := w.puente[rng.IntN(len(w.puente))]
		day := testToday.AddDate(0, 0, -rng.IntN(400)).Format(time.DateOnly)
		fmt.Fprintf(&csv, "%d,IMP-%d,%s,home,home,held,45,María|Pedro,salud,\n", c, i, day)
		rows = append(rows, []any{c, "home", "home", "held", day, 45, "María|Pedro", "salud", "", fmt.Sprintf("BARE-%d", i), time.Now().UTC().Format(time.RFC3339), "bench"})
	}
	t0 = time.Now()
	res, err := st.ImportSessions(sys, strings.NewReader(csv.String()), "bench.csv")
	if err != nil {
		t.Fatal(err)
	}
	imp := time.Since(t0)
	t0 = time.Now()
	err = d.Transact(sys, func(tx *db.Tx) error {
		for _, r := range rows {
			on, _ := time.Parse(time.DateOnly, r[4].(string))
			r[4] = tx.DB().Date(on)
			r[10] = tx.DB().Time(tx.Now)
		}
		_, err := tx.CopyFrom(sys, "delivery_sessions", []string{"case_id", "component", "kind", "status", "on_date", "minutes", "attendees", "dimensions", "notes", "ref", "created_at", "created_by"},
			&db.SliceSource{Rows: rows})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	bare := time.Since(t0)
	say("import of %d session rows (CSV parsed and checked, all or nothing, with their timeline entries and last contacts): %d added in %v (target ≤ 60 s)",
		nImport, res.Added, imp.Round(time.Millisecond))
	say("bare bulk insert of the same %d rows (CopyFrom, nothing checked): %v; the import runs at %.0f%% of its speed (target ≥ 50%%)",
		nImport, bare.Round(time.Millisecond), 100*bare.Seconds()/imp.Seconds())
	if dir := os.Getenv("FOSIS_BENCH_OUT"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "delivery-"+engine+".txt"), []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// benchWorld is what buildBenchWorld made.
type benchWorld struct {
	counsellors []int64   // user ids, by counsellor index
	caseload    [][]int64 // case ids by counsellor index
	puente      []int64   // Puente cases (for the import)
	sessions    int
	attendance  int
	actions     int
}

// buildBenchWorld writes n open cases (80 % Puente, 20 % Yo Emprendo
// Semilla) over 16 regions' agencies, 60 a counsellor, with their entry
// diagnosis; sessions spread over them (a few scheduled, some overdue),
// each with a timeline entry; a course of ten weekly sessions per twenty
// Semilla cases, attended four times in five; an approved plan with two
// actions (one past due) on every tenth case.
func buildBenchWorld(t *testing.T, d *db.DB, n, sessions int) *benchWorld {
	t.Helper()
	ctx := sysCtx()
	w := &benchWorld{}
	var puente, semilla int64
	if err := d.QueryRowContext(ctx, `SELECT (SELECT id FROM delivery_methodologies WHERE line_code = 'puente'), (SELECT id FROM delivery_methodologies WHERE line_code = 'yo-emprendo-semilla')`).Scan(&puente, &semilla); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	k := (n + 59) / 60
	err := d.Transact(ctx, func(tx *db.Tx) error {
		dd := tx.DB()
		now := dd.Time(tx.Now)
		var ags, users [][]any
		for r := 1; r <= 16; r++ {
			ags = append(ags, []any{fmt.Sprintf("ag-%02d", r), fmt.Sprintf("Agencia %d", r), now})
		}
		for i := range k {
			users = append(users, []any{fmt.Sprintf("k%05d", i), "counsellor", "x", now, now})
		}
		if _, err := tx.CopyFrom(ctx, "agencies", []string{"code", "name", "created_at"}, &db.SliceSource{Rows: ags}); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, "users", []string{"username", "role", "password_hash", "created_at", "updated_at"}, &db.SliceSource{Rows: users}); err != nil {
			return err
		}
		ids, err := db.Collect(ctx, tx, func(rows *sql.Rows) (int64, error) {
			var id int64
			return id, rows.Scan(&id)
		}, `SELECT id FROM users WHERE role = 'counsellor' AND username LIKE 'k%' ORDER BY username`)
		if err != nil {
			return err
		}
		w.counsellors = ids
		w.caseload = make([][]int64, k)
		var ks [][]any
		for i, id := range ids {
			ks = append(ks, []any{id, fmt.Sprintf("ag-%02d", 1+i%16), 60, now})
		}
		if _, err := tx.CopyFrom(ctx, "delivery_counsellors", []string{"user_id", "agency_code", "caseload_limit", "created_at"}, &db.SliceSource{Rows: ks}); err != nil {
			return err
		}
		today := testToday
		var cases, diag [][]any
		opened := make([]time.Time, n)
		for i := range n {
			c := i / 60
			region := 1 + c%16
			line, m := "puente", puente
			if i%5 == 4 {
				line, m = "yo-emprendo-semilla", semilla
			}
			opened[i] = today.AddDate(0, 0, -30-rng.IntN(670))
			last := today.AddDate(0, 0, -rng.IntN(60))
			cases = append(cases, []any{int64(i + 1), line, 1, m, int64(i + 1), fmt.Sprintf("B%07d", i+1), int64(10_000_000 + i), fmt.Sprintf("%02d101", region),
				fmt.Sprintf("%02d", region), fmt.Sprintf("ag-%02d", region), ids[c], delivery.StateIntervention, dd.Date(opened[i]), dd.Date(last), now, now})
			w.caseload[c] = append(w.caseload[c], int64(i+1))
			if line == "puente" {
				w.puente = append(w.puente, int64(i+1))
			}
			for _, code := range []string{"ID1", "SA1", "ED1"} {
				if line == "puente" {
					diag = append(diag, []any{int64(i + 1), "entry", code, "x", "not_met", "", dd.Date(opened[i]), "bench"})
				}
			}
		}
		if _, err := tx.CopyFrom(ctx, "delivery_cases", []string{"id", "line_code", "program_version", "methodology", "household", "household_id", "person_run",
			"commune_code", "region_code", "agency_code", "counsellor", "state", "opened_on", "last_contact_on", "created_at", "updated_at"}, &db.SliceSource{Rows: cases}); err != nil {
			return err
		}
		cases = nil
		if _, err := tx.CopyFrom(ctx, "delivery_diagnoses", []string{"case_id", "phase", "condition", "dimension", "status", "evidence", "recorded_on", "recorded_by"}, &db.SliceSource{Rows: diag}); err != nil {
			return err
		}
		// Sessions in chunks, each with its timeline entry.
		per := max(1, sessions/n)
		var batch, events [][]any
		flush := func() error {
			if _, err := tx.CopyFrom(ctx, "delivery_sessions", []string{"case_id", "component", "kind", "status", "on_date", "minutes", "attendees", "dimensions", "notes", "created_at", "created_by"},
				&db.SliceSource{Rows: batch}); err != nil {
				return err
			}
			if _, err := tx.CopyFrom(ctx, "delivery_events", []string{"case_id", "at", "actor", "kind", "from_state", "to_state", "detail"}, &db.SliceSource{Rows: events}); err != nil {
				return err
			}
			batch, events = batch[:0], events[:0]
			return nil
		}
		for i := 0; i < n && w.sessions < sessions; i++ {
			comp, kind := "home", "home"
			if i%5 == 4 {
				comp, kind = "advice", "visit"
			}
			for j := range per {
				on := opened[i].AddDate(0, 0, 7+j*21)
				status, mins, notes := "held", 45, ""
				switch {
				case j == per-1:
					status, mins = "scheduled", 0
				case j%9 == 5:
					status, mins = "missed", 0
				case j%3 == 0:
					notes = "Conversamos sobre la rutina de la familia."
				}
				batch = append(batch, []any{int64(i + 1), comp, kind, status, dd.Date(on), mins, "Jefatura de hogar", "salud", notes, now, "bench"})
				events = append(events, []any{int64(i + 1), dd.Time(on.Add(10 * time.Hour)), "bench", "session", "", "", status + " " + kind})
				w.sessions++
			}
			if len(batch) >= 50_000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		// Courses: twenty Semilla cases of one counsellor's agency each.
		var parts, att [][]any
		var group []int64
		course := func() error {
			if len(group) == 0 {
				return nil
			}
			c := (group[0] - 1) / 60
			region := 1 + c%16
			start := today.AddDate(0, 0, -60)
			kid, err := tx.InsertID(ctx, `INSERT INTO delivery_courses (line_code, component, agency_code, commune_code, region_code, title, starts_on, ends_on, rule, rule_min, attendance_pct, created_at, created_by)
				VALUES ('yo-emprendo-semilla', 'training', ?, ?, ?, 'Gestión', ?, ?, 'hours', 22, 75, ?, 'bench')`,
				fmt.Sprintf("ag-%02d", region), fmt.Sprintf("%02d101", region), fmt.Sprintf("%02d", region), dd.Date(start), dd.Date(start.AddDate(0, 0, 70)), now)
			if err != nil {
				return err
			}
			for _, id := range group {
				parts = append(parts, []any{kid, id, dd.Date(start), "bench"})
			}
			for s := 1; s <= 10; s++ {
				on := start.AddDate(0, 0, 7*(s-1))
				status := "held"
				if on.After(today) {
					status = "scheduled"
				}
				sid, err := tx.InsertID(ctx, `INSERT INTO delivery_course_sessions (course_id, number, on_date, minutes, topic, status, version) VALUES (?, ?, ?, 180, '', ?, 1)`, kid, s, dd.Date(on), status)
				if err != nil {
					return err
				}
				if status != "held" {
					continue
				}
				for _, id := range group {
					present := rng.IntN(5) > 0
					mins := 0
					if present {
						mins = 180
					}
					att = append(att, []any{sid, id, db.Bool(present), mins, now, "bench"})
				}
			}
			group = group[:0]
			return nil
		}
		for i := 4; i < n; i += 5 {
			group = append(group, int64(i+1))
			if len(group) == 20 {
				if err := course(); err != nil {
					return err
				}
			}
		}
		if err := course(); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, "delivery_course_participants", []string{"course_id", "case_id", "added_on", "added_by"}, &db.SliceSource{Rows: parts}); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, "delivery_attendance", []string{"session_id", "case_id", "present", "minutes", "recorded_at", "recorded_by"}, &db.SliceSource{Rows: att}); err != nil {
			return err
		}
		w.attendance = len(att)
		// Plans with actions on every tenth case.
		var acts [][]any
		for i := 0; i < n; i += 10 {
			pid, err := tx.InsertID(ctx, `INSERT INTO delivery_plans (case_id, version, kind, body, total_clp, status, made_by, made_at, checked_by, checked_at)
				VALUES (?, 1, 'family', '{"goal":"x","actions":[],"budget":[]}', 0, 'approved', 'bench', ?, 'coord', ?)`, int64(i+1), now, now)
			if err != nil {
				return err
			}
			acts = append(acts, []any{pid, 0, int64(i + 1), "Ir al CESFAM", dd.Date(today.AddDate(0, 0, -rng.IntN(90))), nil, ""},
				[]any{pid, 1, int64(i + 1), "Inscribir en la OMIL", dd.Date(today.AddDate(0, 0, rng.IntN(90))), nil, ""})
		}
		if _, err := tx.CopyFrom(ctx, "delivery_plan_actions", []string{"plan_id", "idx", "case_id", "action", "due_on", "done_on", "done_by"}, &db.SliceSource{Rows: acts}); err != nil {
			return err
		}
		w.actions = len(acts)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Engine == db.Postgres {
		// The cases' ids were given; move the sequence past them.
		if _, err := d.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('delivery_cases', 'id'), (SELECT max(id) FROM delivery_cases))`); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Analyze(ctx, "delivery_cases", "delivery_sessions", "delivery_events", "delivery_diagnoses", "delivery_courses", "delivery_course_sessions",
		"delivery_course_participants", "delivery_attendance", "delivery_plans", "delivery_plan_actions", "users", "delivery_counsellors"); err != nil {
		t.Fatal(err)
	}
	return w
}
