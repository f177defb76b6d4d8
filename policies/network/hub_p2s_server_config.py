"""A Virtual WAN point-to-site gateway signs clients in with a server configuration of this stack.

On a Virtual WAN hub, how clients authenticate (OpenVPN, Entra ID, tenant, audience) is not on
the P2sVpnGateway but on the VpnServerConfiguration it names (ARM schema 2024-05-01
P2SVpnGatewayProperties.vpnServerConfiguration). network-vpn-entra-openvpn checks every server
configuration *in the plan*; a gateway naming one outside the plan (a certificate or RADIUS
configuration created by hand) would let clients in without Entra ID, Conditional Access and
MFA (OUS-6.1.d) and with protocols nobody checked (OUS-6.1.e). So each P2S gateway must depend
on exactly one VpnServerConfiguration of this stack, and the id it names must be a server
configuration's.

A stack policy (reads outputs): in preview the configuration's id is unknown, so the relation is
the dependency modules/egress.py declares, as in network-hub-forced-tunnel.
"""

from __future__ import annotations

from policies.lib import get_str, lower, stack_policy
from policies.monitoring import depends_on
from policies.stack import Undecided, label_of

P2S_GATEWAY = "azure-native:network:P2sVpnGateway"
VPN_SERVER_CONFIGURATION = "azure-native:network:VpnServerConfiguration"
SERVER_CONFIGURATION_SEGMENT = "/providers/microsoft.network/vpnserverconfigurations/"


def validate(args, report_violation) -> None:
    undecided = Undecided()
    for r in args.resources:
        if r.resource_type != P2S_GATEWAY:
            continue
        with undecided.about(label_of(r)):
            configs = depends_on(r, VPN_SERVER_CONFIGURATION)
            if len(configs) != 1:
                report_violation(
                    f"{label_of(r)} depends on {len(configs)} VPN server configurations of this stack, so the "
                    "configuration its clients sign in with can't be shown to be the checked Entra ID/OpenVPN "
                    "one: create exactly one in the stack and depend on it (modules/egress.py)", r.urn)
            named = get_str(r.props, "vpnServerConfiguration", "id")
            if named is not None and SERVER_CONFIGURATION_SEGMENT not in (lower(named) or ""):
                report_violation(f"{label_of(r)} names {named!r} as its VPN server configuration, which is not "
                                 "one: point vpnServerConfiguration.id at the stack's configuration", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="network-hub-p2s-server-config",
    clauses=("OUS-6.1.d", "OUS-6.1.e"),
    area="network",
    description="Every Virtual WAN point-to-site gateway depends on exactly one VPN server configuration of the "
    "stack (the one network-vpn-entra-openvpn checks) and names a server configuration, so clients cannot sign "
    "in through a configuration outside the plan.",
    remediation="Create the VpnServerConfiguration in the stack and give the P2sVpnGateway depends_on it and "
    "vpnServerConfiguration.id = its id (modules/egress.py does).",
    validate=validate,
)
