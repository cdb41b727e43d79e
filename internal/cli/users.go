package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fosis/fosis"
	"github.com/fosis/fosis/internal/platform/auth"
)

// The command line acts as auth.System(): an operator on the server itself.

func usersCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "users",
		Short: "User accounts: add, list, set passwords, disable and enable",
		Long: `Manages the accounts that sign in to fosis. The command line acts as the system
(administrator reach) and every change is written to the audit trail. Roles: ` + roleNames() + `.
A regional officer (role regional) needs --region. See docs/security.md.`,
	}
	c.AddCommand(usersAddCmd(cfg), usersListCmd(cfg), usersPasswdCmd(cfg),
		usersSetActiveCmd(cfg, "disable", false), usersSetActiveCmd(cfg, "enable", true))
	return c
}

func roleNames() string {
	names := make([]string, len(auth.Roles))
	for i, r := range auth.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func usersAddCmd(cfg *Config) *cobra.Command {
	var nu auth.NewUser
	var role string
	var fromStdin bool
	var c *cobra.Command
	c = &cobra.Command{
		Use:   "add USERNAME --role ROLE",
		Short: "Create an account (prints a generated password unless --password-stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			nu.Username, nu.Role = args[0], auth.Role(role)
			password, generated, err := newPassword(c.InOrStdin(), fromStdin)
			if err != nil {
				return err
			}
			nu.Password = password
			u, err := a.Auth.CreateUser(ctx, auth.System(), nu)
			if err != nil {
				return err
			}
			where := ""
			if u.RegionCode != "" {
				where = ", region " + u.RegionCode
			}
			fmt.Fprintf(a.Stdout, "created user %s (id %d, %s%s, language %s)\n", u.Username, u.ID, u.Role, where, u.Language)
			if generated {
				fmt.Fprintf(a.Stdout, "password: %s\n(shown once: give it to the user over a safe channel)\n", password)
			}
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&role, "role", "", "role: "+roleNames()+" (required)")
	f.StringVar(&nu.RegionCode, "region", "", "region code, for a regional officer (e.g. 13)")
	f.StringVar(&nu.DisplayName, "name", "", "the person's name as shown in the application")
	f.StringVar(&nu.Language, "lang", "es", "interface language: es or en")
	f.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	c.MarkFlagRequired("role")
	return c
}

// newPassword reads a password from the first line of r, or generates one.
func newPassword(r io.Reader, fromStdin bool) (password string, generated bool, err error) {
	if !fromStdin {
		return auth.GeneratePassword(), true, nil
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", false, fosis.Errorf(fosis.EINVALID, "no password on standard input")
	}
	return line, false, nil
}

func usersListCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the accounts",
		Args:  cobra.NoArgs,
		RunE: withApp(cfg, func(ctx context.Context, a *App, _ []string) error {
			users, err := a.Auth.Users(ctx, auth.System())
			if err != nil {
				return err
			}
			if len(users) == 0 {
				fmt.Fprintln(a.Stdout, "no users yet: add one with 'fosis users add USERNAME --role admin'")
				return nil
			}
			now := time.Now()
			return printList(a, false, users, "", "id\tusername\tname\trole\tregion\tlang\tstatus\tcreated", func(tw io.Writer, i int) {
				u := users[i]
				status := "active"
				switch {
				case !u.Active:
					status = "disabled"
				case u.LockedUntil.After(now):
					status = "locked until " + u.LockedUntil.Local().Format("15:04")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.DisplayName, u.Role, u.RegionCode,
					u.Language, status, u.CreatedAt.Local().Format(time.DateOnly))
			})
		}),
	}
}

func usersPasswdCmd(cfg *Config) *cobra.Command {
	var fromStdin bool
	var c *cobra.Command
	c = &cobra.Command{
		Use:   "passwd USERNAME",
		Short: "Set a user's password (prints a generated one unless --password-stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			store := a.Auth
			u, err := store.UserByUsername(ctx, args[0])
			if err != nil {
				return err
			}
			password, generated, err := newPassword(c.InOrStdin(), fromStdin)
			if err != nil {
				return err
			}
			if err := store.SetPassword(ctx, auth.System(), u.ID, password); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "password of %s changed\n", u.Username)
			if generated {
				fmt.Fprintf(a.Stdout, "password: %s\n(shown once: give it to the user over a safe channel)\n", password)
			}
			return nil
		}),
	}
	c.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	return c
}

