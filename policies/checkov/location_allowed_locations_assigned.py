"""An allowed-locations policy assignment enforces Norway only, over the whole subscription.

CrossGuard: location-allowed-locations-assigned, per assignment.

For the two built-in "Allowed locations" definitions: enforcementMode Default, no notScopes,
and listOfAllowedLocations naming only norwayeast/norwaywest. That both are assigned at all
(absence) and the register's own list are known to the CrossGuard policy only.
"""

from __future__ import annotations

from typing import Any

from _dpa import FACTS, decide, get, items, lower, named, present, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("ECG-10", "ECG-6", "OUS-6.1.b")
NORWAY = set(FACTS.NORWAY_REGIONS)
DEFINITIONS = {f"/providers/microsoft.authorization/policydefinitions/{guid}" for guid in FACTS.ALLOWED_LOCATIONS_DEFINITIONS}


def enforces_norway(p: dict[str, Any]) -> bool:
    if get(p, "enforcementMode") not in (None, "Default"):
        return False
    if present(get(p, "notScopes")):
        return False
    listed = items(get(p, "parameters", "listOfAllowedLocations", "value"))
    return bool(listed) and all(isinstance(x, str) and x.replace(" ", "").lower() in NORWAY for x in listed)


class LocationAllowedLocationsAssigned(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Allowed-locations policy assignments are enforced, exempt nothing and allow only "
                       "norwayeast/norwaywest", CLAUSES),
            id="CKV_DPA_20",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_resources=("Microsoft.Authorization/policyAssignments",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        p = props(conf)
        if lower(get(p, "policyDefinitionId")) not in DEFINITIONS:
            return CheckResult.UNKNOWN  # another policy: nothing to say here
        return decide(lambda: enforces_norway(p))


check = LocationAllowedLocationsAssigned()
