"""What a gate trusts, read from the stack's config and nothing else (issue 11, OUS-6.1.d, OUS-6.2, OUS-7).

`load_trust(root, stack)` reads and validates the stack (`modules.config.load` and `load_gate`);
the helpers below turn it into the objects the gates use. A caller's command line can only choose
among what the stack pins:

- keys: the tenant's published Entra keys, fetched over verified https from the tenant's own
  OpenID discovery document; or an offline JWKS file whose SHA-256 the stack pins. A `--jwks`
  URL, or a file the stack does not pin, is refused (`KeySourceRefused`, exit 1);
- who: the token's `oid` must be one of `gate.deployers` (operators with a declaration, OUS-7);
- break-glass: the TOTP user must be named in `gate.breakGlassUsers`, the store is the stack's
  `gate.totpStore`, and its key's id must equal `gate.totpKeyId`;
- audit: the log, its checkpoint directory and its key file are the stack's.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dpaguard.errors import Refused
from dpaguard.files import read_bounded
from dpaguard.gate import keys
from dpaguard.gate.audit import AuditError, AuditLog, origin
from dpaguard.gate.jwks import MAX_DOCUMENT_BYTES, JwksError, JwksSource, https_fetch
from dpaguard.gate.tokens import TokenPolicy
from dpaguard.gate.totp import TotpStore, TotpStoreError


class KeySourceRefused(Refused):
    """A key source the stack does not pin; exit 1."""


class BreakGlassRefused(Refused):
    """A break-glass user, store or key the stack does not name; exit 1."""


@dataclass(frozen=True)
class Trust:
    root: Path
    stack: str
    cfg: Any
    """The stack's `modules.config.StackConfig`."""
    gate: Any
    """The stack's `modules.config.GateConfig`."""


def load_trust(root: Path, stack: str) -> Trust:
    """The stack's validated config and gate section; InputError (exit 2) naming file and key."""
    from dpaguard.engine import plan, stackfiles
    from dpaguard.errors import InputError

    project = stackfiles.load_project(root)
    stack_file = stackfiles.load_stack(project, stack)
    cfg = plan.load_stack_config(root, stack_file, project)
    config = plan.config_module(root)
    try:
        gate = config.load_gate(stackfiles.project_config(stack_file, project), cfg)
    except config.ConfigError as exc:
        raise InputError(f"{stack_file.display_path(root)}: {project.name}:{exc.keys}: {exc.message}") from None
    # the key is what makes the log unforgeable; inside the checkout it travels with every copy
    # of the repository (also through a symlink into it)
    real_root, real_key = os.path.realpath(root), os.path.realpath(gate.audit_key_file)
    if os.path.commonpath([real_root, real_key]) == real_root:
        raise InputError(f"gate.auditKeyFile {gate.audit_key_file} of stack {stack} lies inside the project {root}: "
                         "whoever has the repository could forge the log; keep the key outside it")
    return Trust(root=root, stack=stack, cfg=cfg, gate=gate)


# --------------------------------------------------------------------------- audit


class AuditJournal:
    """The stack's audit log as the gates write it: every event with where and for which stack.

    Also the TOTP store's monotonic witness (`dpaguard.gate.totp.Journal`).
    """

    def __init__(self, log: AuditLog, stack: str):
        self.log = log
        self.stack = stack

    def record(self, event: Mapping[str, object]) -> dict[str, Any]:
        """Append `event` with its stack and origin; the entry written. AuditError if it cannot."""
        try:
            return self.log.append({**event, "stack": self.stack, "origin": origin()})
        except AuditError as exc:
            raise AuditError(f"{exc.message} (decision not recorded, so not granted)") from exc
        except ValueError as exc:  # larger than an entry may be, or not plain JSON: still one line, exit 2
            raise AuditError(f"audit log {self.log.path}: {exc} (decision not recorded, so not granted)") from exc

    def last_generation(self, store_id: str) -> int | None:
        event = self.log.last_event(lambda e: e.get("totp_store") == store_id and "totp_generation" in e)
        if event is None:
            return None
        generation = event["totp_generation"]
        if type(generation) is not int:
            raise AuditError(f"audit log {self.log.path}: a TOTP generation is not a number")
        return generation


def audit_key(trust: Trust) -> bytes:
    try:
        return keys.read_key_file(trust.gate.audit_key_file, "audit key file")
    except keys.KeyFileError as exc:
        raise AuditError(f"{exc.message} (gate.auditKeyFile of stack {trust.stack})") from None


def audit_log(trust: Trust) -> AuditLog:
    return AuditLog(trust.gate.audit_log, audit_key(trust), trust.gate.audit_checkpoints)


def journal(trust: Trust) -> AuditJournal:
    return AuditJournal(audit_log(trust), trust.stack)


# --------------------------------------------------------------------------- identity


ENTRA_AUTHORITY = "https://login.microsoftonline.com/"


def entra_fetch(url: str) -> bytes:
    """The https GET for the tenant's keys; the discovery document's `jwks_uri` must stay on Entra ID."""
    if not url.startswith(ENTRA_AUTHORITY):
        raise JwksError(f"refusing keys from {url[:100]}: not under {ENTRA_AUTHORITY}")
    return https_fetch(url)


