import pytest

from policies.network.vpn_gateway_zone_redundant import POLICY, PUBLIC_IP, VIRTUAL_NETWORK_GATEWAY
from tests.policies.helpers import failing_urns, fails_closed, resource, run, urn_of

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


IP_URN = urn_of(PUBLIC_IP, "gw-ip")


def gw(depends_on_ip=True, **changes):
    """As modules/vpn.py plans it: the gateway depends on its public IP (in preview the IP's id is unknown)."""
    return resource(VIRTUAL_NETWORK_GATEWAY, "gw", {**pass_gateway, **changes},
                    dependencies=(IP_URN,) if depends_on_ip else ())


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
    ("fail_gateway_depends_on_no_ip", [gw(depends_on_ip=False), ip()], {"gw"}),
    ("fail_odd_types", [gw(sku="VpnGw1AZ", ipConfigurations={"x": 1}), ip()], {"gw"}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_gateway(case, resources, failing):
    evaluation = run(POLICY, *resources)
    assert failing_urns(evaluation) == {r.urn for r in resources if r.name in failing}, \
        [f.message for f in evaluation.findings]


def test_unknown_ip_id_is_the_preview_of_a_new_ip():
    """The IP's id is unknown in preview when the program passes `ip.id`: the dependency decides."""
    bad = resource(VIRTUAL_NETWORK_GATEWAY, "gw2", {**pass_gateway, "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
                                                    "ipConfigurations": []})
    evaluation = run(POLICY, gw(ipConfigurations=[{"publicIPAddress": {"id": UNKNOWN}}]), ip(), bad)
    assert failing_urns(evaluation) == {bad.urn}


def test_secret_sku_fails_closed():
    assert fails_closed(run(POLICY, gw(sku={"name": "[secret]", "tier": "[secret]"}), ip()))


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, gw(sku={"name": "VpnGw1", "tier": "VpnGw1"}), ip())
    (finding,) = evaluation.findings
    assert finding.message.startswith("[ECG-7S, OUS-6.1.c] ") and "'gw'" in finding.message and "VpnGw1AZ" in finding.message
    assert finding.clauses == ("ECG-7S", "OUS-6.1.c")


# Virtual WAN point-to-site gateway (modules/egress.py): no SKU or zones in its ARM form, only the region.
HUB_CASES = [
    ("pass_hub_gateway_norwayeast", "norwayeast", "pass"),
    ("pass_hub_gateway_case", "NorwayEast", "pass"),
    ("fail_hub_gateway_norwaywest", "norwaywest", "fail"),
    ("fail_hub_gateway_location_absent", None, "fail"),
]


@pytest.mark.parametrize(("case", "location", "expected"), HUB_CASES, ids=[c[0] for c in HUB_CASES])
def test_hub_gateway_region(case, location, expected):
    props = {"resourceGroupName": "rg-net", "gatewayName": "p2sgw"}
    if location is not None:
        props["location"] = location
    hub_gw = resource("azure-native:network:P2sVpnGateway", "p2s-gw", props)
    evaluation = run(POLICY, hub_gw)
    assert failing_urns(evaluation) == ({hub_gw.urn} if expected == "fail" else set()), \
        [f.message for f in evaluation.findings]


def test_zone_regions_fact_matches_the_program():
    """policies/facts.py and modules/config.py each hold the set (neither may import the other)."""
    from modules import config
    from policies import facts

    assert facts.ZONE_REGIONS == config.ZONE_REGIONS == frozenset({"norwayeast"})