func usersSetActiveCmd(cfg *Config, verb string, active bool) *cobra.Command {
	short := "Disable an account: it can no longer sign in and its API tokens stop working"
	if active {
		short = "Enable a disabled account again"
	}
	return &cobra.Command{
		Use:   verb + " USERNAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			store := a.Auth
			u, err := store.UserByUsername(ctx, args[0])
			if err != nil {
				return err
			}
			if u.Active == active {
				fmt.Fprintf(a.Stdout, "%s is already %sd\n", u.Username, verb)
				return nil
			}
			if err := store.SetActive(ctx, auth.System(), u.ID, active); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "%s %sd\n", u.Username, verb)
			return nil
		}),
	}
}

func tokensCmd(cfg *Config) *cobra.Command {
	c := &cobra.Command{
		Use:   "tokens",
		Short: "API tokens: create, list, revoke",
		Long: `API tokens let programs call /api/v1 as a user ("Authorization: Bearer fos_…"), with the
scopes read and/or write. Only a token's SHA-256 is stored: the secret is printed once,
when it is created. Creating and revoking tokens is audited. See docs/security.md.`,
	}
	c.AddCommand(tokensCreateCmd(cfg), tokensListCmd(cfg), tokensRevokeCmd(cfg))
	return c
}

func tokensCreateCmd(cfg *Config) *cobra.Command {
	var name, scopes string
	var ttl time.Duration
	c := &cobra.Command{
		Use:   "create USERNAME --name NAME",
		Short: "Create an API token for a user and print its secret (once)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			store := a.Auth
			u, err := store.UserByUsername(ctx, args[0])
			if err != nil {
				return err
			}
			secret, t, err := store.CreateToken(ctx, auth.System(), u.ID, name, strings.Fields(scopes), ttl)
			if err != nil {
				return err
			}
			expires := "never expires"
			if !t.ExpiresAt.IsZero() {
				expires = "expires " + t.ExpiresAt.Local().Format("2006-01-02 15:04 MST")
			}
			fmt.Fprintf(a.Stdout, "token %d %q for %s, scopes %s, %s\n", t.ID, t.Name, u.Username, strings.Join(t.Scopes, " "), expires)
			fmt.Fprintf(a.Stdout, "secret: %s\n(shown once: it cannot be recovered, only revoked and replaced)\n", secret)
			return nil
		}),
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "what the token is for, e.g. \"nightly export\" (required)")
	f.StringVar(&scopes, "scopes", auth.ScopeRead, "space-separated scopes: read, write")
	f.DurationVar(&ttl, "ttl", 720*time.Hour, "lifetime, e.g. 720h; 0 for a token that does not expire")
	c.MarkFlagRequired("name")
	return c
}

func tokensListCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "list [USERNAME]",
		Short: "List API tokens (without their secrets), newest first",
		Args:  cobra.MaximumNArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			store := a.Auth
			var userID int64
			if len(args) == 1 {
				u, err := store.UserByUsername(ctx, args[0])
				if err != nil {
					return err
				}
				userID = u.ID
			}
			toks, err := store.Tokens(ctx, auth.System(), userID)
			if err != nil {
				return err
			}
			if len(toks) == 0 {
				fmt.Fprintln(a.Stdout, "no API tokens")
				return nil
			}
			now := time.Now()
			day := func(t time.Time) string {
				if t.IsZero() {
					return "-"
				}
				return t.Local().Format("2006-01-02 15:04")
			}
			return printList(a, false, toks, "", "id\tuser\tname\tscopes\tcreated\tlast used\texpires\tstatus", func(tw io.Writer, i int) {
				t := toks[i]
				status := "active"
				switch {
				case !t.RevokedAt.IsZero():
					status = "revoked " + day(t.RevokedAt)
				case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
					status = "expired"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Username, t.Name, strings.Join(t.Scopes, " "),
					day(t.CreatedAt), day(t.LastUsedAt), day(t.ExpiresAt), status)
			})
		}),
	}
}

func tokensRevokeCmd(cfg *Config) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token for good",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(cfg, func(ctx context.Context, a *App, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return fosis.Errorf(fosis.EINVALID, "%q is not a token id (see 'fosis tokens list')", args[0])
			}
			if err := a.Auth.RevokeToken(ctx, auth.System(), id); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "token %d revoked\n", id)
			return nil
		}),
	}
}
