"""The policy list of the pack, explicit: add a policy here and nowhere else.

`policies/__main__.py` serves this list to the Pulumi CLI; `dpaguard check` evaluates it
offline; `dpaguard clauses` documents it.
"""

from __future__ import annotations

from typing import Any

PACK_NAME = "dpa-guard"
PACK_VERSION = "0.1.0"

POLICIES: list[Any] = [
]


def policy_config(register: dict[str, Any]) -> dict[str, Any]:
    """The `--policy-pack-config` document: the register for every policy that reads it."""
    return {
        p.name: {"register": register}
        for p in POLICIES
        if p.config_schema is not None and "register" in p.config_schema.properties
    }
