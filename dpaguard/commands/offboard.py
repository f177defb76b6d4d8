"""`dpaguard offboard --stack NAME --controller ID`: delete everything of a controller, verify, certify (OUS-9, ECG-11).

Behind the identity and tunnel gates of `deploy`, every step in the audit log. Where the store keeps
deleted data recoverable for a while (soft delete, point-in-time restore), the first run issues an
interim `deleted-recoverable` certificate and a run after the stated date the final `verified-gone`
one. Exit 0 certified, interim-certified or waiting for that date (or already certified), 1 refused (a gate, store settings that would keep a
recoverable copy longer than the agreement permits, a verification that found something left),
2 bad invocation, unreadable input or a storage error. An interrupted run continues from its
journal when run again. docs/runbook.md is the operator's procedure.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dpaguard.errors import UsageError


def register(sub: Any) -> None:
    parser = sub.add_parser("offboard", help="delete all of a controller's data, verify it, issue a signed certificate",
                            description=(__doc__ or "").splitlines()[0])
    add_common(parser)
    parser.add_argument("--export", metavar="DIR",
                        help="first hand the data back: a tar with a manifest (names, sizes, SHA-256) in DIR "
                        "(ECG-6R, OUS-11)")
    parser.set_defaults(run=lambda args: run_operation(args, "offboard"))


def add_common(parser: argparse.ArgumentParser) -> None:
    from dpaguard.deploy.runbook import add_gate_options

    parser.add_argument("--stack", required=True, help="stack name: stacks/Pulumi.NAME.yaml")
    parser.add_argument("--controller", required=True, metavar="ID", help="controller id from the stack config")
    parser.add_argument("--signing-key", metavar="F",
                        help="the processor's Ed25519 private key (PEM, outside the checkout; default "
                        "$DPAGUARD_SIGNING_KEY); `dpaguard certificate keygen` makes one")
    parser.add_argument("--state", metavar="DIR", help="journal and certificate folder (default out/STACK/offboard)")
    parser.add_argument("--endpoint", metavar="URL",
                        help="the Azurite emulator on loopback (tests); without it each account is reached at "
                        "https://ACCOUNT.blob.core.windows.net with Entra ID")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    add_gate_options(parser)


def run_operation(args: argparse.Namespace, operation: str) -> int:
    from dpaguard.gate.stack import load_trust
    from dpaguard.offboard import certificate, targets
    from dpaguard.offboard.gates import Recorder, pass_gates
    from dpaguard.offboard.run import Offboarding
    from dpaguard.project import find_root

    endpoint = targets.check_endpoint(args.endpoint)
    key_path = args.signing_key or certificate.default_key_path()
    if not key_path:
        raise UsageError("no signing key: give --signing-key or set DPAGUARD_SIGNING_KEY")
    root = find_root(args.root)
    trust = load_trust(root, args.stack)
    cfg = trust.cfg
    found = targets.resolve(cfg, args.controller)
    # The key is read before the gates, so a missing key never leaves a half-done run behind.
    key = certificate.load_private_key(Path(key_path), root)
    blob_paths = tuple(getattr(args, "blob", None) or ())
    subject: dict[str, Any] = {"controller": found.controller, "operation": operation}
    record = Recorder.for_stack(trust)
    operator = pass_gates(args, trust, operation, subject, record)
    state = Path(args.state) if args.state else root / "out" / args.stack / "offboard"
    export_dir = Path(args.export) if getattr(args, "export", None) else None
    job = Offboarding(found, operation=operation, endpoint=endpoint, state_dir=state, blob_paths=blob_paths,
                      export_dir=export_dir,
                      processor={"name": f"processor of stack {cfg.stack}", "contact": cfg.audit.processor_email})
    outcome = job.run(operator, key, record)
    if outcome.already_done:
        print(f"{operation} {found.controller}: already certified by an earlier run: {outcome.certificate}")
        return 0
    resumed = " (resumed from the journal)" if outcome.resumed else ""
    if outcome.interim:
        print(f"{operation} {found.controller}{resumed}: {outcome.before} item(s) deleted, none left live; the store "
              f"keeps soft-deleted or restorable copies, reachable only by the processor, until {outcome.until}. "
              f"Interim certificate {outcome.certificate}; run the same command after {outcome.until} for the "
              "final (verified-gone) certificate")
        return 0
    print(f"{operation} {found.controller}{resumed}: {outcome.before} item(s) deleted and verified gone; "
          f"certificate {outcome.certificate} (and {outcome.html.name})")
    return 0
