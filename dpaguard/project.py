"""Finding the Pulumi project dpaguard works on."""

from __future__ import annotations

from pathlib import Path

from dpaguard.errors import UsageError


def find_root(explicit: str | None = None) -> Path:
    """`--root` if given, else the nearest directory upwards from here holding Pulumi.yaml,
    else the checkout dpaguard itself was installed from (editable install)."""
    if explicit:
        root = Path(explicit)
        if not (root / "Pulumi.yaml").is_file():
            raise UsageError(f"--root {explicit}: no Pulumi.yaml there")
        return root.resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "Pulumi.yaml").is_file():
        return checkout
    raise UsageError("no Pulumi project found: run inside the dpa-guard checkout or pass --root")
