package cli

import (
	"errors"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/db"
)

// readOnlyCommands are the commands that only read: run without --db (and
// without FOSIS_DB) where no database is, they must not leave a new, empty
// fosis.db behind in the current folder.
var readOnlyCommands = map[string]bool{
	"list": true, "show": true, "count": true, "export": true, "runs": true, "models": true, "trace": true,
	"applications": true, "search": true, "preview": true, "export-iati": true, "segib": true, "diff": true,
	"accuracy": true, "verify": true,
}

// refuseNewDefaultDB refuses a read-only command that would create the
// default database file, saying what to do instead.
func refuseNewDefaultDB(cmd *cobra.Command, cfg Config) error {
	if !readOnlyCommands[cmd.Name()] || cfg.DB != db.DefaultPath || (cmd.Flags().Lookup("db") != nil && cmd.Flags().Changed("db")) {
		return nil
	}
	if _, err := os.Stat(db.DefaultPath); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fosis.Errorf(fosis.EINVALID, "there is no database here (%s does not exist in the current folder) and %q only reads: "+
		"give the database with --db PATH or postgres://… (or FOSIS_DB), or create one here first with `fosis migrate` or `fosis demo`",
		db.DefaultPath, cmd.CommandPath())
}
