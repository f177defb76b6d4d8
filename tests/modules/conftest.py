"""Shared fixtures for component tests: the shipped stacks, and a run under the offline mock engine.

`stack(name, edit=None)` returns a `Stack`: the Pulumi config (full `dpa-guard:` keys, as the
CLI passes it) and the validated `StackConfig`; `edit` may change the raw mapping (keys
without the namespace) before validation. `run_component(stack, build)` runs `build(cfg)`
as the body of the stack and returns the `ProgramRun`.
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


@dataclass(frozen=True)
class Stack:
    name: str
    pulumi_config: dict[str, Any]
    cfg: config.StackConfig


def _load(name: str, edit: Callable[[dict[str, Any]], None] | None = None) -> Stack:
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text())["config"]
    raw = {k[len(NAMESPACE):]: copy.deepcopy(v) for k, v in doc.items() if k.startswith(NAMESPACE)}
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

