"""`dpaguard deploy`: the runbook deployment, gate by gate (OUS-6.1.c, OUS-6.1.d, OUS-6.2, OUS-6.b).

Order, stopping at the first refusal, every gate's decision appended to the audit log:
1. identity: an Entra ID token verified with MFA and the stack's deployer role, or, where the
   stack allows break-glass, a TOTP code of an enrolled break-glass operator;
2. tunnel: `dpaguard.tunnel.check_tunnel`: a tunnel device holding an address in the stack's
   client pool, and every internet prefix routed into it (OUS-6.1.c);
3. policy: the offline plan passes every mandatory policy (and `pulumi preview` with the pack,
   when the CLI is here);
4. deploy: `pulumi up --stack NAME --policy-pack policies --policy-pack-config ... --yes`.

The gates are plain functions over injected inputs (`Environment`), so tests drive each one
with recorded routes and a stand-in `pulumi`; nothing here has a bypass an operator could use.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpaguard.errors import DpaGuardError, InputError, Refused

PULUMI_INSTALL_HINT = "install it from https://www.pulumi.com/docs/install/ (curl -fsSL https://get.pulumi.com | sh)"


@dataclass(frozen=True)
class Credentials:
    token: str | None = None
    token_origin: str = ""
    totp_user: str | None = None
    totp_code: str | None = None
    allow_without_mfa: bool = False
    """Only for non-production stacks; a production stack refuses it (OUS-6.1.d)."""


def _no_store(user: str) -> Any:
    raise InputError("no TOTP store key given (--key-file or $DPAGUARD_TOTP_KEY)")


@dataclass
class Environment:
    """Everything the gates read from the outside world; tests replace parts of it.

    `jwks` and `totp_store` are factories so that a refusal there (a key source or a store the
    stack does not pin) is the identity gate's logged refusal, not an error before the gates.
    """

    jwks: Callable[[], Any]
    """Returns the stack's dpaguard.gate.jwks.JwksSource; raises Refused for an unpinned source."""
    totp_store: Callable[[str], Any] = _no_store
    """Opens the stack's TOTP store for a user; raises Refused for an unnamed user or unpinned store."""
    routes_dir: str | None = None
    """Recorded route/address/link outputs (`dpaguard tunnel check --routes`); None reads this machine."""
    tunnel_interface: str | None = None
    vpn_server: str | None = None
    pulumi: str | None = field(default_factory=lambda: shutil.which("pulumi"))
    run: Callable[[Sequence[str]], int] = lambda argv: subprocess.run(list(argv), check=False).returncode


