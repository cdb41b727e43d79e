package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/programs"
)

// readJSONFile decodes a JSON file strictly (unknown fields are errors, so a
// misspelt field does not silently fall back to a default).
func readJSONFile(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return fosis.Errorf(fosis.EINVALID, "cannot read %s: %v", path, err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fosis.Errorf(fosis.EINVALID, "%s is not valid: %v", path, err)
	}
	return nil
}

// newTable starts a table of columns (tab-separated) on w with its header
// line; rows follow with fmt.Fprintf(tw, …) and it ends with tw.Flush().
func newTable(w io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	return tw
}

// printList prints items: as JSON when asJSON, else the empty message when
// there are none (the header alone when empty is ""), else a table of
// header and one row(tw, i) a line.
func printList[T any](a *App, asJSON bool, items []T, empty, header string, row func(tw io.Writer, i int)) error {
	if asJSON {
		return printJSON(a, items)
	}
	if len(items) == 0 && empty != "" {
		fmt.Fprintln(a.Stdout, empty)
		return nil
	}
	tw := newTable(a.Stdout, header)
	for i := range items {
		row(tw, i)
	}
	return tw.Flush()
}

// newRightTable is newTable with the columns aligned right (figures).
func newRightTable(w io.Writer, header string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, header)
	return tw
}

func printJSON(a *App, v any) error {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // rules as written: "age >= 18", not "age \u003e= 18" (issue 20)
	return enc.Encode(v)
}

func programsCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "programs",
		Short: "The catalogue of programme lines (versioned) and executing agencies",
	}
	var jsonOut, history bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the current version of every programme line",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ps, err := a.Programs.Programs(ctx)
			if err != nil {
				return err
			}
			if jsonOut {
				return printJSON(a, ps)
			}
			return printList(a, false, ps, "no programmes yet: 'fosis programs seed' adds FOSIS's catalogue", "CODE\tAREA\tUNIT\tVERSION\tNAME\tAMOUNT CLP\tMONTHS", func(tw io.Writer, i int) {
				p := ps[i]
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%d\n", p.Code, p.Area, p.Unit, p.Version, p.NameES, p.AmountCLP, p.Months)
			})
		}),
	}
	list.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	show := &cobra.Command{
		Use:   "show CODE",
		Short: "Show a programme line's current version (--history: every version)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			if history {
				h, err := a.Programs.History(ctx, args[0])
				if err != nil {
					return err
				}
				return printJSON(a, h)
			}
			p, err := a.Programs.Program(ctx, args[0], 0)
			if err != nil {
				return err
			}
			return printJSON(a, p)
		}),
	}
	show.Flags().BoolVar(&history, "history", false, "every version, oldest first")
	seed := &cobra.Command{
		Use:   "seed",
		Short: "Add FOSIS's programme lines that are not in the catalogue yet (never overwrites)",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			n, err := a.Programs.SeedCatalogue(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%d programme line(s) added\n", n)
			return nil
		}),
	}
	save := &cobra.Command{
		Use:   "save FILE.json",
		Short: "Store a programme from a JSON file as a new version of its line (or a new line)",
		Long: `The file is a programme as 'fosis programs show CODE' prints it (code, area, unit,
name_es, name_en, amount_clp, duration_months, spec with components, target group and
default eligibility rules). Every save is a new version; the line keeps its identity.`,
		Args: cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var p programs.Program
			if err := readJSONFile(args[0], &p); err != nil {
				return err
			}
			out, err := a.Programs.SaveProgram(ctx, &p)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "programme %s version %d stored\n", out.Code, out.Version)
			return nil
		}),
	}
	c.AddCommand(list, show, seed, save, agencyCmd(cfg))
	return c
}

func agencyCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{Use: "agency", Short: "Executing agencies, their contracts and staff"}
	create := &cobra.Command{
		Use:   "create CODE NAME",
		Short: "Add an executing agency",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			ag, err := a.Programs.CreateAgency(ctx, args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "agency %s (%s) created\n", ag.Code, ag.Name)
			return nil
		}),
	}
	contract := &cobra.Command{
		Use:   "contract AGENCY FILE.json",
		Short: "Record a tendered contract (program, tender_code, starts_on, ends_on, families, budget_clp, communes)",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			var k programs.Contract
			if err := readJSONFile(args[1], &k); err != nil {
				return err
			}
			out, err := a.Programs.AddContract(ctx, args[0], k)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "contract %d (%s) recorded: %d families in %d commune(s)\n", out.ID, out.TenderCode, out.Families, len(out.Communes))
			return nil
		}),
	}
	staff := &cobra.Command{
		Use:   "staff USERNAME AGENCY",
		Short: "Make a user (of role agency) staff of an agency",
		Args:  cobra.ExactArgs(2),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			u, err := a.Auth.UserByUsername(ctx, args[0])
			if err != nil {
				return err
			}
			if err := a.Programs.AddStaff(ctx, u.ID, args[1]); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s is staff of %s\n", u.Username, args[1])
			return nil
		}),
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List agencies and their contracts",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			ags, err := a.Programs.Agencies(ctx)
			if err != nil {
				return err
			}
			if len(ags) == 0 {
				fmt.Fprintln(a.Stdout, "no agencies yet: 'fosis programs agency create CODE NAME' adds one")
				return nil
			}
			for _, ag := range ags {
				fmt.Fprintf(a.Stdout, "%s  %s\n", ag.Code, ag.Name)
				for _, k := range ag.Contracts {
					fmt.Fprintf(a.Stdout, "  %s  %s  %s–%s  %d families  $%d  communes %s\n", k.TenderCode, k.Line, k.StartsOn, k.EndsOn,
						k.Families, k.BudgetCLP, strings.Join(k.Communes, ","))
				}
			}
			return nil
		}),
	}
	c.AddCommand(create, contract, staff, list)
	return c
}
