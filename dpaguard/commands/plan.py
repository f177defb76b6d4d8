"""`dpaguard plan`: the offline preview of a stack, checked against the policy pack."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "plan",
        help="run the program offline for a stack, write plan.json, check it against the policy pack",
        description="Runs __main__.py for a stack under Pulumi's mock engine (no cloud, no Pulumi CLI), "
        "writes DIR/plan.json and DIR/policy-config.json, prints the resource tree, then evaluates the "
        "policy pack. Exit 0: planned, no mandatory violation; 1: a mandatory policy failed; 2: bad input.",
    )
    parser.add_argument("--stack", required=True, help="stack name: stacks/Pulumi.NAME.yaml")
    parser.add_argument("--out", metavar="DIR", help="output directory (default out/NAME)")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    parser.add_argument("--no-check", action="store_true", help="plan only; skip the policy evaluation")
    parser.add_argument("--quiet", action="store_true", help="print only the summary lines")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dpaguard.engine.plan import build_plan, render_tree, write_json_atomic
    from dpaguard.project import find_root

    root = find_root(args.root)
    result = build_plan(root, args.stack)
    if args.out is not None:
        from dpaguard.files import output_path

        out = output_path(args.out, "--out")  # '' is an error, not the checkout's default
    else:
        out = root / "out" / args.stack
    plan_path = out / "plan.json"
    write_json_atomic(plan_path, result.document)
    tree = render_tree(result.document)
    print(tree.splitlines()[0] if args.quiet else tree)
    for level, message in result.log:
        if level in ("warning", "error"):
            print(f"program {level}: {message}", file=sys.stderr)
    print(f"wrote {_shown(plan_path)}")
    if args.no_check:
        return 0
    from dpaguard.checking.command import check_after_plan

    return check_after_plan(result.document, out, quiet=args.quiet, root=root)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
