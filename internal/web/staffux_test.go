package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/fosis/fosis/internal/platform/rut"
)

// TestSmallerThingsSeen covers issue 20's small findings on the pages (each
// test failed before its fix): a household id in lower case finds the
// household; a RUN with a wrong check digit says so and which digit it
// should be; the tokens page names the command that exists; a household
// "as of" a date before its first version says it was not yet registered
// (another region's still looks missing) and a future date is refused; and
// every page has a favicon.
func TestSmallerThingsSeen(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")

	if resp, _ := c.do("GET", "/search?q="+strings.ToLower(f.inRM.id), nil); resp.Request.URL.Path != "/households/"+f.inRM.id {
		t.Errorf("%s in lower case leads to %s", f.inRM.id, resp.Request.URL)
	}

	good := rut.Format(f.inRM.run)
	wrong := good[:len(good)-1] + map[bool]string{true: "1", false: "0"}[good[len(good)-1] != '1']
	resp, body := c.do("GET", "/search?q="+wrong, nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `id="search-check-digit"`) ||
		!strings.Contains(body, "dígito verificador") || !strings.Contains(body, "es "+good[len(good)-1:]+")") {
		t.Errorf("a RUN with a wrong check digit (%s): %d\n%s", wrong, resp.StatusCode, between(body, `<main`, `</main>`))
	}

	if _, body := c.do("GET", "/admin/tokens", nil); !strings.Contains(body, "fosis tokens create") {
		t.Errorf("the tokens page does not name `fosis tokens create`:\n%s", between(body, `<main`, `</main>`))
	}

	resp, body = c.do("GET", "/households/"+f.inRM.id+"?as_of=1950-01-01", nil)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "aún no estaba inscrito") {
		t.Errorf("as of a date before the first version: %d\n%s", resp.StatusCode, between(body, `<main`, `</main>`))
	}
	resp, body = c.do("GET", "/households/"+f.inRM.id+"?as_of=2999-01-01", nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "aún no llega") {
		t.Errorf("as of a future date: %d\n%s", resp.StatusCode, between(body, `<main`, `</main>`))
	}
	r := f.client(t)
	r.signIn("rosa")
	_, other := r.do("GET", "/households/"+f.outRM.id+"?as_of=1950-01-01", nil)
	_, missing := r.do("GET", "/households/NO-SUCH-ID?as_of=1950-01-01", nil)
	if strings.ReplaceAll(between(other, `<main`, `</main>`), f.outRM.id, "NO-SUCH-ID") != between(missing, `<main`, `</main>`) {
		t.Errorf("another region's household as of an old date differs from a missing one:\n%s\n%s", other, missing)
	}

	_, body = c.do("GET", "/", nil)
	i := strings.Index(body, `<link rel="icon"`)
	if i < 0 {
		t.Fatal("no favicon link")
	}
	href := body[i:]
	href = href[strings.Index(href, `href="`)+6:]
	href = href[:strings.IndexByte(href, '"')]
	if resp, _ := c.do("GET", href, nil); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/svg+xml") {
		t.Errorf("favicon %s: %d %s", href, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// between is the part of s from the first a to the first b after it (all
// of s when a is absent).
func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return s
	}
	s = s[i:]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}

// TestScoreCardPesos: the score card's amount is the one its explanation
// says (it was truncated, $99.967 next to an explanation's $99.968: the
// test fails before the fix).
func TestScoreCardPesos(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	rows, err := f.d.QueryContext(context.Background(), `SELECT household_id FROM households ORDER BY household_id LIMIT 30`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	value := regexp.MustCompile(`id="value">(\$[0-9.]+)<`)
	checked := 0
	for _, id := range ids {
		_, body := c.do("GET", "/households/"+id, nil)
		m := value.FindStringSubmatch(body)
		if m == nil {
			continue
		}
		checked++
		if summary := between(body, `id="summary"`, `</p>`); !strings.Contains(summary, m[1]) {
			t.Errorf("household %s: the card says %s, its explanation %s", id, m[1], summary)
		}
	}
	if checked == 0 {
		t.Fatal("no household page shows an amount in pesos")
	}
}
