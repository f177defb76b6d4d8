"""network-hub-forced-tunnel: Virtual WAN P2S clients are force-tunnelled to the hub firewall (C, issue 10)."""

from __future__ import annotations

import pytest

from policies.network.hub_forced_tunnel import (
    AZURE_FIREWALL,
    P2S_GATEWAY,
    POLICY,
    ROUTING_INTENT,
    VIRTUAL_HUB,
    VIRTUAL_WAN,
)
from tests.policies.helpers import failing_urns, outcome, resource, run

FW_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/azureFirewalls/afw"


def hub_stack(*, internet_security=True, intent=True, next_hop=FW_ID, destinations=("Internet",), encryption_off=False,
              gateway_in_hub=True, firewall_in_hub=True):
    wan = resource(VIRTUAL_WAN, "wan", {"resourceGroupName": "rg", "virtualWANName": "w", "location": "norwayeast",
                                        "disableVpnEncryption": encryption_off, "type": "Standard"})
    hub = resource(VIRTUAL_HUB, "hub", {"resourceGroupName": "rg", "virtualHubName": "h", "location": "norwayeast"},
                   dependencies=[wan.urn])
    fw = resource(AZURE_FIREWALL, "fw", {"resourceGroupName": "rg", "azureFirewallName": "afw",
                                         "location": "norwayeast"}, dependencies=[hub.urn] if firewall_in_hub else [])
    gw = resource(P2S_GATEWAY, "gw", {"resourceGroupName": "rg", "gatewayName": "g", "location": "norwayeast",
                                      "p2SConnectionConfigurations": [{"name": "vpn-clients",
                                                                       "enableInternetSecurity": internet_security}]},
                  dependencies=[hub.urn, fw.urn] if gateway_in_hub else [])
    found = [wan, hub, fw, gw]
    if intent:
        found.append(resource(ROUTING_INTENT, "intent", {
            "resourceGroupName": "rg", "virtualHubName": "h", "routingIntentName": "i",
            "routingPolicies": [{"name": "InternetTraffic", "destinations": list(destinations), "nextHop": next_hop}]},
            dependencies=[fw.urn]))
    return found, gw, wan


CASES = [
    ("pass_secured_hub", {}, "pass", "gw"),
    ("fail_split_tunnel", {"internet_security": False}, "fail", "gw"),
    ("fail_no_routing_intent", {"intent": False}, "fail", "gw"),
    ("fail_private_only_intent", {"destinations": ("PrivateTraffic",)}, "fail", "gw"),
    ("fail_next_hop_not_a_firewall", {"next_hop": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                                                  "networkVirtualAppliances/nva"}, "fail", "gw"),
    ("fail_firewall_in_another_hub", {"firewall_in_hub": False}, "fail", "gw"),
    ("fail_gateway_outside_any_hub", {"gateway_in_hub": False}, "fail", "gw"),
    ("fail_encryption_off", {"encryption_off": True}, "fail", "wan"),
]


@pytest.mark.parametrize(("case", "changes", "expected", "culprit"), CASES, ids=[c[0] for c in CASES])
def test_hub_forced_tunnel(case, changes, expected, culprit):
    found, gw, wan = hub_stack(**changes)
    evaluation = run(POLICY, *found)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail":
        assert failing_urns(evaluation) == {gw.urn if culprit == "gw" else wan.urn}


def test_no_hub_no_verdict():
    assert outcome(run(POLICY, resource("azure-native:network:VirtualNetwork", "v", {"location": "norwayeast"}))) \
        == "pass"


def test_violation_names_clauses_resource_and_fix():
    found, _, _ = hub_stack(internet_security=False)
    (finding,) = run(POLICY, *found).findings
    assert finding.message.startswith("[OUS-6.1.c, OUS-6.1.e] ") and "enableInternetSecurity" in finding.message
