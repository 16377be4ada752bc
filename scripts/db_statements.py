#!/usr/bin/env python3
"""Statements and round trips per delivered order, from /metrics scrapes.

    db_statements.py ORDERS --before A.txt [B.txt ...] --after A2.txt [B2.txt ...]

Each file is one instance's GET /metrics text (orderflow_db_statements_total
and orderflow_db_round_trips_total, by connection); the counters of all
instances are summed, and the difference after - before is divided by ORDERS
(delivered orders). Prints shell assignments for scripts/bench*.sh:
STMT_<CONNECTION>_<KIND>=<per order>, with CONNECTION writer, reader or all
and KIND write, read, tx_control, other, round_trips, commits or
pages_written; then PAGES_PER_COMMIT and ORDERS_PER_COMMIT of the writer.
"""
import argparse
import re
import sys

SAMPLE = re.compile(
    r'^orderflow_db_(statements|round_trips|commits|pages_written)_total\{([^}]*)\} (\S+)$')
KINDS = ("write", "read", "tx_control", "other", "round_trips", "commits", "pages_written")


def totals(paths):
    out = {}
    for path in paths:
        with open(path) as f:
            for line in f:
                m = SAMPLE.match(line.strip())
                if not m:
                    continue
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
                kind = labels.get("kind") if m.group(1) == "statements" else m.group(1)
                for conn in (labels.get("connection", "all"), "all"):
                    out[(conn, kind)] = out.get((conn, kind), 0.0) + float(m.group(3))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("orders", type=float)
    parser.add_argument("--before", nargs="+", required=True)
    parser.add_argument("--after", nargs="+", required=True)
    args = parser.parse_args()
    before, after = totals(args.before), totals(args.after)
    if not after:
        sys.exit("no orderflow_db_statements_total in the scrapes")
    for conn in ("writer", "reader", "all"):
        for kind in KINDS:
            delta = after.get((conn, kind), 0.0) - before.get((conn, kind), 0.0)
            per_order = delta / args.orders if args.orders > 0 else 0.0
            print(f"STMT_{conn.upper()}_{kind.upper()}={per_order:.1f}")
    commits = after.get(("writer", "commits"), 0.0) - before.get(("writer", "commits"), 0.0)
    pages = after.get(("writer", "pages_written"), 0.0) - before.get(("writer", "pages_written"), 0.0)
    print(f"PAGES_PER_COMMIT={pages / commits if commits > 0 else 0.0:.1f}")
    print(f"ORDERS_PER_COMMIT={args.orders / commits if commits > 0 else 0.0:.1f}")


if __name__ == "__main__":
    main()
