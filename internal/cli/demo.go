package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/db"
	"github.com/fosis/fosis/internal/registry"
	"github.com/fosis/fosis/internal/registry/synth"
)

// DemoDB is the database the demo uses when --db is not given.
const DemoDB = "fosis-demo.db"

func demoCmd(cfg *Config) *cobra.Command {
	var n int
	var seed uint64
	var noServe, rebuild bool
	var addr string
	c := &cobra.Command{
		Use:   "demo",
		Short: "Build a synthetic Chile (registry and a scoring run) and serve it, in one command",
		Long: `Generates a synthetic national extract, imports it, runs the default scorecard and
serves the API. Without --db it uses ` + DemoDB + ` in the current folder; an existing demo
database is served as it is unless --rebuild is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := auth.WithPrincipal(cmd.Context(), auth.System())
			c := *cfg
			if !cmd.Flags().Changed("db") && os.Getenv("FOSIS_DB") == "" {
				c.DB = DemoDB
			}
			if rebuild && !db.IsPostgres(c.DB) {
				for _, suffix := range []string{"", "-wal", "-shm"} {
					os.Remove(c.DB + suffix)
				}
			}
			a, err := Open(ctx, c, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer a.Close()
			hh, _, err := a.Registry.Count(ctx)
			if err != nil {
				return err
			}
			if hh == 0 {
				if err := buildDemo(ctx, a, n, seed); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(a.Stdout, "using the existing demo data in %s (%d households); --rebuild starts over\n", a.DB, hh)
			}
			token, err := demoUsers(ctx, a)
			if err != nil {
				return err
			}
			if err := demoBudget(ctx, a); err != nil { // demo_funds.go
				return err
			}
			if err := demoPrograms(ctx, a); err != nil {
				return err
			}
			if err := demoDelivery(ctx, a); err != nil { // demo_delivery.go
				return err
			}
			if err := demoFunds(ctx, a); err != nil { // demo_funds.go
				return err
			}
			if err := demoResults(ctx, a); err != nil { // demo_results.go
				return err
			}
			if err := seedCooperationDemo(ctx, a); err != nil {
				return err
			}
			if err := demoMicrocredit(ctx, a); err != nil { // demo_microcredit.go
				return err
			}
			if err := printDemoGuide(ctx, a, addr, token); err != nil {
				return err
			}
			if noServe {
				return nil
			}
			opts, err := demoPortal(ctx, a, addr) // portal.go
			if err != nil {
				return err
			}
			return serveWith(ctx, a, addr, opts, nil)
		},
	}
	f := c.Flags()
	f.IntVar(&n, "households", 100_000, "households in the synthetic registry")
	f.Uint64Var(&seed, "seed", 7, "random seed")
	f.BoolVar(&noServe, "no-serve", false, "build the demo database and exit")
	f.BoolVar(&rebuild, "rebuild", false, "delete the demo SQLite database first and build it again")
	f.StringVar(&addr, "addr", envOr("FOSIS_ADDR", "127.0.0.1:8080"), "address to serve on")
	return c
}

func buildDemo(ctx context.Context, a *App, n int, seed uint64) error {
	start := time.Now()
	dir, err := os.MkdirTemp("", "fosis-demo-extract-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(a.Stdout, "1/3 generating a synthetic Chile of %d households…\n", n)
	bar := a.bar(int64(n), "generating")
	st, err := synth.GenerateDir(ctx, dir, synth.Options{Households: n, Seed: seed, Territory: a.Territory},
		func(done int) { bar.Set(done) })
	if err != nil {
		return err
	}
	bar.Finish()
	fmt.Fprintf(a.Stdout, "2/3 importing %d households and %d persons…\n", st.Households, st.Persons)
	wbar := a.bar(-1, "importing")
	sum, err := a.Registry.Import(ctx, registry.ImportOptions{
		Households: filepath.Join(dir, "households.csv"), Persons: filepath.Join(dir, "persons.csv"),
		ErrorsPath: filepath.Join(dir, "import-errors.csv"),
		Progress: func(stage string, done, total int64) {
			if stage == "write" {
				wbar.ChangeMax64(total)
				wbar.Set64(done)
			}
		},
	})
	if err != nil {
		return err
	}
	wbar.Finish()
	if sum.Rejected > 0 {
		return fmt.Errorf("the synthetic extract had %d rejected households; this is a bug", sum.Rejected)
	}
	if err := seedScoringDemo(ctx, a); err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, "3/3 scoring every household with the default model…")
	m, err := a.Targeting.ActiveModel(ctx)
	if err != nil {
		return err
	}
	out, err := a.Targeting.ScoreAll(ctx, m, time.Now().UTC(), "demo", nil)
	if err != nil {
		return err
	}
	if id, err := seedDemoChanges(ctx, a); err != nil { // changes.go
		return err
	} else if id != "" {
		fmt.Fprintf(a.Stdout, "a change request on household %s waits for approval at /changes\n", id)
	}
	fmt.Fprintf(a.Stdout, "demo ready in %s: run %d\n\n", time.Since(start).Round(100*time.Millisecond), out.Run.ID)
	printDistribution(a.Stdout, a.Territory, out.Frame, out.Results)
	return nil
}

// demoUsers are the demo's accounts, one per role (two regional officers, of
// the Metropolitan region and of La Araucanía, to show territorial scope).
var demoAccounts = []auth.NewUser{
	{Username: "admin", DisplayName: "Ana Administradora", Role: auth.RoleAdmin},
	{Username: "analista", DisplayName: "Andrés Analista", Role: auth.RoleAnalyst},
	{Username: "regional-rm", DisplayName: "Rosa Metropolitana", Role: auth.RoleRegional, RegionCode: "13"},
	{Username: "regional-araucania", DisplayName: "Raúl Araucanía", Role: auth.RoleRegional, RegionCode: "09"},
	{Username: "ejecutor", DisplayName: "Elena Ejecutora", Role: auth.RoleAgency},
	{Username: "consejera", DisplayName: "Carmen Consejera", Role: auth.RoleCounsellor},
	{Username: "cooperacion", DisplayName: "Carlos Cooperación", Role: auth.RoleCooperation},
	{Username: "contraparte", DisplayName: "Paula Contraparte", Role: auth.RoleCounterpart, Language: "en"},
	{Username: "financiador", DisplayName: "Felipe Financiador", Role: auth.RoleFinancer, Language: "en"},
	{Username: "auditora", DisplayName: "Aurora Auditora", Role: auth.RoleAuditor},
	{Username: "institucion", DisplayName: "Inés Institución", Role: auth.RoleInstitution},
	{Username: "finanzas", DisplayName: "Francisca Finanzas", Role: auth.RoleFinance},
	{Username: "tesoreria", DisplayName: "Tomás Tesorería", Role: auth.RoleFinance},
}

// demoUsers creates the demo accounts (or gives existing ones a new
// password), prints them, and returns a fresh API token of the analyst.
func demoUsers(ctx context.Context, a *App) (string, error) {
	sys := auth.System()
	tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nDemo accounts (new passwords at every start of the demo):\nuser\trole\tregion\tpassword")
	var analyst int64
	for _, nu := range demoAccounts {
		nu.Password = auth.GeneratePassword()
		u, err := a.Auth.UserByUsername(ctx, nu.Username)
		switch {
		case fosis.ErrorCode(err) == fosis.ENOTFOUND:
			if u, err = a.Auth.CreateUser(ctx, sys, nu); err != nil {
				return "", err
			}
		case err != nil:
			return "", err
		default:
			if err := a.Auth.SetPassword(ctx, sys, u.ID, nu.Password); err != nil {
				return "", err
			}
		}
		if nu.Role == auth.RoleAnalyst {
			analyst = u.ID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", nu.Username, nu.Role, nu.RegionCode, nu.Password)
	}
	tw.Flush()
	secret, _, err := a.Auth.CreateToken(ctx, sys, analyst, "demo", []string{"read"}, 30*24*time.Hour)
	return secret, err
}

// printDemoGuide shows a few real households to try.
func printDemoGuide(ctx context.Context, a *App, addr, token string) error {
	// The demo's households have the dense keys 1..N of a fresh import, so
	// one lookup finds an example (no need to read the whole registry).
	n, _, err := a.Registry.Count(ctx)
	if err != nil || n == 0 {
		return err
	}
	h, err := a.Registry.HouseholdByKey(ctx, n/3+1)
	if err != nil {
		return err
	}
	run, name := "", ""
	if len(h.Members) > 0 {
		run = h.Members[0].RUN
		name = h.Members[0].Paternal + " " + strings.Fields(h.Members[0].GivenNames)[0]
	}
	base := "http://" + addr
	fmt.Fprintf(a.Stdout, "\nAPI token of the analyst (valid 30 days): %s\nTry:\n", token)
	fmt.Fprintf(a.Stdout, "  curl %s/healthz\n", base)
	fmt.Fprintf(a.Stdout, "  export FOSIS_TOKEN=%s\n", token)
	for _, path := range []string{"/api/v1/households/" + h.ID, "/api/v1/persons/" + run + "/household?lang=en",
		"/api/v1/persons?name=" + url.QueryEscape(name), "/api/v1/communes/" + h.CommuneCode + "/households?limit=5",
		"/api/v1/score/runs"} {
		fmt.Fprintf(a.Stdout, "  curl -H \"Authorization: Bearer $FOSIS_TOKEN\" '%s%s'\n", base, path)
	}
	fmt.Fprintf(a.Stdout, "In the web application, search for %s, %s or %q.\n\n", run, h.ID, name)
	return nil
}
