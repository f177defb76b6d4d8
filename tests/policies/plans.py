"""The shipped stacks' plans, built once per test session and shared by the tests that need them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from dpaguard.engine.plan import build_plan
from dpaguard.errors import DpaGuardError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_STACKS = ("ous-kvalitetslab", "ecg247")


@lru_cache(maxsize=None)
def shipped_plan(stack: str) -> dict[str, Any] | str:
    """The plan document of a shipped stack, or the one-line reason it cannot be planned.

    Shared and cached: copy it (`copy.deepcopy`) before changing anything in it.
    """
    try:
        return build_plan(ROOT, stack).document
    except DpaGuardError as exc:
        return exc.message
