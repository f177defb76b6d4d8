"""VPN clients resolve the storage accounts to their private endpoints: the tunnel's DNS server is the resolver.

OUS-6.1.b allows the data to be reached only through the private endpoints, and OUS-6.1.c only
over the tunnel. A point-to-site client does not use Azure DNS (168.63.129.16), so unless the
tunnel hands it a DNS server that answers from the `privatelink.blob.core.windows.net` zone,
`<account>.blob.core.windows.net` resolves to the public address, which storage refuses; the
data is then reachable by nobody, or someone opens the public endpoint to "fix" it.

When a plan has private endpoints and a point-to-site gateway, it needs: an Azure DNS Private
Resolver inbound endpoint with a static address; that address (and only resolver addresses) as
the DNS servers VPN clients receive: the VNet's `dhcpOptions.dnsServers` for a VNet gateway
(the Azure VPN Client takes them with the profile), or the Virtual WAN P2S gateway's
`customDnsServers`; and a private DNS zone link, so the resolver can answer from the zone
(Microsoft Learn "Azure DNS Private Resolver endpoints and rulesets"). Stack policy (outputs).
"""

from __future__ import annotations

from policies.lib import get, get_list, get_map, get_str, get_strs, lower, stack_policy
from policies.stack import Undecided, label_of

PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
VNET_GATEWAY = "azure-native:network:VirtualNetworkGateway"
P2S_GATEWAY = "azure-native:network:P2sVpnGateway"
VIRTUAL_NETWORK = "azure-native:network:VirtualNetwork"
INBOUND_ENDPOINT = "azure-native:dnsresolver:InboundEndpoint"
ZONE_LINK = "azure-native:privatedns:VirtualNetworkLink"
GATEWAY_SUBNET = "gatewaysubnet"


def resolver_addresses(resources) -> set[str]:
    found: set[str] = set()
    for r in resources:
        if r.resource_type != INBOUND_ENDPOINT:
            continue
        for ip in get_list(r.props, "ipConfigurations"):
            address = get_str(ip, "privateIpAddress")
            if lower(get(ip, "privateIpAllocationMethod")) == "static" and address:
                found.add(address.strip())
    return found


def validate(args, report_violation) -> None:
    undecided = Undecided()
    resources = list(args.resources)
    if not any(r.resource_type == PRIVATE_ENDPOINT for r in resources):
        return
    p2s_on_vnet = [r for r in resources if r.resource_type == VNET_GATEWAY and get_map(r.props, "vpnClientConfiguration")]
    hub_p2s = [r for r in resources if r.resource_type == P2S_GATEWAY]
    if not p2s_on_vnet and not hub_p2s:
        return
    addresses: set[str] | None = None  # None: an endpoint's address can't be read (undecided)
    with undecided.about("inbound endpoints"):
        addresses = resolver_addresses(resources)
    fix = ("give the stack a DNS Private Resolver inbound endpoint with a static address and hand that address to "
           "VPN clients (modules/dns.py, modules/vpn.py)")

    def judge(r, servers: list[str], where: str) -> None:
        if not servers:
            report_violation(f"{label_of(r)} hands VPN clients no DNS server ({where} is empty), so they resolve the "
                             f"storage accounts to public addresses: {fix}", r.urn)
        elif addresses is None:
            return  # noted as undecidable above: no verdict on the servers without the addresses
        elif not addresses or not set(servers) <= addresses:
            report_violation(f"{label_of(r)} hands VPN clients DNS servers {servers} ({where}) that are not static "
                             f"addresses of a DNS Private Resolver inbound endpoint of this stack: {fix}", r.urn)

    if p2s_on_vnet:
        for vnet in resources:
            if vnet.resource_type != VIRTUAL_NETWORK:
                continue
            with undecided.about(label_of(vnet)):
                names = {lower(get_str(s, "name")) for s in get_list(vnet.props, "subnets")}
                if GATEWAY_SUBNET in names:
                    judge(vnet, [s.strip() for s in get_strs(vnet.props, "dhcpOptions", "dnsServers")],
                          "dhcpOptions.dnsServers")
    for gateway in hub_p2s:
        with undecided.about(label_of(gateway)):
            judge(gateway, [s.strip() for s in get_strs(gateway.props, "customDnsServers")], "customDnsServers")
    if not any(r.resource_type == ZONE_LINK for r in resources):
        report_violation("no private DNS zone is linked to a VNet of this stack, so the resolver cannot answer for "
                         "privatelink.blob.core.windows.net: link the zone to the VNet (modules/vpn.py)")
    undecided.finish()


POLICY = stack_policy(
    name="network-dns-vpn-clients",
    clauses=("OUS-6.1.b", "OUS-6.1.c"),
    area="network",
    description="With private endpoints and point-to-site VPN, clients receive (VNet dnsServers, or the Virtual WAN "
    "P2S gateway's customDnsServers) only static addresses of a DNS Private Resolver inbound endpoint of the stack, "
    "and a private DNS zone is linked, so the accounts resolve to their private endpoints.",
    remediation="modules/dns.py's resolver, its address as the VNet's DNS server (modules/vpn.py) and the privatelink "
    "zone link.",
    validate=validate,
)
