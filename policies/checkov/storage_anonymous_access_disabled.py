"""No anonymous reads from the account.

CrossGuard: storage-anonymous-access-disabled, account part.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.b", "OUS-6.1.a", "ECG-7")


class StorageAnonymousAccessDisabled(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage accounts forbid anonymous blob access: allowBlobPublicAccess false", CLAUSES),
            id="CKV_DPA_2",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # Absent is the current Azure default (false), but an account created under an older default
        # keeps what it had: the template must say false. Containers: CKV_AZURE_34.
        return decide(lambda: get(props(conf), "allowBlobPublicAccess") is False)


check = StorageAnonymousAccessDisabled()
