package web_test

import (
	"net/http"
	"testing"
)

// BenchmarkHouseholdPage measures the household page end to end (session,
// account, household, score, change requests, versions, HTML) over loopback,
// for a signed-in analyst and an auditor, against a page that is not found
// (the session, the account and the layout, nothing else) as the baseline.
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
