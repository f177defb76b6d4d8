"""A geo-redundant storage account keeps its secondary copy in Norway.

Azure puts a GRS/GZRS account's secondary in the fixed pair of its primary region
(Microsoft Learn, "Azure cross-region replication pairings"); norwayeast and norwaywest pair
with each other. A resource policy on the account's inputs: location-in-norway already
refuses an account without an explicit location, so the primary is always stated here.
"""

from policies.facts import NORWAY_REGIONS, REGION_PAIR
from policies.lib import describe, get, resource_policy
from policies.stack import STORAGE_ACCOUNT, is_geo_redundant, sku_name


def _normalise(location: str) -> str:
    return location.replace(" ", "").lower()


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    label = describe(args.resource_type, args.name)
    sku = sku_name(args.props)
    if not is_geo_redundant(sku):
        return
    given = get(args.props, "location")
    if not isinstance(given, str) or not given:
        report_violation(f"{label} is geo-replicated ({sku}) but states no location, so neither can where the "
                         "secondary copy goes: set location to norwayeast or norwaywest")
        return
    secondary = REGION_PAIR.get(_normalise(given))
    if secondary is None or secondary not in NORWAY_REGIONS:
        report_violation(
            f"{label} is geo-replicated ({sku}) from '{given}', so its secondary copy goes to "
            f"'{secondary or 'the Azure pair of that region'}', outside Norway: use a primary of norwayeast or "
            "norwaywest (each other's pair), or a non-geo SKU such as Standard_ZRS")


POLICY = resource_policy(
    name="location-geo-replica-in-norway",
    clauses=("ECG-10", "ECG-6", "OUS-6.1.b"),
    area="location",
    description="Geo-redundant storage SKUs (GRS, GZRS, RA-*) only on accounts whose stated primary region is "
    "norwayeast or norwaywest: Azure puts the secondary copy in the primary's pair, and those two pair with each "
    "other.",
    remediation="Keep geo-redundant accounts in norwayeast or norwaywest (config `location`), or choose a "
    "zone-redundant SKU without a secondary (Standard_ZRS).",
    validate=validate,
)
