"""`dpaguard evidence --stack NAME`: the inspection package a controller is promised (OUS-6.3, ECG-7S, ECG-9).

Writes DIR/evidence.html (one self-contained page for a data protection officer),
DIR/assessment-results.json (OSCAL 1.1 assessment results, one finding per clause) and
DIR/access-review.json; with --screenshot also DIR/evidence.png, taken by headless Chromium.
DIR defaults to out/NAME/evidence.

Inputs: the stack's plan (planned now, or --plan FILE: a plan.json or `pulumi preview --json`
output), the CrossGuard pack and checkov on it (or --checkov-report, a `dpaguard scan PLAN
--format json` report of the same plan, to reuse one checkov run), the stack config (the
register: controllers, staff, declarations, sub-processors) and the gate's audit log.

Exit 0: no clause violated; 1: the plan or the access review violates a clause (e.g. an ended
agreement whose data is still provisioned, OUS-9/ECG-11), or the audit log was tampered with (a log
without its checkpoint, or a checkpoint without its log); 2: bad invocation or unreadable input.
The audit log verified is the one the stack's gate config names (gate.auditLog,
gate.auditCheckpoints, gate.auditKeyFile); when neither log nor checkpoint exists on this machine
the page says so on its first screen ("no gate decision recorded here"), without failing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from dpaguard.commands import Subparsers


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "evidence",
        help="write the inspection package for a stack: evidence.html, OSCAL assessment results, access review",
        description=(__doc__ or "").split("\n\n", 1)[1].strip("\n"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_common(parser)
    parser.add_argument("--out", metavar="DIR", help="output directory (default out/NAME/evidence)")
    parser.add_argument("--checkov-report", metavar="FILE",
                        help="reuse checkov's results from `dpaguard scan PLAN --format json` of the same plan")
    parser.add_argument("--no-checkov", action="store_true", help="leave checkov out (its column says so)")
    parser.add_argument("--audit-log", metavar="PATH",
                        help="verify this audit log instead of the stack's (gate.auditLog); the page says so. "
                        "Needs --audit-key and --audit-checkpoints")
    parser.add_argument("--audit-key", metavar="FILE", help="the key of --audit-log")
    parser.add_argument("--audit-checkpoints", metavar="DIR", help="the checkpoint directory of --audit-log")
    parser.add_argument("--agreements", metavar="DIR",
                        help="CLAUSES.md and the agreement texts (default: $DPAGUARD_AGREEMENTS, else "
                        "../shared/agreements beside the project)")
    parser.add_argument("--generated-at", metavar="TIME",
                        help="generation time to print, ISO 8601 (default: $SOURCE_DATE_EPOCH, else now)")
    parser.add_argument("--commit", help="commit to print (default: git HEAD of the project)")
    parser.add_argument("--screenshot", action="store_true",
                        help="also write DIR/evidence.png, the first screen as headless Chromium shows it")
    parser.set_defaults(run=run)


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name: stacks/Pulumi.NAME.yaml")
    parser.add_argument("--plan", metavar="FILE", help="plan.json or `pulumi preview --json` output "
                        "(default: plan the stack now, offline)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="the review date (default: today, UTC)")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")


def parse_today(value: str | None) -> dt.date | None:
    from dpaguard.errors import UsageError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today {value[:40]!r}: not a date (YYYY-MM-DD)") from None


def _path(value: str | None, option: str) -> Path | None:
    from dpaguard.files import output_path

    return output_path(value, option) if value is not None else None


def run(args: argparse.Namespace) -> int:
    from dpaguard.errors import UsageError
    from dpaguard.evidence.build import Options, collect, generated_at
    from dpaguard.evidence.package import write
    from dpaguard.project import find_root

    if args.checkov_report and args.no_checkov:
        raise UsageError("evidence: give --checkov-report or --no-checkov, not both")
    given = (args.audit_log, args.audit_key, args.audit_checkpoints)
    if any(v is not None for v in given) and not all(v is not None for v in given):
        raise UsageError("evidence: --audit-log, --audit-key and --audit-checkpoints go together")
    audit = None
    if args.audit_log is not None:
        from dpaguard.evidence.auditlog import Source

        audit = Source(Path(args.audit_log), Path(args.audit_checkpoints), Path(args.audit_key), True)
    root = find_root(args.root)
    opts = Options(root=root, stack=args.stack, plan=_path(args.plan, "--plan"),
                   checkov_report=_path(args.checkov_report, "--checkov-report"), skip_checkov=args.no_checkov,
                   audit=audit, agreements=args.agreements,
                   today=parse_today(args.today), generated=generated_at(args.generated_at), commit=args.commit)
    if args.screenshot:
        from dpaguard.evidence.browser import find

        find()  # fail before the work if the browser is missing
    evidence = collect(opts)
    out = _path(args.out, "--out") or root / "out" / args.stack / "evidence"
    for warning in evidence.warnings:
        print(f"dpaguard: warning: {warning}", file=sys.stderr)
    written = write(evidence, out, screenshot=args.screenshot)
    counts = {s: sum(1 for c in evidence.clauses if c.status == s)
              for s in ("satisfied", "violated", "not-decidable", "not-applicable")}
    for c in evidence.violated:
        print(f"VIOLATED {c.clause.id}: {c.reason}")
    if evidence.audit.tampered:
        print(f"AUDIT LOG TAMPERED: {evidence.audit.path}: {evidence.audit.detail}")
    print(f"evidence {args.stack}: {counts['satisfied']} satisfied, {counts['violated']} violated, "
          f"{counts['not-decidable']} not decidable from a plan, {counts['not-applicable']} not applicable; "
          f"access review: {len(evidence.review.must_act)} to act on; audit log {evidence.audit.state}")
    for path in (written.html, written.oscal, written.review, written.screenshot):
        if path is not None:
            print(f"wrote {path}")
    return evidence.exit_code
