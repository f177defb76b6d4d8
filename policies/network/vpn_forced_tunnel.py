"""Point-to-site clients are sent every IPv4 destination through the tunnel: no split tunnelling.

OUS-6.1.c allows remote operation only over a VPN that blocks simultaneous internet access.
An Azure point-to-site client routes into the tunnel only what the gateway pushes: the VNet's
address space and `customRoutes`. Forced tunnelling therefore means custom routes whose union
is all of IPv4 — Azure's documented 0.0.0.0/1 + 128.0.0.0/1 (more specific than the client's
own default route), 0.0.0.0/0, or any other covering set; the coverage is computed, so a
partial set (a split tunnel) fails.

A route table (UDR) with 0.0.0.0/0 towards the gateway is *not* accepted as an equivalent:
route tables steer traffic that leaves Azure subnets and are never pushed to point-to-site
clients, so the client would still reach the internet directly. `dpaguard deploy` checks the
operator's own routing table at run time (dpaguard/deploy/routes.py).

A Virtual WAN secured hub (modules/egress.py) has no custom routes: the hub advertises
0.0.0.0/0 to clients of a connection configuration with internet security on, and routing
intent sends that traffic to the hub firewall. The same clause is held there by
network-hub-forced-tunnel (and CKV_DPA_25), so this policy looks at VNet gateways only.
"""

from __future__ import annotations

import ipaddress

from policies.lib import describe, get, get_map, get_strs, resource_policy

VIRTUAL_NETWORK_GATEWAY = "azure-native:network:VirtualNetworkGateway"
ALL_IPV4 = ipaddress.IPv4Network("0.0.0.0/0")
FORCED_ROUTES = ["0.0.0.0/1", "128.0.0.0/1"]


def uncovered(prefixes: list[str]) -> list[ipaddress.IPv4Network]:
    """The parts of IPv4 that `prefixes` leave out (unparsable and IPv6 entries cover nothing)."""
    nets = []
    for p in prefixes:
        try:
            net = ipaddress.ip_network(p.strip(), strict=False)
        except ValueError:
            continue
        if isinstance(net, ipaddress.IPv4Network):
            nets.append(net)
    gaps = [ALL_IPV4]
    for net in ipaddress.collapse_addresses(nets):
        next_gaps = []
        for gap in gaps:
            if net.supernet_of(gap):
                continue
            if gap.supernet_of(net):
                next_gaps.extend(gap.address_exclude(net))
            else:
                next_gaps.append(gap)
        gaps = next_gaps
    return list(ipaddress.collapse_addresses(gaps))


def validate(args, report_violation) -> None:
    if args.resource_type != VIRTUAL_NETWORK_GATEWAY:
        return
    if not get_map(args.props, "vpnClientConfiguration"):
        return  # no point-to-site clients to route
    label = describe(args.resource_type, args.name)
    prefixes = get_strs(args.props, "customRoutes", "addressPrefixes")
    gaps = uncovered(prefixes)
    if gaps:
        shown = ", ".join(str(g) for g in gaps[:4]) + (" ..." if len(gaps) > 4 else "")
        what = f"custom routes {prefixes}" if get(args.props, "customRoutes") is not None else "no custom routes"
        report_violation(
            f"{label} pushes {what} to VPN clients, so traffic to {shown} bypasses the tunnel "
            f"(split tunnelling): set customRoutes.addressPrefixes to {FORCED_ROUTES}"
        )


POLICY = resource_policy(
    name="network-vpn-forced-tunnel",
    clauses=("OUS-6.1.c",),
    area="network",
    description="Point-to-site VPN gateways push custom routes covering all of IPv4 (e.g. 0.0.0.0/1 and "
    "128.0.0.0/1) so clients cannot reach the internet beside the tunnel; a route table is no substitute, "
    "since it is never pushed to clients.",
    remediation="Set customRoutes.addressPrefixes: [0.0.0.0/1, 128.0.0.0/1] on the VirtualNetworkGateway "
    "(modules/vpn.py FORCED_TUNNEL_ROUTES).",
    validate=validate,
)
