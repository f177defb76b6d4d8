"""A geo-replicated storage account keeps its secondary copy in Norway: only a Norwegian primary pairs with Norway."""

from policies.lib import get, get_str, get_strs, register_of, stack_policy
from policies.stack import RESOURCE_GROUP, STORAGE_ACCOUNT, Undecided, is_geo_redundant, key, label_of, sku_name

CLAUSES = "[ECG-10, ECG-6, OUS-6.1.b]"

# Azure's fixed region pairs: a GRS/GZRS account's secondary is the pair of its primary.
# norwayeast and norwaywest pair with each other, so their replicas never leave Norway;
# every other pair is listed only where its secondary is named in a message.
REGION_PAIR = {
    "norwayeast": "norwaywest",
    "norwaywest": "norwayeast",
    "swedencentral": "swedensouth",
    "northeurope": "westeurope",
    "westeurope": "northeurope",
}


def _normalise(location: str) -> str:
    return location.replace(" ", "").lower()


def validate(args, report_violation) -> None:
    register = register_of(args)
    allowed = {_normalise(x) for x in get_strs(register, "locations")}
    undecided = Undecided()
    group_locations: dict[str, str | None] = {}
    for r in args.resources:
        if r.resource_type == RESOURCE_GROUP:
            with undecided.about(label_of(r)):
                name = key(get_str(r.props, "resourceGroupName"))
                if name:
                    group_locations[name] = get_str(r.props, "location")

    for r in args.resources:
        if r.resource_type != STORAGE_ACCOUNT:
            continue
        label = label_of(r)
        with undecided.about(label):
            sku = sku_name(r.props)
            if not is_geo_redundant(sku):
                continue
            given = get(r.props, "location")
            primary = given if isinstance(given, str) else None
            source = "its location"
            if given is None:
                # pulumi-azure-native fills an absent location from the resource group's.
                group = get_str(r.props, "resourceGroupName")
                primary = group_locations.get(key(group) or "")
                source = f"the location of resource group '{group}'"
            if primary is None:
                report_violation(
                    f"{CLAUSES} {label} is geo-replicated ({sku}) but its primary region can't be told from the "
                    "plan, so neither can where the secondary copy goes: set location to norwayeast or norwaywest",
                    r.urn,
                )
                continue
            secondary = REGION_PAIR.get(_normalise(primary))
            if secondary is None or secondary not in allowed:
                report_violation(
                    f"{CLAUSES} {label} is geo-replicated ({sku}) from '{primary}' ({source}), so its secondary "
                    f"copy goes to '{secondary or 'the Azure pair of that region'}', outside Norway: use a primary "
                    "of norwayeast or norwaywest (each other's pair), or a non-geo SKU such as Standard_ZRS",
                    r.urn,
                )
    undecided.finish()


POLICY = stack_policy(
    name="location-geo-replica-in-norway",
    clauses=("ECG-10", "ECG-6", "OUS-6.1.b"),
    area="location",
    description="Geo-redundant storage SKUs (GRS, GZRS, RA-*) only on accounts whose primary region is norwayeast "
    "or norwaywest: Azure puts the secondary copy in the primary's pair, and those two pair with each other.",
    remediation="Keep geo-redundant accounts in norwayeast or norwaywest (config `location`), or choose a "
    "zone-redundant SKU without a secondary (Standard_ZRS).",
    validate=validate,
    uses_register=True,
)
