"""Every resource with a location is in Norway; `global` only for types Azure requires it of.

CrossGuard: location-in-norway, explicit locations.

Types that always live in a region must say where (ARM requires it; azure-native would fill
it in from the provider config, which no template shows). Other resources without a
`location` (child and extension resources) have nothing to check: UNKNOWN, not reported.
"""

from __future__ import annotations

from typing import Any

from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from _dpa import decide, get, named

CLAUSES = ("ECG-6", "ECG-10", "OUS-6.1.b")
NORWAY = ("norwayeast", "norwaywest")
# Their data plane is DNS resolution, an alert definition or a notification list, never data.
GLOBAL_TYPES = frozenset({
    "microsoft.network/privatednszones",
    "microsoft.network/privatednszones/virtualnetworklinks",
    "microsoft.network/dnszones",
    "microsoft.insights/actiongroups",
    "microsoft.insights/activitylogalerts",
    "microsoft.insights/metricalerts",
})


REGIONAL_TYPES = frozenset({
    "microsoft.resources/resourcegroups",
    "microsoft.storage/storageaccounts",
    "microsoft.network/virtualnetworks",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/publicipaddresses",
    "microsoft.network/virtualnetworkgateways",
    "microsoft.network/localnetworkgateways",
    "microsoft.network/privateendpoints",
    "microsoft.network/networkinterfaces",
    "microsoft.network/routetables",
    "microsoft.operationalinsights/workspaces",
    "microsoft.insights/scheduledqueryrules",
    "microsoft.insights/datacollectionrules",
    "microsoft.keyvault/vaults",
})


class LocationInNorway(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Resources are located in norwayeast or norwaywest (global only for DNS zones and alerting)",
                       CLAUSES),
            id="CKV_DPA_15",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_resources=("*",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if "location" not in conf:
            regional = str(self.entity_type).lower() in REGIONAL_TYPES
            return CheckResult.FAILED if regional else CheckResult.UNKNOWN
        allowed = NORWAY + (("global",) if str(self.entity_type).lower() in GLOBAL_TYPES else ())
        return decide(lambda: str(get(conf, "location")).replace(" ", "").lower() in allowed)


check = LocationInNorway()
