"""The identity and tunnel gates of `dpaguard deploy`, in front of `offboard` and `erase`.

Deleting a controller's data is at least as dangerous as deploying, so the same checks apply
(OUS-6.1.c forced tunnel, OUS-6.1.d MFA, OUS-6.2 the stack's deployer role, OUS-6.b logged), through
the public gate methods of `dpaguard.deploy.runbook.Deployment`; there is no option to skip
one and no way to accept a token without MFA. Every decision is appended to the audit log before
anything is reported, so a decision that cannot be logged is a refusal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dpaguard.errors import Refused, UsageError


@dataclass(frozen=True)
class Operator:
    who: str
    method: str
    audit: tuple[dict[str, Any], ...]
    """The audit entries of the gate decisions (seq, mac and event, as dpaguard.gate.audit writes them)."""


def _token(value: str | None) -> str | None:
    if value != "-":
        return value.strip() if value else value
    try:
        return sys.stdin.read(1 << 20).strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the token from stdin: {exc}") from None


class Recorder:
    """Appends to an HMAC audit log (the stack's gate.auditLog) and returns the entry, so the certificate can cite it.

    It is also the witness the certificate is checked against: `authentic_events` gives back only
    entries whose HMAC holds (dpaguard.gate.audit), so an edited journal cannot change what the
    certificate says was inventoried or which entries it cites.
    """

    MAX_LOG_BYTES = 512 << 20

    def __init__(self, log: Any, stack: str):
        self.stack = stack
        self.log = log

    @classmethod
    def for_stack(cls, trust: Any) -> Recorder:
        from dpaguard.gate.stack import audit_log

        return cls(audit_log(trust), trust.stack)

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        from dpaguard.gate.audit import AuditError, origin

        try:
            entry = self.log.append({**event, "stack": self.stack, "origin": origin()})
        except AuditError as exc:
            raise AuditError(f"{exc.message} (decision not recorded, so not granted)") from exc
        return dict(entry)

    def authentic_events(self) -> dict[int, dict[str, Any]]:
        """seq -> entry for every entry of a log that verifies under its key; Refused if it does not."""
        import json

        from dpaguard.files import read_bounded

        result = self.log.verify()
        if not result.ok:
            raise Refused(f"audit log {self.log.path} fails verification at line {result.line} ({result.fault}: "
                          f"{result.detail}); nothing is certified from a log that cannot be trusted")
        data = read_bounded(self.log.path, self.MAX_LOG_BYTES, "audit log")
        entries: dict[int, dict[str, Any]] = {}
        # Only the lines `verify` just checked: a line appended since (under the writer's lock) is not needed.
        for line in data.splitlines()[:result.entries]:
            entry = json.loads(line)
            entries[int(entry["seq"])] = entry
        return entries


def pass_gates(args: argparse.Namespace, trust: Any, action: str, subject: dict[str, Any],
               record: Callable[[dict[str, Any]], dict[str, Any]]) -> Operator:
    """Run identity then tunnel; Refused (exit 1) at the first refusal, after logging it."""
    from dpaguard.deploy.runbook import (
        Credentials,
        Deployment,
        Environment,
        check_gate_options,
        token_from_environment,
    )
    from dpaguard.gate.stack import break_glass_store, check_store_path, journal, key_source

    check_gate_options(args)
    cfg = trust.cfg
    token, origin = _token(args.token), "--token"
    if token is None and args.totp_user is None:
        token, origin = token_from_environment(cfg.access.token_audience)
    creds = Credentials(token=token or None, token_origin=origin, totp_user=args.totp_user,
                        totp_code=args.totp_code, allow_without_mfa=False)

    def open_store(user: str) -> Any:
        from dpaguard.gate.totp import load_key

        check_store_path(trust, args.totp_store)
        return break_glass_store(trust, user, load_key(args.key_file), journal(trust))

    env = Environment(jwks=lambda: key_source(trust, args.jwks), totp_store=open_store,
                      tunnel_interface=args.tunnel_interface, vpn_server=args.vpn_server)
    gates = Deployment(trust, env, lambda event: None, trust.root / "out" / trust.stack)
    entries: list[dict[str, Any]] = []
    method = ""
    for name in ("identity", "tunnel"):
        result = gates.identity(creds) if name == "identity" else gates.tunnel()
        if name == "identity":
            method = str(result.detail.get("method", ""))
        entry = record({"action": action, **subject, "gate": result.gate,
                        "decision": "allowed" if result.allowed else "refused", "reason": result.reason,
                        "who": result.who or gates.who, **({"detail": result.detail} if result.detail else {})})
        entries.append(entry)
        if not result.allowed:
            raise Refused(f"{action} {trust.stack} refused at the {result.gate} gate: {result.reason}")
    return Operator(gates.who, method, tuple(entries))
