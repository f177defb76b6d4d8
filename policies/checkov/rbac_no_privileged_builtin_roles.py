"""No assignment or PIM eligibility of a built-in role too broad for any task here.

CrossGuard: rbac-no-privileged-builtin-roles.
"""

from __future__ import annotations

from typing import Any

from _dpa import FACTS, decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.2", "OUS-6.1.a", "ECG-7")
PRIVILEGED_ROLES = FACTS.PRIVILEGED_ROLES


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
