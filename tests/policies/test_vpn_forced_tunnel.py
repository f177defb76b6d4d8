import pytest

from policies.network.vpn_forced_tunnel import POLICY, VIRTUAL_NETWORK_GATEWAY, uncovered
from tests.policies.helpers import outcome, resource, run

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
P2S = {"vpnClientProtocols": ["OpenVPN"], "vpnAuthenticationTypes": ["AAD"]}


def gateway(routes, **extra):
    inputs = {"vpnClientConfiguration": P2S, **extra}
    if routes is not None:
        inputs["customRoutes"] = {"addressPrefixes": routes}
    return inputs


CASES = [
    ("pass_two_halves", gateway(["0.0.0.0/1", "128.0.0.0/1"]), "pass"),
    ("pass_default_route", gateway(["0.0.0.0/0"]), "pass"),
    ("pass_four_quarters", gateway(["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"]), "pass"),
    ("pass_overlapping_and_extra", gateway(["0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", "::/0"]), "pass"),
    ("pass_non_strict_prefix", gateway(["0.0.0.1/1", "128.0.0.0/1"]), "pass"),
    ("pass_no_point_to_site", {"customRoutes": {"addressPrefixes": []}}, "pass"),
    ("fail_no_custom_routes", gateway(None), "fail"),
    ("fail_empty_routes", gateway([]), "fail"),
    ("fail_half", gateway(["0.0.0.0/1"]), "fail"),
    ("fail_private_only", gateway(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]), "fail"),
    ("fail_hole", gateway(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"]), "fail"),
    ("fail_ipv6_only", gateway(["::/0"]), "fail"),
    ("fail_garbage", gateway(["everything", "0.0.0.0/33"]), "fail"),
    ("fail_odd_types", gateway(None, customRoutes={"addressPrefixes": "0.0.0.0/0"}), "fail"),
    ("fail_route_table_is_no_substitute", gateway(None, routeTable={"routes": [{"addressPrefix": "0.0.0.0/0"}]}),
     "fail"),
    ("unknown_routes", gateway([UNKNOWN]), "unknown"),
    ("unknown_route_list", gateway(None, customRoutes={"addressPrefixes": UNKNOWN}), "unknown"),
    ("unknown_secret", gateway(None, customRoutes="[secret]"), "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gateway(case, inputs, expected):
    evaluation = run(POLICY, resource(VIRTUAL_NETWORK_GATEWAY, "gw", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_uncovered_names_the_gaps():
    assert [str(n) for n in uncovered(["0.0.0.0/1"])] == ["128.0.0.0/1"]
    assert uncovered(["0.0.0.0/1", "128.0.0.0/1"]) == []


def test_other_types_are_ignored():
    assert outcome(run(POLICY, resource("azure-native:network:LocalNetworkGateway", "l", gateway([])))) == "pass"


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, resource(VIRTUAL_NETWORK_GATEWAY, "vpn-gateway", gateway(["10.0.0.0/8"])))
    (finding,) = evaluation.mandatory
    assert "[OUS-6.1.c]" in finding.message and "'vpn-gateway'" in finding.message
    assert "split tunnelling" in finding.message and "0.0.0.0/1" in finding.message
    assert finding.clauses == ("OUS-6.1.c",)