def discovery_url(tenant_id: str) -> str:
    # The tenant's OpenID Connect metadata document names its jwks_uri (Microsoft Learn, "OpenID
    # Connect on the Microsoft identity platform", "Find your app's OpenID configuration document URI").
    return f"https://login.microsoftonline.com/{tenant_id}/v2.0/.well-known/openid-configuration"


def key_source(trust: Trust, jwks_arg: str | None) -> JwksSource:
    """The signing keys the stack trusts; KeySourceRefused (exit 1) for anything it does not pin."""
    gate = trust.gate
    if jwks_arg is None:
        if gate.key_source == "file":
            raise KeySourceRefused(f"stack {trust.stack} uses an offline key file (gate.keySource file): "
                                   "pass --jwks with a file whose SHA-256 gate.jwksSha256 pins")
        return JwksSource.from_url(discovery_url(trust.cfg.tenant_id), fetch=entra_fetch)
    if "://" in jwks_arg:
        raise KeySourceRefused(f"--jwks {jwks_arg[:80]}: key URLs are never taken from the command line; "
                               f"stack {trust.stack} fetches the tenant's published keys itself")
    pins = frozenset(gate.jwks_sha256)
    digest = _sha256_file(jwks_arg)
    if digest not in pins:
        raise KeySourceRefused(f"--jwks {jwks_arg}: its SHA-256 {digest} is not pinned in gate.jwksSha256 "
                               f"of stack {trust.stack}")
    return _pinned_file(Path(jwks_arg), pins)


def _sha256_file(path: str | Path) -> str:
    return hashlib.sha256(read_bounded(path, MAX_DOCUMENT_BYTES, "JWKS file")).hexdigest()


def _pinned_file(path: Path, pins: frozenset[str]) -> JwksSource:
    def load() -> bytes:
        # hashed and parsed from the same bytes, on every (re)load: swapping the file after the
        # first check gains nothing
        data = read_bounded(path, MAX_DOCUMENT_BYTES, "JWKS file")
        if hashlib.sha256(data).hexdigest() not in pins:
            raise JwksError(f"JWKS file {path} changed: its SHA-256 is no longer pinned")
        return data

    source = JwksSource(load, origin=str(path))
    source.refresh()
    return source


def token_policy(trust: Trust, *, require_mfa: bool = True) -> TokenPolicy:
    """Tenant, audience, deployer role and deployer object ids: all the stack's."""
    return TokenPolicy(
        tenant_id=trust.cfg.tenant_id,
        audience=trust.cfg.access.token_audience,
        require_mfa=require_mfa,
        # no role for ARM tokens (modules/config.py ARM_AUDIENCES): the deployer object ids decide
        required_roles=frozenset({role} if (role := trust.cfg.access.deployer_role) else ()),
        required_oids=frozenset(trust.gate.deployers),
    )


# --------------------------------------------------------------------------- break-glass


def break_glass_store(trust: Trust, user: str, key: bytes, journal: AuditJournal | None) -> TotpStore:
    """The stack's TOTP store under the stack's pinned key, for a user the stack names."""
    gate = trust.gate
    if not trust.cfg.access.break_glass_totp:
        raise BreakGlassRefused(f"stack {trust.stack} does not allow break-glass TOTP (access.breakGlassTotp)")
    if gate.break_glass_user(user) is None:
        raise BreakGlassRefused(f"{user[:60]!r} is not a break-glass user of stack {trust.stack} "
                                "(gate.breakGlassUsers)")
    if gate.totp_store is None or gate.totp_key_id is None:
        raise BreakGlassRefused(f"stack {trust.stack} names no TOTP store and key (gate.totpStore, gate.totpKeyId)")
    if keys.key_id(key) != gate.totp_key_id:
        raise BreakGlassRefused(f"the TOTP store key is not the one stack {trust.stack} pins (gate.totpKeyId)")
    return TotpStore(gate.totp_store, key, journal=journal)


def check_store_path(trust: Trust, given: str | None) -> None:
    """A `--store` other than the stack's store is refused: the stack names where the factor lives."""
    if given is None:
        return
    named = trust.gate.totp_store
    if named is None or os.path.abspath(given) != named:
        raise BreakGlassRefused(f"--store {given}: stack {trust.stack} names {named or 'no store'} "
                                "(gate.totpStore); no other store is accepted")


def verify_stack_log(trust: Trust) -> Any:
    """`dpaguard.gate.audit.verify` of the stack's log with its key and checkpoints (a VerifyResult)."""
    from dpaguard.gate.audit import verify

    return verify(trust.gate.audit_log, audit_key(trust), checkpoints=trust.gate.audit_checkpoints)


__all__ = ["AuditJournal", "BreakGlassRefused", "KeySourceRefused", "TotpStoreError", "Trust", "audit_log",
           "break_glass_store", "check_store_path", "discovery_url", "journal", "key_source", "load_trust",
           "token_policy", "verify_stack_log"]
