"""Custom roles grant only what their task needs: no wildcards, escalation or key listing; narrow scopes.

CrossGuard: rbac-custom-roles-least-privilege.

checkov's CKV_AZURE_39 fails only a `*` action with a subscription in the assignable scopes.
This mirrors the CrossGuard policy rbac-custom-roles-least-privilege: the role's kind is the
last word of its name (`dpa-guard <prefix> uploader|reader|operator|deployer`, modules/roles.py);
the uploader only creates, the reader only reads, every other role has no data actions, no role
has super-user data actions, and only the deployer has management actions other than reads.
"""

from __future__ import annotations

import re
from typing import Any

from _dpa import FACTS, decide, get, items, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.2", "OUS-6.1.a", "ECG-7")
SUPER_USER = ("runassuperuser", "modifypermissions", "manageownership")
KEY_ACTIONS = ("/listkeys/action", "/regeneratekey/action", "/listaccountsas/action", "/listservicesas/action")
# Assignable scopes that are a resource group or narrower.
GROUP_OR_NARROWER = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+(/.*)?$", re.IGNORECASE)
SUBSCRIPTION_OR_NARROWER = re.compile(r"^/subscriptions/[^/]+(/resourcegroups/[^/]+(/.*)?)?$", re.IGNORECASE)


def is_read(action: str) -> bool:
    value = action.lower()
    if "/action/" in value or any(s in value for s in SUPER_USER):
        return False  # an operation named inside the path, e.g. `blobs/runAsSuperUser/action/read`
    return value.endswith("/read") or value.endswith("/filter/action")


def is_management_read(action: str) -> bool:
    value = action.lower()
    return value.endswith("/read") and "/action/" not in value


def data_actions_fit(kind: str, data_actions: list[str]) -> bool:
    if kind == "uploader":  # create-only: blobs/add/action, never blobs/write (overwrite)
        return not any(is_read(a) or "delete" in a.lower() or a.lower().endswith("/blobs/write")
                       or any(s in a.lower() for s in SUPER_USER) for a in data_actions)
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
    name = get(p, "roleName")
    kind = name.split()[-1].lower() if isinstance(name, str) and name.split() else ""
    # The deployer alone writes role assignments (facts.DEPLOYER_AUTHZ_WRITES), at the subscription; role
    # definitions, eligibility requests and policy assignments are owner-managed (modules/deploy_rights.py).
    writes = tuple(FACTS.DEPLOYER_AUTHZ_WRITES) if kind == "deployer" else ()
    if any(a.startswith("microsoft.authorization/") and not a.endswith("/read") and not a.startswith(writes)
           for a in lowered):
        return False
    if any(a.endswith(KEY_ACTIONS) for a in lowered):
        return False
    # Only the deployer changes resources; every other role reads management metadata only.
    if kind != "deployer" and not all(is_management_read(a) for a in actions):
        return False
    if any(s in a.lower() for a in data_actions for s in SUPER_USER):
        return False
    if not data_actions_fit(kind, data_actions):
        return False
    scopes = items(get(p, "assignableScopes"))
    narrow = SUBSCRIPTION_OR_NARROWER if kind == "deployer" else GROUP_OR_NARROWER
    return all(isinstance(s, str) and narrow.match(s.rstrip("/")) for s in scopes)


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
