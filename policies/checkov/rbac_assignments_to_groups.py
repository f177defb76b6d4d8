"""Roles are granted to groups, never directly to a user or service principal.

CrossGuard: rbac-assignments-to-groups, principalType part.

Whether a PIM eligibility names a person of the register is known to the CrossGuard policy only.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, lower, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.2", "OUS-6.1.a", "OUS-7", "ECG-7")


class RbacAssignmentsToGroups(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Role assignments grant their role to a group: principalType Group", CLAUSES),
            id="CKV_DPA_18",
            categories=(CheckCategories.IAM,),
            supported_resources=("Microsoft.Authorization/roleAssignments",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return decide(lambda: lower(get(props(conf), "principalType")) == "group")


check = RbacAssignmentsToGroups()
