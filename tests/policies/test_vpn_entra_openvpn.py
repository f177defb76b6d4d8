import copy

import pytest

from policies.network.vpn_entra_openvpn import POLICY, VIRTUAL_NETWORK_GATEWAY
from tests.policies.helpers import outcome, resource, run
from tests.policies.registers import TENANT, VPN_AUDIENCE, register

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

pass_entra_openvpn = {
    "gatewayType": "Vpn",
    "vpnType": "RouteBased",
    "sku": {"name": "VpnGw1AZ", "tier": "VpnGw1AZ"},
    "vpnClientConfiguration": {
        "vpnClientAddressPool": {"addressPrefixes": ["172.16.201.0/24"]},
        "vpnClientProtocols": ["OpenVPN"],
        "vpnAuthenticationTypes": ["AAD"],
        "aadTenant": f"https://login.microsoftonline.com/{TENANT}",
        "aadIssuer": f"https://sts.windows.net/{TENANT}/",
        "aadAudience": VPN_AUDIENCE,
    },
    "customRoutes": {"addressPrefixes": ["0.0.0.0/1", "128.0.0.0/1"]},
}


def p2s(**changes):
    inputs = copy.deepcopy(pass_entra_openvpn)
    for k, v in changes.items():
        if v is None:
            inputs["vpnClientConfiguration"].pop(k, None)
        else:
            inputs["vpnClientConfiguration"][k] = v
    return inputs


def top(**changes):
    inputs = copy.deepcopy(pass_entra_openvpn)
    inputs.update(changes)
    return inputs


CASES = [
    ("pass_entra_openvpn", pass_entra_openvpn, "pass"),
    ("pass_case_insensitive", p2s(vpnClientProtocols=["openvpn"], vpnAuthenticationTypes=["aad"],
                                  aadTenant=f"https://login.microsoftonline.com/{TENANT.upper()}/"), "pass"),
    ("pass_gateway_type_absent", {k: v for k, v in pass_entra_openvpn.items() if k != "gatewayType"}, "pass"),
    ("pass_site_to_site_only", {"gatewayType": "Vpn", "vpnType": "PolicyBased"}, "pass"),
    ("pass_pool_written_differently", p2s(vpnClientAddressPool={"addressPrefixes": ["172.16.201.0/24 "]}), "pass"),
    ("fail_ikev2_too", p2s(vpnClientProtocols=["OpenVPN", "IkeV2"]), "fail"),
    ("fail_sstp", p2s(vpnClientProtocols=["SSTP"]), "fail"),
    ("fail_protocols_absent", p2s(vpnClientProtocols=None), "fail"),
    ("fail_certificate_auth", p2s(vpnAuthenticationTypes=["AAD", "Certificate"]), "fail"),
    ("fail_radius_auth", p2s(vpnAuthenticationTypes=["Radius"]), "fail"),
    ("fail_auth_absent", p2s(vpnAuthenticationTypes=None), "fail"),
    ("fail_root_certificate", p2s(vpnClientRootCertificates=[{"name": "root", "publicCertData": "MIIC"}]), "fail"),
    ("fail_root_certificate_unknown_entry", p2s(vpnClientRootCertificates=[UNKNOWN]), "fail"),
    ("fail_radius_server", p2s(radiusServerAddress="10.0.0.4"), "fail"),
    ("fail_radius_servers", p2s(radiusServers=[{"radiusServerAddress": "10.0.0.4"}]), "fail"),
    ("fail_client_connection_configs", p2s(vngClientConnectionConfigurations=[{"name": "x"}]), "fail"),
    ("fail_policy_groups", top(virtualNetworkGatewayPolicyGroups=[{"name": "g", "isDefault": True}]), "fail"),
    ("fail_other_tenant", p2s(aadTenant="https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111"),
     "fail"),
    ("fail_issuer_without_slash", p2s(aadIssuer=f"https://sts.windows.net/{TENANT}"), "fail"),
    ("fail_wrong_audience", p2s(aadAudience="41b23e61-6c1e-4545-b367-cd054e0ed4b4"), "fail"),
    ("fail_aad_values_absent", p2s(aadTenant=None, aadIssuer=None, aadAudience=None), "fail"),
    ("fail_other_pool", p2s(vpnClientAddressPool={"addressPrefixes": ["172.16.202.0/24"]}), "fail"),
    ("fail_extra_pool", p2s(vpnClientAddressPool={"addressPrefixes": ["172.16.201.0/24", "10.9.0.0/16"]}), "fail"),
    ("fail_policy_based", top(vpnType="PolicyBased"), "fail"),
    ("fail_expressroute_with_p2s", top(gatewayType="ExpressRoute"), "fail"),
    ("fail_odd_types", p2s(vpnClientProtocols="OpenVPN", vpnAuthenticationTypes={"a": 1}, aadTenant=7), "fail"),
    ("unknown_protocols", p2s(vpnClientProtocols=UNKNOWN), "unknown"),
    ("unknown_audience", p2s(aadAudience=UNKNOWN), "unknown"),
    ("unknown_secret_issuer", p2s(aadIssuer="[secret]"), "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gateway(case, inputs, expected):
    evaluation = run(POLICY, resource(VIRTUAL_NETWORK_GATEWAY, "gw", inputs), register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("type_", ["azure-native:network:P2sVpnGateway", "azure-native:network:VpnServerConfiguration"])
def test_virtual_wan_point_to_site_is_refused(type_):
    assert outcome(run(POLICY, resource(type_, "wan-p2s", {}), register=register())) == "fail"


def test_without_register_it_is_undecided():
    assert outcome(run(POLICY, resource(VIRTUAL_NETWORK_GATEWAY, "gw", pass_entra_openvpn))) == "unknown"


def test_other_types_are_ignored():
    evaluation = run(POLICY, resource("azure-native:network:VirtualNetwork", "v", p2s(vpnClientProtocols=["SSTP"])),
                     register=register())
    assert outcome(evaluation) == "pass"


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, resource(VIRTUAL_NETWORK_GATEWAY, "vpn-gateway", p2s(vpnClientProtocols=["IkeV2"])),
                     register=register())
    (finding,) = evaluation.mandatory
    assert "OUS-6.1.c" in finding.message and "'vpn-gateway'" in finding.message
    assert "set vpnClientProtocols: [OpenVPN]" in finding.message
    assert finding.clauses == ("OUS-6.1.c", "OUS-6.1.e", "OUS-6.1.d")
