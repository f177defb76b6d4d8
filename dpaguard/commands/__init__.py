"""One module per `dpaguard` command; each exposes `register(sub: Subparsers) -> None`."""

from __future__ import annotations

import argparse
from typing import TypeAlias

# argparse's own name for what `add_subparsers()` returns; public in typeshed, private in argparse.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
