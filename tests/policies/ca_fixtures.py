"""Conditional Access policies as modules/access.py plans them (wire form), for the identity policy tests."""

from __future__ import annotations

import copy
from typing import Any

from policies.conditional_access import AZURE_MANAGEMENT_APP, CONDITIONAL_ACCESS_POLICY
from tests.policies.helpers import resource
from tests.policies.registers import BREAK_GLASS, VPN_AUDIENCE

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

MFA_DEVICE: dict[str, Any] = {
    "displayName": "test: require MFA and a compliant device",
    "state": "enabled",
    "conditions": {
        "clientAppTypes": ["all"],
        "applications": {"includedApplications": [VPN_AUDIENCE, AZURE_MANAGEMENT_APP]},
        "users": {"includedUsers": ["All"], "excludedUsers": list(BREAK_GLASS)},
        "locations": {"includedLocations": ["All"]},
    },
    "grantControls": {"operator": "AND", "builtInControls": ["mfa", "compliantDevice"]},
    "sessionControls": {"signInFrequency": 8, "signInFrequencyPeriod": "hours", "signInFrequencyInterval": "timeBased"},
}

BLOCK_LEGACY: dict[str, Any] = {
    "displayName": "test: block legacy authentication",
    "state": "enabled",
    "conditions": {
        "clientAppTypes": ["exchangeActiveSync", "other"],
        "applications": {"includedApplications": ["All"]},
        "users": {"includedUsers": ["All"], "excludedUsers": list(BREAK_GLASS)},
        "locations": {"includedLocations": ["All"]},
    },
    "grantControls": {"operator": "OR", "builtInControls": ["block"]},
}

DATA_GROUPS_MFA: dict[str, Any] = {
    "displayName": "test: require MFA for data groups",
    "state": "enabled",
    "conditions": {
        "clientAppTypes": ["all"],
        "applications": {"includedApplications": ["All"]},
        "users": {"includedGroups": [UNKNOWN, UNKNOWN], "excludedUsers": list(BREAK_GLASS)},
        "locations": {"includedLocations": ["All"]},
    },
    "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
}


def changed(base: dict[str, Any], *edits: tuple[tuple[str, ...], Any]) -> dict[str, Any]:
    """A deep copy of `base` with each (path, value) set; value None removes the key."""
    out = copy.deepcopy(base)
    for path, value in edits:
        current = out
        for step in path[:-1]:
            current = current.setdefault(step, {})
        if value is None:
            current.pop(path[-1], None)
        else:
            current[path[-1]] = value
    return out


def ca(name: str, inputs: dict[str, Any]):
    return resource(CONDITIONAL_ACCESS_POLICY, name, inputs)