@dataclass(frozen=True)
class GateResult:
    gate: str
    allowed: bool
    reason: str
    who: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class Deployment:
    """One deploy attempt for one stack; `record` appends every gate decision to the audit log.

    `trust` is the stack's validated config (`dpaguard.gate.stack.Trust`): tenant, audience,
    role, deployers, key source and break-glass users all come from it (issue 11).
    """

    def __init__(self, trust: Any, env: Environment, record: Callable[[dict[str, Any]], Any],
                 out_dir: Path, *, preview_only: bool = False, dry_run: bool = False):
        self.trust, self.root, self.stack, self.cfg = trust, trust.root, trust.stack, trust.cfg
        self.env, self.record, self.out_dir = env, record, out_dir
        self.preview_only, self.dry_run = preview_only, dry_run
        self.who = "unknown"

    # ---------------------------------------------------------------- the gates

    def identity(self, creds: Credentials) -> GateResult:
        from dpaguard.gate.stack import token_policy
        from dpaguard.gate.tokens import verify_token

        if creds.token:
            method = {"method": f"entra-token ({creds.token_origin})"}
            if creds.allow_without_mfa and self.cfg.production:
                return GateResult("identity", False,
                                  f"stack {self.stack} is production: a token without MFA is never accepted", "", method)
            try:
                keys = self.env.jwks()
            except Refused as exc:
                return GateResult("identity", False, exc.message, "", {**method, "code": "key_source_refused"})
            policy = token_policy(self.trust, require_mfa=not creds.allow_without_mfa)
            decision = verify_token(creds.token, policy, keys)
            self.who = decision.who
            return GateResult("identity", decision.allowed, decision.reason, decision.who,
                              {**method, "code": str(decision.reason_code), "oid": decision.oid})
        if creds.totp_user is not None:
            method = {"method": "break-glass-totp"}
            if not self.cfg.access.break_glass_totp:
                return GateResult("identity", False,
                                  f"stack {self.stack} does not allow break-glass TOTP (access.breakGlassTotp)",
                                  "", method)
            try:
                store = self.env.totp_store(creds.totp_user)
            except Refused as exc:
                return GateResult("identity", False, exc.message, "", {**method, "code": "store_refused"})
            result = store.verify(creds.totp_user, creds.totp_code or "")
            self.who = creds.totp_user
            return GateResult("identity", result.allowed, result.reason, creds.totp_user,
                              {**method, "code": str(result.reason_code)})
        return GateResult("identity", False,
                          "no credentials: give --token (or DPAGUARD_TOKEN, or sign in with az login), "
                          "or --totp-user/--totp-code where break-glass is allowed")

    def tunnel(self) -> GateResult:
        # engineer D2's check (dpaguard/tunnel): a positively identified tunnel device on Linux,
        # Windows or macOS, every internet prefix routed into it; the same call as `dpaguard tunnel check`
        from dpaguard.tunnel import check_tunnel

        verdict = check_tunnel(self.cfg, routes_dir=self.env.routes_dir, vpn_server=self.env.vpn_server,
                               tunnel_interface=self.env.tunnel_interface)
        return GateResult("tunnel", verdict.ok, verdict.reason, self.who, verdict.audit_detail())

    def policy(self) -> GateResult:
        from dpaguard.checking.evaluate import evaluate
        from dpaguard.checking.inputs import from_plan
        from dpaguard.checking.pack import load_policies
        from dpaguard.engine.plan import build_plan
        from dpaguard.files import write_json

        policies = load_policies(self.root)
        from policies.pack import policy_config

        plan = build_plan(self.root, self.stack)
        # one line and exit 2 for a directory, a missing parent or an unwritable place
        write_json(self.out_dir / "plan.json", plan.document, make_parents=True)
        write_json(self.policy_config_path, policy_config(plan.document["register"]), make_parents=True)
        checked = from_plan(plan.document, name="plan", validate=False)
        evaluation = evaluate(policies, checked.resources, register=checked.register, stack_urn=checked.stack_urn)
        if evaluation.mandatory:
            first = evaluation.mandatory[0]
            return GateResult("policy", False,
                              f"{len(evaluation.mandatory)} mandatory policy violation(s), first: "
                              f"{first.policy}: {first.message}", self.who)
        if self.env.pulumi and not self.dry_run:
            code = self.env.run(self._pulumi("preview"))
            if code != 0:
                return GateResult("policy", False, f"pulumi preview with the policy pack failed (exit {code})", self.who)
        return GateResult("policy", True, f"offline plan passes all {evaluation.policies} policies "
                          f"({len(evaluation.advisory)} advisory)", self.who)

    # ---------------------------------------------------------------- running

    @property
    def policy_config_path(self) -> Path:
        return self.out_dir / "policy-config.json"

    def _pulumi(self, command: str) -> list[str]:
        argv = [self.env.pulumi or "pulumi", command, "--stack", self.stack, "--policy-pack", "policies",
                "--policy-pack-config", str(self.policy_config_path)]
        return argv + (["--yes"] if command == "up" else [])

    def _log(self, result: GateResult) -> None:
        self.record({"action": "deploy", "stack": self.stack, "gate": result.gate,
                     "decision": "allowed" if result.allowed else "refused", "reason": result.reason,
                     "who": result.who or self.who, **({"detail": result.detail} if result.detail else {})})

    def run(self, creds: Credentials) -> list[str]:
        """Run the gates; return the command that ran (or would run, on a dry run).

        Raises Refused (exit 1) at the first refusal, InputError (exit 2) when the Pulumi CLI
        is missing after all gates passed.
        """
        gates: tuple[tuple[str, Callable[[], GateResult]], ...] = (
            ("identity", lambda: self.identity(creds)), ("tunnel", self.tunnel), ("policy", self.policy))
        for name, gate in gates:
            try:
                result = gate()
            except DpaGuardError as exc:
                # unreadable routes, an unwritable plan, a store that rolled back: refused, and logged
                self._log(GateResult(name, False, exc.message, self.who, {"error": type(exc).__name__}))
                raise
            self._log(result)
            if not result.allowed:
                raise Refused(f"deploy {self.stack} refused at the {result.gate} gate: {result.reason}")
        command = self._pulumi("preview" if self.preview_only else "up")
        if self.dry_run:
            self._log(GateResult("deploy", True, "dry run: " + " ".join(command), self.who))
            return command
        if not self.env.pulumi:
            self._log(GateResult("deploy", False, "the Pulumi CLI is not installed", self.who))
            raise InputError(f"all gates passed, but the Pulumi CLI is not installed: {PULUMI_INSTALL_HINT}")
        code = self.env.run(command)
        self._log(GateResult("deploy", code == 0, f"{' '.join(command)} exited {code}", self.who))
        if code != 0:
            raise Refused(f"pulumi {command[1]} for {self.stack} failed with exit {code}")
        return command


