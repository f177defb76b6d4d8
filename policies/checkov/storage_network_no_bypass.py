"""No trusted-service bypass and no firewall exceptions.

CrossGuard: storage-network-default-deny, bypass and exceptions (CKV_AZURE_35 checks the default action).
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, items, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.b", "ECG-6")


class StorageNetworkNoBypass(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage firewalls let nothing past the private endpoint: networkAcls bypass "
                       "None, no IP, VNet or resource rules", CLAUSES),
            id="CKV_DPA_7",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        acls = props(conf).get("networkAcls")

        def closed() -> bool:
            # Absent bypass is AzureServices: trusted services of any tenant get past the deny.
            bypass = get(acls, "bypass")
            if not isinstance(bypass, str) or bypass.replace(" ", "") != "None":
                return False
            return not any(items(get(acls, key)) for key in ("ipRules", "virtualNetworkRules", "resourceAccessRules"))

        if not isinstance(acls, dict):
            return CheckResult.FAILED
        return decide(closed)


check = StorageNetworkNoBypass()
