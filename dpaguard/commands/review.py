"""`dpaguard review --stack NAME`: the access review on its own.

Who can reach each controller's data (groups, members, role, scope, since and until), their
confidentiality declarations (OUS-7), PIM eligibilities, break-glass accounts; flags for access
outliving an agreement (OUS-8 five-year cap, ECG end dates), missing declarations and ends
within 30 days. Read from the stack's plan (planned now, or --plan FILE) and its config.

Exit 0: nothing to act on; 1: at least one item to act on; 2: bad invocation or input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from dpaguard.commands import Subparsers
from dpaguard.commands.evidence import add_common, parse_today


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "review",
        help="the access review of a stack: who can reach each controller's data, and what to act on",
        description=(__doc__ or "").split("\n\n", 1)[1].strip("\n"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(parser)
    parser.add_argument("--json", action="store_true", help="print the review as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dpaguard.checking.inputs import read_json
    from dpaguard.errors import InputError
    from dpaguard.evidence.access import render_text, review
    from dpaguard.evidence.build import load_config
    from dpaguard.project import find_root

    root = find_root(args.root)
    today = parse_today(args.today) or dt.datetime.now(dt.UTC).date()
    cfg, _raw = load_config(root, args.stack, today)
    if args.plan:
        document = read_json(args.plan, "plan")
        if not isinstance(document, dict):
            raise InputError(f"{args.plan}: not a plan.json or `pulumi preview --json` document")
        # the same reader as `dpaguard check`, so a malformed plan is one line here too
        from dpaguard.evidence.engines import read_plan

        checked = read_plan(document, args.plan, cfg.policy_register())
        if checked.stack is not None and checked.stack != args.stack:
            raise InputError(f"{args.plan}: a plan of stack {checked.stack}, not {args.stack}")
    else:
        from dpaguard.engine.plan import build_plan

        document = build_plan(root, args.stack).document
    from dpaguard.checking.pack import ensure_importable

    ensure_importable(root)  # the review reads ABAC conditions as the pack does (policies.authz)
    result = review(document, cfg, today)
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), indent=1, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(result))
    return 1 if result.must_act else 0
