"""Azure itself refuses resources outside Norway: the built-in allowed-locations policies are assigned and enforced."""

import re

from policies.lib import get, get_list, get_str, get_strs, lower, register_of, stack_policy
from policies.stack import Undecided, label_of

CLAUSES = "[ECG-10, ECG-6, OUS-6.1.b]"
POLICY_ASSIGNMENT = "azure-native:authorization:PolicyAssignment"

# Built-in Azure Policy definitions. "Allowed locations" runs in Indexed mode, which never
# evaluates resource groups, so a group's location (where Azure keeps the metadata of what it
# holds: resource names, tags) needs the second one.
ALLOWED_LOCATIONS = "e56962a6-4747-49cd-b67b-bf8b01975c4c"
ALLOWED_RG_LOCATIONS = "e765b5de-1225-4ba3-bd56-1ac6695af988"
WHAT = {ALLOWED_LOCATIONS: "Allowed locations", ALLOWED_RG_LOCATIONS: "Allowed locations for resource groups"}

# An assignment must cover the whole subscription (or a management group above it): one at
# a resource group leaves every other group of the subscription open.
BROAD_SCOPE = re.compile(
    r"^(/subscriptions/[^/]+|/providers/microsoft\.management/managementgroups/[^/]+)/?$", re.IGNORECASE
)


def _definition(props) -> str | None:
    definition = lower(get_str(props, "policyDefinitionId"))
    if definition is None:
        return None
    for guid in (ALLOWED_LOCATIONS, ALLOWED_RG_LOCATIONS):
        if definition == f"/providers/microsoft.authorization/policydefinitions/{guid}":
            return guid
    return None


def _problems(props, allowed: set[str]) -> list[str]:
    problems = []
    if get_str(props, "enforcementMode") not in (None, "Default"):
        problems.append(f"enforcementMode is {get(props, 'enforcementMode')!r} (must be Default)")
    scope = get_str(props, "scope")
    if scope is None or not BROAD_SCOPE.match(scope):
        problems.append(f"scope {scope!r} is not the subscription or a management group")
    if get_list(props, "notScopes"):
        problems.append("notScopes exempts part of the scope")
    listed = get_strs(props, "parameters", "listOfAllowedLocations", "value")
    if not listed:
        problems.append("listOfAllowedLocations is empty or missing")
    outside = sorted({x for x in listed if x.replace(" ", "").lower() not in allowed})
    if outside:
        problems.append(f"listOfAllowedLocations allows {', '.join(outside)} outside Norway")
    return problems


def validate(args, report_violation) -> None:
    register = register_of(args)
    allowed = {x.replace(" ", "").lower() for x in get_strs(register, "locations")}
    undecided = Undecided()
    good: set[str] = set()
    seen: dict[str, list[str]] = {ALLOWED_LOCATIONS: [], ALLOWED_RG_LOCATIONS: []}
    for r in args.resources:
        if r.resource_type != POLICY_ASSIGNMENT:
            continue
        label = label_of(r)
        with undecided.about(label):
            guid = _definition(r.props)
            if guid is None:
                continue
            problems = _problems(r.props, allowed)
            if problems:
                seen[guid].append(label)
                report_violation(
                    f"{CLAUSES} {label} assigns '{WHAT[guid]}' but {'; '.join(problems)}: assign it at the "
                    f"subscription with enforcementMode Default and listOfAllowedLocations {sorted(allowed)}",
                    r.urn,
                )
            else:
                good.add(guid)
    for guid in (ALLOWED_LOCATIONS, ALLOWED_RG_LOCATIONS):
        if guid not in good and not seen[guid]:
            # Missing entirely; a flawed one was reported on its own resource above.
            if not undecided.notes:
                report_violation(
                    f"{CLAUSES} the stack assigns no built-in '{WHAT[guid]}' policy ({guid}), so Azure would "
                    f"accept resources outside Norway: assign it at the subscription with listOfAllowedLocations "
                    f"{sorted(allowed)} (modules/roles.py does)"
                )
    undecided.finish()


POLICY = stack_policy(
    name="location-allowed-locations-assigned",
    clauses=("ECG-10", "ECG-6", "OUS-6.1.b"),
    area="location",
    description="The built-in Azure Policy definitions 'Allowed locations' (e56962a6-...) and 'Allowed locations "
    "for resource groups' (e765b5de-...) are assigned at the subscription, enforced, with only Norwegian regions: "
    "Azure refuses anything created outside Norway, including what is deployed outside this program.",
    remediation="Assign both built-in definitions at the subscription with enforcementMode Default, no notScopes and "
    "listOfAllowedLocations [norwayeast, norwaywest] (modules/roles.py LeastPrivilegeRoles does).",
    validate=validate,
    uses_register=True,
)
