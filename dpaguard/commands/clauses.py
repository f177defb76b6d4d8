"""`dpaguard clauses`: which policy enforces which clause, generated from the policies' metadata.

Exit 0: every clause has a policy or a documented reason it cannot have one (NOT_IN_PLAN);
1: a clause has no control, or `--check FILE` found FILE out of date; 2: bad invocation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "clauses",
        help="print the clause-to-policy table (docs/clauses.md); exit 1 on a clause with no control",
        description=__doc__.splitlines()[0] + " Exit 1 if a clause has NO CONTROL or --check finds FILE stale.",
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--output", metavar="PATH", help="write the table here (atomically) instead of stdout")
    parser.add_argument("--check", metavar="FILE",
                        help="compare FILE (e.g. docs/clauses.md) with the generated table; exit 1 if it differs")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dpaguard.checking.pack import load_policies

    POLICIES = load_policies()  # noqa: N806 - the pack's own name for its list
    from dpaguard.checking.clausemap import GENERATE_COMMAND, gaps, render_json, render_markdown

    text = render_markdown(POLICIES) if args.format == "markdown" else render_json(POLICIES)
    status = 0
    if args.check:
        from dpaguard.files import read_text_bounded

        # bounded: `--check /dev/zero` or a huge file is one line, never an endless read
        current = read_text_bounded(args.check, 4 << 20, "--check file")
        if current != text:
            print(f"dpaguard: {args.check} is out of date: run `{GENERATE_COMMAND}`", file=sys.stderr)
            status = 1
        else:
            print(f"{args.check} is up to date")
    elif args.output:
        from dpaguard.files import write_report

        write_report(Path(args.output), text)
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    missing = gaps(POLICIES)
    if missing:
        print(f"dpaguard: NO CONTROL for {len(missing)} clause(s): {', '.join(missing)} "
              "(add a policy citing each, or a reason in policies.clauses.NOT_IN_PLAN)", file=sys.stderr)
        status = 1
    return status
