"""Custom roles grant only what their task needs: no wildcards, escalation or key listing; narrow scopes.

CrossGuard: rbac-custom-roles-least-privilege.

checkov's CKV_AZURE_39 fails only a `*` action with a subscription in the assignable scopes.
This mirrors the CrossGuard policy rbac-custom-roles-least-privilege: the role's kind is the
last word of its name (`dpa-guard <prefix> uploader|reader|operator`, modules/roles.py); the
uploader only writes, the reader only reads, every other role has no data actions.
"""

from __future__ import annotations

import re
from typing import Any

from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from _dpa import decide, get, items, named, props

CLAUSES = ("OUS-6.2", "OUS-6.1.a", "ECG-7")
SUPER_USER = ("runassuperuser", "modifypermissions", "manageownership")
KEY_ACTIONS = ("/listkeys/action", "/regeneratekey/action", "/listaccountsas/action", "/listservicesas/action")
# Assignable scopes that are a resource group or narrower.
GROUP_OR_NARROWER = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+(/.*)?$", re.IGNORECASE)


def is_read(action: str) -> bool:
    value = action.lower()
    return value.endswith("/read") or value.endswith("/filter/action")


def data_actions_fit(kind: str, data_actions: list[str]) -> bool:
    if kind == "uploader":
        return not any(is_read(a) or "delete" in a.lower() or any(s in a.lower() for s in SUPER_USER)
                       for a in data_actions)
    if kind == "reader":
        return all(is_read(a) for a in data_actions)
    return not data_actions


def least_privilege(p: dict[str, Any]) -> bool:
    actions: list[str] = []
    data_actions: list[str] = []
    for permission in items(get(p, "permissions")):
        actions += [a for a in items(get(permission, "actions")) if isinstance(a, str)]
        data_actions += [a for a in items(get(permission, "dataActions")) if isinstance(a, str)]
    if any("*" in a for a in actions + data_actions):
        return False
    lowered = [a.lower() for a in actions]
    if any(a.startswith("microsoft.authorization/") and not a.endswith("/read") for a in lowered):
        return False
    if any(a.endswith(KEY_ACTIONS) for a in lowered):
        return False
    name = get(p, "roleName")
    kind = name.split()[-1].lower() if isinstance(name, str) and name.split() else ""
    if not data_actions_fit(kind, data_actions):
        return False
    scopes = items(get(p, "assignableScopes"))
    return all(isinstance(s, str) and GROUP_OR_NARROWER.match(s.rstrip("/")) for s in scopes)


class RbacCustomRolesLeastPrivilege(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Custom roles use no wildcards, no Microsoft.Authorization writes, no key/SAS listing, data "
                       "actions fitting the role, and are assignable no wider than a resource group", CLAUSES),
            id="CKV_DPA_13",
            categories=(CheckCategories.IAM,),
            supported_resources=("Microsoft.Authorization/roleDefinitions",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return decide(lambda: least_privilege(props(conf)))


check = RbacCustomRolesLeastPrivilege()
