"""`dpaguard scan`: checkov over the ARM template of a plan, or over the repository's secrets and workflows.

  dpaguard scan PLAN.json [--format text|json|sarif|junit]
      renders the plan (`dpaguard arm`) and runs checkov's ARM framework: its built-in checks
      minus policies/checkov/skips.yaml, plus dpa-guard's own (policies/checkov/); reports both,
      and the CrossGuard verdict beside checkov's per resource and clause.
  dpaguard scan --secrets [--format ...]
      checkov's secrets framework over stacks/, Pulumi.yaml and CI files, and its GitHub Actions
      checks over .github/workflows/.

Exit 0: no checkov check failed; 1: at least one did; 2: bad input, or checkov missing or broken.
The CrossGuard verdict is shown, not enforced here: `dpaguard check` enforces it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dpaguard.commands import Subparsers

FORMATS = ("text", "json", "sarif", "junit")


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "scan",
        help="run checkov on a plan's ARM template (or --secrets on the repository)",
        description=__doc__.split("\n\n", 1)[1].strip("\n") + "\n\ndocs/checkov.md describes both.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="PLAN", nargs="?",
                        help="plan.json or `pulumi preview --json` output (- for stdin); omit with --secrets")
    parser.add_argument("--secrets", action="store_true",
                        help="scan stacks/, Pulumi.yaml and CI files for plaintext secrets, and workflows")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", metavar="PATH", help="write the report here (atomically) instead of stdout")
    parser.add_argument("--register", metavar="FILE", help="stack register for the CrossGuard side (preview JSON)")
    parser.add_argument("--template", metavar="PATH", help="also write the rendered ARM template here")
    parser.add_argument("--all-pairs", action="store_true",
                        help="text format: show every resource×clause pair, not only where an engine fails")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dpaguard.errors import UsageError
    from dpaguard.project import find_root

    if args.secrets == (args.file is not None):
        raise UsageError("scan: give either PLAN or --secrets")
    root = find_root(args.root)
    if args.secrets:
        from dpaguard.arm import secrets

        result = secrets.scan(root)
        _emit(args, secrets.render(args.format, result), result.summary()["verdict"])
        return 1 if result.failed else 0
    return _scan_plan(args, root)


def _scan_plan(args: argparse.Namespace, root: Path) -> int:
    from dpaguard.arm import checkov
    from dpaguard.arm.checks import catalogue
    from dpaguard.arm.render import render
    from dpaguard.arm.scan import Scan, render_json, render_junit, render_sarif, render_text, run_checkov, side_by_side
    from dpaguard.checking.pack import load_policies

    checkov.locate(root)  # fail fast, before any work, if ./dev setup has not run
    policies = load_policies(args.root)
    from dpaguard.checking.evaluate import evaluate
    from dpaguard.checking.inputs import load_input
    from dpaguard.commands.check import report_context

    checked = load_input(args.file, register_path=args.register)
    for warning in checked.warnings:
        print(f"dpaguard: warning: {warning}", file=sys.stderr)
    template = render(checked.resources, source=checked.source)
    checks = catalogue(root)
    stem = (checked.stack or "plan").replace("/", "_")
    run, results = run_checkov(root, {stem: template}, checks)
    if args.template:
        from dpaguard.files import write_report

        write_report(Path(args.template), template.text())
    evaluation = evaluate(policies, checked.resources, register=checked.register, stack_urn=checked.stack_urn)
    scan = Scan(checked.source, checked.stack, template, run, results[stem], checks, evaluation)
    scan.pairs = side_by_side(template, scan.results, evaluation)
    if args.format == "text":
        text = render_text(scan, all_pairs=args.all_pairs)
    elif args.format == "json":
        text = render_json(scan)
    else:
        ctx = report_context(checked, args.file, args.root)
        text = render_sarif(scan, ctx, policies) if args.format == "sarif" else render_junit(scan, ctx)
    _emit(args, text, scan.summary()["verdict"])
    return 1 if scan.failed else 0


def _emit(args: argparse.Namespace, text: str, verdict: str) -> None:
    if args.output:
        from dpaguard.files import write_report

        write_report(Path(args.output), text)
        print(f"wrote {args.output} ({args.format}): {verdict}")
    else:
        sys.stdout.write(text)
