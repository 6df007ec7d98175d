package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/store"
)

// auditCommands are the subcommands of credex audit.
var auditCommands = map[string]command{
	"verify": {"check that the audit log is whole and unaltered", auditVerify},
}

func auditCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 {
		if cmd, ok := auditCommands[args[0]]; ok {
			return cmd.run(ctx, args[1:], out)
		}
	}
	fmt.Fprintln(out, "Usage: credex audit <command> [flags]\n\nCommands:")
	list(out, auditCommands)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		return flag.ErrHelp
	}
	return errUsage
}

// auditVerify streams the whole audit log through audit.Verify, up to the
// head read first, so a hub may keep appending meanwhile, and checks it
// against the hubs' latest checkpoint in Kafka, read before the head.
func auditVerify(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("audit verify", "audit verify [flags]")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: credex audit verify [flags]

Reads the whole audit log and checks its hash chain: every entry numbered
from 1 without gaps, linked to the entry before, hashing to its stored hash,
and the last one matching the head the hub recorded. Then checks the log
against the latest checkpoint the hubs wrote to the Kafka topic
credex.audit.checkpoints (every --audit-checkpoint-interval): the log must
still hold that entry, with that hash, so the newest entries cannot have
been cut off and the head moved back with them, nor the chain rewritten with
every hash recomputed. Prints the number of entries, the last hash and the
checkpoint, or names the first entry that is wrong (and the checkpoint it
contradicts) and exits 1.

Entries appended since the last checkpoint are covered by the chain alone.
Keep the seq and hash a run prints outside the database and Kafka too, and
pass them to later runs with --anchor: the entry must still have it.

Flags:
`)
		fs.PrintDefaults()
	}
	dbURL := fs.String("database-url", "", "PostgreSQL `url` of the public credit database (CREDEX_DATABASE_URL)")
	var brokers addrList
	fs.Var(&brokers, "kafka-brokers", "comma-separated Kafka bootstrap `addresses` of the hubs' cluster, to read the checkpoints from (CREDEX_KAFKA_BROKERS); credex dev prints its own")
	prefix := fs.String("topic-prefix", "", "`prefix` of the hubs' topic names (CREDEX_TOPIC_PREFIX)")
	var security kafkaSecurity
	security.register(fs)
	from := fs.Int64("checkpoints-from", 0, "only count checkpoints from this Kafka `offset` on: after the database was restored to an earlier point, the offset of the first checkpoint written since")
	chainOnly := fs.Bool("chain-only", false, "check the chain alone, without the checkpoints in Kafka: the newest entries could have been cut off unnoticed")
	anchor := fs.String("anchor", "", "`seq:hash` printed by an earlier run; fail unless entry seq still has this hash")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	var checkpoints []audit.Checkpoint
	if *anchor != "" {
		seq, hash, ok := strings.Cut(*anchor, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || hash == "" {
			fmt.Fprintf(fs.Output(), "--anchor %q: want seq:hash, such as 42:%s\n", *anchor, strings.Repeat("0", 64))
			return errUsage
		}
		checkpoints = append(checkpoints, audit.Checkpoint{Head: audit.Head{Seq: n, Hash: hash}, Where: "--anchor"})
	}
	if *from < 0 {
		fmt.Fprintf(fs.Output(), "--checkpoints-from %d: want a Kafka offset, 0 or more\n", *from)
		return errUsage
	}
	if *dbURL == "" {
		return fmt.Errorf("no database: pass --database-url or set CREDEX_DATABASE_URL")
	}
	if !*chainOnly && len(brokers) == 0 {
		return fmt.Errorf("no Kafka brokers to read the audit checkpoints from: pass --kafka-brokers (credex dev prints its own) or set CREDEX_KAFKA_BROKERS; --chain-only checks the chain alone")
	}

	// The checkpoints first: every one the hubs wrote so far is then of a
	// head no newer than the one read next.
	var latest audit.Checkpoint
	var found bool
	if !*chainOnly {
		var err error
		kafkaCfg := pipeline.KafkaConfig{Brokers: brokers, Topics: pipeline.Topics{Prefix: *prefix}, Security: security.security()}
		if err := kafkaCfg.Validate(); err != nil {
			return err
		}
		if latest, found, err = pipeline.LatestCheckpoint(ctx, kafkaCfg, *from); err != nil {
			return err
		}
		if found {
			checkpoints = append(checkpoints, latest)
		}
	}
	st, err := store.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	head, err := st.AuditHead(ctx)
	if err != nil {
		return err
	}
	got, err := audit.Verify(st.AuditLog(ctx, head.Seq), head, checkpoints...)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "audit log intact: %d entries, last hash %s\n", got.Seq, cmp.Or(got.Hash, "(none)"))
	switch topic := (pipeline.Topics{Prefix: *prefix}).AuditCheckpoints(); {
	case *chainOnly:
		fmt.Fprintln(out, "checkpoints not checked (--chain-only): the newest entries could have been cut off unnoticed")
	case found:
		fmt.Fprintf(out, "holds %s\n", latest)
	default:
		fmt.Fprintf(out, "no checkpoint in Kafka topic %s yet: the newest entries could have been cut off unnoticed\n", topic)
	}
	return nil
}
