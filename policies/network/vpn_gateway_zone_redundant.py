"""The VPN gateway survives the loss of an availability zone: an AZ SKU on a zone-redundant Standard IP.

The gateway is the only way operators and submitters reach the data (OUS-6.1.c), so its
availability is the availability of the service (ECG-7S: lasting availability and
resilience). Azure's AZ gateway SKUs (VpnGw1AZ ... VpnGw5AZ) spread the gateway over zones
only with a Standard public IP that is itself zone-redundant (two or more zones).

Generation2 is advisable for throughput but not a resilience property, so not required here.

A Virtual WAN point-to-site gateway (the secured hub, modules/egress.py) has no SKU tier or
zones to choose: its ARM form (schema 2024-05-01 p2svpnGateways) has no `zones` property, and
Azure places hub gateways itself. What the program chooses is the region, so the hub's P2S
gateway must sit in a region with availability zones (facts.ZONE_REGIONS: norwayeast).
"""

from __future__ import annotations

from pulumi_policy import Severity

from policies.facts import ZONE_REGIONS
from policies.lib import describe, get, get_or_absent, get_strs, lower, stack_policy
from policies.monitoring import depends_on
from policies.stack import Undecided, label_of

VIRTUAL_NETWORK_GATEWAY = "azure-native:network:VirtualNetworkGateway"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
P2S_VPN_GATEWAY = "azure-native:network:P2sVpnGateway"


def _check_gateway(gateway, report_violation) -> None:
    props = gateway.props
    if lower(get(props, "gatewayType")) not in (None, "vpn"):
        return
    label = label_of(gateway)
    # Outputs: what the program did not set is unknown in preview and reads as absent (stricter).
    name, tier = get_or_absent(props, "sku", "name"), get_or_absent(props, "sku", "tier")
    name = name if isinstance(name, str) else None
    tier = tier if isinstance(tier, str) else None
    if not (name and name.upper().endswith("AZ") and tier and tier.upper().endswith("AZ")):
        report_violation(f"{label} has SKU {name!r}/tier {tier!r}, not zone-redundant: use an AZ SKU "
                         "(VpnGw1AZ ... VpnGw5AZ) for both sku.name and sku.tier", gateway.urn)
    # In preview a new IP's id is unknown: the gateway's IPs are the ones it depends on.
    ips = depends_on(gateway, PUBLIC_IP)
    if get_or_absent(props, "ipConfigurations") and not ips:
        report_violation(f"{label} uses a public IP that is not in this stack (it depends on none), so its zone "
                         "redundancy can't be shown: create the Standard zone-redundant IP in the stack", gateway.urn)
    for ip in ips:
        sku = get_or_absent(ip.props, "sku", "name")
        zones = get_or_absent(ip.props, "zones")
        zones = set(get_strs(ip.props, "zones")) if zones else set()
        if lower(sku) != "standard" or len(zones) < 2:
            report_violation(
                f"{label_of(ip)} of {label} is SKU {sku!r} in zones {sorted(zones)}: an AZ gateway needs "
                "a Standard IP spread over zones (zones: [1, 2, 3])", ip.urn)


def _check_hub_gateway(gateway, report_violation) -> None:
    location = get_or_absent(gateway.props, "location")
    region = lower(location) if isinstance(location, str) else None
    if region not in ZONE_REGIONS:
        report_violation(f"{label_of(gateway)} is in {location!r}, a region without availability zones, so the hub's "
                         f"point-to-site gateway can't survive a zone loss: place the hub in {sorted(ZONE_REGIONS)}",
                         gateway.urn)


def validate(args, report_violation) -> None:
    undecided = Undecided()
    for r in args.resources:
        if r.resource_type == VIRTUAL_NETWORK_GATEWAY:
            with undecided.about(describe(r.resource_type, r.name)):
                _check_gateway(r, report_violation)
        elif r.resource_type == P2S_VPN_GATEWAY:
            with undecided.about(describe(r.resource_type, r.name)):
                _check_hub_gateway(r, report_violation)
    undecided.finish()


POLICY = stack_policy(
    name="network-vpn-gateway-zone-redundant",
    clauses=("ECG-7S", "OUS-6.1.c"),
    area="network",
    description="VPN gateways use a zone-redundant AZ SKU (sku.name and sku.tier ending in AZ) on a Standard "
    "public IP of this stack (one it depends on) spread over two or more availability zones; a Virtual WAN "
    "point-to-site gateway sits in a region with availability zones.",
    remediation="Use vpn.sku VpnGw1AZ..VpnGw5AZ (modules/config.py VPN_SKUS) and give the gateway's public IP "
    "sku Standard with zones [1, 2, 3] (modules/vpn.py does).",
    validate=validate,
    severity=Severity.MEDIUM,
)
