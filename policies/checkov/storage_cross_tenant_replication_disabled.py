"""No object replication into another tenant.

CrossGuard: storage-cross-tenant-replication-disabled.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("ECG-10", "OUS-6.1.b")


class StorageCrossTenantReplicationDisabled(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage accounts forbid object replication to other Entra ID tenants: "
                       "allowCrossTenantReplication false", CLAUSES),
            id="CKV_DPA_3",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # Absent is false only for accounts created after Azure changed the default.
        return decide(lambda: get(props(conf), "allowCrossTenantReplication") is False)


check = StorageCrossTenantReplicationDisabled()
