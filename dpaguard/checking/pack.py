"""Import the policy pack (`policies/` beside Pulumi.yaml), which is not an installed package.

The Pulumi CLI runs the pack from its directory; dpaguard imports it from the project
checkout, the project found from here (or `--root`) first, else the checkout dpaguard was
installed from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dpaguard.engine.packages import import_package
from dpaguard.errors import DpaGuardError, UsageError

_CHECKOUT = Path(__file__).resolve().parent.parent.parent


def pack_root(root: str | Path | None = None) -> Path:
    from dpaguard.project import find_root

    candidates: list[Path] = []
    try:
        candidates.append(find_root(str(root) if root is not None else None))
    except DpaGuardError:
        if root is not None:
            raise
    candidates.append(_CHECKOUT)
    for candidate in candidates:
        if (candidate / "policies" / "pack.py").is_file():
            return candidate
    raise UsageError("no policy pack found: policies/pack.py is neither in the project nor in dpaguard's checkout")


def ensure_importable(root: str | Path | None = None) -> Path:
    """Make `policies` importable (registered by location, dpaguard.engine.packages) and return its project."""
    found = pack_root(root)
    import_package(found, "policies")
    return found


def load_policies(root: str | Path | None = None) -> list[Any]:
    ensure_importable(root)
    from policies.pack import POLICIES

    return POLICIES
