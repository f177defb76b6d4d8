"""What dpaguard knows about the checkov checks without importing checkov.

- the custom checks of `policies/checkov/*.py`, read with `ast` (id, clauses, resource types);
- `policies/checkov/skips.yaml`: the built-in checks skipped, each with its reason;
- `policies/checkov/builtin_clauses.yaml`: the clauses each built-in check evidences.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dpaguard.errors import InputError

CHECKS_DIR = Path("policies") / "checkov"
CUSTOM_ID = re.compile(r"^CKV_DPA_[1-9][0-9]*$")
_NAME_CLAUSES = re.compile(r"\[((?:[A-Z]+-[0-9A-Za-z.]+)(?:, [A-Z]+-[0-9A-Za-z.]+)*)\]$")


@dataclass(frozen=True)
class CustomCheck:
    id: str
    clauses: tuple[str, ...]
    resource_types: tuple[str, ...]
    file: Path
    summary: str
    """The first line of the module docstring."""
    crossguard: str = ""
    """The CrossGuard policy it mirrors (the docstring's `CrossGuard:` line)."""


def _literal(node: ast.AST | None, names: dict[str, Any] | None = None) -> Any:
    """A literal, with module-level constants (`ACCOUNT = "Microsoft..."`) resolved inside tuples."""
    if node is None:
        return None
    if isinstance(node, ast.Name) and names and node.id in names:
        return names[node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_literal(e, names) for e in node.elts]
        return None if any(i is None for i in items) else tuple(items)
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


@cache
def custom_checks(directory: Path) -> tuple[CustomCheck, ...]:
    found: list[CustomCheck] = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants: dict[str, Any] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                value = _literal(stmt.value)
                if value is not None:
                    constants[stmt.targets[0].id] = value
        clauses = None
        check_id = None
        resource_types = None
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CLAUSES"
                                                    for t in node.targets):
                clauses = _literal(node.value)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
                for kw in node.keywords:
                    if kw.arg == "id":
                        check_id = _literal(kw.value)
                    elif kw.arg == "supported_resources":
                        resource_types = _literal(kw.value, constants)
        if check_id is None:
            continue
        doc = (ast.get_docstring(tree) or "").strip()
        summary = doc.splitlines()[0] if doc else ""
        counterpart = re.search(r"^CrossGuard: (.+?)\.?$", doc, re.MULTILINE)
        found.append(CustomCheck(str(check_id), tuple(clauses or ()), tuple(resource_types or ()), path, summary,
                                 counterpart.group(1) if counterpart else ""))
    return tuple(found)


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of check ids")
    return data


def skips(directory: Path) -> dict[str, str]:
    """Built-in check id -> why it does not apply (skips.yaml)."""
    data = _yaml(directory / "skips.yaml")
    out: dict[str, str] = {}
    for check_id, reason in data.items():
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{directory / 'skips.yaml'}: {check_id} has no written reason")
        out[str(check_id)] = " ".join(reason.split())
    return out


def builtin_clauses(directory: Path) -> dict[str, tuple[str, ...]]:
    data = _yaml(directory / "builtin_clauses.yaml")
    return {str(k): tuple(v or ()) for k, v in data.items()}


def clauses_from_name(name: str) -> tuple[str, ...]:
    """The clause ids a custom check's name ends with (`... [OUS-6.1.a, ECG-7]`)."""
    m = _NAME_CLAUSES.search(name.strip())
    return tuple(m.group(1).split(", ")) if m else ()


@dataclass(frozen=True)
class Catalogue:
    """Everything `dpaguard scan` needs to know about the checks of one project."""

    directory: Path
    custom: dict[str, CustomCheck]
    skips: dict[str, str]
    builtin: dict[str, tuple[str, ...]]

    def clauses(self, check_id: str, name: str = "") -> tuple[str, ...]:
        if check_id in self.custom:
            return self.custom[check_id].clauses
        if check_id in self.builtin:
            return self.builtin[check_id]
        return clauses_from_name(name)

    def origin(self, check_id: str) -> str:
        return "custom" if check_id in self.custom else "built-in"


def catalogue(root: Path) -> Catalogue:
    directory = root / CHECKS_DIR
    if not directory.is_dir():
        raise InputError(f"{directory}: the custom checkov checks are missing")
    return Catalogue(directory, {c.id: c for c in custom_checks(directory)}, skips(directory),
                     builtin_clauses(directory))


def markdown(root: Path) -> str:
    """The custom-check table of docs/checkov.md (between its custom-checks markers)."""
    rows = ["| id | file | clauses | what | CrossGuard counterpart |", "|---|---|---|---|---|"]
    for c in sorted(custom_checks(root / CHECKS_DIR), key=lambda c: int(c.id.rsplit("_", 1)[1])):
        rows.append(f"| {c.id} | {c.file.stem} | {', '.join(c.clauses)} | {c.summary.rstrip('.')} | {c.crossguard} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    # python -m dpaguard.arm.checks: print the table docs/checkov.md carries
    print(markdown(Path(__file__).resolve().parents[2]), end="")
