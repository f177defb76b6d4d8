"""network-dns-vpn-clients: VPN clients get the resolver's address as DNS server (C, issue 10)."""

from __future__ import annotations

import pytest

from policies.network.dns_vpn_clients import (
    INBOUND_ENDPOINT,
    P2S_GATEWAY,
    POLICY,
    PRIVATE_ENDPOINT,
    VIRTUAL_NETWORK,
    VNET_GATEWAY,
    ZONE_LINK,
)
from tests.policies.helpers import failing_urns, outcome, resource, run

RESOLVER_IP = "10.60.2.4"


def inbound(method="Static", address=RESOLVER_IP):
    return resource(INBOUND_ENDPOINT, "inbound", {"resourceGroupName": "rg", "dnsResolverName": "r",
                                                  "inboundEndpointName": "i", "location": "norwayeast",
                                                  "ipConfigurations": [{"privateIpAllocationMethod": method,
                                                                        "privateIpAddress": address,
                                                                        "subnet": {"id": "s"}}]})


def vnet(dns=(RESOLVER_IP,)):
    inputs = {"resourceGroupName": "rg", "virtualNetworkName": "v", "location": "norwayeast",
              "subnets": [{"name": "GatewaySubnet", "addressPrefix": "10.60.255.0/27"},
                          {"name": "private-endpoints", "addressPrefix": "10.60.1.0/24"}]}
    if dns is not None:
        inputs["dhcpOptions"] = {"dnsServers": list(dns)}
    return resource(VIRTUAL_NETWORK, "vnet", inputs)


PE = resource(PRIVATE_ENDPOINT, "pe", {"resourceGroupName": "rg", "privateEndpointName": "pe", "location": "norwayeast"})
GW = resource(VNET_GATEWAY, "gw", {"resourceGroupName": "rg", "virtualNetworkGatewayName": "g", "location": "norwayeast",
                                   "gatewayType": "Vpn", "vpnClientConfiguration": {"vpnClientProtocols": ["OpenVPN"]}})
LINK = resource(ZONE_LINK, "link", {"resourceGroupName": "rg", "privateZoneName": "privatelink.blob.core.windows.net",
                                    "virtualNetworkLinkName": "l", "location": "global"})


def hub_gateway(dns=(RESOLVER_IP,)):
    return resource(P2S_GATEWAY, "p2s", {"resourceGroupName": "rg", "gatewayName": "p", "location": "norwayeast",
                                         "customDnsServers": list(dns)})


CASES = [
    ("pass_vnet_gateway", [PE, GW, vnet(), inbound(), LINK], "pass", None),
    ("pass_hub", [PE, hub_gateway(), vnet(dns=None), inbound(), LINK], "pass", None),
    ("pass_no_private_endpoint", [GW, vnet(dns=None)], "pass", None),
    ("pass_no_vpn", [PE, vnet(dns=None)], "pass", None),
    # No dhcpOptions input: in preview the VNet's dhcpOptions output is unknown, so no pass (fail closed).
    ("unknown_vnet_without_dns", [PE, GW, vnet(dns=None), inbound(), LINK], "unknown", None),
    ("fail_vnet_empty_dns", [PE, GW, vnet(dns=()), inbound(), LINK], "fail", "vnet"),
    ("fail_vnet_public_dns", [PE, GW, vnet(dns=("8.8.8.8",)), inbound(), LINK], "fail", "vnet"),
    ("fail_resolver_plus_other", [PE, GW, vnet(dns=(RESOLVER_IP, "1.1.1.1")), inbound(), LINK], "fail", "vnet"),
    ("fail_dynamic_endpoint", [PE, GW, vnet(), inbound(method="Dynamic"), LINK], "fail", "vnet"),
    ("fail_no_resolver", [PE, GW, vnet(), LINK], "fail", "vnet"),
    ("fail_hub_without_dns", [PE, hub_gateway(dns=()), vnet(dns=None), inbound(), LINK], "fail", "p2s"),
    ("fail_no_zone_link", [PE, GW, vnet(), inbound()], "fail", "stack"),
    # A dynamic endpoint's address is unknown in preview: no verdict on the servers, and no pass.
    ("unknown_dynamic_address_unknown", [PE, GW, vnet(), inbound(method="Dynamic", address=None), LINK], "unknown",
     None),
]


@pytest.mark.parametrize(("case", "found", "expected", "culprit"), CASES, ids=[c[0] for c in CASES])
def test_dns_for_vpn_clients(case, found, expected, culprit):
    evaluation = run(POLICY, *found)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if culprit in ("vnet", "p2s"):
        [target] = [r for r in found if r.name == culprit]
        assert failing_urns(evaluation) == {target.urn}


def test_violation_names_clauses_resource_and_fix():
    (finding,) = run(POLICY, PE, GW, vnet(dns=("8.8.8.8",)), inbound(), LINK).findings
    assert finding.message.startswith("[OUS-6.1.b, OUS-6.1.c] ") and "'vnet'" in finding.message
    assert "modules/dns.py" in finding.message
