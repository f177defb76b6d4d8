"""The ARM API version the installed azure-native SDK uses for each catalogued type token.

The Python SDK states it in each resource class's docstring ("Uses Azure REST API version
2024-01-01."); a few resources the provider implements itself (PIM eligibility schedules)
state it only on their getter function. The getter's parameters are the URL path
parameters (plus a few query parameters such as `expand`): `tests/arm/test_catalog.py`
checks the catalogue's name parameters against them.

The table is generated, committed, and compared with the SDK by a test, rather than read at
render time: a template (and its golden tests) must not change silently when the SDK pin
moves, because a new API version can change property shapes and deserves a reviewed diff;
rendering then needs no scan of the 350 MB SDK either.

    .venv/bin/python -m dpaguard.arm.sdk           # print the table the SDK implies
    .venv/bin/python -m dpaguard.arm.sdk --write   # rewrite dpaguard/arm/api_versions.json
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import re
import sys
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("api_versions.json")
_RESOURCE_CLASS = re.compile(r'@pulumi\.type_token\("(azure-native:[^"]+)"\)\s*\nclass \w+\(pulumi\.CustomResource\)')
_API_VERSION = re.compile(r"Uses Azure REST API version (\d{4}-\d{2}-\d{2}(?:-preview)?)\.")


class SdkError(Exception):
    pass


@lru_cache(maxsize=1)
def sdk_root() -> Path:
    spec = importlib.util.find_spec("pulumi_azure_native")
    if spec is None or not spec.submodule_search_locations:
        raise SdkError("pulumi_azure_native is not installed in this environment")
    return Path(next(iter(spec.submodule_search_locations)))


def sdk_version() -> str:
    meta = json.loads((sdk_root() / "pulumi-plugin.json").read_text())
    return str(meta.get("version", "?"))


@cache
def _module_files(module: str) -> dict[str, Path]:
    """type token -> the file declaring it, for one SDK module (no import: the text is enough)."""
    found: dict[str, Path] = {}
    for path in sorted((sdk_root() / module).glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for m in _RESOURCE_CLASS.finditer(text):
            found[m.group(1)] = path
    return found


def _getter(path: Path) -> ast.FunctionDef | None:
    getter = path.with_name(f"get_{path.name}")
    if not getter.is_file():
        return None
    tree = ast.parse(getter.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == getter.stem:
            return node
    return None


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def describe(token: str) -> dict[str, Any]:
    """{"apiVersion": ..., "getterParameters": [...]} for one azure-native type token."""
    try:
        _, module, _name = token.split(":")
    except ValueError:
        raise SdkError(f"{token}: not an azure-native type token") from None
    path = _module_files(module).get(token)
    if path is None:
        raise SdkError(f"{token}: no such resource in pulumi-azure-native {sdk_version()}")
    text = path.read_text(encoding="utf-8")
    cls = text.index(f'@pulumi.type_token("{token}")')
    version = _API_VERSION.search(text, cls)
    getter = _getter(path)
    if version is None and getter is not None:
        version = _API_VERSION.search(ast.get_docstring(getter) or "")
    if version is None:
        raise SdkError(f"{token}: {path.name} states no 'Uses Azure REST API version'")
    params = [] if getter is None else [_camel(a.arg) for a in getter.args.args if a.arg != "opts"]
    return {"apiVersion": version.group(1), "getterParameters": params}


def generate(tokens: list[str]) -> dict[str, Any]:
    return {
        "generatedBy": "python -m dpaguard.arm.sdk --write",
        "sdk": f"pulumi-azure-native {sdk_version()}",
        "types": {t: describe(t) for t in sorted(tokens)},
    }


@lru_cache(maxsize=1)
def committed() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(TABLE.read_text(encoding="utf-8"))
    return table


def api_version(token: str) -> str | None:
    entry = committed()["types"].get(token)
    return entry["apiVersion"] if entry else None


def main(argv: list[str] | None = None) -> int:
    from dpaguard.arm.catalog import DEPLOYMENT_TOKEN, TYPES

    parser = argparse.ArgumentParser(prog="python -m dpaguard.arm.sdk", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"rewrite {TABLE.name}")
    args = parser.parse_args(argv)
    try:
        table = generate([*TYPES, DEPLOYMENT_TOKEN])
    except SdkError as exc:
        print(f"dpaguard.arm.sdk: error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(table, indent=1, sort_keys=False) + "\n"
    if args.write:
        TABLE.write_text(text, encoding="utf-8")
        print(f"wrote {TABLE} ({len(table['types'])} types, {table['sdk']})")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
