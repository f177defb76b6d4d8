"""Every resource with a location is in Norway; `global` only for types Azure requires it of.

CrossGuard: location-in-norway, explicit locations.

Types that always live in a region must say where (ARM requires it; azure-native would fill
it in from the provider config, which no template shows). Other resources without a
`location` (child and extension resources) have nothing to check: UNKNOWN, not reported.
"""

from __future__ import annotations

from typing import Any

from _dpa import FACTS, decide, get, named
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("ECG-6", "ECG-10", "OUS-6.1.b")
NORWAY = tuple(FACTS.NORWAY_REGIONS)
# Their data plane is DNS resolution, an alert definition or a notification list, never data.
GLOBAL_TYPES = FACTS.GLOBAL_ARM_TYPES
# A regional type without a location is refused (azure-native would fill it in unseen).
REGIONAL_TYPES = FACTS.REGIONAL_ARM_TYPES


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
