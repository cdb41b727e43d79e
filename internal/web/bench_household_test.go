package web_test

import (
	"net/http"
	"os"
	"testing"
)

// BenchmarkHouseholdPage measures the household page end to end (session,
// account, household, score, change requests, versions, HTML) over loopback,
// for a signed-in analyst, against GET /signin (a page with no database
// reads but the session's) as the baseline.
func BenchmarkHouseholdPage(b *testing.B) {
	f := newFixture(b)
	an, au := f.client(b), f.client(b)
	an.signIn("analista")
	au.signIn("otilia")
	for _, x := range []struct {
		name, path string
		c          *client
	}{
		{"baseline-notfound", "/no-such-page", an},
		{"household", "/households/" + f.inRM.id, an},
		{"household-auditor", "/households/" + f.inRM.id, au},
	} {
		c := x.c
		b.Run(x.name, func(b *testing.B) {
			for b.Loop() {
				resp, _ := c.do("GET", x.path, nil)
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
					b.Fatalf("%s: %d", x.path, resp.StatusCode)
				}
			}
		})
	}
}

func TestHouseholdPageSize(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn("analista")
	_, body := c.do("GET", "/households/"+f.inRM.id, nil)
	t.Logf("household page: %d bytes", len(body))
	os.WriteFile("/tmp/household.html", []byte(body), 0o644)
}
