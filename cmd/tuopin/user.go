package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"text/tabwriter"

	"github.com/tuopin/tuopin"
)

const userUsage = `Usage: tuopin user SUBCOMMAND [flags]

Subcommands:
  create  --username U --name N --role R --scope AREA [--password P]
  list    [--q TEXT]
  passwd  USERNAME [--password P]     set a password (random if not given)
  token   USERNAME [--name N]         issue an API bearer token for the user

Roles: admin, county_admin, township_clerk, village_secretary, help_cadre, viewer.
Scope: the area code prefix the user works in, e.g. 451224 (东兰县),
451224102 (a township), a 12-digit village code; "" only for admin.
`

func (m *Main) runUser(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(m.Stderr, userUsage)
		if len(args) == 0 {
			return &exitError{code: 2}
		}
		return nil
	}
	sub, args := args[0], args[1:]
	var cf commonFlags
	fs := newFlagSet(m, "user "+sub, userUsage)
	cf.register(fs, false)
	var (
		username = fs.String("username", "", "login name: lower-case letters, digits, . _ -")
		name     = fs.String("name", "", "display name, e.g. 韦文")
		role     = fs.String("role", "", "role")
		scope    = fs.String("scope", "", "area code prefix")
		password = fs.String("password", "", "password (random when empty)")
		query    = fs.String("q", "", "filter by name or username")
	)
	var positional string
	if sub == "passwd" || sub == "token" {
		if len(args) == 0 || len(args[0]) == 0 || args[0][0] == '-' {
			fmt.Fprint(m.Stderr, userUsage)
			return &exitError{code: 2, msg: "tuopin user " + sub + ": USERNAME is required"}
		}
		positional, args = args[0], args[1:]
	}
	cfg, err := m.parseConfig(fs, &cf, args)
	if err != nil {
		return err
	}
	s, err := m.openStore(ctx, cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	sys := systemCtx(ctx)
	switch sub {
	case "create":
		u := &tuopin.User{Username: *username, Name: *name, Role: tuopin.Role(*role)}
		if ref, ok := tuopin.ParseAreaRef(*scope); ok {
			u.Scope = ref
		} else if *scope != "" {
			return fmt.Errorf("--scope %q: want an area code prefix of 2, 4, 6, 9 or 12 digits", *scope)
		}
		pw, generated := *password, false
		if pw == "" {
			pw, generated = randomPassword(), true
		}
		if err := s.users.CreateUser(sys, u, pw); err != nil {
			return userError(err)
		}
		fmt.Fprintf(m.Stdout, "created user %q (id %d, %s, scope %q)\n", u.Username, u.ID, u.Role, u.Scope)
		if generated {
			fmt.Fprintf(m.Stdout, "password: %s\n", pw)
		}
		return nil
	case "list":
		users, total, err := s.users.FindUsers(sys, tuopin.UserFilter{Query: *query, Limit: 1000})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLE\tSCOPE\tDISABLED")
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%v\n", u.ID, u.Username, u.Name, u.Role, u.Scope, u.Disabled)
		}
		tw.Flush()
		fmt.Fprintf(m.Stdout, "%d users\n", total)
		return nil
	case "passwd":
		pw, generated := *password, false
		if pw == "" {
			pw, generated = randomPassword(), true
		}
		if err := s.users.SetPassword(sys, positional, pw); err != nil {
			return userError(err)
		}
		fmt.Fprintf(m.Stdout, "password of %q changed\n", positional)
		if generated {
			fmt.Fprintf(m.Stdout, "password: %s\n", pw)
		}
		return nil
	case "token":
		users, _, err := s.users.FindUsers(sys, tuopin.UserFilter{Username: &positional, Limit: 1})
		if err != nil {
			return err
		}
		if len(users) == 0 {
			return &exitError{code: 1, msg: fmt.Sprintf("no user %q", positional)}
		}
		label := *name
		if label == "" {
			label = "cli"
		}
		plain, t, err := s.auth.CreateAPIToken(tuopin.NewContextWithUser(ctx, users[0]), label)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(m.Stdout, "API token %q (id %d) for %s — shown once:\n\n    %s\n\nUse it as: Authorization: Bearer %s\n", t.Name, t.ID, positional, plain, plain)
		return nil
	}
	fmt.Fprint(m.Stderr, userUsage)
	return &exitError{code: 2, msg: fmt.Sprintf("tuopin user: unknown subcommand %q", sub)}
}

// userError spells out field errors on the command line.
func userError(err error) error {
	fields := tuopin.ErrorFields(err)
	if tuopin.ErrorCode(err) == tuopin.EINTERNAL {
		return err
	} else if len(fields) == 0 {
		return &exitError{code: 1, msg: tuopin.ErrorMessage(err)}
	}
	msg := tuopin.ErrorMessage(err)
	for k, f := range fields {
		msg += fmt.Sprintf("\n  %s: %s", k, f.Message)
	}
	return &exitError{code: 1, msg: msg}
}

// randomPassword returns 16 characters from an alphabet without look-alikes.
func randomPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
