import pytest

from policies.network.vpn_no_internet_breakout import (
    CONNECTION,
    HUB_ROUTE_TABLE,
    HUB_VNET_CONNECTION,
    LOCAL_NETWORK_GATEWAY,
    POLICY,
    VIRTUAL_HUB,
    VIRTUAL_NETWORK_GATEWAY,
)
from tests.policies.helpers import outcome, resource, run

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
FW_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/afw-hub"
CONN_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualHubs/h/hubVirtualNetworkConnections/c"

CASES = [
    ("pass_gateway_plain", VIRTUAL_NETWORK_GATEWAY, {"gatewayType": "Vpn", "enableBgp": False}, "pass"),
    ("pass_gateway_bgp_flag_alone", VIRTUAL_NETWORK_GATEWAY, {"enableBgp": True}, "pass"),
    ("pass_site_private", LOCAL_NETWORK_GATEWAY,
     {"localNetworkAddressSpace": {"addressPrefixes": ["10.1.0.0/16", "192.168.5.0/24"]}}, "pass"),
    ("pass_connection_private_selectors", CONNECTION,
     {"usePolicyBasedTrafficSelectors": True, "enableBgp": False,
      "trafficSelectorPolicies": [{"localAddressRanges": ["10.60.0.0/16"], "remoteAddressRanges": ["10.1.0.0/16"]}]},
     "pass"),
    ("fail_default_site", VIRTUAL_NETWORK_GATEWAY, {"gatewayDefaultSite": {"id": "/subscriptions/s/x"}}, "fail"),
    ("fail_site_public_prefix", LOCAL_NETWORK_GATEWAY,
     {"localNetworkAddressSpace": {"addressPrefixes": ["10.1.0.0/16", "0.0.0.0/0"]}}, "fail"),
    ("fail_site_public_range", LOCAL_NETWORK_GATEWAY,
     {"localNetworkAddressSpace": {"addressPrefixes": ["20.0.0.0/8"]}}, "fail"),
    ("fail_site_cgnat_counts_as_public", LOCAL_NETWORK_GATEWAY,
     {"localNetworkAddressSpace": {"addressPrefixes": ["100.64.0.0/10"]}}, "fail"),
    ("fail_site_unreadable_prefix", LOCAL_NETWORK_GATEWAY,
     {"localNetworkAddressSpace": {"addressPrefixes": ["anywhere"]}}, "fail"),
    ("fail_site_bgp", LOCAL_NETWORK_GATEWAY, {"bgpSettings": {"asn": 65010, "bgpPeeringAddress": "10.1.0.1"}}, "fail"),
    ("fail_connection_bgp", CONNECTION, {"enableBgp": True}, "fail"),
    ("fail_connection_public_selector", CONNECTION,
     {"usePolicyBasedTrafficSelectors": True,
      "trafficSelectorPolicies": [{"localAddressRanges": ["10.60.0.0/16"], "remoteAddressRanges": ["0.0.0.0/0"]}]},
     "fail"),
    ("pass_odd_types", LOCAL_NETWORK_GATEWAY, {"localNetworkAddressSpace": "0.0.0.0/0", "bgpSettings": "x"}, "pass"),
    ("unknown_site_prefixes", LOCAL_NETWORK_GATEWAY, {"localNetworkAddressSpace": {"addressPrefixes": UNKNOWN}},
     "unknown"),
    ("unknown_connection_bgp", CONNECTION, {"enableBgp": UNKNOWN}, "unknown"),
    ("unknown_secret_selectors", CONNECTION, {"trafficSelectorPolicies": "[secret]"}, "unknown"),
    # Virtual WAN secured hub (modules/egress.py)
    ("pass_hub_route_to_firewall", HUB_ROUTE_TABLE,
     {"routes": [{"name": "r", "destinationType": "CIDR", "destinations": ["0.0.0.0/0"], "nextHopType": "ResourceId",
                  "nextHop": FW_ID}]}, "pass"),
    ("pass_hub_private_route", HUB_ROUTE_TABLE,
     {"routes": [{"name": "r", "destinationType": "CIDR", "destinations": ["10.80.0.0/16"], "nextHop": CONN_ID}]},
     "pass"),
    ("fail_hub_route_public_elsewhere", HUB_ROUTE_TABLE,
     {"routes": [{"name": "r", "destinationType": "CIDR", "destinations": ["0.0.0.0/0"], "nextHop": CONN_ID}]},
     "fail"),
    ("fail_hub_inline_public_route", VIRTUAL_HUB,
     {"routeTable": {"routes": [{"addressPrefixes": ["0.0.0.0/0"], "nextHopIpAddress": "10.60.3.4"}]}}, "fail"),
    ("pass_hub_inline_private_route", VIRTUAL_HUB,
     {"routeTable": {"routes": [{"addressPrefixes": ["10.80.0.0/16"], "nextHopIpAddress": "10.60.3.4"}]}}, "pass"),
    ("fail_hub_connection_public_static_route", HUB_VNET_CONNECTION,
     {"routingConfiguration": {"vnetRoutes": {"staticRoutes": [
         {"name": "out", "addressPrefixes": ["0.0.0.0/0"], "nextHopIpAddress": "10.60.3.4"}]}}}, "fail"),
    ("pass_hub_connection_no_static_routes", HUB_VNET_CONNECTION, {"enableInternetSecurity": True}, "pass"),
]


@pytest.mark.parametrize(("case", "type_", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_breakout(case, type_, inputs, expected):
    evaluation = run(POLICY, resource(type_, "r", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, resource(LOCAL_NETWORK_GATEWAY, "office",
                                      {"localNetworkAddressSpace": {"addressPrefixes": ["0.0.0.0/0"]}}))
    (finding,) = evaluation.mandatory
    assert "OUS-6.1.c" in finding.message and "'office'" in finding.message and "RFC 1918" in finding.message
    assert finding.clauses == ("OUS-6.1.c", "OUS-6.1.b")
