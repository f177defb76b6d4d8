"""`dpaguard token verify --stack NAME`: is this Entra ID access token's caller one of the stack's
deployers, with MFA, right now?

Tenant, audience, role, deployer object ids and the signing keys all come from the stack
(`gate` section, docs/gate.md); `--jwks` may only name an offline key file the stack pins.
Exit 0 allowed, 1 denied or key source refused (one line with the reason), 2 bad invocation or
unusable audit log. Every decision, refusals included, is appended to the stack's audit log (OUS-6.b).
"""

from __future__ import annotations

import argparse
from typing import Any

from dpaguard.commands.audit import refusal, refusals_logged
from dpaguard.errors import DpaGuardError, Refused, UsageError

_STDIN_LIMIT = (1 << 20) + 1  # past any policy's size cap: the verifier reports it as too large


def register(sub: Any) -> None:
    parser = sub.add_parser("token", help="verify Entra ID access tokens against a stack (MFA, deployer, VPN source)",
                            description="Verify Entra ID access tokens: is this caller one of the stack's deployers, "
                                        "with MFA, right now?")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    verify = actions.add_parser(
        "verify",
        help="allow or deny one access token; exit 0 allowed, 1 denied, 2 bad invocation",
        description="Verify an RS256 Entra ID access token against the stack's tenant, keys, audience and deployers.",
    )
    verify.add_argument("--stack", required=True, metavar="NAME", help="stack name: stacks/Pulumi.NAME.yaml")
    verify.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    verify.add_argument("--token", required=True, metavar="T|-",
                        help="the token, or - to read it from stdin (keeps it out of the process list)")
    verify.add_argument("--jwks", metavar="FILE",
                        help="an offline JWKS file whose SHA-256 the stack pins (default: the tenant's published keys)")
    verify.add_argument("--source-ip", metavar="IP",
                        help="the caller's address; must lie in the stack's VPN client pool (OUS-6.1.c)")
    verify.add_argument("--json", action="store_true", help="print the decision as JSON")
    verify.set_defaults(run=run)


def _read_token(value: str) -> str:
    if value == "-":
        from dpaguard.files import read_stdin

        value = read_stdin(_STDIN_LIMIT)
    # a pasted token often brings a newline along; whitespace is never part of a JWS
    return value.strip()


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import ipaddress
    import json

    from dpaguard.gate.stack import journal, key_source, load_trust, token_policy
    from dpaguard.gate.tokens import verify_token
    from dpaguard.project import find_root

    if args.source_ip is not None:
        try:
            ipaddress.ip_address(args.source_ip)
        except ValueError:
            raise UsageError(f"--source-ip is not an IP address: {args.source_ip[:60]!r}") from None
    trust = load_trust(find_root(args.root), args.stack)
    log = journal(trust)
    token = _read_token(args.token)
    base: dict[str, object] = {"action": "token.verify", "tenant": trust.cfg.tenant_id, "source_ip": args.source_ip}
    try:
        keys = key_source(trust, args.jwks)
    except Refused as exc:
        raise refusal(log, {**base, "reason_code": "key_source_refused"}, exc) from None
    except DpaGuardError as exc:  # an unreadable key file: exit 2, but a "no" all the same
        raise refusal(log, {**base, "reason_code": "keys_unavailable"}, exc) from None
    if not keys.loaded:
        with refusals_logged(log, {**base, "reason_code": "keys_unavailable"}):
            keys.refresh()  # raises JwksError (exit 2) when the tenant's keys cannot be fetched
    policy = token_policy(trust)
    if args.source_ip is not None:
        policy = dataclasses.replace(policy, vpn_pool=trust.cfg.network.vpn_client_pool)
    decision = verify_token(token, policy, keys, source_ip=args.source_ip)
    log.record({
        **base,
        "decision": "allow" if decision.allowed else "deny",
        "reason_code": str(decision.reason_code),
        "reason": decision.reason,
        "who": decision.who,
        "subject": decision.subject,
        "oid": decision.oid,
        "audience": policy.audience,
    })
    if args.json:
        print(json.dumps(decision.to_dict(), sort_keys=True))
        return 0 if decision.allowed else 1
    if not decision.allowed:
        raise Refused(f"token denied ({decision.reason_code}): {decision.reason}")
    print(f"allowed: {decision.who}: {decision.reason}")
    return 0
