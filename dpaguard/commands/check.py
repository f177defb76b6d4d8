"""`dpaguard check`: evaluate the policy pack offline on a plan.json or `pulumi preview --json` output.

Exit 0: no mandatory violation; 1: at least one; 2: the input (or a register) is unreadable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dpaguard.checking.inputs import CheckInput
    from dpaguard.checking.report import ReportContext

FORMATS = ("text", "json", "sarif", "junit")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "check",
        help="evaluate the policy pack on a plan.json or `pulumi preview --json` output",
        description="Evaluates every policy of the pack on FILE, through pulumi_policy's analyzer servicer with the "
        "requests the Pulumi engine sends: out/STACK/plan.json from `dpaguard plan`, or the JSON "
        "`pulumi preview --json --show-sames` prints (FILE - reads stdin; without --show-sames a preview of an "
        "existing stack is refused). Exit 0: no mandatory violation; 1: a mandatory policy failed; 2: bad input. "
        "Formats: docs/policies.md.",
    )
    parser.add_argument("file", metavar="FILE", help="plan.json, or `pulumi preview --json --show-sames` output, or - for stdin")
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default text)")
    parser.add_argument("--output", metavar="PATH", help="write the report here (atomically) instead of stdout")
    parser.add_argument("--register", metavar="FILE",
                        help="the stack register: out/STACK/policy-config.json from `dpaguard plan`, or a bare "
                        "register object (needed with preview JSON; replaces a plan's own register)")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project, to locate the stack file for SARIF")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dpaguard.checking.pack import load_policies

    POLICIES = load_policies(args.root)  # noqa: N806 - the pack's own name for its list
    from dpaguard.checking.evaluate import evaluate
    from dpaguard.checking.inputs import load_input
    from dpaguard.checking.protocol import PolicyConfigError
    from dpaguard.checking.report import render, summary_line
    from dpaguard.files import write_report

    checked = load_input(args.file, register_path=args.register)
    for warning in checked.warnings:
        print(f"dpaguard: warning: {warning}", file=sys.stderr)
    try:
        evaluation = evaluate(POLICIES, checked.resources, register=checked.register, stack_urn=checked.stack_urn)
    except PolicyConfigError as exc:
        # `pulumi preview` stops the same way without --policy-pack-config (pkg/engine/update.go)
        raise PolicyConfigError(f"{exc.message}; pass the stack register with --register "
                                "out/STACK/policy-config.json (from `dpaguard plan`)") from None
    ctx = report_context(checked, args.file, args.root)
    text = render(args.format, evaluation, POLICIES, ctx)
    if args.output:
        write_report(Path(args.output), text)
        print(f"wrote {args.output} ({args.format})")
        print(summary_line(evaluation, ctx))
    else:
        sys.stdout.write(text)
    return 1 if evaluation.mandatory else 0


def report_context(checked: CheckInput, file: str, root: str | None) -> ReportContext:
    """Where SARIF results point: the stack file named by the plan, else the project's stack file
    for the stack the URNs name, else the input file itself."""
    from dpaguard.checking.report import ReportContext

    project_root = _project_root(root)
    artifact = checked.stack_file
    if artifact is None and checked.stack and project_root is not None:
        artifact = _stack_file_of(project_root, checked.stack)
    text = None
    if artifact is not None and project_root is not None:
        try:
            text = (project_root / artifact).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
    if artifact is None:
        artifact = "Pulumi.yaml" if file == "-" else Path(file).as_posix()
    return ReportContext(source=checked.source, stack=checked.stack, artifact_uri=artifact, stack_text=text)


def _project_root(root: str | None) -> Path | None:
    from dpaguard.errors import DpaGuardError
    from dpaguard.project import find_root

    try:
        return find_root(root)
    except DpaGuardError:
        if root is not None:
            raise
        return None


def _stack_file_of(root: Path, stack: str) -> str | None:
    from dpaguard.engine import stackfiles
    from dpaguard.errors import DpaGuardError

    try:
        project = stackfiles.load_project(root)
    except DpaGuardError:
        return None
    path = project.stack_dir / f"Pulumi.{stack}.yaml"
    if "/" in stack or not path.is_file():
        return None
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None
