"""A copy of the Pulumi project under tmp_path whose stack pins what a test holds.

The gates trust only the stack's config (issue 11), so a test that wants a "yes" must pin its own
key file, audit key and TOTP key in a stack; it does so in a copy, never in the checkout.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dpaguard.gate import keys

ROOT = Path(__file__).resolve().parents[2]
OUS = "ous-kvalitetslab"
ECG = "ecg247"
OUS_TENANT = "5f0c4a8e-3d2b-4c71-9a6e-2b7d1e4f8a90"  # the OUS stack's tenantId (stacks/Pulumi.ous-kvalitetslab.yaml)
OUS_DEPLOYER = "20cf97cf-5a26-5768-b96e-f76672d8ad88"  # Per Olsen (drift): operator with a declaration
OUS_UNDECLARED = "b1af9a00-ed3c-56d4-9125-e94f110733d4"  # Ingrid Berg: staff without a declaration
OUS_BREAK_GLASS_USER = "brekk-glass-1"
STACK_AUDIENCE = "https://management.azure.com"  # access.tokenAudience default (Pulumi.yaml)
DEPLOYER_ROLE = "DpaGuard.Deployer"  # access.deployerRole default (Pulumi.yaml)


@dataclass(frozen=True)
class Project:
    root: Path
    audit_log: Path
    checkpoints: Path
    audit_key_file: Path
    totp_store: Path
    totp_key_file: Path

    @property
    def audit_key(self) -> bytes:
        return keys.read_key_file(self.audit_key_file, "audit key")


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_project(base: Path, *, stack: str = OUS, full: bool = False, jwks: Path | None = None,
                 gate: dict[str, Any] | None = None) -> Project:
    """Copy the project to `base/project`; the stack's gate pins `jwks` and keys made here.

    `full` adds the program (a copy a test may change) and the pack (for the policy gate); `gate`
    overrides keys last.
    """
    root = base / "project"
    root.mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    # the checkout's packages, linked not copied: dpaguard imports `modules` and `policies` once per
    # process (dpaguard/engine/packages.py) and refuses a second copy from another directory
    (root / "modules").symlink_to(ROOT / "modules", target_is_directory=True)
    if full:
        shutil.copy(ROOT / "__main__.py", root / "__main__.py")
        (root / "policies").symlink_to(ROOT / "policies", target_is_directory=True)
    (root / "stacks").mkdir()
    state = base / "state"
    secrets = base / "secrets"
    checkpoints = base / "witness" / stack
    for directory in (state, secrets, checkpoints):
        directory.mkdir(parents=True, exist_ok=True)
    project = Project(root, state / "audit.log", checkpoints, secrets / "audit.key", state / "totp.store",
                      secrets / "totp.key")
    keys.write_key_file(project.audit_key_file, "audit key")
    totp_key = keys.write_key_file(project.totp_key_file, "totp key")
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    section = doc["config"]["dpa-guard:gate"]
    section.update(
        auditLog=str(project.audit_log),
        auditCheckpoints=str(project.checkpoints),
        auditKeyFile=str(project.audit_key_file),
        jwksSha256=[sha256_file(jwks)] if jwks is not None else [],
    )
    if doc["config"]["dpa-guard:access"].get("breakGlassTotp"):
        section.update(totpStore=str(project.totp_store), totpKeyId=keys.key_id(totp_key))
    section.update(gate or {})
    (root / "stacks" / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                                                         encoding="utf-8")
    return project
