import pytest

from policies.network.vpn_gateway_zone_redundant import POLICY, PUBLIC_IP, VIRTUAL_NETWORK_GATEWAY
from tests.policies.helpers import STACK_URN, failing_urns, outcome, resource, run

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
PIP_ID = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/publicIPAddresses/pip-gw"

pass_gateway = {
    "gatewayType": "Vpn",
    "resourceGroupName": "rg-net",
    "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"},
    "ipConfigurations": [{"name": "default", "publicIPAddress": {"id": PIP_ID}}],
}
pass_ip = {"resourceGroupName": "rg-net", "publicIpAddressName": "pip-gw", "sku": {"name": "Standard"},
           "zones": ["1", "2", "3"]}


def gw(**changes):
    return resource(VIRTUAL_NETWORK_GATEWAY, "gw", {**pass_gateway, **changes})


def ip(**changes):
    return resource(PUBLIC_IP, "gw-ip", {**pass_ip, **changes})


CASES = [
    ("pass_az_sku_zone_redundant_ip", [gw(), ip()], set()),
    ("pass_id_case_differs", [gw(ipConfigurations=[{"publicIPAddress": {"id": PIP_ID.upper()}}]), ip()], set()),
    ("pass_expressroute_is_not_checked", [gw(gatewayType="ExpressRoute", sku={"name": "Standard"})], set()),
    ("pass_two_zones", [gw(), ip(zones=["1", "2"])], set()),
    ("fail_non_az_sku", [gw(sku={"name": "VpnGw1", "tier": "VpnGw1"}), ip()], {"gw"}),
    ("fail_tier_not_az", [gw(sku={"name": "VpnGw2AZ", "tier": "VpnGw2"}), ip()], {"gw"}),
    ("fail_sku_absent", [gw(sku=None), ip()], {"gw"}),
    ("fail_basic_ip", [gw(), ip(sku={"name": "Basic"})], {"gw-ip"}),
    ("fail_zonal_ip", [gw(), ip(zones=["1"])], {"gw-ip"}),
    ("fail_ip_without_zones", [gw(), ip(zones=None)], {"gw-ip"}),
    ("fail_ip_not_in_stack", [gw()], {"gw"}),
    ("fail_odd_types", [gw(sku="VpnGw1AZ", ipConfigurations={"x": 1}), ip()], {"gw"}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_gateway(case, resources, failing):
    evaluation = run(POLICY, *resources)
    assert failing_urns(evaluation) == {r.urn for r in resources if r.name in failing}, \
        [f.message for f in evaluation.findings]


def test_unknown_ip_id_is_undecided_but_other_gateways_are_checked():
    bad = resource(VIRTUAL_NETWORK_GATEWAY, "gw2", {**pass_gateway, "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
                                                    "ipConfigurations": []})
    evaluation = run(POLICY, gw(ipConfigurations=[{"publicIPAddress": {"id": UNKNOWN}}]), bad)
    assert failing_urns(evaluation) == {bad.urn}
    assert [f.urn for f in evaluation.unknowns] == [STACK_URN]


def test_secret_sku_is_undecided():
    assert outcome(run(POLICY, gw(sku={"name": "[secret]"}), ip())) == "unknown"


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, gw(sku={"name": "VpnGw1", "tier": "VpnGw1"}), ip())
    (finding,) = evaluation.findings
    assert "ECG-7S" in finding.message and "'gw'" in finding.message and "VpnGw1AZ" in finding.message
    assert finding.clauses == ("ECG-7S", "OUS-6.1.c")
