package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/pinhole/pinhole/sqlstore"
)

const shardsUsage = `Usage:
  pinhole admin shards list [-v] [serve flags]
      the shard map: which physical database holds each logical shard, and
      the rows each database holds (-v: each logical shard's too); deletes
      what finished moves left behind
  pinhole admin shards move LOGICAL PHYSICAL [--grace 5s] [serve flags]
      moves logical shard LOGICAL to physical database PHYSICAL (an index
      into --shard-dbs) while Pinhole runs, and deletes the old copy after
      the grace period; safe to run again if it stops
`

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// adminShards runs `pinhole admin shards list|move`.
// switched, when not nil, tells every node the map changed.
func adminShards(ctx context.Context, store *sqlstore.Store, args []string, verbose bool, grace time.Duration, switched func(context.Context, int64), log *slog.Logger, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, shardsUsage)
		return errUsage
	}
	cfg := sqlstore.NewDefaultMoveConfig()
	cfg.Grace = grace
	cfg.Switched = switched
	switch {
	case args[0] == "list" && len(args) == 1:
		list, err := store.ListShards(ctx, cfg, log)
		if err != nil {
			return fmt.Errorf("shards list: %s", errText(err))
		}
		printShards(stdout, list, verbose)
		return nil
	case args[0] == "move" && len(args) == 3:
		logical, err1 := strconv.Atoi(args[1])
		physical, err2 := strconv.Atoi(args[2])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("shards move: LOGICAL and PHYSICAL are numbers, not %q and %q", args[1], args[2])
		}
		rep, err := store.MoveShard(ctx, logical, physical, cfg, log)
		if err != nil {
			return fmt.Errorf("shards move: %s", errText(err))
		}
		printMove(stdout, store, rep)
		return nil
	}
	fmt.Fprint(stderr, shardsUsage)
	return errUsage
}

func printShards(w io.Writer, list *sqlstore.ShardList, verbose bool) {
	fmt.Fprintf(w, "shard map version %d: %d logical shards on %d databases\n", list.Version, len(list.Map), len(list.Databases))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "database\tname\tlogical shards\trows")
	for _, d := range list.Databases {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\n", d.Index, d.Name, d.Shards, d.Rows)
	}
	tw.Flush()
	if verbose {
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "\nlogical\tdatabase\trows")
		for l, p := range list.Map {
			fmt.Fprintf(tw, "%d\t%d\t%d\n", l, p, list.Rows[l])
		}
		tw.Flush()
	}
	for _, lo := range list.Leftovers {
		state := "kept for now: a move is running or finished less than its grace period ago"
		if lo.Deleted {
			state = "deleted"
		}
		fmt.Fprintf(w, "left over: %d rows of logical shard %d on database %d (%s)\n", lo.Rows, lo.Logical, lo.Physical, state)
	}
	for _, l := range list.Fenced {
		fmt.Fprintf(w, "logical shard %d: its database refuses its writes, a move of it stopped half way: run `pinhole admin shards move %d PHYSICAL` again\n", l, l)
	}
}

func printMove(w io.Writer, store *sqlstore.Store, rep sqlstore.MoveReport) {
	name := func(p int) string { return store.Cluster().Physical[p].Name }
	if len(rep.Tables) == 0 {
		fmt.Fprintf(w, "logical shard %d was already on database %d (%s); deleted %d rows left elsewhere\n", rep.Logical, rep.To, name(rep.To), rep.Leftovers)
		return
	}
	fmt.Fprintf(w, "moved logical shard %d from database %d (%s) to %d (%s); shard map version %d\n", rep.Logical, rep.From, name(rep.From), rep.To, name(rep.To), rep.Version)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\tcopied\tcaught up\tsynced frozen\tverified\tdeleted\t")
	for _, t := range rep.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t\n", t.Table, t.Copied, t.CaughtUp, t.Synced, t.Rows, t.Deleted)
	}
	tw.Flush()
	ms := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	fmt.Fprintf(w, "copy %s, catch-up %s (%d passes); writes to the shard held %s (waiting for writes in flight %s, final sync %s), map switched %s after the hold began; old copy deleted in %s\n",
		ms(rep.Copy), ms(rep.CatchUp), rep.CatchUpPasses, ms(rep.Pause), ms(rep.LockWait), ms(rep.FinalSync), ms(rep.Switch), ms(rep.Delete))
}
