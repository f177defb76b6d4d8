"""Point-to-site VPN: OpenVPN with Entra ID sign-in only, for the stack's tenant, audience and client pool.

Why OpenVPN alone and not IKEv2 too: both are encrypted (OUS-6.1.e), but Azure's Entra ID
authentication works over OpenVPN only. A gateway that also offers IKEv2 or SSTP must take
certificate or RADIUS logins for them, and those never meet Conditional Access, so MFA
(OUS-6.1.d) and the compliant-device check (OUS-6.1.c) would have a way around them.
For the same reason root certificates, RADIUS servers and extra client configurations
(policy groups with their own address pools) are refused: each is a second way in.

Virtual WAN point-to-site (P2sVpnGateway, VpnServerConfiguration) is refused as a whole:
its forced tunnelling and encryption (`disableVpnEncryption` on the WAN) live in hub routing
that this pack does not verify; remote access goes through modules/vpn.py's gateway.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

from policies.lib import describe, get, get_map, get_str, get_strs, lower, register_of, resource_policy

VIRTUAL_NETWORK_GATEWAY = "azure-native:network:VirtualNetworkGateway"
VIRTUAL_WAN_P2S = ("azure-native:network:P2sVpnGateway", "azure-native:network:VpnServerConfiguration")

CLAUSES = "[OUS-6.1.c, OUS-6.1.e, OUS-6.1.d]"
AAD_TENANT = "https://login.microsoftonline.com/{tenant}"
AAD_ISSUER = "https://sts.windows.net/{tenant}/"
# Each of these lets a client in without an Entra ID token.
SECOND_WAYS_IN = {
    "vpnClientRootCertificates": "certificate login",
    "radiusServerAddress": "RADIUS login",
    "radiusServers": "RADIUS login",
    "vngClientConnectionConfigurations": "extra client configurations",
}


def _present(value) -> bool:
    """Set to something: a non-empty list or mapping (even of unknown entries), or a non-empty scalar."""
    if isinstance(value, (Sequence, Mapping)) and not isinstance(value, str):
        return len(value) > 0
    return value not in (None, "", False)


def _networks(values: list[str]) -> set[str] | None:
    try:
        return {str(ipaddress.ip_network(v.strip(), strict=False)) for v in values}
    except ValueError:
        return None


def validate(args, report_violation) -> None:
    label = describe(args.resource_type, args.name)
    if args.resource_type in VIRTUAL_WAN_P2S:
        report_violation(
            f"{CLAUSES} {label} is Virtual WAN point-to-site, whose forced tunnelling and encryption this pack "
            "cannot verify: give remote access through the Entra ID VirtualNetworkGateway of modules/vpn.py instead"
        )
        return
    if args.resource_type != VIRTUAL_NETWORK_GATEWAY:
        return
    props = args.props
    p2s = get_map(props, "vpnClientConfiguration")
    if not p2s:
        return  # no point-to-site configuration: not a way in for remote operators
    if lower(get(props, "gatewayType")) not in (None, "vpn"):
        report_violation(f"{CLAUSES} {label} has a point-to-site configuration on a gateway of type "
                         f"{get(props, 'gatewayType')!r}: set gatewayType: Vpn")
    if lower(get(props, "vpnType")) != "routebased":
        report_violation(f"{CLAUSES} {label} is not route-based (vpnType {get(props, 'vpnType')!r}); point-to-site "
                         "with custom routes needs vpnType: RouteBased")

    protocols = get_strs(p2s, "vpnClientProtocols")
    if [p.lower() for p in protocols] != ["openvpn"]:
        report_violation(
            f"{CLAUSES} {label} offers VPN protocols {protocols or 'Azure defaults (IKEv2, SSTP)'}: set "
            "vpnClientProtocols: [OpenVPN], the only protocol that signs in with Entra ID"
        )
    auth = get_strs(p2s, "vpnAuthenticationTypes")
    if [a.lower() for a in auth] != ["aad"]:
        report_violation(
            f"{CLAUSES} {label} accepts authentication {auth or 'by Azure default (certificate)'}: set "
            "vpnAuthenticationTypes: [AAD] so every login meets Conditional Access (MFA, compliant device)"
        )
    for prop, what in SECOND_WAYS_IN.items():
        if _present(get(p2s, prop)):
            report_violation(f"{CLAUSES} {label} configures {prop} ({what}), a way in without Entra ID: remove it")
    if _present(get(props, "virtualNetworkGatewayPolicyGroups")):
        report_violation(f"{CLAUSES} {label} has virtualNetworkGatewayPolicyGroups (per-group client pools and "
                         "logins outside the guarded configuration): remove them")

    register = register_of(args)
    tenant = (get_str(register, "tenantId") or "").lower()
    expected = {
        "aadTenant": AAD_TENANT.format(tenant=tenant),
        "aadIssuer": AAD_ISSUER.format(tenant=tenant),
    }
    tenant_url = (lower(get(p2s, "aadTenant")) or "").rstrip("/")
    if not tenant or tenant_url != expected["aadTenant"]:
        report_violation(f"{CLAUSES} {label} aadTenant is {get(p2s, 'aadTenant')!r}: set it to "
                         f"{expected['aadTenant']!r} (the stack's tenant)")
    # Azure needs the issuer with its trailing slash; without it every connection fails.
    if not tenant or lower(get(p2s, "aadIssuer")) != expected["aadIssuer"]:
        report_violation(f"{CLAUSES} {label} aadIssuer is {get(p2s, 'aadIssuer')!r}: set it to "
                         f"{expected['aadIssuer']!r} (with the trailing slash)")
    audience = lower(get_str(register, "vpnAudience"))
    if not audience or lower(get(p2s, "aadAudience")) != audience:
        report_violation(f"{CLAUSES} {label} aadAudience is {get(p2s, 'aadAudience')!r}: set it to the Azure VPN "
                         f"Client application {get_str(register, 'vpnAudience')!r}, the app Conditional Access guards")
    pool = get_str(register, "vpnClientPool")
    have = _networks(get_strs(p2s, "vpnClientAddressPool", "addressPrefixes"))
    want = _networks([pool]) if pool else None
    if not want or have != want:
        report_violation(
            f"{CLAUSES} {label} hands clients {get_strs(p2s, 'vpnClientAddressPool', 'addressPrefixes')}: set "
            f"vpnClientAddressPool to [{pool}], the pool the NSG admits and dpaguard deploy checks"
        )


POLICY = resource_policy(
    name="network-vpn-entra-openvpn",
    clauses=("OUS-6.1.c", "OUS-6.1.e", "OUS-6.1.d"),
    area="network",
    description="Point-to-site VPN gateways are route-based and accept only OpenVPN with Entra ID (AAD) sign-in "
    "for the stack's tenant, VPN audience and client pool; no certificate, RADIUS, policy-group or Virtual WAN "
    "way in that would bypass Conditional Access.",
    remediation="In modules/vpn.py keep vpnClientProtocols [OpenVPN], vpnAuthenticationTypes [AAD], aadTenant "
    "https://login.microsoftonline.com/<tenant>, aadIssuer https://sts.windows.net/<tenant>/, aadAudience = "
    "vpn.audience and vpnClientAddressPool = network.vpnClientPool; remove root certificates, RADIUS and policy "
    "groups.",
    validate=validate,
    uses_register=True,
)
