"""`dpaguard audit verify LOG`: check the gate's hash-chained decision log (OUS-6.b).

Also the `--audit-log` option and the recording helper that `token` and `totp` share, so
every gate decision lands in the same log the same way.
"""

from __future__ import annotations

import argparse
import os

from dpaguard.errors import UsageError


def add_audit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--audit-log",
        metavar="PATH",
        help="hash-chained log every decision is appended to "
        "(default: $DPAGUARD_AUDIT_LOG, else out/audit.log)",
    )


def record(args: argparse.Namespace, event: dict) -> dict:
    """Append `event` plus where it happened; raises AuditError (exit 2) if it cannot.

    Callers record before reporting, so a decision that cannot be logged is never reported
    as allowed: the gate fails closed.
    """
    from dpaguard.gate.audit import DEFAULT_LOG, AuditError, AuditLog, default_log_path, origin

    path = args.audit_log or default_log_path()
    if path == DEFAULT_LOG:
        os.makedirs(os.path.dirname(DEFAULT_LOG), exist_ok=True)
    try:
        return AuditLog(path).append({**event, "origin": origin()})
    except AuditError as exc:
        raise AuditError(f"{exc.message} (decision not recorded, so not granted)") from exc


def register(sub) -> None:
    parser = sub.add_parser("audit", help="verify the tamper-evident audit log",
                            description="Verify the tamper-evident audit log of gate decisions (OUS-6.b).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    verify = actions.add_parser(
        "verify",
        help="check the hash chain; exit 0 intact, 1 tampered, 2 unreadable",
        description="Check every entry's hash and the chain between them; name the first bad line.",
    )
    verify.add_argument("log", metavar="LOG", help="the audit log file")
    verify.add_argument(
        "--anchor",
        metavar="SEQ:HASH",
        help="a head recorded earlier elsewhere; detects entries removed from the end",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(run=run)


def _anchor(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    seq, _, digest = text.partition(":")
    if not seq.isdecimal() or not seq.isascii() or int(seq) < 1 or len(digest) != 64 or not all(
        c in "0123456789abcdef" for c in digest
    ):
        raise UsageError(f"--anchor must be SEQ:HASH (seq >= 1, 64 lowercase hex digits): {text[:80]!r}")
    return int(seq), digest


def run(args: argparse.Namespace) -> int:
    import json

    from dpaguard.errors import Refused
    from dpaguard.gate.audit import verify

    anchor = _anchor(args.anchor)
    result = verify(args.log, anchor=anchor)
    if args.json:
        print(json.dumps(result.to_dict(), sort_keys=True))
        return 0 if result.ok else 1
    if not result.ok:
        raise Refused(f"audit log {args.log} line {result.line}: {result.fault}: {result.detail}")
    print(f"audit log {args.log} intact: {result.entries} entries, head {result.head_seq}:{result.head_hash}")
    return 0
