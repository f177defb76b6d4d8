"""`dpaguard token verify`: is this Entra ID access token's caller allowed, with MFA, right now?

Exit 0 allowed, 1 denied (one line with the reason), 2 bad invocation (bad CIDR, unreadable
JWKS, unusable audit log). Every decision is appended to the audit log (OUS-6.b).
"""

from __future__ import annotations

import argparse
import sys

from dpaguard.commands.audit import add_audit_option, record
from dpaguard.errors import Refused, UsageError

_STDIN_LIMIT = (1 << 20) + 1  # past any policy's size cap: the verifier reports it as too large


def register(sub) -> None:
    parser = sub.add_parser("token", help="verify Entra ID access tokens (MFA, role, VPN source)",
                            description="Verify Entra ID access tokens: is this caller allowed, with MFA, right now?")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    verify = actions.add_parser(
        "verify",
        help="allow or deny one access token; exit 0 allowed, 1 denied, 2 bad invocation",
        description="Verify an RS256 Entra ID access token against a tenant's keys and a policy.",
    )
    verify.add_argument("--token", required=True, metavar="T|-",
                        help="the token, or - to read it from stdin (keeps it out of the process list)")
    verify.add_argument("--tenant", required=True, metavar="TID", help="Entra tenant id (GUID)")
    verify.add_argument("--audience", required=True, metavar="AUD", help="the exact expected 'aud'")
    verify.add_argument("--jwks", required=True, metavar="FILE|URL",
                        help="JWKS file, or https URL of the discovery document or jwks_uri")
    verify.add_argument("--require-mfa", action="store_true", help="demand proof of MFA (OUS-6.1.d)")
    verify.add_argument("--role", action="append", default=[], metavar="R",
                        help="an app role that grants access (repeatable; any one suffices)")
    verify.add_argument("--group", action="append", default=[], metavar="G",
                        help="a group object id that grants access (repeatable; any one suffices)")
    verify.add_argument("--source-ip", metavar="IP", help="the caller's address (logged; checked with --vpn-pool)")
    verify.add_argument("--vpn-pool", metavar="CIDR", help="the stack's VPN client pool the caller must come from")
    verify.add_argument("--auth-context", metavar="C",
                        help="Conditional Access auth context id (c1..c99) that proves MFA in v2 tokens")
    verify.add_argument("--leeway", type=int, default=60, metavar="S", help="clock skew tolerated, seconds (default 60)")
    verify.add_argument("--json", action="store_true", help="print the decision as JSON")
    add_audit_option(verify)
    verify.set_defaults(run=run)


def _read_token(value: str) -> str:
    if value == "-":
        try:
            value = sys.stdin.read(_STDIN_LIMIT)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the token from stdin: {exc}") from exc
    # a pasted token often brings a newline along; whitespace is never part of a JWS
    return value.strip()


def run(args: argparse.Namespace) -> int:
    import ipaddress
    import json

    from dpaguard.gate.jwks import JwksSource
    from dpaguard.gate.tokens import TokenPolicy, verify_token

    vpn_pool = None
    if args.vpn_pool is not None:
        try:
            vpn_pool = ipaddress.ip_network(args.vpn_pool, strict=True)
        except ValueError as exc:
            raise UsageError(f"--vpn-pool is not a network CIDR: {exc}") from None
        if args.source_ip is None:
            raise UsageError("--vpn-pool needs --source-ip")
    if args.source_ip is not None:
        try:
            ipaddress.ip_address(args.source_ip)
        except ValueError:
            raise UsageError(f"--source-ip is not an IP address: {args.source_ip[:60]!r}") from None
    try:
        policy = TokenPolicy(
            tenant_id=args.tenant,
            audience=args.audience,
            require_mfa=args.require_mfa,
            required_roles=frozenset(args.role),
            required_groups=frozenset(args.group),
            mfa_auth_context=args.auth_context,
            vpn_pool=vpn_pool,
            leeway=args.leeway,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    token = _read_token(args.token)
    if args.jwks.startswith(("https://", "http://")):
        keys = JwksSource.from_url(args.jwks)
        keys.refresh()
    else:
        keys = JwksSource.from_file(args.jwks)

    decision = verify_token(token, policy, keys, source_ip=args.source_ip)
    record(args, {
        "action": "token.verify",
        "decision": "allow" if decision.allowed else "deny",
        "reason_code": str(decision.reason_code),
        "reason": decision.reason,
        "who": decision.who,
        "subject": decision.subject,
        "oid": decision.oid,
        "tenant": policy.tenant_id,
        "audience": policy.audience,
        "source_ip": args.source_ip,
    })
    if args.json:
        print(json.dumps(decision.to_dict(), sort_keys=True))
        return 0 if decision.allowed else 1
    if not decision.allowed:
        raise Refused(f"token denied ({decision.reason_code}): {decision.reason}")
    print(f"allowed: {decision.who}: {decision.reason}")
    return 0
