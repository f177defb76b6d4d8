"""`dpaguard deploy --stack NAME`: the runbook deploy, refused without MFA, a forced tunnel and a clean policy check.

Exit 0 deployed (or the dry run passed every gate), 1 refused by a gate (a token, key source,
break-glass user or store the stack does not name; a tunnel that leaks; a mandatory policy), 2
bad invocation, unusable audit log or a missing tool (the Pulumi CLI, after the gates have run
and been logged). Every gate's decision, refusals included, goes to the stack's audit log.
docs/runbook.md is the operator's procedure, docs/gate.md what the gates trust.
"""

from __future__ import annotations

import argparse
from typing import Any

from dpaguard.deploy.runbook import add_gate_options


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "deploy",
        help="deploy a stack through the runbook gates (MFA, forced tunnel, policy), then pulumi up",
        description=(__doc__ or "").splitlines()[0],
    )
    parser.add_argument("--stack", required=True, help="stack name: stacks/Pulumi.NAME.yaml")
    add_gate_options(parser)
    parser.add_argument("--no-mfa", action="store_true",
                        help="accept a token without MFA (non-production stacks only; production refuses)")
    parser.add_argument("--preview-only", action="store_true", help="run pulumi preview instead of pulumi up")
    parser.add_argument("--dry-run", action="store_true", help="run the gates and print what would run")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    parser.set_defaults(run=run)


def _read_token(value: str | None) -> str | None:
    if value != "-":
        return value.strip() if value else value
    from dpaguard.files import read_stdin

    return read_stdin(1 << 20).strip()


def run(args: argparse.Namespace) -> int:
    from dpaguard.deploy.runbook import (
        Credentials,
        Deployment,
        Environment,
        check_gate_options,
        token_from_environment,
    )
    from dpaguard.gate.stack import break_glass_store, check_store_path, journal, key_source, load_trust
    from dpaguard.project import find_root

    check_gate_options(args)
    trust = load_trust(find_root(args.root), args.stack)
    log = journal(trust)

    token, origin = _read_token(args.token), "--token"
    if token is None and args.totp_user is None:
        token, origin = token_from_environment(trust.cfg.access.token_audience)
    creds = Credentials(token=token or None, token_origin=origin, totp_user=args.totp_user,
                        totp_code=args.totp_code, allow_without_mfa=args.no_mfa)

    def open_store(user: str) -> Any:
        from dpaguard.gate.totp import load_key

        check_store_path(trust, args.totp_store)
        return break_glass_store(trust, user, load_key(args.key_file), log)

    env = Environment(jwks=lambda: key_source(trust, args.jwks), totp_store=open_store,
                      tunnel_interface=args.tunnel_interface, vpn_server=args.vpn_server)
    deployment = Deployment(trust, env, log.record, trust.root / "out" / args.stack,
                            preview_only=args.preview_only, dry_run=args.dry_run)
    command = deployment.run(creds)
    verb = "would run" if args.dry_run else "ran"
    print(f"deploy {args.stack}: identity, tunnel and policy gates passed; {verb}: {' '.join(command)}")
    return 0
