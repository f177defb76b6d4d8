"""`dpaguard deploy --stack NAME`: the runbook deploy, refused without MFA, a forced tunnel and a clean policy check.

Exit 0 deployed (or the dry run passed every gate), 1 refused by a gate, 2 bad invocation or a
missing tool (the Pulumi CLI, after the gates have run and been logged). docs/runbook.md is
the operator's procedure.
"""

from __future__ import annotations

import argparse
import sys

from dpaguard.commands.audit import add_audit_option, record
from dpaguard.errors import UsageError


def register(sub) -> None:
    parser = sub.add_parser(
        "deploy",
        help="deploy a stack through the runbook gates (MFA, forced tunnel, policy), then pulumi up",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--stack", required=True, help="stack name: stacks/Pulumi.NAME.yaml")
    parser.add_argument("--token", metavar="T|-",
                        help="Entra ID access token, or - for stdin (default: $DPAGUARD_TOKEN, else az CLI)")
    parser.add_argument("--jwks", metavar="FILE|URL",
                        help="tenant signing keys (default: the tenant's discovery document)")
    parser.add_argument("--totp-user", metavar="U", help="break-glass operator (only where the stack allows it)")
    parser.add_argument("--totp-code", metavar="C", help="that operator's current 6-digit code")
    parser.add_argument("--totp-store", metavar="PATH", help="TOTP store (default out/totp.store)")
    parser.add_argument("--key-file", metavar="F", help="TOTP store key file (default $DPAGUARD_TOTP_KEY)")
    parser.add_argument("--no-mfa", action="store_true",
                        help="accept a token without MFA (non-production stacks only; production refuses)")
    parser.add_argument("--tunnel-interface", metavar="IF", help="the VPN interface (default: the one holding a pool address)")
    parser.add_argument("--vpn-server", metavar="IP", help="the VPN gateway's public address (its host route may bypass the tunnel)")
    parser.add_argument("--preview-only", action="store_true", help="run pulumi preview instead of pulumi up")
    parser.add_argument("--dry-run", action="store_true", help="run the gates and print what would run")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    add_audit_option(parser)
    parser.set_defaults(run=run)


def _read_token(value: str | None) -> str | None:
    if value != "-":
        return value.strip() if value else value
    try:
        return sys.stdin.read(1 << 20).strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the token from stdin: {exc}") from None


def run(args: argparse.Namespace) -> int:
    import ipaddress
    from pathlib import Path

    from dpaguard.deploy.runbook import Credentials, Deployment, Environment, token_from_environment
    from dpaguard.engine import plan, stackfiles
    from dpaguard.project import find_root

    if args.totp_code is not None and args.totp_user is None:
        raise UsageError("--totp-code needs --totp-user")
    if args.vpn_server is not None:
        try:
            ipaddress.ip_address(args.vpn_server)
        except ValueError:
            raise UsageError(f"--vpn-server {args.vpn_server!r} is not an IP address") from None
    root = find_root(args.root)
    project = stackfiles.load_project(root)
    stack_file = stackfiles.load_stack(project, args.stack)
    cfg = plan._load_stack_config(root, stack_file, project)

    token, origin = _read_token(args.token), "--token"
    if token is None and args.totp_user is None:
        token, origin = token_from_environment(cfg.access.token_audience)
    creds = Credentials(token=token or None, token_origin=origin, totp_user=args.totp_user,
                        totp_code=args.totp_code, allow_without_mfa=args.no_mfa)
    env = Environment(jwks=_jwks(args.jwks, cfg.tenant_id), totp_store=_totp_opener(args),
                      tunnel_interface=args.tunnel_interface, vpn_server=args.vpn_server)
    deployment = Deployment(root, args.stack, cfg, env, lambda event: record(args, event), root / "out" / args.stack,
                            preview_only=args.preview_only, dry_run=args.dry_run)
    command = deployment.run(creds)
    verb = "would run" if args.dry_run else "ran"
    print(f"deploy {args.stack}: identity, tunnel and policy gates passed; {verb}: {' '.join(command)}")
    return 0


def _jwks(value: str | None, tenant_id: str):
    from dpaguard.gate.jwks import JwksSource

    if value is None:
        return JwksSource.from_url(f"https://login.microsoftonline.com/{tenant_id}/v2.0/.well-known/openid-configuration")
    if value.startswith("https://"):
        return JwksSource.from_url(value)
    return JwksSource.from_file(value)


def _totp_opener(args: argparse.Namespace):
    def open_store():
        from dpaguard.gate.totp import DEFAULT_STORE, TotpStore, load_key

        return TotpStore(args.totp_store or DEFAULT_STORE, load_key(args.key_file))

    return open_store
