"""`dpaguard arm PLAN.json [-o template.json]`: the plan's azure-native resources as one ARM template.

Exit 0: written; 2: unreadable plan (or an unwritable output). Resources without an ARM form
(Entra ID groups, memberships, Conditional Access) are listed on stderr and in the template's
`metadata.skipped`, with the reason.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from dpaguard.commands import Subparsers


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "arm",
        help="render a plan's azure-native resources as an ARM template",
        description="Renders every azure-native resource of FILE (out/STACK/plan.json from `dpaguard plan`, or "
        "`pulumi preview --json` output; - reads stdin) as a subscription-scope ARM template: resource groups and "
        "subscription-level resources at the top, each resource group's resources in a nested deployment. Unknown "
        "values and secrets become template parameters. docs/checkov.md describes the mapping.",
    )
    parser.add_argument("file", metavar="PLAN", help="plan.json, or `pulumi preview --json` output, or - for stdin")
    parser.add_argument("-o", "--output", metavar="PATH", help="write the template here (default: stdout)")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dpaguard.arm.render import render
    from dpaguard.checking.pack import ensure_importable

    ensure_importable(args.root)  # the plan reader shares the policy engine's Resource type
    from dpaguard.checking.inputs import load_input

    checked = load_input(args.file)
    template = render(checked.resources, source=checked.source)
    text = template.text()
    if args.output:
        from dpaguard.files import write_report

        write_report(Path(args.output), text)
    else:
        sys.stdout.write(text)
    out = sys.stdout if args.output else sys.stderr
    for (token, reason), count in sorted(Counter((s.token, s.reason) for s in template.skipped).items()):
        print(f"skipped {count:>4} × {token}: {reason}", file=out)
    for note in template.notes:
        print(f"note: {note}", file=out)
    where = f"wrote {args.output}" if args.output else "ARM template"
    print(f"{where}: {len(template.resources)} resources in {len(template.deployments)} resource-group "
          f"deployment(s), {len(template.document.get('parameters', {}))} parameter(s) for unknown or secret values, "
          f"{len(template.skipped)} resource(s) without an ARM form skipped [{checked.source}]", file=out)
    return 0
