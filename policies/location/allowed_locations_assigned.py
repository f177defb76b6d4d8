"""Azure itself refuses resources outside Norway: the built-in allowed-locations policies are assigned and enforced.

A stack policy (it asks whether the stack holds an assignment at all), so it reads OUTPUTS:
`policyDefinitionId`, `scope`, `enforcementMode` and `parameters` are response properties
that keep the program's values in preview; `notScopes`, which the program does not set, is
unknown there, so it is judged on the inputs by location-allowed-locations-enforced, which
also blocks a flawed assignment before it is created. The regions are the pack's own
(policies/facts.NORWAY_REGIONS), not the register's.

The assignments guard the subscription they are assigned at. An explicit azure-native provider
of the stack that names another `subscriptionId` (a provider's outputs are its inputs) sends
what it creates where no assignment of the stack refuses other regions and the stack's activity
log export does not look: refused. (A default provider's subscription comes from the
environment, invisible to every plan: docs/policies.md, residual risks.)
"""

import re

from policies.facts import ALLOWED_LOCATIONS_DEFINITIONS, NORWAY_REGIONS
from policies.lib import get, get_list, get_or_absent, get_str, get_str_or_absent, get_strs, lower, stack_policy
from policies.stack import Undecided, label_of

POLICY_ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
AZURE_NATIVE_PROVIDER = "pulumi:providers:azure-native"
SUBSCRIPTION_SCOPE = re.compile(r"^/subscriptions/(?P<sub>[^/]+)/?$", re.IGNORECASE)

# Built-in Azure Policy definitions. "Allowed locations" runs in Indexed mode, which never
# evaluates resource groups, so a group's location (where Azure keeps the metadata of what it
# holds: resource names, tags) needs the second one.
ALLOWED_LOCATIONS = "e56962a6-4747-49cd-b67b-bf8b01975c4c"
ALLOWED_RG_LOCATIONS = "e765b5de-1225-4ba3-bd56-1ac6695af988"
WHAT = ALLOWED_LOCATIONS_DEFINITIONS
ALLOWED = frozenset(NORWAY_REGIONS)

# An assignment must cover the whole subscription (or a management group above it): one at
# a resource group leaves every other group of the subscription open.
BROAD_SCOPE = re.compile(
    r"^(/subscriptions/[^/]+|/providers/microsoft\.management/managementgroups/[^/]+)/?$", re.IGNORECASE
)


def definition_of(props) -> str | None:
    definition = lower(get_str(props, "policyDefinitionId"))
    if definition is None:
        return None
    for guid in (ALLOWED_LOCATIONS, ALLOWED_RG_LOCATIONS):
        if definition == f"/providers/microsoft.authorization/policydefinitions/{guid}":
            return guid
    return None


def problems_of(props, *, inputs: bool) -> list[str]:
    """Why an allowed-locations assignment does not keep the subscription in Norway. `inputs`: read
    the inputs (resource policy), including notScopes; else the outputs (stack policy), where what
    the program did not set is unknown in preview and reads as absent: enforcementMode then means
    Azure's Default (location-allowed-locations-enforced checks the inputs), scope and locations
    as missing (stricter)."""
    read = get if inputs else get_or_absent
    problems = []
    mode = read(props, "enforcementMode")
    if mode not in (None, "Default"):
        problems.append(f"enforcementMode is {mode!r} (must be Default)")
    scope = read(props, "scope")
    scope = scope if isinstance(scope, str) else None
    if scope is None or not BROAD_SCOPE.match(scope):
        problems.append(f"scope {scope!r} is not the subscription or a management group")
    if inputs and get_list(props, "notScopes"):
        problems.append("notScopes exempts part of the scope")
    listed = get_strs(props, "parameters", "listOfAllowedLocations", "value") \
        if read(props, "parameters") is not None else []
    if not listed:
        problems.append("listOfAllowedLocations is empty or missing")
    outside = sorted({x for x in listed if x.replace(" ", "").lower() not in ALLOWED})
    if outside:
        problems.append(f"listOfAllowedLocations allows {', '.join(outside)} outside Norway")
    return problems


def validate(args, report_violation) -> None:
    allowed = sorted(ALLOWED)
    undecided = Undecided()
    good: set[str] = set()
    guarded: set[str] = set()
    seen: dict[str, list[str]] = {ALLOWED_LOCATIONS: [], ALLOWED_RG_LOCATIONS: []}
    for r in args.resources:
        if r.resource_type != POLICY_ASSIGNMENT:
            continue
        label = label_of(r)
        with undecided.about(label):
            guid = definition_of(r.props)
            if guid is None:
                continue
            problems = problems_of(r.props, inputs=False)
            if problems:
                seen[guid].append(label)
                report_violation(
                    f"{label} assigns '{WHAT[guid]}' but {'; '.join(problems)}: assign it at the "
                    f"subscription with enforcementMode Default and listOfAllowedLocations {allowed}",
                    r.urn,
                )
            else:
                good.add(guid)
                match = SUBSCRIPTION_SCOPE.match(get_str_or_absent(r.props, "scope") or "")
                guarded.add(match.group("sub").lower() if match else "*")
    for r in args.resources:
        if r.resource_type != AZURE_NATIVE_PROVIDER or not guarded or "*" in guarded:
            continue  # no good assignment (reported below), or one at a management group: can't compare
        with undecided.about(label_of(r)):
            subscription = get_str_or_absent(r.props, "subscriptionId")
            if subscription is not None and subscription.strip().lower() not in guarded:
                report_violation(
                    f"provider '{r.name}' deploys into subscription {subscription!r}, where no allowed-locations "
                    f"assignment of this stack (at {', '.join(sorted(guarded))}) refuses other regions: deploy "
                    "only into the stack's subscription (drop subscriptionId, or assign the policies there too)",
                    r.urn,
                )
    for guid in (ALLOWED_LOCATIONS, ALLOWED_RG_LOCATIONS):
        if guid not in good and not seen[guid]:
            # Missing entirely; a flawed one was reported on its own resource above.
            if not undecided.notes:
                report_violation(
                    f"the stack assigns no built-in '{WHAT[guid]}' policy ({guid}), so Azure would "
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
    "Azure refuses anything created outside Norway, including what is deployed outside this program. No explicit "
    "azure-native provider of the stack deploys into another subscription.",
    remediation="Assign both built-in definitions at the subscription with enforcementMode Default, no notScopes and "
    "listOfAllowedLocations [norwayeast, norwaywest] (modules/roles.py LeastPrivilegeRoles does).",
    validate=validate,
)
