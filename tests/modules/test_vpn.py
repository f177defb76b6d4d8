"""ForcedTunnelVpn under the offline engine: forced tunnel, Entra ID auth, a fenced data subnet (OUS-6.1.b/c/e)."""

from __future__ import annotations

import ipaddress

import pytest

from modules import naming
from modules.vpn import ForcedTunnelVpn, ForcedTunnelVpnArgs

# The VNet gateway: the shipped stacks without their secured hub (`egress`).
STACKS = ("ous-kvalitetslab-vnetgw", "ecg247-vnetgw")

RG = "azure-native:resources:ResourceGroup"
NSG = "azure-native:network:NetworkSecurityGroup"
VNET = "azure-native:network:VirtualNetwork"
PIP = "azure-native:network:PublicIPAddress"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
COMPONENT = "dpaguard:network:ForcedTunnelVpn"

MANAGEMENT_PORTS = (22, 3389, 5985, 5986)
OPEN_SOURCES = ("*", "Internet", "Any", "0.0.0.0/0", "0.0.0.0")


@pytest.fixture(scope="module", params=STACKS)
def planned(request, stack, run_component):
    s = stack(request.param)
    holder = {}

    def build(cfg):
        holder["vpn"] = ForcedTunnelVpn("vpn", ForcedTunnelVpnArgs.from_config(cfg))

    run = run_component(s, build)
    return s.cfg, run, holder["vpn"]


def one(run, type_token):
    found = run.of_type(type_token)
    assert len(found) == 1, f"expected one {type_token}, got {[r.urn for r in found]}"
    return found[0]


def ids(cfg):
    rg = naming.network_resource_group(cfg.prefix)
    sub = cfg.subscription_id
    vnet = naming.virtual_network(cfg.prefix)
    return {
        "rg": rg,
        "nsg": naming.resource_id(sub, rg, "Microsoft.Network/networkSecurityGroups", naming.private_endpoint_nsg(cfg.prefix)),
        "pip": naming.resource_id(sub, rg, "Microsoft.Network/publicIPAddresses", naming.vpn_public_ip(cfg.prefix)),
        "vnet": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}",
        "gateway_subnet": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/GatewaySubnet",
        "pe_subnet": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/private-endpoints",
        "zone": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net",
        "gateway": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworkGateways/{naming.vpn_gateway(cfg.prefix)}",
    }


def test_exactly_the_network_resources_as_children_of_the_component(planned):
    cfg, run, _ = planned
    component = one(run, COMPONENT)
    children = [r for r in run.resources if r.parent == component.urn]
    assert sorted(r.type for r in children) == sorted([RG, NSG, VNET, PIP, GATEWAY, ZONE, LINK])
    for r in children:
        assert r.name.startswith("vpn-"), f"{r.urn}: child name not derived from the component's"


def test_regional_resources_in_norway_and_dns_global(planned):
    cfg, run, _ = planned
    for t in (RG, NSG, VNET, PIP, GATEWAY):
        r = one(run, t)
        assert r.inputs["location"] == cfg.location == "norwayeast", f"{r.urn}: location {r.inputs.get('location')}"
    for t in (ZONE, LINK):
        r = one(run, t)
        assert r.inputs["location"] == "global", f"{r.urn}: private DNS must be global"


def test_every_resource_tagged_and_in_the_network_group(planned):
    cfg, run, _ = planned
    for t in (RG, NSG, VNET, PIP, GATEWAY, ZONE, LINK):
        r = one(run, t)
        assert r.inputs["tags"] == {naming.TAG_STACK: cfg.stack, naming.TAG_AGREEMENT: ",".join(cfg.agreements)}, r.urn
        assert r.inputs["resourceGroupName"] == ids(cfg)["rg"], r.urn


