"""Mutations of the shipped stacks' Virtual WAN secured hub (modules/egress.py, owner: H, issue 10).

The shipped stacks run point-to-site VPN on the hub (config `egress`), so every VPN clause the
VNet-gateway mutations break on `<stack>-vnetgw` is broken here on the hub's own resources:
protocols and sign-in on the VpnServerConfiguration (OUS-6.1.e, OUS-6.1.d), the client pool and
server configuration of the P2sVpnGateway, the forced tunnel (internet security, routing intent)
and WAN encryption (OUS-6.1.c, OUS-6.1.e), the gateway's region (ECG-7S), a hub-side way out
(OUS-6.1.b) and the connection log (OUS-6.b).
"""

from __future__ import annotations

from tests.policies.mutations import Mutation, find, remove, resources

BOTH = ("ous-kvalitetslab", "ecg247")
SERVER_CONFIG = "azure-native:network:VpnServerConfiguration"
P2S_GATEWAY = "azure-native:network:P2sVpnGateway"
VIRTUAL_WAN = "azure-native:network:VirtualWan"
ROUTING_INTENT = "azure-native:network:RoutingIntent"
HUB_CONNECTION = "azure-native:network:HubVirtualNetworkConnection"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"


def _server(plan: dict) -> dict:
    return find(plan, SERVER_CONFIG)["inputs"]["properties"]


def _gateway(plan: dict) -> dict:
    return find(plan, P2S_GATEWAY)["inputs"]


def hub_adds_ikev2(plan: dict) -> None:
    _server(plan)["vpnProtocols"].append("IkeV2")


def hub_adds_certificate_login(plan: dict) -> None:
    server = _server(plan)
    server["vpnAuthenticationTypes"].append("Certificate")
    server["vpnClientRootCertificates"] = [{"name": "laptops", "publicCertData": "MIIC5jCCAc6gAwIBAgIQ"}]


def hub_adds_radius_policy_group(plan: dict) -> None:
    """A second client configuration with its own (RADIUS) members, beside the Entra ID one."""
    _server(plan)["configurationPolicyGroups"] = [{"name": "contractors", "isDefault": False, "priority": 1,
                                                   "policyMembers": [{"name": "m", "attributeType": "RadiusAzureGroupId",
                                                                      "attributeValue": "6ad1bd08"}]}]


def hub_issuer_without_slash(plan: dict) -> None:
    aad = _server(plan)["aadAuthenticationParameters"]
    aad["aadIssuer"] = aad["aadIssuer"].rstrip("/")


def hub_second_client_pool(plan: dict) -> None:
    configs = _gateway(plan)["p2SConnectionConfigurations"]
    configs.append({**configs[0], "name": "second", "vpnClientAddressPool": {"addressPrefixes": ["10.250.0.0/24"]}})


def hub_foreign_server_config(plan: dict) -> None:
    """The gateway signs clients in with a server configuration outside the plan (made by hand)."""
    gateway = find(plan, P2S_GATEWAY)
    server = find(plan, SERVER_CONFIG)
    gateway["dependencies"] = [d for d in gateway["dependencies"] if d != server["urn"]]
    ref = gateway["inputs"]["vpnServerConfiguration"]
    ref["id"] = ref["id"].rsplit("/", 1)[0] + "/handmade-certificate-config"


def hub_internet_security_off(plan: dict) -> None:
    for c in _gateway(plan)["p2SConnectionConfigurations"]:
        c["enableInternetSecurity"] = False


def hub_routing_intent_removed(plan: dict) -> None:
    remove(plan, ROUTING_INTENT)


def hub_vpn_encryption_off(plan: dict) -> None:
    find(plan, VIRTUAL_WAN)["inputs"]["disableVpnEncryption"] = True


def hub_gateway_in_norwaywest(plan: dict) -> None:
    _gateway(plan)["location"] = "norwaywest"


def hub_connection_routes_internet_to_vnet(plan: dict) -> None:
    find(plan, HUB_CONNECTION)["inputs"]["routingConfiguration"] = {"vnetRoutes": {"staticRoutes": [
        {"name": "via-appliance", "addressPrefixes": ["0.0.0.0/0"], "nextHopIpAddress": "10.60.3.4"}]}}


def hub_clients_public_dns(plan: dict) -> None:
    """The hub's P2S gateway hands clients a public resolver: accounts resolve to their public (refused) addresses."""
    _gateway(plan)["customDnsServers"] = ["1.1.1.1"]


def hub_p2s_logs_removed(plan: dict) -> None:
    gateway = find(plan, P2S_GATEWAY)
    for r in resources(plan, DIAGNOSTIC):
        if gateway["urn"] in r.get("dependencies", []):
            remove(plan, DIAGNOSTIC, r["name"])
            return
    raise AssertionError("no diagnostic setting on the hub's P2S gateway")


MUTATIONS = [
    Mutation("hub-adds-ikev2", BOTH, hub_adds_ikev2, {"network-vpn-entra-openvpn"}, {"OUS-6.1.e", "OUS-6.1.c"}),
    Mutation("hub-adds-certificate-login", BOTH, hub_adds_certificate_login, {"network-vpn-entra-openvpn"},
             {"OUS-6.1.c", "OUS-6.1.d"}),
    Mutation("hub-adds-radius-policy-group", BOTH, hub_adds_radius_policy_group, {"network-vpn-entra-openvpn"},
             {"OUS-6.1.d"}),
    Mutation("hub-issuer-without-slash", BOTH, hub_issuer_without_slash, {"network-vpn-entra-openvpn"},
             {"OUS-6.1.c"}),
    Mutation("hub-second-client-pool", BOTH, hub_second_client_pool, {"network-vpn-entra-openvpn"}, {"OUS-6.1.c"}),
    Mutation("hub-foreign-server-config", BOTH, hub_foreign_server_config, {"network-hub-p2s-server-config"},
             {"OUS-6.1.d", "OUS-6.1.e"}),
    Mutation("hub-internet-security-off", BOTH, hub_internet_security_off, {"network-hub-forced-tunnel"},
             {"OUS-6.1.c"}),
    Mutation("hub-routing-intent-removed", BOTH, hub_routing_intent_removed, {"network-hub-forced-tunnel"},
             {"OUS-6.1.c"}),
    Mutation("hub-vpn-encryption-off", BOTH, hub_vpn_encryption_off, {"network-hub-forced-tunnel"}, {"OUS-6.1.e"}),
    Mutation("hub-gateway-in-norwaywest", BOTH, hub_gateway_in_norwaywest, {"network-vpn-gateway-zone-redundant"},
             {"ECG-7S"}),
    Mutation("hub-connection-routes-internet-to-vnet", BOTH, hub_connection_routes_internet_to_vnet,
             {"network-vpn-no-internet-breakout"}, {"OUS-6.1.c", "OUS-6.1.b"}),
    Mutation("hub-clients-public-dns", BOTH, hub_clients_public_dns, {"network-dns-vpn-clients"}, {"OUS-6.1.b"}),
    Mutation("hub-p2s-logs-removed", BOTH, hub_p2s_logs_removed, {"audit-vpn-gateway-logs"}, {"OUS-6.b"}),
]
