"""The VPN gateway survives the loss of an availability zone: an AZ SKU on a zone-redundant Standard IP.

The gateway is the only way operators and submitters reach the data (OUS-6.1.c), so its
availability is the availability of the service (ECG-7S: lasting availability and
resilience). Azure's AZ gateway SKUs (VpnGw1AZ ... VpnGw5AZ) spread the gateway over zones
only with a Standard public IP that is itself zone-redundant (two or more zones).

Generation2 is advisable for throughput but not a resilience property, so not required here.
"""

from __future__ import annotations

from pulumi_policy import Severity

from policies.lib import describe, get, get_list, get_str, get_strs, lower, stack_policy
from policies.monitoring import id_key, resource_key
from policies.stack import Undecided, label_of

VIRTUAL_NETWORK_GATEWAY = "azure-native:network:VirtualNetworkGateway"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
CLAUSES = "[ECG-7S, OUS-6.1.c]"


def _check_gateway(gateway, ips: dict, ips_complete: bool, report_violation) -> None:
    props = gateway.props
    if lower(get(props, "gatewayType")) not in (None, "vpn"):
        return
    label = label_of(gateway)
    name, tier = get_str(props, "sku", "name"), get_str(props, "sku", "tier")
    if not (name and name.upper().endswith("AZ") and tier and tier.upper().endswith("AZ")):
        report_violation(f"{CLAUSES} {label} has SKU {name!r}/tier {tier!r}, not zone-redundant: use an AZ SKU "
                         "(VpnGw1AZ ... VpnGw5AZ) for both sku.name and sku.tier", gateway.urn)
    for config in get_list(props, "ipConfigurations"):
        ip_id = get(config, "publicIPAddress", "id")
        ip = ips.get(id_key(ip_id) or "")
        if ip is None:
            if not ips_complete:
                continue  # an unreadable public IP of the stack may be this one: the note says so
            report_violation(f"{CLAUSES} {label} uses public IP {ip_id!r}, which is not in this stack, so its "
                             "zone redundancy can't be shown: create the Standard zone-redundant IP in the stack",
                             gateway.urn)
            continue
        sku = get_str(ip.props, "sku", "name")
        zones = set(get_strs(ip.props, "zones"))
        if lower(sku) != "standard" or len(zones) < 2:
            report_violation(
                f"{CLAUSES} {label_of(ip)} of {label} is SKU {sku!r} in zones {sorted(zones)}: an AZ gateway needs "
                "a Standard IP spread over zones (zones: [1, 2, 3])", ip.urn)


def validate(args, report_violation) -> None:
    undecided = Undecided()
    ips: dict = {}
    for r in args.resources:
        if r.resource_type == PUBLIC_IP:
            with undecided.about(label_of(r)):
                k = resource_key(get_str(r.props, "resourceGroupName"), "Microsoft.Network/publicIPAddresses",
                                 get_str(r.props, "publicIpAddressName"))
                if k:
                    ips[k] = r
    ips_complete = not undecided.notes
    for r in args.resources:
        if r.resource_type == VIRTUAL_NETWORK_GATEWAY:
            with undecided.about(describe(r.resource_type, r.name)):
                _check_gateway(r, ips, ips_complete, report_violation)
    undecided.finish()


POLICY = stack_policy(
    name="network-vpn-gateway-zone-redundant",
    clauses=("ECG-7S", "OUS-6.1.c"),
    area="network",
    description="VPN gateways use a zone-redundant AZ SKU (sku.name and sku.tier ending in AZ) on a Standard "
    "public IP of this stack spread over two or more availability zones.",
    remediation="Use vpn.sku VpnGw1AZ..VpnGw5AZ (modules/config.py VPN_SKUS) and give the gateway's public IP "
    "sku Standard with zones [1, 2, 3] (modules/vpn.py does).",
    validate=validate,
    severity=Severity.MEDIUM,
)
