import copy

import pytest

from policies.network.vpn_entra_openvpn import (
    P2S_VPN_GATEWAY,
    POLICY,
    VIRTUAL_NETWORK_GATEWAY,
    VPN_SERVER_CONFIGURATION,
)
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


# Virtual WAN point-to-site (modules/egress.py): the same rules on the server configuration and the gateway.
pass_server_config = {
    "properties": {
        "vpnProtocols": ["OpenVPN"],
        "vpnAuthenticationTypes": ["AAD"],
        "aadAuthenticationParameters": {
            "aadTenant": f"https://login.microsoftonline.com/{TENANT}",
            "aadIssuer": f"https://sts.windows.net/{TENANT}/",
            "aadAudience": VPN_AUDIENCE,
        },
    },
}


def server(**changes):
    inputs = copy.deepcopy(pass_server_config)
    for k, v in changes.items():
        target = inputs["properties"]["aadAuthenticationParameters"] if k.startswith("aad") else inputs["properties"]
        if v is None:
            target.pop(k, None)
        else:
            target[k] = v
    return inputs


SERVER_CASES = [
    ("pass_server_config", pass_server_config, "pass"),
    ("fail_hub_ikev2_too", server(vpnProtocols=["OpenVPN", "IkeV2"]), "fail"),
    ("fail_hub_protocols_absent", server(vpnProtocols=None), "fail"),
    ("fail_hub_certificate_auth", server(vpnAuthenticationTypes=["AAD", "Certificate"]), "fail"),
    ("fail_hub_auth_absent", server(vpnAuthenticationTypes=None), "fail"),
    ("fail_hub_root_certificate", server(vpnClientRootCertificates=[{"name": "root", "publicCertData": "MIIC"}]),
     "fail"),
    ("fail_hub_radius_server", server(radiusServerAddress="10.0.0.4"), "fail"),
    ("fail_hub_radius_servers", server(radiusServers=[{"radiusServerAddress": "10.0.0.4"}]), "fail"),
    ("fail_hub_radius_client_root", server(radiusClientRootCertificates=[{"name": "r", "thumbprint": "AB"}]), "fail"),
    ("fail_hub_policy_groups", server(configurationPolicyGroups=[{"name": "g", "isDefault": True}]), "fail"),
    ("fail_hub_other_tenant",
     server(aadTenant="https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111"), "fail"),
    ("fail_hub_issuer_without_slash", server(aadIssuer=f"https://sts.windows.net/{TENANT}"), "fail"),
    ("fail_hub_wrong_audience", server(aadAudience="41b23e61-6c1e-4545-b367-cd054e0ed4b4"), "fail"),
    ("fail_hub_no_aad_parameters", {"properties": {"vpnProtocols": ["OpenVPN"], "vpnAuthenticationTypes": ["AAD"]}},
     "fail"),
    ("fail_hub_no_properties", {}, "fail"),
    ("unknown_hub_protocols", server(vpnProtocols=UNKNOWN), "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), SERVER_CASES, ids=[c[0] for c in SERVER_CASES])
def test_hub_server_configuration(case, inputs, expected):
    evaluation = run(POLICY, resource(VPN_SERVER_CONFIGURATION, "vpn-config", inputs), register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


SERVER_ID = ("/subscriptions/9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94/resourceGroups/rg-ouskl-network/providers/"
             "Microsoft.Network/vpnServerConfigurations/vpnsc-ouskl-entra")


def hub_gateway(*pools, server_id=SERVER_ID):
    return {
        "vpnServerConfiguration": {"id": server_id} if server_id else None,
        "p2SConnectionConfigurations": [
            {"name": f"c{i}", "vpnClientAddressPool": {"addressPrefixes": pool}, "enableInternetSecurity": True}
            for i, pool in enumerate(pools)
        ],
    }


GATEWAY_CASES = [
    ("pass_hub_gateway", hub_gateway(["172.16.201.0/24"]), "pass"),
    ("fail_hub_other_pool", hub_gateway(["172.16.202.0/24"]), "fail"),
    ("fail_hub_extra_prefix", hub_gateway(["172.16.201.0/24", "10.9.0.0/16"]), "fail"),
    ("fail_hub_second_configuration", hub_gateway(["172.16.201.0/24"], ["172.16.201.0/24"]), "fail"),
    ("fail_hub_no_configuration", hub_gateway(), "fail"),
    ("fail_hub_no_server_configuration", hub_gateway(["172.16.201.0/24"], server_id=None), "fail"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), GATEWAY_CASES, ids=[c[0] for c in GATEWAY_CASES])
def test_hub_gateway(case, inputs, expected):
    evaluation = run(POLICY, resource(P2S_VPN_GATEWAY, "p2s-gateway", inputs), register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_hub_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, resource(VPN_SERVER_CONFIGURATION, "egress-vpn-config",
                                      server(vpnAuthenticationTypes=["Certificate"])), register=register())
    (finding,) = evaluation.mandatory
    assert "'egress-vpn-config'" in finding.message and "set vpnAuthenticationTypes: [AAD]" in finding.message
    assert finding.clauses == ("OUS-6.1.c", "OUS-6.1.e", "OUS-6.1.d")


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
