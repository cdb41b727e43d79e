package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis/internal/platform/countrypack"
	"github.com/fosis/fosis/internal/web"
)

// countryPackCmd works with country packs (docs/country-packs.md): the
// directory that holds everything national a deployment needs.
func countryPackCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "country-pack",
		Short: "Check a country pack: territory, national ID, currency, words, enumerations, scorecard parameters",
		Long: `A country pack is one directory with everything national fosis needs for a country
(docs/country-packs.md). Chile's is built in. 'check' validates a pack as a whole and names
every problem by file and line.`,
	}
	c.AddCommand(countryPackCheckCmd(cfg))
	return c
}

func countryPackCheckCmd(cfg *Config) *cobra.Command {
	var builtin bool
	c := &cobra.Command{
		Use:   "check DIR | --chile",
		Short: "Validate a country pack and summarise it",
		Args: func(cmd *cobra.Command, args []string) error {
			if builtin == (len(args) == 1) || len(args) > 1 {
				return fmt.Errorf("give the pack's directory, or --chile for the built-in pack")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var p *countrypack.Pack
			var err error
			if builtin {
				p = countrypack.Chile()
			} else if p, err = countrypack.LoadDir(args[0]); err != nil {
				return err
			}
			bad, err := web.OverrideProblems(p.Overrides)
			if err != nil {
				return err
			}
			if len(bad) > 0 {
				return fmt.Errorf("the country pack's word overrides (terms/): %d problem(s):\n%s", len(bad), strings.Join(bad, "\n"))
			}
			out := cmd.OutOrStdout()
			units := make([]int, len(p.Levels))
			for _, u := range p.Units {
				units[u.Level]++
			}
			var levels []string
			for i, lv := range p.Levels {
				levels = append(levels, fmt.Sprintf("%d %s", units[i], lv.Names["en"][1]))
			}
			fmt.Fprintf(out, "country pack %s %s (%s), format %d: valid\n", p.Code, p.Version, p.Names["en"], p.Format)
			fmt.Fprintf(out, "  territory:   %s\n", strings.Join(levels, ", "))
			fmt.Fprintf(out, "  national ID: %s (%s)\n", p.ID.Name, p.ID.Algorithm)
			fmt.Fprintf(out, "  currency:    %s, e.g. %s\n", p.Currency.Code, p.Currency.Format(1234567))
			fmt.Fprintf(out, "  institution: %s (%s); cooperation agency %s\n", p.Institution.Names["en"], p.Institution.Acronym, p.Cooperation.Agency)
			fmt.Fprintf(out, "  scorecard:   brackets %v, poorest %.1f%%\n", p.Scorecard.Brackets, p.Scorecard.ExtremePovertyShare)
			fmt.Fprintf(out, "  languages:   %s; %d word overrides; boundaries for %d level(s)\n", strings.Join(p.Languages, ", "), len(p.Overrides["es"])+len(p.Overrides["en"]), len(p.Shapes))
			fmt.Fprintf(out, "  digest:      %s\n", p.Digest)
			return nil
		},
	}
	c.Flags().BoolVar(&builtin, "chile", false, "check the built-in pack of Chile")
	return c
}
