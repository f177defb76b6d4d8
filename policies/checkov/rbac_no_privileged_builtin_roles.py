"""No assignment or PIM eligibility of a built-in role too broad for any task here.

CrossGuard: rbac-no-privileged-builtin-roles.
"""

from __future__ import annotations

from typing import Any

from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from _dpa import decide, get, named, props

CLAUSES = ("OUS-6.2", "OUS-6.1.a", "ECG-7")
PRIVILEGED_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
    "c12c1c16-33a1-487b-954d-41c89c60f349": "Reader and Data Access",
}


def not_privileged(role_id: Any) -> bool:
    if not isinstance(role_id, str):
        return True
    return role_id.rstrip("/").rsplit("/", 1)[-1].lower() not in PRIVILEGED_ROLES


class RbacNoPrivilegedBuiltinRoles(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("No role assignment or eligibility grants Owner, Contributor, User Access/RBAC Administrator, "
                       "Storage Blob Data Owner/Contributor, Storage Account Contributor or Reader and Data Access",
                       CLAUSES),
            id="CKV_DPA_14",
            categories=(CheckCategories.IAM,),
            supported_resources=("Microsoft.Authorization/roleAssignments",
                                 "Microsoft.Authorization/roleEligibilityScheduleRequests"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return decide(lambda: not_privileged(get(props(conf), "roleDefinitionId")))


check = RbacNoPrivilegedBuiltinRoles()
