"""Stores say what they hold.

CrossGuard: governance-data-classification, accounts and containers.

Storage accounts carry `dpaguard-data-class` matching their `dpaguard-agreement` tag
(therapy-recordings for OUS, ecg-patient-data for ECG); blob containers carry
`dpaguard_data_class` metadata of their agreement, and ECG containers say whether patients are
registered pseudonymised (`dpaguard_pseudonymised` true/false, ECG-3).
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("ECG-3", "OUS-2")
ACCOUNT = "Microsoft.Storage/storageAccounts"
DATA_CLASS = {"OUS": "therapy-recordings", "ECG": "ecg-patient-data"}
CONTAINER_CLASSES = {"OUS": ("recordings", "scores"), "ECG": ("ecg",)}


def account_classified(conf: dict[str, Any]) -> bool:
    value = get(conf, "tags", "dpaguard-data-class")
    agreement = get(conf, "tags", "dpaguard-agreement")
    if agreement in DATA_CLASS:
        return value == DATA_CLASS[agreement]
    return value in DATA_CLASS.values()


def container_classified(p: dict[str, Any]) -> bool:
    agreement = get(p, "metadata", "dpaguard_agreement")
    data_class = get(p, "metadata", "dpaguard_data_class")
    known = CONTAINER_CLASSES.get(agreement, tuple(c for cs in CONTAINER_CLASSES.values() for c in cs))
    if data_class not in known:
        return False
    if agreement == "ECG" or data_class == "ecg":
        return get(p, "metadata", "dpaguard_pseudonymised") in ("true", "false")
    return True


class GovernanceDataClassification(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Storage accounts are tagged with the data class of their agreement; containers record their "
                       "data class (and ECG pseudonymisation)", CLAUSES),
            id="CKV_DPA_22",
            categories=(CheckCategories.CONVENTION,),
            supported_resources=(ACCOUNT, "Microsoft.Storage/storageAccounts/blobServices/containers"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == ACCOUNT:
            return decide(lambda: account_classified(conf))
        return decide(lambda: container_classified(props(conf)))


check = GovernanceDataClassification()
