package cli

import "github.com/spf13/cobra"

func benchCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{Use: "bench", Short: "Measure import and scoring against baselines (see README)", Hidden: true}
}
