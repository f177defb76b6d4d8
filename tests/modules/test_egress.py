"""SecuredHubEgress (config `egress`): P2S on a Virtual WAN hub, internet only via the hub firewall (issue 10)."""

from __future__ import annotations

import pytest

from modules import config
from modules.dns import VpnClientDns, VpnClientDnsArgs
from modules.egress import SecuredHubEgress, SecuredHubEgressArgs
from modules.vpn import ForcedTunnelVpn, ForcedTunnelVpnArgs

STACKS = ("ous-kvalitetslab", "ecg247")
EGRESS = {"hubAddressPrefix": "10.99.0.0/23", "stateBackendFqdns": ["api.pulumi.com"]}
N = "azure-native:network:"
# What an operator must reach while connected, and nothing else (issue 10), as literals.
ALLOWED = {
    "entra-id-sign-in": ["login.microsoftonline.com"],
    "azure-resource-manager": ["management.azure.com"],
    "microsoft-graph": ["graph.microsoft.com"],
    "pulumi-state-backend": ["api.pulumi.com"],
}


def with_egress(raw):
    raw["egress"] = dict(EGRESS)


@pytest.fixture(scope="module", params=STACKS)
def planned(request, stack, run_component):
    s = stack(request.param, with_egress)
    holder = {}

    def build(cfg):
        vpn = ForcedTunnelVpn("vpn", ForcedTunnelVpnArgs.from_config(cfg))
        dns = VpnClientDns("dns", VpnClientDnsArgs.from_config(cfg, resource_group_name=vpn.resource_group_name,
                                                                vnet_id=vpn.vnet_id,
                                                                subnet_id=vpn.dns_resolver_subnet_id))
        holder["egress"] = SecuredHubEgress("egress", SecuredHubEgressArgs.from_config(
            cfg, resource_group_name=vpn.resource_group_name, vnet_id=vpn.vnet_id, dns_server=dns.address,
            workspace_id="/subscriptions/s/resourceGroups/rg-audit/providers/Microsoft.OperationalInsights/"
                         "workspaces/log"), wait_for=[vpn.vnet])
        holder["vpn"] = vpn

    return s.cfg, run_component(s, build), holder


def one(run, kind):
    found = run.of_type(N + kind)
    assert len(found) == 1, f"{kind}: {[r.urn for r in found]}"
    return found[0]


def test_no_vnet_gateway_when_clients_connect_to_the_hub(planned):
    _, run, holder = planned
    assert not run.of_type(N + "VirtualNetworkGateway") and not run.of_type(N + "PublicIPAddress")
    assert holder["vpn"].gateway_id is None


def test_firewall_allows_exactly_the_operator_services_and_nothing_shadows_them(planned):
    # Microsoft Learn, "Azure Firewall rule processing logic": "Network rules are applied first, then
    # application rules. The rules are terminating." A network rule matching the clients (even a
    # deny-all at a later priority) would decide every HTTPS flow before the allowed FQDNs are read;
    # "If there's still no match, then the packet is denied by default."
    cfg, run, _ = planned
    group = one(run, "FirewallPolicyRuleCollectionGroup")
    [allow] = group.inputs["ruleCollections"]
    assert allow["action"] == {"type": "Allow"}, group.urn
    assert {r["name"]: r["targetFqdns"] for r in allow["rules"]} == ALLOWED, group.urn
    for rule in allow["rules"]:
        assert rule["ruleType"] == "ApplicationRule", group.urn
        assert rule["protocols"] == [{"protocolType": "Https", "port": 443}], group.urn
        assert rule["sourceAddresses"] == [str(cfg.network.vpn_client_pool)], group.urn
    network_rules = [r for g in run.of_type(N + "FirewallPolicyRuleCollectionGroup")
                     for c in g.inputs["ruleCollections"] for r in c["rules"] if r["ruleType"] == "NetworkRule"]
    assert network_rules == [], "a network rule is processed before every application rule"


