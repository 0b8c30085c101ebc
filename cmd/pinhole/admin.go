package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/pinhole/pinhole"
	"github.com/pinhole/pinhole/identity"
	"github.com/pinhole/pinhole/sqlstore"
)

const adminUsage = `Usage:
  pinhole admin create-admin --username NAME --email ADDRESS [serve flags]
      creates the account if needed and makes it an admin; the password is
      read from PINHOLE_ADMIN_PASSWORD or, when unset, from standard input
  pinhole admin rebuild-timeline --username NAME [serve flags]
      rebuilds one member's home timeline from the graph and the posts
  pinhole admin reindex [serve flags]
      brings the search index (accounts, hashtags, places of posts) in step
      with the accounts and posts: for data older than the index
  pinhole admin dead-letters [--retry N] [serve flags]
      lists the events consumers gave up on, or hands one back to its
      consumer (with the embedded NATS server, stop Pinhole first or use
      the admin page /admin/dead-letters)
  pinhole admin shards list|move … [serve flags]
      lists the shard map with row counts, or moves a logical shard to
      another physical database while Pinhole runs (see
      pinhole admin shards)
`

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	cfg.tool = true
	msg, err := migrateDatabases(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, msg)
	return nil
}

func admin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("pinhole admin "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	cfg.bindFlags(fs, getenv)
	username := fs.String("username", "", "the account's username")
	email := fs.String("email", "", "the account's e-mail (create-admin)")
	retry := fs.Uint64("retry", 0, "dead-letters: hand this dead letter (by its number) back to its consumer")
	verbose := fs.Bool("v", false, "shards list: count each logical shard's rows too")
	grace := fs.Duration("grace", sqlstore.NewDefaultMoveConfig().Grace, "shards: how long a moved shard's old copy is kept for nodes still reading it (longer than their 2s map reload)")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if args[0] == "shards" && len(pos) == 0 {
		fmt.Fprint(stderr, shardsUsage)
		return errUsage
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.tool = true
	// Admin commands read back what they write: from the primaries.
	ctx = pinhole.WithFreshReads(ctx)
	m := NewMain(&cfg, newLogger(&cfg, stderr))
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	switch args[0] {
	case "shards":
		return adminShards(ctx, m.Store, pos, *verbose, *grace, m.shardMapSwitched, m.Log, stdout, stderr)
	case "create-admin":
		pw := getenv("PINHOLE_ADMIN_PASSWORD")
		if pw == "" {
			fmt.Fprint(stderr, "password: ")
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("read password: %w", err)
			}
			pw = strings.TrimRight(line, "\r\n")
		}
		a, err := m.Services.Identity.CreateAdmin(ctx, identity.Signup{Username: *username, Email: *email, Password: pw})
		if err != nil {
			return fmt.Errorf("create-admin: %s", errText(err))
		}
		fmt.Fprintf(stdout, "@%s (id %s) is an admin\n", a.Username, a.ID)
		return nil
	case "reindex":
		err := m.Services.Search.Reindex(ctx, m.Store, func(accounts, posts int) {
			if (accounts+posts)%10_000 == 0 {
				fmt.Fprintf(stderr, "  %d accounts, %d posts\n", accounts, posts)
			}
		})
		if err != nil {
			return fmt.Errorf("reindex: %w", err)
		}
		fmt.Fprintln(stdout, "reindexed accounts and posts")
		return nil
	case "rebuild-timeline":
		a, err := m.Services.Identity.ByUsername(ctx, *username)
		if err != nil {
			return fmt.Errorf("rebuild-timeline: %s", errText(err))
		}
		if err := m.Services.Feed.Rebuild(ctx, a.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt the home timeline of @%s\n", a.Username)
		return nil
	case "dead-letters":
		if *retry != 0 {
			if err := m.Bus.RetryDeadLetter(ctx, *retry); err != nil {
				return fmt.Errorf("dead-letters: %s", errText(err))
			}
			fmt.Fprintf(stdout, "dead letter %d handed back to its consumer\n", *retry)
			return nil
		}
		dead, err := m.Bus.ListDeadLetters(ctx, 100)
		if err != nil {
			return err
		}
		if len(dead) == 0 {
			fmt.Fprintln(stdout, "no dead letters")
		}
		for _, d := range dead {
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s event %d\t%d attempts\t%s\n", d.Seq, d.At.Format(time.RFC3339), d.Consumer, d.Event.Type, d.Event.ID, d.Attempts, d.Error)
		}
		return nil
	}
	fmt.Fprintf(stderr, "unknown admin command %q\n\n%s", args[0], adminUsage)
	return errUsage
}
