"""VpnClientDns with the network: VPN clients get a DNS server that answers for the private endpoints (issue 10)."""

from __future__ import annotations

import ipaddress

import pytest

from modules import naming
from modules.dns import VpnClientDns, VpnClientDnsArgs
from modules.vpn import ForcedTunnelVpn, ForcedTunnelVpnArgs

STACKS = ("ous-kvalitetslab", "ecg247")
RESOLVER = "azure-native:dnsresolver:DnsResolver"
INBOUND = "azure-native:dnsresolver:InboundEndpoint"
VNET = "azure-native:network:VirtualNetwork"
LINK = "azure-native:privatedns:VirtualNetworkLink"
# Literals from the shipped stacks: dnsResolverSubnet 10.60.2.0/28 / 10.70.2.0/28; Azure reserves
# .0-.3 of every subnet, so the first address it hands out is .4.
EXPECTED_ADDRESS = {"ous-kvalitetslab": "10.60.2.4", "ecg247": "10.70.2.4"}


@pytest.fixture(scope="module", params=STACKS)
def planned(request, stack, run_component):
    s = stack(request.param)

    def build(cfg):
        vpn = ForcedTunnelVpn("vpn", ForcedTunnelVpnArgs.from_config(cfg))
        VpnClientDns("dns", VpnClientDnsArgs.from_config(cfg, resource_group_name=vpn.resource_group_name,
                                                          vnet_id=vpn.vnet_id, subnet_id=vpn.dns_resolver_subnet_id),
                     wait_for=[vpn.vnet, vpn.blob_dns_link])

    return s.name, s.cfg, run_component(s, build)


def test_inbound_endpoint_has_the_static_address_the_vnet_hands_out(planned):
    name, cfg, run = planned
    [endpoint] = run.of_type(INBOUND)
    [ipc] = endpoint.inputs["ipConfigurations"]
    assert ipc["privateIpAllocationMethod"] == "Static", endpoint.urn
    assert ipc["privateIpAddress"] == EXPECTED_ADDRESS[name], endpoint.urn
    assert ipc["subnet"]["id"].endswith("/subnets/dns-resolver-inbound"), endpoint.urn
    [vnet] = run.of_type(VNET)
    # The Azure VPN Client receives the VNet's custom DNS servers: exactly the resolver.
    assert vnet.inputs["dhcpOptions"] == {"dnsServers": [EXPECTED_ADDRESS[name]]}, vnet.urn


def test_inbound_subnet_is_delegated_to_the_resolver_and_holds_the_address(planned):
    name, cfg, run = planned
    [vnet] = run.of_type(VNET)
    [subnet] = [s for s in vnet.inputs["subnets"] if s["name"] == "dns-resolver-inbound"]
    assert subnet["delegations"] == [{"name": "dns-resolvers", "serviceName": "Microsoft.Network/dnsResolvers"}]
    assert ipaddress.ip_address(EXPECTED_ADDRESS[name]) in ipaddress.ip_network(subnet["addressPrefix"])
    others = [ipaddress.ip_network(s["addressPrefix"]) for s in vnet.inputs["subnets"] if s is not subnet]
    assert not any(ipaddress.ip_network(subnet["addressPrefix"]).overlaps(o) for o in others), vnet.urn


def test_resolver_sits_in_the_vnet_in_norway_after_the_zone_link(planned):
    _, cfg, run = planned
    [resolver] = run.of_type(RESOLVER)
    [vnet] = run.of_type(VNET)
    [link] = run.of_type(LINK)
    assert resolver.inputs["location"] == cfg.location == "norwayeast", resolver.urn
    assert resolver.inputs["virtualNetwork"]["id"].endswith(f"/virtualNetworks/{naming.virtual_network(cfg.prefix)}")
    assert {vnet.urn, link.urn} <= set(resolver.dependencies), resolver.urn
    # The resolver answers from the zones linked to its VNet: the privatelink zone is one.
    assert link.inputs["privateZoneName"] == "privatelink.blob.core.windows.net", link.urn
    assert link.inputs["virtualNetwork"]["id"] == resolver.inputs["virtualNetwork"]["id"], link.urn
    [endpoint] = run.of_type(INBOUND)
    assert resolver.urn in endpoint.dependencies and endpoint.inputs["location"] == cfg.location, endpoint.urn
