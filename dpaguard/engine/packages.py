"""Import the project's own top-level packages (`modules`, `policies`) without editing sys.path.

The Pulumi CLI runs the program and the pack from their directories, so `modules` and `policies`
import as top-level packages there. dpaguard registers each package by its location instead
(importlib: a spec from the package's `__init__.py`, its directory as the submodule search path),
so nothing else of the project directory becomes importable by accident.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from dpaguard.errors import UsageError


def import_package(root: Path, name: str) -> ModuleType:
    """The package `name` from `root/name/`, imported once; an error if another copy is already imported."""
    directory = (root / name).resolve()
    init = directory / "__init__.py"
    existing = sys.modules.get(name)
    if existing is not None:
        locations = [Path(p).resolve() for p in getattr(existing, "__path__", [])]
        if directory in locations:
            return existing
        raise UsageError(f"{name} is already imported from {', '.join(map(str, locations)) or '?'}, "
                         f"not from {directory}: run dpaguard once per project")
    if not init.is_file():
        raise UsageError(f"{init}: missing; {name}/ must be a package beside Pulumi.yaml")
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(directory)])
    if spec is None or spec.loader is None:
        raise UsageError(f"{init}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
