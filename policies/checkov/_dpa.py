"""What the dpa-guard checks share. Loaded by checkov like a check file; it registers nothing.

Values rendered by `dpaguard arm` as template parameters (unknown during preview, secrets)
reach the checks as ARM expressions (`[parameters('x')]`): a check that needs such a value
returns UNKNOWN, which checkov leaves out of its report, and `dpaguard scan` shows the
CrossGuard verdict (a can't-decide note) beside it.
"""

from __future__ import annotations

import importlib.util
import ipaddress
from pathlib import Path
from types import ModuleType
from typing import Any

from checkov.common.models.enums import CheckResult

UNKNOWN = CheckResult.UNKNOWN
PASSED = CheckResult.PASSED
FAILED = CheckResult.FAILED


def _load_facts() -> ModuleType:
    """policies/facts.py, the facts both engines read (it imports nothing). Loaded by path:
    checkov puts only this directory on sys.path, not the pack."""
    path = Path(__file__).resolve().parent.parent / "facts.py"
    spec = importlib.util.spec_from_file_location("dpaguard_policy_facts", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FACTS = _load_facts()

PRIVATE = tuple(ipaddress.ip_network(n) for n in FACTS.PRIVATE_RANGES)


def named(text: str, clauses: tuple[str, ...]) -> str:
    """A check name ending in its clause ids, as every dpa-guard check's does."""
    return f"{text} [{', '.join(clauses)}]"


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("[") and not value.startswith("[[") and value.endswith("]")


class Undecidable(Exception):
    """A value the check needs is an ARM expression (unknown in the plan)."""


def get(node: Any, *path: Any, default: Any = None) -> Any:
    """The value at `path`, `default` where a step is missing or of the wrong shape; raises
    Undecidable where a step is an ARM expression."""
    current = node
    for step in path:
        if is_expression(current):
            raise Undecidable(step)
        if isinstance(step, str):
            if not isinstance(current, dict) or step not in current:
                return default
            current = current[step]
        else:
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return default
            current = current[step]
    if is_expression(current):
        raise Undecidable(path)
    return current


def props(conf: dict[str, Any]) -> dict[str, Any]:
    value = conf.get("properties")
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """List entries (checkov's parser adds line markers to dicts, never to lists)."""
    return list(value) if isinstance(value, list) else []


def lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


def is_private(prefix: str) -> bool:
    try:
        net = ipaddress.ip_network(prefix.strip(), strict=False)
    except ValueError:
        return False
    return any(net.version == p.version and net.subnet_of(p) for p in PRIVATE)


def decide(check) -> CheckResult:
    """Run `check()` (returns True for pass), turning an undecidable value into UNKNOWN."""
    try:
        return PASSED if check() else FAILED
    except Undecidable:
        return UNKNOWN


LINE_MARKERS = ("__startline__", "__endline__")


def present(value: Any) -> bool:
    """Set to something: a non-empty list or object (checkov's line markers aside), or a non-empty scalar."""
    if isinstance(value, dict):
        return any(k not in LINE_MARKERS for k in value)
    if isinstance(value, list):
        return bool(value)
    return value not in (None, "", False)
