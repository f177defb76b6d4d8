"""A storage account's replication fits the agreement its tag names.

CrossGuard: retention-ecg-zone-redundant, retention-ous-no-geo-copies, SKU part.

OUS recordings exist once (OUS-5): no geo-replicated SKU (GRS, GZRS, RA-*). ECG patient data
survives the loss of a zone (ECG-7S): ZRS, GZRS or RA-GZRS. The account's own
`dpaguard-agreement` tag says which; the CrossGuard policies also read the register. checkov's
CKV_AZURE_206 (geo-replication everywhere) fits neither and is skipped.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("ECG-7S", "OUS-5")
TAG_AGREEMENT = "dpaguard-agreement"
GEO = ("GRS", "GZRS")
ZONE = ("ZRS", "GZRS")


def _replication(sku: Any) -> str:
    return sku.rsplit("_", 1)[-1].upper().removeprefix("RA") if isinstance(sku, str) else ""


def fits(conf: dict[str, Any]) -> bool | None:
    agreement = get(conf, "tags", TAG_AGREEMENT)
    replication = _replication(get(conf, "sku", "name"))
    if agreement == "OUS":
        return replication not in GEO
    if agreement == "ECG":
        return replication in ZONE
    return None


class StorageRedundancyFitsAgreement(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage replication fits the agreement tagged on the account: OUS no geo copy, ECG "
                       "zone-redundant", CLAUSES),
            id="CKV_DPA_21",
            categories=(CheckCategories.BACKUP_AND_RECOVERY,),
            supported_resources=("Microsoft.Storage/storageAccounts",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        result = decide(lambda: fits(conf) is not False)
        if result == CheckResult.PASSED and fits(conf) is None:
            return CheckResult.UNKNOWN  # no (single) agreement tag: CKV_DPA_22 reports the missing tag
        return result


check = StorageRedundancyFitsAgreement()