def test_vnet_subnets_inline_with_nsg_on_private_endpoints(planned):
    cfg, run, _ = planned
    vnet = one(run, VNET)
    assert vnet.inputs["virtualNetworkName"] == naming.virtual_network(cfg.prefix), vnet.urn
    assert vnet.inputs["addressSpace"]["addressPrefixes"] == [str(cfg.network.vnet_cidr)], vnet.urn
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert set(subnets) == {"GatewaySubnet", "private-endpoints", "dns-resolver-inbound"}, vnet.urn
    assert subnets["GatewaySubnet"]["addressPrefix"] == str(cfg.network.gateway_subnet), vnet.urn
    assert "networkSecurityGroup" not in subnets["GatewaySubnet"], f"{vnet.urn}: no NSG on GatewaySubnet"
    pe = subnets["private-endpoints"]
    assert pe["addressPrefix"] == str(cfg.network.private_endpoint_subnet), vnet.urn
    assert pe["networkSecurityGroup"] == {"id": ids(cfg)["nsg"]}, vnet.urn
    assert pe["privateEndpointNetworkPolicies"] == "Enabled", f"{vnet.urn}: NSG must apply to private endpoints"
    assert pe["defaultOutboundAccess"] is False, vnet.urn
    nsg = one(run, NSG)
    assert nsg.urn in vnet.dependencies, f"{vnet.urn}: must wait for the NSG it references by id"


def _ports(spec: str) -> set[int]:
    if spec == "*":
        return set(range(0, 65536))
    lo, _, hi = spec.partition("-")
    return set(range(int(lo), int(hi or lo) + 1))


def test_nsg_rules(planned):
    cfg, run, _ = planned
    nsg = one(run, NSG)
    rules = {r["name"]: r for r in nsg.inputs["securityRules"]}
    pe = str(cfg.network.private_endpoint_subnet)
    assert rules == {
        "allow-https-from-vpn-clients": rules["allow-https-from-vpn-clients"],
        "allow-https-from-vnet": rules["allow-https-from-vnet"],
        "deny-internet-inbound": rules["deny-internet-inbound"],
        "deny-all-inbound": rules["deny-all-inbound"],
        "deny-internet-outbound": rules["deny-internet-outbound"],
    }, nsg.urn
    allows = [r for r in rules.values() if r["access"] == "Allow"]
    assert {(r["direction"], r["protocol"], r["sourceAddressPrefix"], r["destinationAddressPrefix"], r["destinationPortRange"]) for r in allows} == {
        ("Inbound", "Tcp", str(cfg.network.vpn_client_pool), pe, "443"),
        ("Inbound", "Tcp", str(cfg.network.vnet_cidr), pe, "443"),
    }, nsg.urn
    for r in allows:
        src = r.get("sourceAddressPrefix")
        assert src not in OPEN_SOURCES and not r.get("sourceAddressPrefixes"), f"{nsg.urn}: {r['name']} open to {src}"
        assert not _ports(r["destinationPortRange"]) & set(MANAGEMENT_PORTS), f"{nsg.urn}: {r['name']} opens a management port"
        assert ipaddress.ip_network(src).is_private, f"{nsg.urn}: {r['name']}"
    internet = rules["deny-internet-inbound"]
    assert (internet["access"], internet["direction"], internet["sourceAddressPrefix"], internet["destinationPortRange"]) == (
        "Deny", "Inbound", "Internet", "*"), nsg.urn
    # The explicit denies win over every allow Azure adds by default (priority 65000+).
    assert all(r["priority"] < internet["priority"] < 65000 for r in allows), nsg.urn
    assert rules["deny-all-inbound"]["sourceAddressPrefix"] == "*" and rules["deny-all-inbound"]["access"] == "Deny", nsg.urn


def test_public_ip_zone_redundant_static_standard(planned):
    cfg, run, _ = planned
    pip = one(run, PIP)
    assert pip.inputs["publicIpAddressName"] == naming.vpn_public_ip(cfg.prefix), pip.urn
    assert pip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}, pip.urn
    assert pip.inputs["publicIPAllocationMethod"] == "Static", pip.urn
    assert sorted(pip.inputs["zones"]) == ["1", "2", "3"], pip.urn


@pytest.mark.parametrize(
    "key, expected",
    [
        ("gatewayType", "Vpn"),
        ("vpnType", "RouteBased"),
        ("activeActive", False),
        ("enableBgp", False),
    ],
)
def test_gateway_settings(planned, key, expected):
    _, run, _ = planned
    gw = one(run, GATEWAY)
    assert gw.inputs[key] == expected, f"{gw.urn}: {key}={gw.inputs.get(key)!r}"


# Microsoft Learn, "About VPN Gateway configuration settings", gateway SKU table: the generation
# each AZ SKU exists in (issue 10: VpnGw1AZ was planned as Generation2, which Azure rejects).
SKU_GENERATION = {"VpnGw1AZ": "Generation1", "VpnGw2AZ": "Generation2"}


