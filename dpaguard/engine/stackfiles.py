"""Reading the Pulumi project and stack files the way the CLI does, with one-line errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dpaguard.errors import InputError, UsageError


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    stack_dir: Path
    defaults: dict[str, Any]
    """Full config keys (`project:key`) to the default declared in Pulumi.yaml."""


@dataclass(frozen=True)
class StackFile:
    name: str
    path: Path
    config: dict[str, Any]
    """Full config keys to values: the stack's own values over the project's defaults."""

    def display_path(self, root: Path) -> str:
        try:
            return str(self.path.relative_to(root))
        except ValueError:
            return str(self.path)


class _PulumiYamlLoader(yaml.SafeLoader):
    """YAML as the Pulumi CLI reads it: `2024-03-01` stays the string it is, not a date."""


_PulumiYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    try:
        return yaml.load(text, Loader=_PulumiYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputError(f"{path}{where}: {problem}") from None


def load_project(root: Path) -> Project:
    path = root / "Pulumi.yaml"
    if not path.is_file():
        raise InputError(f"{path}: no Pulumi project here (Pulumi.yaml missing)")
    doc = _read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        raise InputError(f"{path}: not a Pulumi project file (no name)")
    name = doc["name"]
    defaults: dict[str, Any] = {}
    for key, spec in (doc.get("config") or {}).items():
        if isinstance(spec, dict) and "default" in spec:
            full = key if ":" in key else f"{name}:{key}"
            defaults[full] = spec["default"]
    return Project(root=root, name=name, stack_dir=root / str(doc.get("stackConfigDir") or "."), defaults=defaults)


def list_stacks(project: Project) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project.stack_dir.glob("Pulumi.*.yaml"))


def load_stack(project: Project, stack: str) -> StackFile:
    path = project.stack_dir / f"Pulumi.{stack}.yaml"
    if not stack or "/" in stack or stack.startswith(".") or not path.is_file():
        known = ", ".join(list_stacks(project)) or "none"
        raise UsageError(f"unknown stack {stack!r}: no {path.relative_to(project.root)} (known stacks: {known})")
    doc = _read_yaml(path)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise InputError(f"{path}: a stack file must be a mapping with a `config:` section")
    values = doc.get("config") or {}
    if not isinstance(values, dict):
        raise InputError(f"{path}: `config:` must be a mapping")
    merged = dict(project.defaults)
    for key, value in values.items():
        full = key if ":" in str(key) else f"{project.name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            # Offline there is no key to decrypt with; the program sees the same "[secret]"
            # marker the preview JSON uses, and config validation names the key if it matters.
            value = "[secret]"
        merged[full] = value
    return StackFile(name=stack, path=path, config=merged)


def project_config(stack_file: StackFile, project: Project) -> dict[str, Any]:
    """The stack's values for this project's own namespace, keys without the `project:` prefix."""
    prefix = f"{project.name}:"
    return {k[len(prefix) :]: v for k, v in stack_file.config.items() if k.startswith(prefix)}
