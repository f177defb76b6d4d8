"""Point-to-site VPN: OpenVPN with Entra ID sign-in only, for the stack's tenant, audience and client pool.

Why OpenVPN alone and not IKEv2 too: both are encrypted (OUS-6.1.e), but Azure's Entra ID
authentication works over OpenVPN only. A gateway that also offers IKEv2 or SSTP must take
certificate or RADIUS logins for them, and those never meet Conditional Access, so MFA
(OUS-6.1.d) and the compliant-device check (OUS-6.1.c) would have a way around them.
For the same reason root certificates, RADIUS servers and extra client configurations
(policy groups with their own address pools) are refused: each is a second way in.

Virtual WAN point-to-site (the secured hub of modules/egress.py) splits the same settings over
two resources, and both are held to the same rules: the VpnServerConfiguration carries
protocols, authentication and the Entra ID tenant/issuer/audience (ARM schema 2024-05-01
VpnServerConfigurationProperties), the P2sVpnGateway the client pool of each connection
configuration. On a hub, extra client configurations are `configurationPolicyGroups` on the
server configuration and more than one P2S connection configuration on the gateway. That a
gateway uses a server configuration of this stack is network-hub-p2s-server-config (a stack
policy); its forced tunnel and encryption are network-hub-forced-tunnel.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

from policies.lib import describe, get, get_list, get_map, get_str, get_strs, lower, register_of, resource_policy

VIRTUAL_NETWORK_GATEWAY = "azure-native:network:VirtualNetworkGateway"
P2S_VPN_GATEWAY = "azure-native:network:P2sVpnGateway"
VPN_SERVER_CONFIGURATION = "azure-native:network:VpnServerConfiguration"

AAD_TENANT = "https://login.microsoftonline.com/{tenant}"
AAD_ISSUER = "https://sts.windows.net/{tenant}/"
# Each of these lets a client in without an Entra ID token.
SECOND_WAYS_IN = {
    "vpnClientRootCertificates": "certificate login",
    "radiusServerAddress": "RADIUS login",
    "radiusServers": "RADIUS login",
    "vngClientConnectionConfigurations": "extra client configurations",
}
# The same on a Virtual WAN server configuration (ARM VpnServerConfigurationProperties).
HUB_SECOND_WAYS_IN = {
    "vpnClientRootCertificates": "certificate login",
    "radiusServerAddress": "RADIUS login",
    "radiusServers": "RADIUS login",
    "radiusServerRootCertificates": "RADIUS login",
    "radiusClientRootCertificates": "RADIUS login",
    "radiusServerSecret": "RADIUS login",
    "configurationPolicyGroups": "extra client configurations",
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


def _check_protocols_and_entra(label: str, settings, protocols_key: str, aad, register, report_violation) -> None:
    """OpenVPN only, AAD only, and the stack's tenant, issuer and audience (VNet gateway and hub alike)."""
    protocols = get_strs(settings, protocols_key)
    if [p.lower() for p in protocols] != ["openvpn"]:
        report_violation(
            f"{label} offers VPN protocols {protocols or 'Azure defaults (IKEv2, SSTP)'}: set "
            f"{protocols_key}: [OpenVPN], the only protocol that signs in with Entra ID"
        )
    auth = get_strs(settings, "vpnAuthenticationTypes")
    if [a.lower() for a in auth] != ["aad"]:
        report_violation(
            f"{label} accepts authentication {auth or 'by Azure default (certificate)'}: set "
            "vpnAuthenticationTypes: [AAD] so every login meets Conditional Access (MFA, compliant device)"
        )
    tenant = (get_str(register, "tenantId") or "").lower()
    expected_tenant = AAD_TENANT.format(tenant=tenant)
    expected_issuer = AAD_ISSUER.format(tenant=tenant)
    tenant_url = (lower(get(aad, "aadTenant")) or "").rstrip("/")
    if not tenant or tenant_url != expected_tenant:
        report_violation(f"{label} aadTenant is {get(aad, 'aadTenant')!r}: set it to "
                         f"{expected_tenant!r} (the stack's tenant)")
    # Azure needs the issuer with its trailing slash; without it every connection fails.
    if not tenant or lower(get(aad, "aadIssuer")) != expected_issuer:
        report_violation(f"{label} aadIssuer is {get(aad, 'aadIssuer')!r}: set it to "
                         f"{expected_issuer!r} (with the trailing slash)")
    audience = lower(get_str(register, "vpnAudience"))
    if not audience or lower(get(aad, "aadAudience")) != audience:
        report_violation(f"{label} aadAudience is {get(aad, 'aadAudience')!r}: set it to the Azure VPN "
                         f"Client application {get_str(register, 'vpnAudience')!r}, the app Conditional Access guards")


