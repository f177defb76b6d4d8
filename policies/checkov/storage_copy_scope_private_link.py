"""Server-side copies only within the private network.

CrossGuard: storage-copy-scope-private-link.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.b", "ECG-10")


class StorageCopyScopePrivateLink(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage accounts allow server-side copy only over private links: "
                       "allowedCopyScope PrivateLink", CLAUSES),
            id="CKV_DPA_4",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # Absent means any account anywhere; AAD still means any account of the tenant.
        return decide(lambda: get(props(conf), "allowedCopyScope") == "PrivateLink")


check = StorageCopyScopePrivateLink()
