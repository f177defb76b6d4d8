"""Point-to-site VPN: OpenVPN with Entra ID sign-in only, and no second way in.

CrossGuard: network-vpn-entra-openvpn, without the register.

Entra ID (and so Conditional Access MFA and device compliance) works over OpenVPN only;
IKEv2/SSTP, root certificates and RADIUS would let clients in without it. Tenant and issuer
must be Azure's documented values for one and the same tenant (the issuer with its trailing
slash, without which sign-in fails); that it is the stack's own tenant is in the register,
which only the CrossGuard policy reads (network-vpn-entra-openvpn).
"""

from __future__ import annotations

import re
from typing import Any

from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from _dpa import decide, get, items, lower, named, present, props

CLAUSES = ("OUS-6.1.c", "OUS-6.1.e", "OUS-6.1.d")
TENANT = re.compile(r"^https://login\.microsoftonline\.com/(?P<tenant>[0-9a-fA-F-]{36})$")
ISSUER = "https://sts.windows.net/{tenant}/"
SECOND_WAYS_IN = ("vpnClientRootCertificates", "radiusServerAddress", "radiusServers",
                  "vngClientConnectionConfigurations")


def entra_openvpn_only(p2s: dict[str, Any]) -> bool:
    if [lower(x) for x in items(get(p2s, "vpnClientProtocols"))] != ["openvpn"]:
        return False
    if [lower(x) for x in items(get(p2s, "vpnAuthenticationTypes"))] != ["aad"]:
        return False
    if any(present(get(p2s, key)) for key in SECOND_WAYS_IN):
        return False
    tenant = TENANT.match(str(get(p2s, "aadTenant")))
    if tenant is None or get(p2s, "aadIssuer") != ISSUER.format(tenant=tenant.group("tenant")):
        return False
    return isinstance(get(p2s, "aadAudience"), str) and bool(get(p2s, "aadAudience"))


class VpnEntraOpenVpn(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Point-to-site VPN accepts OpenVPN with Entra ID sign-in only (tenant and issuer of one "
                       "tenant): no IKEv2/SSTP, certificates or RADIUS", CLAUSES),
            id="CKV_DPA_10",
            categories=(CheckCategories.IAM,),
            supported_resources=("Microsoft.Network/virtualNetworkGateways",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        p2s = props(conf).get("vpnClientConfiguration")
        if not isinstance(p2s, dict):
            return CheckResult.PASSED  # no point-to-site configuration: not a way in
        return decide(lambda: entra_openvpn_only(p2s))


check = VpnEntraOpenVpn()
