package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/platform/auth"
	"github.com/fosis/fosis/internal/platform/geo"
	"github.com/fosis/fosis/internal/registry"
)

func territoryCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{Use: "territory", Short: "The territory (regions, provinces, communes) the database was made with"}
	c.AddCommand(territoryShowCmd(cfg), territoryUpdateCmd(cfg))
	return c
}

func territoryShowCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Print the territory the database keeps",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := openWith(cmd.Context(), *cfg, geo.Chile(), false, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer a.Close()
			id, err := a.Registry.StoredTerritory(auth.WithPrincipal(cmd.Context(), auth.System()))
			if err != nil {
				return err
			}
			if id == nil {
				fmt.Fprintln(a.Stdout, "the database keeps no territory yet: the first command that opens it stores the one it is given")
				return nil
			}
			fmt.Fprintf(a.Stdout, "country:   %s\nsource:    %s\nregions:   %d\nprovinces: %d\ncommunes:  %d\ndigest:    %s\n",
				id.Country, id.Source, id.Regions, id.Provinces, id.Communes, id.Digest)
			if id.Pack.Code != "" {
				fmt.Fprintf(a.Stdout, "pack:      %s %s, digest %s\n", id.Pack.Code, id.Pack.Version, id.Pack.Digest)
			}
			return nil
		},
	}
}

func territoryUpdateCmd(cfg *Config) *cobra.Command {
	var country string
	var yes bool
	c := &cobra.Command{
		Use:   "update FILE | update --chile",
		Short: "Change the database's territory: shows what changes, applies it with --yes",
		Long: `Compares the territory the database keeps with FILE (the CSV format of --territory,
with --country) or, with --chile, with Chile's embedded one, and prints every region,
province and commune that would be added, removed or changed. With --yes it applies
the change in one transaction and the database remembers the new territory. It refuses
to remove a code still in use (by households or their history, programme quotas and
applications, or regional officers' accounts): keep it in the file, or move what uses
it first. Afterwards, open the database with the new territory.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			chile, _ := cmd.Flags().GetBool("chile")
			if chile == (len(args) == 1) {
				return fmt.Errorf("give either a territory FILE (with --country) or --chile")
			}
			tcfg := *cfg
			tcfg.TerritoryFile, tcfg.Country, tcfg.CountryPack = "", "", ""
			if len(args) == 1 {
				tcfg.TerritoryFile, tcfg.Country = args[0], country
			}
			terr, err := loadTerritory(tcfg)
			if err != nil {
				return err
			}
			a, err := openWith(cmd.Context(), *cfg, terr, false, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer a.Close()
			ctx := auth.WithPrincipal(cmd.Context(), auth.System())
			users := []registry.CodeUsers{a.Programs.TerritoryCodesInUse, a.Auth.RegionsInUse}
			var plan *registry.TerritoryPlan
			if yes {
				plan, err = a.Registry.ApplyTerritory(ctx, users...)
			} else {
				plan, err = a.Registry.PlanTerritory(ctx, users...)
			}
			if plan != nil {
				printTerritoryPlan(a, plan)
			}
			if err != nil {
				return err
			}
			if len(plan.InUse) > 0 {
				return fmt.Errorf("the new territory removes codes in use (see above): nothing was changed")
			}
			if !yes {
				fmt.Fprintln(a.Stdout, "nothing was changed: run again with --yes to apply")
				return nil
			}
			fmt.Fprintf(a.Stdout, "the database's territory is now %s\n", plan.To)
			return nil
		},
	}
	c.Flags().StringVar(&country, "country", "", "ISO 3166-1 code of FILE's country")
	c.Flags().Bool("chile", false, "change to Chile's embedded territory")
	c.Flags().BoolVar(&yes, "yes", false, "apply the change (without it, only show it)")
	return c
}

func printTerritoryPlan(a *App, p *registry.TerritoryPlan) {
	w := a.Stdout
	from := "none"
	if p.From.Digest != "" {
		from = p.From.String()
	}
	fmt.Fprintf(w, "territory: %s\n       to: %s\n", from, p.To)
	for _, sec := range []struct {
		title string
		lines []string
	}{{"added", p.Added}, {"removed", p.Removed}, {"changed", p.Changed}, {"in use (refused)", p.InUse}} {
		fmt.Fprintf(w, "%s: %d\n", sec.title, len(sec.lines))
		for _, l := range sec.lines {
			fmt.Fprintf(w, "  %s\n", strings.TrimSpace(l))
		}
	}
}
