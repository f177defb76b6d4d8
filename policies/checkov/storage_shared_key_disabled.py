"""Storage accounts accept Entra ID only: no shared keys or SAS, no local users, SFTP or NFS 3.0.

CrossGuard: storage-shared-key-disabled.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.a", "ECG-7", "ECG-6")


class StorageSharedKeyDisabled(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage accounts allow Entra ID only: allowSharedKeyAccess false, "
                       "defaultToOAuthAuthentication true, no local users, SFTP or NFS 3.0", CLAUSES),
            id="CKV_DPA_1",
            categories=(CheckCategories.IAM,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        p = props(conf)
        # Absent means Azure's default, true: account keys and key-signed SAS keep working.
        # Local users (and SFTP, which logs them in) and NFS 3.0 reach blobs outside Entra ID; the schema
        # documents no default for isLocalUserEnabled, so only an explicit true fails (as in CrossGuard).
        return decide(lambda: get(p, "allowSharedKeyAccess") is False
                      and get(p, "defaultToOAuthAuthentication") is True
                      and get(p, "isLocalUserEnabled") is not True
                      and get(p, "isSftpEnabled") is not True
                      and get(p, "isNfsV3Enabled") is not True)  # the SDK's enableNfsV3


check = StorageSharedKeyDisabled()
