"""Shared fixtures for component tests: the shipped stacks, and a run under the offline mock engine.

`stack(name, edit=None)` returns a `Stack`: the Pulumi config (full `dpa-guard:` keys, as the
CLI passes it) and the validated `StackConfig`; `edit` may change the raw mapping (keys
without the namespace) before validation; `<shipped>-vnetgw` is a shipped stack without
`egress`. `MIXED_STACK` is not shipped: the OUS stack also
serving two ECG physicians, with one OUS uploader listed for both. `run_component(stack, build)`
runs `build(cfg)` as the body of the stack and returns the `ProgramRun`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from dpaguard.engine.runner import ProgramRun, run_program
from modules import config

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = f"{config.PROJECT}:"
SHIPPED_STACKS = ("ous-kvalitetslab", "ecg247")
MIXED_STACK = "ous-ecg-mixed"
# "<shipped>-vnetgw": a shipped stack without its `egress` section (the VNet gateway of modules/vpn.py
# instead of the Virtual WAN secured hub the shipped stacks run).
VNETGW_SUFFIX = "-vnetgw"
VNETGW_STACKS = tuple(f"{s}{VNETGW_SUFFIX}" for s in SHIPPED_STACKS)
# The OUS uploader (Lars Johansen, ahus-mbt) who, in MIXED_STACK, also uploads for both ECG physicians.
MIXED_UPLOADER = "ac6094dc-5e63-506a-b75e-a49eca9ef960"


@dataclass(frozen=True)
class Stack:
    name: str
    pulumi_config: dict[str, Any]
    cfg: config.StackConfig


def _add_ecg(raw: dict[str, Any]) -> None:
    """One stack serving both agreements, so OUS and ECG group rules meet in one plan."""
    raw["agreements"] = ["OUS", "ECG"]
    raw["ecg"] = {"sku": "Standard_GZRS", "softDeleteDays": 30, "containerSoftDeleteDays": 30, "accounts": 2}
    raw["controllers"] += [
        {"id": f"dr-{who}-oslo", "name": f"Dr. {who.title()}, Oslo legesenter", "agreement": "ECG",
         "signed": "2024-01-15", "contact": f"{who}@oslo-legesenter.example.no", "retentionDays": 365}
        for who in ("berg", "moe")
    ]
    [uploader] = [s for s in raw["staff"] if s["objectId"] == MIXED_UPLOADER]
    uploader["controllers"] += ["dr-berg-oslo", "dr-moe-oslo"]


def _load(name: str, edit: Callable[[dict[str, Any]], None] | None = None) -> Stack:
    base = "ous-kvalitetslab" if name == MIXED_STACK else name.removesuffix(VNETGW_SUFFIX)
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{base}.yaml").read_text())["config"]
    raw = {k[len(NAMESPACE):]: copy.deepcopy(v) for k, v in doc.items() if k.startswith(NAMESPACE)}
    if name.endswith(VNETGW_SUFFIX):
        assert raw.pop("egress", None) is not None, f"{base} ships without egress"
    if name == MIXED_STACK:
        _add_ecg(raw)
    if edit is not None:
        edit(raw)
    return Stack(name=name, pulumi_config={NAMESPACE + k: v for k, v in raw.items()}, cfg=config.load(raw, name))


@pytest.fixture(scope="session")
def stack() -> Callable[..., Stack]:
    return _load


@pytest.fixture(scope="session")
def run_component() -> Callable[[Stack, Callable[[config.StackConfig], Any]], ProgramRun]:
    def run(s: Stack, build: Callable[[config.StackConfig], Any]) -> ProgramRun:
        return run_program(lambda: build(s.cfg), project=config.PROJECT, stack=s.name, config=s.pulumi_config)

    return run