def token_from_environment(audience: str, environ: Mapping[str, str] = os.environ) -> tuple[str | None, str]:
    """DPAGUARD_TOKEN, else `az account get-access-token` when the Azure CLI is signed in."""
    if environ.get("DPAGUARD_TOKEN"):
        return environ["DPAGUARD_TOKEN"].strip(), "DPAGUARD_TOKEN"
    az = shutil.which("az")
    if not az:
        return None, ""
    resource = audience.rstrip("/")
    try:
        out = subprocess.run([az, "account", "get-access-token", "--resource", resource, "--query", "accessToken",
                              "-o", "tsv"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None, ""
    token = out.stdout.strip()
    return (token, "az account get-access-token") if out.returncode == 0 and token else (None, "")


def check_gate_options(args: argparse.Namespace) -> None:
    """UsageError (exit 2) for gate options that cannot go together or cannot be what they say."""
    import ipaddress

    from dpaguard.errors import UsageError

    if args.totp_code is not None and args.totp_user is None:
        raise UsageError("--totp-code needs --totp-user")
    if args.vpn_server is not None:
        try:
            ipaddress.ip_address(args.vpn_server)
        except ValueError:
            raise UsageError(f"--vpn-server {args.vpn_server!r} is not an IP address") from None


def add_gate_options(parser: argparse.ArgumentParser) -> None:
    """The identity and tunnel gate options every gated command (deploy, offboard, erase) takes."""
    parser.add_argument("--token", metavar="T|-",
                        help="Entra ID access token, or - for stdin (default: $DPAGUARD_TOKEN, else az CLI)")
    parser.add_argument("--jwks", metavar="FILE",
                        help="an offline JWKS file whose SHA-256 the stack pins (gate.jwksSha256); "
                        "default: the tenant's published keys")
    parser.add_argument("--totp-user", metavar="U", help="break-glass operator the stack names (gate.breakGlassUsers)")
    parser.add_argument("--totp-code", metavar="C", help="that operator's current 6-digit code")
    parser.add_argument("--totp-store", metavar="PATH", help="TOTP store; only the stack's gate.totpStore is accepted")
    parser.add_argument("--key-file", metavar="F", help="TOTP store key file (default $DPAGUARD_TOTP_KEY)")
    parser.add_argument("--tunnel-interface", metavar="IF", help="the VPN interface (default: the one holding a pool address)")
    parser.add_argument("--vpn-server", metavar="IP", help="the VPN gateway's public address (its host route may bypass the tunnel)")
