"""The egress inspection point stays in Norway: hub, firewall and firewall policy.

The hub firewall sees and logs every connection of the operators' VPN clients (names,
addresses, times: personal data of staff), and its policy decides what leaves. ECG-10 keeps
processing in Norway; OUS-6.1.c is the control this firewall implements. Unlike the general
location policy, which accepts any Norwegian region for any type, this one also requires
the firewall to sit where zones exist for its zone redundancy: the one Norwegian region with
availability zones (Microsoft Learn "Azure regions list": Norway East has 3, Norway West none).
"""

from __future__ import annotations

from policies.lib import describe, get, get_strs, resource_policy

AZURE_FIREWALL = "azure-native:network:AzureFirewall"
FIREWALL_POLICY = "azure-native:network:FirewallPolicy"
VIRTUAL_HUB = "azure-native:network:VirtualHub"
TYPES = (AZURE_FIREWALL, FIREWALL_POLICY, VIRTUAL_HUB)
# Microsoft Learn "Azure regions list": the Norwegian region with availability zones.
ZONE_REGION = "norwayeast"


def validate(args, report_violation) -> None:
    if args.resource_type not in TYPES:
        return
    label = describe(args.resource_type, args.name)
    location = get(args.props, "location")
    where = location.replace(" ", "").lower() if isinstance(location, str) else None
    if where != ZONE_REGION:
        report_violation(f"{label} is in {location!r}: the egress inspection point and its logs stay in Norway, "
                         f"in {ZONE_REGION} (the Norwegian region with availability zones); set location "
                         f"{ZONE_REGION}")
    if args.resource_type == AZURE_FIREWALL and sorted(get_strs(args.props, "zones")) != ["1", "2", "3"]:
        report_violation(f"{label} is not zone-redundant: set zones [1, 2, 3] so one zone's outage does not cut "
                         "operators off")


POLICY = resource_policy(
    name="network-firewall-in-norway",
    clauses=("ECG-10", "OUS-6.1.c"),
    area="network",
    description="The Virtual WAN hub, its Azure Firewall and the firewall policy are in norwayeast (an explicit "
    "location, never inherited), and the firewall is zone-redundant.",
    remediation="Give hub, firewall and policy location norwayeast and the firewall zones [1, 2, 3] "
    "(modules/egress.py).",
    validate=validate,
)
