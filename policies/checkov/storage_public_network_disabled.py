"""Public network access disabled, absent included.

CrossGuard: storage-public-network-disabled.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.b", "ECG-6")


class StoragePublicNetworkDisabled(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage accounts refuse public networks: publicNetworkAccess Disabled (absent "
                       "is Enabled)", CLAUSES),
            id="CKV_DPA_6",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # CKV_AZURE_59 fails only an explicit "Enabled"; absent is Azure's default, Enabled, and
        # SecuredByPerimeter defers to a perimeter this project does not define.
        return decide(lambda: get(props(conf), "publicNetworkAccess") == "Disabled")


check = StoragePublicNetworkDisabled()
