"""Infrastructure (second-layer) encryption at rest.

CrossGuard: storage-infrastructure-encryption.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("ECG-7S",)


class StorageInfrastructureEncryption(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage accounts are double-encrypted at rest: "
                       "encryption.requireInfrastructureEncryption true", CLAUSES),
            id="CKV_DPA_5",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # Only settable at creation: absent means single encryption for the account's life.
        return decide(lambda: get(props(conf), "encryption", "requireInfrastructureEncryption") is True)


check = StorageInfrastructureEncryption()
