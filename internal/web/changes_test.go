package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
)

var requestID = regexp.MustCompile(`id="change-([0-9]+)-state"`)

// roomsOf returns a household's current rooms.
func (f *fixture) roomsOf(t *testing.T, id string) int {
	t.Helper()
	var n int
	if err := f.d.QueryRowContext(context.Background(), `SELECT rooms FROM households WHERE household_id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ageHistory moves every recorded version back by days, as if the import
// had happened then.
func (f *fixture) ageHistory(t *testing.T, days int) {
	t.Helper()
	ctx := context.Background()
	rows, err := f.d.QueryContext(ctx, `SELECT id, valid_from FROM household_versions`)
	if err != nil {
		t.Fatal(err)
	}
	type v struct {
		id int64
		at time.Time
	}
	var vs []v
	for rows.Next() {
		var x v
		var at db.Instant
		rows.Scan(&x.id, &at)
		x.at = at.Time
		vs = append(vs, x)
	}
	rows.Close()
	for _, x := range vs {
		if _, err := f.d.ExecContext(ctx, `UPDATE household_versions SET valid_from = ? WHERE id = ?`, f.d.Time(x.at.AddDate(0, 0, -days)), x.id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestChangeRequestPages(t *testing.T) {
	f := newFixture(t)
	f.ageHistory(t, 3)
	id := f.inRM.id
	rooms := f.roomsOf(t, id)
	next := (rooms + 1) % 51

	rosa := f.client(t)
	rosa.signIn("rosa") // English
	resp, body := rosa.do("GET", "/households/"+id, nil)
	for _, want := range []string{`id="new-change"`, `id="changes-empty"`, `id="version-list"`, `id="as-of-form"`, "History of the record"} {
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Fatalf("household page (%d) lacks %q", resp.StatusCode, want)
		}
	}
	if strings.Contains(body, `id="change-form"`) {
		t.Fatal("the household page carries the change form: it has a page of its own")
	}
	resp, body = rosa.do("GET", "/households/"+id+"/changes/new", nil)
	for _, want := range []string{`id="change-form"`, `id="change-members"`, `<option value="h:rooms">`, `href="/households/` + id + `"`} {
		if resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Fatalf("change form page (%d) lacks %q", resp.StatusCode, want)
		}
	}

	// A bad value: the page again, with the message by the field and what was typed.
	form := url.Values{"kind": {"update"}, "reason": {"built a room"}, "target0": {"h:rooms"}, "value0": {"99"}}
	resp, body = rosa.do("POST", "/households/"+id+"/changes", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="row0-error">must be between 0 and 50<`) ||
		!strings.Contains(body, `<option value="h:rooms" selected>`) || !strings.Contains(body, `value="99"`) || !strings.Contains(body, ">built a room</textarea>") {
		t.Fatalf("invalid submission: %d\n%s", resp.StatusCode, body)
	}
	// A rectification without evidence, which cannot add members either.
	resp, body = rosa.do("POST", "/households/"+id+"/changes", url.Values{"kind": {"rectify"}, "reason": {"typo"},
		"target0": {"h:rooms"}, "value0": {fmt.Sprint(next)}, "add_sex": {"F"}})
	for _, want := range []string{`id="evidence-error"`, `id="add-error">a request of kind rectify cannot add members<`, `<option value="F" selected>`} {
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("rectification without evidence (%d) lacks %q", resp.StatusCode, want)
		}
	}
	// A new member half filled in: a message by each missing value.
	resp, body = rosa.do("POST", "/households/"+id+"/changes", url.Values{"kind": {"update"}, "reason": {"a birth"}, "add_sex": {"F"}})
	for _, want := range []string{`id="add_run-error"`, `id="add_birth_date-error"`, `id="add_relation-error"`} {
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("half a new member (%d) lacks %q", resp.StatusCode, want)
		}
	}
	if f.roomsOf(t, id) != rooms {
		t.Fatal("an invalid submission changed the household")
	}

	form.Set("value0", fmt.Sprint(next))
	resp, body = rosa.do("POST", "/households/"+id+"/changes", form)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="change-submitted"`) || !strings.Contains(body, "Pending") {
		t.Fatalf("submission: %d at %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	m := requestID.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the household page does not list the request")
	}
	req := m[1]
	if f.roomsOf(t, id) != rooms {
		t.Fatal("the household changed before approval")
	}

	// The maker's queue: the request, no approve button; the domain refuses anyway.
	_, body = rosa.do("GET", "/changes", nil)
	if !strings.Contains(body, `id="own-`+req+`"`) || strings.Contains(body, `id="approve-`+req+`"`) {
		t.Errorf("the maker's queue offers to approve their own request")
	}
	if resp, body := rosa.do("POST", "/changes/"+req+"/approve", url.Values{}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="decide-error"`) {
		t.Errorf("the maker approving: %d", resp.StatusCode)
	}

	// The auditor reads, and cannot decide.
	otilia := f.client(t)
	otilia.signIn("otilia")
	if resp, _ := otilia.do("GET", "/households/"+id+"/changes/new", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the auditor's change form: %d, want 403", resp.StatusCode)
	}
	if _, body := otilia.do("GET", "/households/"+id, nil); strings.Contains(body, `id="new-change"`) || !strings.Contains(body, `id="change-`+req+`-state"`) {
		t.Errorf("the auditor's household page: form shown or request missing")
	}
	if _, body := otilia.do("GET", "/changes", nil); strings.Contains(body, `id="approve-`+req+`"`) || !strings.Contains(body, `id="request-`+req+`"`) {
		t.Errorf("the auditor's queue offers to approve or lacks the request")
	}
	if resp, _ := otilia.do("POST", "/changes/"+req+"/approve", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the auditor approving: %d", resp.StatusCode)
	}

	// A checker rejects without a reason (refused), then approves.
	ana := f.client(t)
	ana.signIn("analista")
	_, body = ana.do("GET", "/changes", nil)
	if !strings.Contains(body, `id="approve-`+req+`"`) {
		t.Fatalf("the checker's queue lacks the approve button")
	}
	if resp, body := ana.do("POST", "/changes/"+req+"/reject", url.Values{"comment": {" "}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "escriba un comentario") {
		t.Errorf("reject without a comment: %d", resp.StatusCode)
	}
	resp, body = ana.do("POST", "/changes/"+req+"/approve", url.Values{"comment": {"visto"}, "next": {"/changes"}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/changes" || !strings.Contains(body, `id="change-decided"`) || !strings.Contains(body, `id="queue-empty"`) {
		t.Fatalf("approval: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if got := f.roomsOf(t, id); got != next {
		t.Fatalf("after approval rooms = %d, want %d", got, next)
	}
	_, body = rosa.do("GET", "/households/"+id, nil)
	if !strings.Contains(body, `id="change-`+req+`-state">Approved<`) || !strings.Contains(body, "an approved change request no. "+req) {
		t.Errorf("the household page after approval:\n%s", body)
	}
	// The history: two days ago the household had its old rooms.
	day := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	resp, body = rosa.do("GET", "/households/"+id+"?as_of="+day, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="as-of-banner"`) || strings.Contains(body, `id="new-change"`) {
		t.Fatalf("as of %s: %d", day, resp.StatusCode)
	}
	if want := fmt.Sprintf(`<dd class="col-sm-3" id="rooms">%d</dd>`, rooms); !strings.Contains(body, want) {
		t.Errorf("as of %s the page lacks the old rooms %q", day, want)
	}
	if resp, _ := rosa.do("GET", "/households/"+id+"?as_of=2000-01-01", nil); resp.StatusCode != 404 {
		t.Errorf("as of a date before the first import: %d", resp.StatusCode)
	}
	if resp, body := rosa.do("GET", "/households/"+id+"?as_of=yesterday", nil); resp.StatusCode != 400 || !strings.Contains(body, "YYYY-MM-DD") {
		t.Errorf("as of a bad date: %d", resp.StatusCode)
	}
}

// TestChangeRequestScope: a regional officer finds another region's
// requests exactly like missing ones.
func TestChangeRequestScope(t *testing.T) {
	f := newFixture(t)
	ana := f.client(t)
	ana.signIn("analista")
	resp, body := ana.do("POST", "/households/"+f.outRM.id+"/changes", url.Values{"kind": {"update"}, "reason": {"r"},
		"target0": {"h:rooms"}, "value0": {fmt.Sprint((f.roomsOf(t, f.outRM.id) + 1) % 51)}})
	m := requestID.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("submission outside region 13: %d", resp.StatusCode)
	}
	rosa := f.client(t)
	rosa.signIn("rosa")
	if _, body := rosa.do("GET", "/changes", nil); strings.Contains(body, `id="request-`+m[1]+`"`) || !strings.Contains(body, `id="queue-empty"`) {
		t.Errorf("region 13's queue shows another region's request")
	}
	respOut, bodyOut := rosa.do("POST", "/changes/"+m[1]+"/approve", url.Values{})
	respNone, bodyNone := rosa.do("POST", "/changes/99999/approve", url.Values{})
	if respOut.StatusCode != 404 || respNone.StatusCode != 404 || strings.ReplaceAll(bodyOut, "/"+m[1]+"/", "/X/") != strings.ReplaceAll(bodyNone, "/99999/", "/X/") {
		t.Errorf("another region's request (%d) differs from a missing one (%d)", respOut.StatusCode, respNone.StatusCode)
	}
	if resp, _ := rosa.do("GET", "/households/"+f.outRM.id+"/changes/new", nil); resp.StatusCode != 404 {
		t.Errorf("the change form of a household outside the region: %d, want 404", resp.StatusCode)
	}
	if resp, _ := rosa.do("POST", "/households/"+f.outRM.id+"/changes", url.Values{"kind": {"update"}}); resp.StatusCode != 404 {
		t.Errorf("submitting on another region's household: %d", resp.StatusCode)
	}
	// The request is still pending: nothing was decided by the refused posts.
	r, err := registryOf(t, f).ChangeRequest(auth.WithPrincipal(context.Background(), auth.System()), mustInt(m[1]))
	if err != nil || r.State != registry.StateSubmitted {
		t.Errorf("request after refused decisions: %+v, %v", r, err)
	}
}

func registryOf(t *testing.T, f *fixture) *registry.Store {
	return registry.NewStore(f.d, geo.Chile(), nil)
}

func mustInt(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

// TestMovedHouseholdHistory: after a household moves out of region 13, its
// officer still sees its past versions from when it was theirs — and
// nothing of it since, exactly like a household that does not exist.
func TestMovedHouseholdHistory(t *testing.T) {
	f := newFixture(t)
	f.ageHistory(t, 3)
	id := f.inRM.id
	ana := f.client(t)
	ana.signIn("analista")
	resp, body := ana.do("POST", "/households/"+id+"/changes", url.Values{"kind": {"update"}, "reason": {"moved to Temuco"},
		"target0": {"h:commune_code"}, "value0": {"09101"}})
	m := requestID.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("move submitted: %d", resp.StatusCode)
	}
	adela := f.client(t)
	adela.signIn("adela")
	if resp, _ := adela.do("POST", "/changes/"+m[1]+"/approve", url.Values{}); resp.StatusCode != 200 {
		t.Fatalf("move approved: %d", resp.StatusCode)
	}
	rosa := f.client(t)
	rosa.signIn("rosa")
	past := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	resp, body = rosa.do("GET", "/households/"+id+"?as_of="+past, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="as-of-banner"`) || strings.Contains(body, `id="change-`+m[1]+`-state"`) {
		t.Errorf("region 13's officer, before the move: %d (banner, and no request of the new region)", resp.StatusCode)
	}
	if strings.Contains(body, "09101") {
		t.Errorf("region 13's officer sees where the household went")
	}
	respNow, bodyNow := rosa.do("GET", "/households/"+id, nil)
	respNone, bodyNone := rosa.do("GET", "/households/NO-SUCH-ID", nil)
	if respNow.StatusCode != 404 || respNone.StatusCode != 404 || strings.ReplaceAll(bodyNow, id, "X") != strings.ReplaceAll(bodyNone, "NO-SUCH-ID", "X") {
		t.Errorf("region 13's officer, now: %d, a missing household: %d", respNow.StatusCode, respNone.StatusCode)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if resp, _ := rosa.do("GET", "/households/"+id+"?as_of="+today, nil); resp.StatusCode != 404 {
		t.Errorf("region 13's officer, as of today: %d", resp.StatusCode)
	}
}

// TestChangeQueuePages walks the queue a page at a time: every request
// once, newest first.
func TestChangeQueuePages(t *testing.T) {
	f := newFixture(t)
	rows, err := f.d.QueryContext(context.Background(), `SELECT household_id, rooms FROM households ORDER BY id LIMIT 7`)
	if err != nil {
		t.Fatal(err)
	}
	type hh struct {
		id    string
		rooms int
	}
	var hs []hh
	for rows.Next() {
		var h hh
		rows.Scan(&h.id, &h.rooms)
		hs = append(hs, h)
	}
	rows.Close()
	ana := f.client(t)
	ana.signIn("analista")
	for _, h := range hs {
		if resp, _ := ana.do("POST", "/households/"+h.id+"/changes", url.Values{"kind": {"update"}, "reason": {"r"},
			"target0": {"h:rooms"}, "value0": {fmt.Sprint((h.rooms + 1) % 51)}}); resp.StatusCode != 200 {
			t.Fatalf("submit on %s: %d", h.id, resp.StatusCode)
		}
	}
	requestLink := regexp.MustCompile(`id="request-([0-9]+)"`)
	var seen []string
	path := "/changes"
	for pages := 0; path != ""; pages++ {
		if pages > len(hs) {
			t.Fatal("the pages do not end")
		}
		resp, body := ana.do("GET", path, nil)
		if resp.StatusCode != 200 || !strings.Contains(body, "7 solicitudes") {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		for _, m := range requestLink.FindAllStringSubmatch(body, -1) {
			seen = append(seen, m[1])
		}
		path = ""
		if m := nextLink.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if want := []string{"7", "6", "5", "4", "3", "2", "1"}; strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("requests across the pages: %v, want %v", seen, want)
	}
}
