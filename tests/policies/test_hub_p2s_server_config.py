"""network-hub-p2s-server-config: a hub P2S gateway signs in with the stack's own server configuration (H, issue 10)."""

from __future__ import annotations

import pytest

from policies.network.hub_p2s_server_config import P2S_GATEWAY, POLICY, VPN_SERVER_CONFIGURATION
from tests.policies.helpers import failing_urns, outcome, resource, run

SC_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/vpnServerConfigurations/vpnsc"


def stack(*, configs=1, named=SC_ID):
    found = [resource(VPN_SERVER_CONFIGURATION, f"sc{i}", {"resourceGroupName": "rg", "location": "norwayeast"})
             for i in range(max(configs, 1))]
    gw = resource(P2S_GATEWAY, "gw", {"resourceGroupName": "rg", "location": "norwayeast",
                                      "vpnServerConfiguration": {"id": named}},
                  dependencies=[c.urn for c in found[:configs]])
    return [*found, gw], gw


CASES = [
    ("pass_one_stack_config", {}, "pass"),
    ("fail_config_outside_stack", {"configs": 0}, "fail"),
    ("fail_two_configs", {"configs": 2}, "fail"),
    ("fail_names_something_else", {"named": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                                            "virtualHubs/h"}, "fail"),
]


@pytest.mark.parametrize(("case", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hub_p2s_server_config(case, changes, expected):
    found, gw = stack(**changes)
    evaluation = run(POLICY, *found)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail":
        assert failing_urns(evaluation) == {gw.urn}
        assert {f.clauses for f in evaluation.findings} == {("OUS-6.1.d", "OUS-6.1.e")}


def test_no_gateway_no_verdict():
    assert outcome(run(POLICY, resource(VPN_SERVER_CONFIGURATION, "sc", {"location": "norwayeast"}))) == "pass"
