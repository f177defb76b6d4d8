"""`dpaguard audit`: verify the gate's authenticated, checkpointed decision log (OUS-6.b).

  verify --stack NAME [--root DIR] [--json]        the stack's log, key and checkpoint directory
  verify LOG --key-file F [--checkpoints DIR]      a copy somewhere else (no DIR: no tail check)
  keygen --key-file F                              a new HMAC key (0600, never overwritten)

Exit 0 intact, 1 tampered (names the first bad line), 2 unreadable log, key or checkpoint.
Also `refusal(...)`: how the gate commands log a refusal before reporting it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dpaguard.errors import DpaGuardError, Refused, UsageError

if TYPE_CHECKING:
    from dpaguard.gate.stack import AuditJournal


def add_audit_option(parser: argparse.ArgumentParser) -> None:
    """Kept for commands written against the old log option: the log is now the stack's own
    (`gate.auditLog`, with its key and checkpoints), so there is nothing left to choose here."""


def record(args: argparse.Namespace, event: dict[str, Any]) -> dict[str, Any]:
    """Append `event` to the audit log of stack `args.stack` (project `args.root`); returns the entry.

    Raises AuditError (exit 2) if it cannot: callers record before reporting, so a decision that
    cannot be logged is never reported as allowed.
    """
    from dpaguard.gate.stack import journal, load_trust
    from dpaguard.project import find_root

    return journal(load_trust(find_root(getattr(args, "root", None)), args.stack)).record(event)


def refusal(journal: AuditJournal, event: dict[str, object], exc: DpaGuardError) -> DpaGuardError:
    """Record a gate's refusal (OUS-6.b: every refusal at every gate is in the log), then hand it back."""
    journal.record({**event, "decision": "deny", "reason": exc.message})
    return exc


@contextlib.contextmanager
def refusals_logged(journal: AuditJournal, event: dict[str, object]) -> Iterator[None]:
    """Log any error that ends a gate inside the block (an unreadable key file, a rolled-back store:
    exit 2, but still a "no" someone may have to follow up), then let it go on.

    A failure of the log itself is not logged again: it is what could not be written.
    """
    from dpaguard.gate.audit import AuditError

    try:
        yield
    except AuditError:
        raise
    except DpaGuardError as exc:
        raise refusal(journal, event, exc) from None


def register(sub: Any) -> None:
    parser = sub.add_parser("audit", help="verify the authenticated audit log",
                            description="Verify the authenticated, checkpointed audit log of gate decisions "
                                        "(OUS-6.b).")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    verify = actions.add_parser(
        "verify",
        help="check macs, chain and checkpoint; exit 0 intact, 1 tampered, 2 unreadable",
        description="Check every entry's mac, the chain between them and the checkpoint; name the first bad line.",
    )
    verify.add_argument("log", metavar="LOG", nargs="?", help="a log file (default: the stack's gate.auditLog)")
    verify.add_argument("--stack", metavar="NAME", help="take log, key and checkpoints from the stack's config")
    verify.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    verify.add_argument("--key-file", metavar="F", help="the log's HMAC key file (without --stack)")
    verify.add_argument("--checkpoints", metavar="DIR", help="the checkpoint directory (without --stack)")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(run=run)
    keygen = actions.add_parser("keygen", help="write a new audit HMAC key file (0600, never overwritten)")
    keygen.add_argument("--key-file", required=True, metavar="F")
    keygen.set_defaults(run=run_keygen)


def run(args: argparse.Namespace) -> int:
    import json

    from dpaguard.gate import keys
    from dpaguard.gate.audit import AuditError, verify

    if args.stack is not None:
        if args.key_file is not None or args.checkpoints is not None:
            raise UsageError("--stack takes the key and checkpoints from the stack; drop --key-file/--checkpoints")
        from dpaguard.gate.stack import audit_key, load_trust
        from dpaguard.project import find_root

        trust = load_trust(find_root(args.root), args.stack)
        log = args.log or trust.gate.audit_log
        key = audit_key(trust)
        checkpoints = trust.gate.audit_checkpoints
    else:
        if args.log is None or args.key_file is None:
            raise UsageError("give --stack NAME, or LOG with --key-file F")
        log, checkpoints = args.log, args.checkpoints
        if checkpoints is not None and not os.path.isdir(checkpoints):
            # a typo here would otherwise read as "checkpoint deleted", a tampering verdict
            raise UsageError(f"--checkpoints {checkpoints} is not a directory")
        try:
            key = keys.read_key_file(args.key_file, "audit key file")
        except keys.KeyFileError as exc:
            raise AuditError(exc.message) from None
    result = verify(log, key, checkpoints=checkpoints)
    if args.json:
        print(json.dumps({"log": log, **result.to_dict()}, sort_keys=True))
        return 0 if result.ok else 1
    if not result.ok:
        raise Refused(f"audit log {log} line {result.line}: {result.fault}: {result.detail}")
    tail = "checkpoint matches" if checkpoints else "no checkpoint directory given: a cut tail would not show"
    print(f"audit log {log} intact: {result.entries} entries, head seq {result.head_seq}; {tail}")
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    from dpaguard.files import output_path
    from dpaguard.gate import keys
    from dpaguard.gate.audit import AuditError

    try:
        key = keys.write_key_file(output_path(args.key_file, "--key-file"), "audit key file")
    except keys.KeyFileError as exc:
        raise AuditError(exc.message) from None
    print(f"wrote a new audit key to {args.key_file} (key id {keys.key_id(key)}); keep it out of the repository")
    return 0
