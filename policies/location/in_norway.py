"""Every regional Azure resource, resource groups included, is in Norway (norwayeast/norwaywest).

A resource policy: it reads each resource's inputs and blocks before anything is created.
The regions are the pack's own (policies/facts.NORWAY_REGIONS), never the register's, so a
forgotten `--policy-pack-config` can't open another region.

A type is regional when its SDK resource has a `location` input (facts.REGIONAL_TYPES,
derived from the installed SDK by tests/policies/test_facts.py). For such a type an absent
location is refused: pulumi-azure-native fills it in (pulumi/pulumi-azure-native#66) from the
resource group's location or the provider's `location` config, neither of which the resource's
inputs show. Any other type that states a location is held to it too.
"""

from policies.facts import GLOBAL_TYPES, NORWAY_REGIONS, REGIONAL_TYPES
from policies.lib import describe, get, get_list, get_str, resource_policy

# Where a resource keeps copies in other regions, by type: (list property, location key).
REPLICA_LOCATIONS = {
    "azure-native:cosmosdb:DatabaseAccount": ("locations", "locationName"),
}
WHERE = ", ".join(NORWAY_REGIONS)


def normalise(location: str) -> str:
    """ARM accepts display names too: "Norway East" is norwayeast."""
    return location.replace(" ", "").lower()


def validate(args, report_violation) -> None:
    kind = args.resource_type
    if not kind.startswith(("azure-native:", "azure:")):
        return  # Entra ID (azuread) objects and components have no location
    label = describe(kind, args.name)
    location = get(args.props, "location")
    if isinstance(location, str) and location:
        loc = normalise(location)
        if loc == "global" and kind in GLOBAL_TYPES:
            pass
        elif loc not in NORWAY_REGIONS:
            hint = " (global is accepted only for DNS zones, their links and alert definitions)" \
                if loc == "global" else ""
            report_violation(f"{label} is in '{location}'{hint}: data and every resource stay in Norway; "
                             f"set location to one of {WHERE}")
    elif location is not None:
        report_violation(f"{label} has a location that is not a region name: set one of {WHERE}")
    elif kind in REGIONAL_TYPES:
        report_violation(
            f"{label} has no location, so pulumi-azure-native takes the resource group's or the provider's, which "
            f"its inputs do not show: set location to one of {WHERE}"
            + (" (or global)" if kind in GLOBAL_TYPES else ""))

    replicas = REPLICA_LOCATIONS.get(kind)
    if replicas:
        for entry in get_list(args.props, replicas[0]):
            name = get_str(entry, replicas[1])
            if name is not None and normalise(name) not in NORWAY_REGIONS:
                report_violation(f"{label} keeps a replica in '{name}': no copy of the data may leave Norway; "
                                 f"list only {WHERE} in {replicas[0]}")


POLICY = resource_policy(
    name="location-in-norway",
    clauses=("ECG-6", "ECG-10", "OUS-6.1.b"),
    area="location",
    description="Every regional resource (a type whose SDK resource has a location input), resource groups "
    "included, states a Norwegian region (norwayeast/norwaywest) as its location; `global` only for types Azure "
    "keeps global (private DNS zones and their links, alert definitions, action groups). Blocks before creation.",
    remediation="Set `location` to the stack's location (config `location`, norwayeast or norwaywest) on every "
    "resource; use `global` only for private DNS zones, their VNet links, action groups and alert rules.",
    validate=validate,
)
