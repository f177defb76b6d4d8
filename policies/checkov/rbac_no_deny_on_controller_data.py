"""No deny assignment takes blob data away from anyone.

CrossGuard: rbac-controller-access-kept, deny part.

OUS-11: the processor never blocks the controller's access to what it submitted. A deny
assignment whose data actions cover blobs (or everything) can do exactly that, whoever it
names; whether the controller's own groups keep their assignments is CrossGuard's to see.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, items, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-11", "ECG-6")
BLOB_DATA = "microsoft.storage/storageaccounts/blobservices/containers/blobs"


def denies_blob_data(p: dict[str, Any]) -> bool:
    for permission in items(get(p, "permissions")):
        for action in items(get(permission, "dataActions")):
            value = str(action).lower().strip()
            if value.endswith("*"):
                prefix = value[:-1]
                if BLOB_DATA.startswith(prefix) or prefix.startswith(BLOB_DATA):
                    return True
            elif value.startswith(BLOB_DATA):
                return True
    return False


class RbacNoDenyOnControllerData(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("No deny assignment covers blob data actions", CLAUSES),
            id="CKV_DPA_23",
            categories=(CheckCategories.IAM,),
            supported_resources=("Microsoft.Authorization/denyAssignments",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return decide(lambda: not denies_blob_data(props(conf)))


check = RbacNoDenyOnControllerData()
