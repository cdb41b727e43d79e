package web_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fosis/fosis/internal/funds"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/registry/registrytest"
	"github.com/fosis/fosis/internal/web"
)

// TestFundsPage: a finance officer sees every region's budget execution, in
// Spanish and English; a regional officer only their region's; an agency's
// staff is refused.
func TestFundsPage(t *testing.T) {
	ctx := context.Background()
	d, _ := registrytest.Imported(t, 20, 1) // the territory, for regional officers
	users := auth.NewStore(d, time.Now)
	for _, nu := range []auth.NewUser{
		{Username: "fiona", DisplayName: "Fiona Finanzas", Role: auth.RoleFinance, Password: password},
		{Username: "fred", DisplayName: "Fred Finance", Role: auth.RoleFinance, Password: password, Language: "en"},
		{Username: "rosa", DisplayName: "Rosa Regional", Role: auth.RoleRegional, RegionCode: "13", Password: password},
		{Username: "alba", DisplayName: "Alba Agencia", Role: auth.RoleAgency, Password: password},
	} {
		if _, err := users.CreateUser(ctx, auth.System(), nu); err != nil {
			t.Fatal(err)
		}
	}
	fs := funds.New(d)
	sys := auth.WithPrincipal(ctx, auth.System())
	for _, region := range []string{"13", "05"} {
		k := funds.Key{Year: 2026, Line: "yo-emprendo", Region: region}
		if _, err := fs.Assign(sys, k, 10_000_000, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := fs.Allocate(sys, k, "YE-"+region, 4_000_000, ""); err != nil {
			t.Fatal(err)
		}
	}
	w, err := web.New(web.Config{DB: d, Users: users, Funds: fs})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: httptest.NewServer(w.Handler()), d: d}
	t.Cleanup(f.srv.Close)
	page := func(user string) (int, string) {
		c := f.client(t)
		if resp, body := c.do("POST", "/signin", url.Values{"username": {user}, "password": {password}, "next": {"/"}}); resp.StatusCode != 200 {
			t.Fatalf("sign-in as %s: %d\n%s", user, resp.StatusCode, body)
		}
		resp, body := c.do("GET", "/funds?year=2026", nil)
		return resp.StatusCode, body
	}
	for _, tc := range []struct {
		user   string
		status int
		want   []string
		not    []string
	}{
		{"fiona", 200, []string{"Ejecución presupuestaria", ">YE-13</a>", ">YE-05</a>", "$10.000.000"}, nil},
		{"fred", 200, []string{"Budget execution", ">YE-13</a>", "$10,000,000"}, nil},
		{"rosa", 200, []string{">YE-13</a>"}, []string{"YE-05"}},
		{"alba", 403, nil, []string{"YE-13", "YE-05"}},
	} {
		t.Run(tc.user, func(t *testing.T) {
			status, body := page(tc.user)
			if status != tc.status {
				t.Fatalf("status %d, want %d\n%s", status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("no %q in\n%s", w, body)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("%q shown", n)
				}
			}
		})
	}
}
