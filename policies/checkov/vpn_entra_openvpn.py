"""Point-to-site VPN: OpenVPN with Entra ID sign-in only, and no second way in.

CrossGuard: network-vpn-entra-openvpn, without the register.

Entra ID (and so Conditional Access MFA and device compliance) works over OpenVPN only;
IKEv2/SSTP, root certificates and RADIUS would let clients in without it. Tenant and issuer
must be Azure's documented values for one and the same tenant (the issuer with its trailing
slash, without which sign-in fails); that it is the stack's own tenant is in the register,
which only the CrossGuard policy reads (network-vpn-entra-openvpn).

On a Virtual WAN hub the same settings live on the VPN server configuration (ARM schema
2024-05-01 VpnServerConfigurationProperties: vpnProtocols, vpnAuthenticationTypes,
aadAuthenticationParameters; RADIUS certificates and configurationPolicyGroups as further ways
in); that the hub's P2S gateway uses this configuration links two resources, which only
CrossGuard sees (network-hub-p2s-server-config).
"""

from __future__ import annotations

import re
from typing import Any

from _dpa import decide, get, items, lower, named, present, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.c", "OUS-6.1.e", "OUS-6.1.d")
TENANT = re.compile(r"^https://login\.microsoftonline\.com/(?P<tenant>[0-9a-fA-F-]{36})$")
ISSUER = "https://sts.windows.net/{tenant}/"
SECOND_WAYS_IN = ("vpnClientRootCertificates", "radiusServerAddress", "radiusServers",
                  "vngClientConnectionConfigurations")
HUB_SECOND_WAYS_IN = ("vpnClientRootCertificates", "radiusServerAddress", "radiusServers",
                      "radiusServerRootCertificates", "radiusClientRootCertificates", "radiusServerSecret",
                      "configurationPolicyGroups")
GATEWAY = "Microsoft.Network/virtualNetworkGateways"
SERVER_CONFIGURATION = "Microsoft.Network/vpnServerConfigurations"


def _entra(aad: Any) -> bool:
    tenant = TENANT.match(str(get(aad, "aadTenant")))
    if tenant is None or get(aad, "aadIssuer") != ISSUER.format(tenant=tenant.group("tenant")):
        return False
    return isinstance(get(aad, "aadAudience"), str) and bool(get(aad, "aadAudience"))


def entra_openvpn_only(p2s: dict[str, Any]) -> bool:
    if [lower(x) for x in items(get(p2s, "vpnClientProtocols"))] != ["openvpn"]:
        return False
    if [lower(x) for x in items(get(p2s, "vpnAuthenticationTypes"))] != ["aad"]:
        return False
    if any(present(get(p2s, key)) for key in SECOND_WAYS_IN):
        return False
    return _entra(p2s)


def hub_entra_openvpn_only(p: dict[str, Any]) -> bool:
    """A Virtual WAN VPN server configuration's properties."""
    if [lower(x) for x in items(get(p, "vpnProtocols"))] != ["openvpn"]:
        return False
    if [lower(x) for x in items(get(p, "vpnAuthenticationTypes"))] != ["aad"]:
        return False
    if any(present(get(p, key)) for key in HUB_SECOND_WAYS_IN):
        return False
    return _entra(get(p, "aadAuthenticationParameters"))


class VpnEntraOpenVpn(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Point-to-site VPN accepts OpenVPN with Entra ID sign-in only (tenant and issuer of one "
                       "tenant): no IKEv2/SSTP, certificates or RADIUS", CLAUSES),
            id="CKV_DPA_10",
            categories=(CheckCategories.IAM,),
            supported_resources=(GATEWAY, SERVER_CONFIGURATION),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == SERVER_CONFIGURATION:
            return decide(lambda: hub_entra_openvpn_only(props(conf)))
        p2s = props(conf).get("vpnClientConfiguration")
        if not isinstance(p2s, dict):
            return CheckResult.PASSED  # no point-to-site configuration: not a way in
        return decide(lambda: entra_openvpn_only(p2s))


check = VpnEntraOpenVpn()