def test_gateway_generation_is_one_the_sku_exists_in(planned):
    cfg, run, _ = planned
    gw = one(run, GATEWAY)
    assert gw.inputs["vpnGatewayGeneration"] == SKU_GENERATION[gw.inputs["sku"]["name"]], gw.urn


def test_gateway_sku_is_zone_redundant_from_config(planned):
    cfg, run, _ = planned
    gw = one(run, GATEWAY)
    assert gw.inputs["sku"] == {"name": cfg.vpn.sku, "tier": cfg.vpn.sku}, gw.urn
    assert gw.inputs["sku"]["name"].endswith("AZ"), gw.urn
    assert gw.inputs["virtualNetworkGatewayName"] == naming.vpn_gateway(cfg.prefix), gw.urn


def test_gateway_ip_configuration_uses_arm_ids(planned):
    cfg, run, _ = planned
    gw = one(run, GATEWAY)
    [ipc] = gw.inputs["ipConfigurations"]
    assert ipc["publicIPAddress"] == {"id": ids(cfg)["pip"]}, gw.urn
    assert ipc["subnet"] == {"id": ids(cfg)["gateway_subnet"]}, gw.urn
    for dep in (VNET, PIP):
        assert one(run, dep).urn in gw.dependencies, f"{gw.urn}: must wait for {dep}"


def test_gateway_entra_id_openvpn_only(planned):
    cfg, run, _ = planned
    gw = one(run, GATEWAY)
    vcc = gw.inputs["vpnClientConfiguration"]
    assert vcc["vpnClientProtocols"] == ["OpenVPN"], gw.urn
    assert vcc["vpnAuthenticationTypes"] == ["AAD"], gw.urn
    assert vcc["aadTenant"] == f"https://login.microsoftonline.com/{cfg.tenant_id}", gw.urn
    assert vcc["aadIssuer"] == f"https://sts.windows.net/{cfg.tenant_id}/", f"{gw.urn}: issuer needs its trailing slash"
    assert vcc["aadAudience"] == cfg.vpn.audience, gw.urn
    assert vcc["vpnClientAddressPool"] == {"addressPrefixes": [str(cfg.network.vpn_client_pool)]}, gw.urn
    assert not vcc.get("vpnClientRootCertificates") and not vcc.get("radiusServerAddress"), gw.urn


def test_gateway_forces_every_route_into_the_tunnel(planned):
    _, run, _ = planned
    gw = one(run, GATEWAY)
    routes = [ipaddress.ip_network(p) for p in gw.inputs["customRoutes"]["addressPrefixes"]]
    covered = sum(n.num_addresses for n in ipaddress.collapse_addresses(routes))
    assert covered == 2**32, f"{gw.urn}: custom routes leave part of IPv4 outside the tunnel: {routes}"
    assert all(n.prefixlen >= 1 for n in routes), f"{gw.urn}: a /0 loses to the client's own default route"


def test_private_dns_zone_and_link(planned):
    cfg, run, _ = planned
    zone, link = one(run, ZONE), one(run, LINK)
    assert zone.inputs["privateZoneName"] == "privatelink.blob.core.windows.net", zone.urn
    assert link.inputs["privateZoneName"] == "privatelink.blob.core.windows.net", link.urn
    assert link.inputs["virtualNetwork"] == {"id": ids(cfg)["vnet"]}, link.urn
    assert link.inputs["registrationEnabled"] is False, link.urn
    assert zone.urn in link.dependencies and one(run, VNET).urn in link.dependencies, link.urn


def test_exposed_ids_are_known_arm_ids(planned):
    cfg, run, vpn = planned
    expected = ids(cfg)
    assert vpn.resource_group_name == expected["rg"]
    assert vpn.vnet_id == expected["vnet"]
    assert vpn.private_endpoint_subnet_id == expected["pe_subnet"]
    assert vpn.blob_dns_zone_id == expected["zone"]
    assert vpn.gateway_id == expected["gateway"]
    assert vpn.gateway_name == naming.vpn_gateway(cfg.prefix)
    assert {type(r).__name__ for r in vpn.private_endpoint_dependencies} == {
        "VirtualNetwork", "NetworkSecurityGroup", "PrivateZone", "VirtualNetworkLink"}
