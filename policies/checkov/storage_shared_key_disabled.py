"""Storage accounts accept Entra ID only: no shared keys or SAS.

CrossGuard: storage-shared-key-disabled.
"""

from __future__ import annotations

from typing import Any

from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from _dpa import decide, get, named, props

CLAUSES = ("OUS-6.1.a", "ECG-7", "ECG-6")


class StorageSharedKeyDisabled(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage accounts allow Entra ID only: allowSharedKeyAccess false and "
                       "defaultToOAuthAuthentication true", CLAUSES),
            id="CKV_DPA_1",
            categories=(CheckCategories.IAM,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        p = props(conf)
        # Absent means Azure's default, true: account keys and key-signed SAS keep working.
        return decide(lambda: get(p, "allowSharedKeyAccess") is False
                      and get(p, "defaultToOAuthAuthentication") is True)


check = StorageSharedKeyDisabled()