def _check_pool(label: str, prefixes: list[str], register, report_violation) -> None:
    pool = get_str(register, "vpnClientPool")
    have = _networks(prefixes)
    want = _networks([pool]) if pool else None
    if not want or have != want:
        report_violation(
            f"{label} hands clients {prefixes}: set the client address pool to [{pool}], the pool the NSG "
            "and the hub firewall admit and dpaguard deploy checks"
        )


def _validate_hub(args, report_violation) -> None:
    label = describe(args.resource_type, args.name)
    register = register_of(args)
    if args.resource_type == VPN_SERVER_CONFIGURATION:
        settings = get_map(args.props, "properties")
        _check_protocols_and_entra(label, settings, "vpnProtocols", get_map(settings, "aadAuthenticationParameters"),
                                   register, report_violation)
        for prop, what in HUB_SECOND_WAYS_IN.items():
            if _present(get(settings, prop)):
                report_violation(f"{label} configures {prop} ({what}), a way in without Entra ID: remove it")
        return
    # P2sVpnGateway: one connection configuration, handing out the stack's pool.
    configs = get_list(args.props, "p2SConnectionConfigurations")
    if len(configs) != 1:
        report_violation(f"{label} has {len(configs)} point-to-site connection configurations: keep exactly one "
                         "(extra ones are client pools outside the guarded configuration)")
    for c in configs:
        _check_pool(f"{label} connection configuration {get(c, 'name')!r}",
                    get_strs(c, "vpnClientAddressPool", "addressPrefixes"), register, report_violation)
    if not get_str(args.props, "vpnServerConfiguration", "id"):
        report_violation(f"{label} names no vpnServerConfiguration, so how clients sign in can't be shown: "
                         "use the Entra ID server configuration of modules/egress.py")


def validate(args, report_violation) -> None:
    label = describe(args.resource_type, args.name)
    if args.resource_type in (P2S_VPN_GATEWAY, VPN_SERVER_CONFIGURATION):
        _validate_hub(args, report_violation)
        return
    if args.resource_type != VIRTUAL_NETWORK_GATEWAY:
        return
    props = args.props
    p2s = get_map(props, "vpnClientConfiguration")
    if not p2s:
        return  # no point-to-site configuration: not a way in for remote operators
    if lower(get(props, "gatewayType")) not in (None, "vpn"):
        report_violation(f"{label} has a point-to-site configuration on a gateway of type "
                         f"{get(props, 'gatewayType')!r}: set gatewayType: Vpn")
    if lower(get(props, "vpnType")) != "routebased":
        report_violation(f"{label} is not route-based (vpnType {get(props, 'vpnType')!r}); point-to-site "
                         "with custom routes needs vpnType: RouteBased")

    register = register_of(args)
    _check_protocols_and_entra(label, p2s, "vpnClientProtocols", p2s, register, report_violation)
    for prop, what in SECOND_WAYS_IN.items():
        if _present(get(p2s, prop)):
            report_violation(f"{label} configures {prop} ({what}), a way in without Entra ID: remove it")
    if _present(get(props, "virtualNetworkGatewayPolicyGroups")):
        report_violation(f"{label} has virtualNetworkGatewayPolicyGroups (per-group client pools and "
                         "logins outside the guarded configuration): remove them")

    _check_pool(label, get_strs(p2s, "vpnClientAddressPool", "addressPrefixes"), register, report_violation)


POLICY = resource_policy(
    name="network-vpn-entra-openvpn",
    clauses=("OUS-6.1.c", "OUS-6.1.e", "OUS-6.1.d"),
    area="network",
    description="Point-to-site VPN (a route-based VNet gateway, or a Virtual WAN P2S gateway with its server "
    "configuration) accepts only OpenVPN with Entra ID (AAD) sign-in for the stack's tenant, VPN audience and client "
    "pool; no certificate, RADIUS, policy-group or extra client configuration that would bypass Conditional Access.",
    remediation="In modules/vpn.py (VNet gateway) or modules/egress.py (VpnServerConfiguration, P2sVpnGateway) keep "
    "protocols [OpenVPN], vpnAuthenticationTypes [AAD], aadTenant https://login.microsoftonline.com/<tenant>, "
    "aadIssuer https://sts.windows.net/<tenant>/, aadAudience = vpn.audience and one client pool = "
    "network.vpnClientPool; remove root certificates, RADIUS and policy groups.",
    validate=validate,
    uses_register=True,
)