def test_internet_traffic_of_clients_goes_to_the_firewall(planned):
    cfg, run, holder = planned
    gateway = one(run, "P2sVpnGateway")
    [conn] = gateway.inputs["p2SConnectionConfigurations"]
    assert conn["enableInternetSecurity"] is True, gateway.urn
    assert conn["vpnClientAddressPool"] == {"addressPrefixes": [str(cfg.network.vpn_client_pool)]}, gateway.urn
    assert gateway.inputs["customDnsServers"] == [str(cfg.network.dns_resolver_ip)], gateway.urn
    intent = one(run, "RoutingIntent")
    assert intent.inputs["routingPolicies"] == [
        {"name": "InternetTraffic", "destinations": ["Internet"], "nextHop": holder["egress"].firewall_id}]


def test_entra_id_openvpn_only_on_the_hub(planned):
    cfg, run, _ = planned
    sc = one(run, "VpnServerConfiguration")
    props = sc.inputs["properties"]
    assert props["vpnProtocols"] == ["OpenVPN"] and props["vpnAuthenticationTypes"] == ["AAD"], sc.urn
    assert props["aadAuthenticationParameters"] == {
        "aadTenant": f"https://login.microsoftonline.com/{cfg.tenant_id}",
        "aadIssuer": f"https://sts.windows.net/{cfg.tenant_id}/",
        "aadAudience": cfg.vpn.audience,
    }, sc.urn


def test_everything_in_norway_east_and_the_firewall_zone_redundant(planned):
    _, run, _ = planned
    for kind in ("VirtualWan", "VirtualHub", "AzureFirewall", "FirewallPolicy", "VpnServerConfiguration",
                 "P2sVpnGateway"):
        assert one(run, kind).inputs["location"] == "norwayeast", kind
    fw = one(run, "AzureFirewall")
    assert fw.inputs["zones"] == ["1", "2", "3"] and fw.inputs["sku"] == {"name": "AZFW_Hub", "tier": "Standard"}


def test_firewall_and_gateway_log_to_the_audit_workspace(planned):
    _, run, holder = planned
    settings = {s.inputs["resourceUri"]: s for s in run.of_type("azure-native:monitor:DiagnosticSetting")}
    fw = settings[holder["egress"].firewall_id]
    assert {entry["category"] for entry in fw.inputs["logs"]} >= {"AZFWApplicationRule", "AZFWNetworkRule"}
    assert fw.inputs["logAnalyticsDestinationType"] == "Dedicated"
    gw = settings[holder["egress"].gateway_id]
    assert "P2SDiagnosticLog" in {entry["category"] for entry in gw.inputs["logs"]}
    # Learn "Supported logs for Microsoft.Network/p2sVpnGateways": every category's table is
    # AzureDiagnostics, so asking for resource-specific ("Dedicated") tables would promise none
    assert "logAnalyticsDestinationType" not in gw.inputs
    assert one(run, "AzureFirewall").urn in fw.dependencies


def test_the_vnet_is_connected_to_the_hub(planned):
    _, run, holder = planned
    conn = one(run, "HubVirtualNetworkConnection")
    assert conn.inputs["remoteVirtualNetwork"] == {"id": holder["vpn"].vnet_id}
    assert conn.inputs["enableInternetSecurity"] is True


@pytest.mark.parametrize(("egress", "key", "text"), [
    ({"hubAddressPrefix": "10.99.0.0/25", "stateBackendFqdns": ["api.pulumi.com"]}, "egress.hubAddressPrefix",
     "smaller than the /24"),
    ({"hubAddressPrefix": "10.60.0.0/23", "stateBackendFqdns": ["api.pulumi.com"]}, "egress.hubAddressPrefix",
     "overlaps network.vnetCidr"),
    ({"hubAddressPrefix": "10.99.0.0/23", "stateBackendFqdns": ["*.pulumi.com"]}, "egress.stateBackendFqdns[0]",
     "host name"),
    ({"hubAddressPrefix": "10.99.0.0/23", "stateBackendFqdns": []}, "egress.stateBackendFqdns", "state"),
    ({"hubAddressPrefix": "10.99.0.0/23"}, "egress.stateBackendFqdns", "required"),
])
def test_egress_config_errors_are_one_line(stack, egress, key, text):
    with pytest.raises(config.ConfigError) as err:
        stack("ous-kvalitetslab", lambda raw: raw.update(egress=egress))
    assert err.value.keys == key and text in err.value.message and "\n" not in str(err.value)
