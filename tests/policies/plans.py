"""The shipped stacks' plans, built once per test session and shared by the tests that need them."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dpaguard.engine.plan import build_plan
from dpaguard.errors import DpaGuardError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_STACKS = ("ous-kvalitetslab", "ecg247")
VNETGW_SUFFIX = "-vnetgw"
VNETGW_STACKS = tuple(f"{s}{VNETGW_SUFFIX}" for s in SHIPPED_STACKS)
"""The shipped stacks without their `dpa-guard:egress` section: the VNet gateway of modules/vpn.py
instead of the Virtual WAN secured hub, so the VNet-gateway rules keep being tested on a real plan."""
PLANNED_STACKS = SHIPPED_STACKS + VNETGW_STACKS


WORKDIR: Path | None = None
"""Where the variant project is built: pytest's session temp directory (tests/conftest.py sets it)."""


@cache
def _vnetgw_project() -> Path:
    """A copy of the project (under pytest's temp directory) whose stacks `<shipped>-vnetgw` lack `egress`."""
    if WORKDIR is None:  # outside pytest (a benchmark): a temporary directory removed at exit
        temp = tempfile.mkdtemp(prefix="dpaguard-vnetgw-")
        atexit.register(shutil.rmtree, temp, ignore_errors=True)
        root = Path(temp)
    else:
        root = WORKDIR / "vnetgw-project"
        root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, root / name)
    (root / "modules").symlink_to(ROOT / "modules")
    (root / "stacks").mkdir()
    for stack in SHIPPED_STACKS:
        doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
        doc["config"].pop("dpa-guard:egress", None)
        (root / "stacks" / f"Pulumi.{stack}{VNETGW_SUFFIX}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False),
                                                                            encoding="utf-8")
    return root


@cache
def shipped_plan(stack: str) -> dict[str, Any] | str:
    """The plan document of a shipped stack (or its VNet-gateway variant), or the one-line reason it cannot be planned.

    Shared and cached: copy it (`copy.deepcopy`) before changing anything in it.
    """
    try:
        if stack in VNETGW_STACKS:
            return build_plan(_vnetgw_project(), stack).document
        return build_plan(ROOT, stack).document
    except DpaGuardError as exc:
        return exc.message
