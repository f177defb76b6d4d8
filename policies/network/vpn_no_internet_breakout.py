"""Nothing behind the VPN gateway gives tunnelled clients a way out to the internet.

Forced tunnelling (network-vpn-forced-tunnel) sends all client traffic to the gateway, which
drops what is bound for the internet. That holds only while no site-to-site path offers the
internet instead (OUS-6.1.c: simultaneous internet access stays blocked, and data cannot
leave the secure zone that way, OUS-6.1.b):

- `gatewayDefaultSite` on the gateway sends internet-bound traffic to an on-premises site;
- a local network gateway advertising public prefixes, or a connection whose traffic
  selectors name public ranges, routes those public addresses out through that site;
- BGP on a connection or local network gateway lets the site advertise 0.0.0.0/0 or public
  prefixes at run time, which no plan can show, so it is refused (fail closed).

On a Virtual WAN secured hub (modules/egress.py) the internet is reached only through the hub's
Azure Firewall (routing intent, network-hub-forced-tunnel). The hub-side ways around it are
routes for public prefixes that point elsewhere (ARM schema 2024-05-01):

- a hub route table (`HubRouteTable.routes`) or the hub's own `routeTable.routes` sending public
  destinations to a next hop that is not an Azure Firewall;
- static routes on a hub VNet connection (`routingConfiguration.vnetRoutes.staticRoutes`) for
  public prefixes, which send internet traffic into the VNet (an appliance there) instead;
- site-to-site and ExpressRoute gateways in the hub (VpnGateway, VpnSite, ExpressRouteGateway)
  are not types a DPA stack may contain at all (governance closed world, facts.KNOWN_TYPES).

Private here means RFC 1918 (and IPv6 ULA); anything else counts as the internet.
"""

from __future__ import annotations

import ipaddress

from policies.facts import PRIVATE_RANGES
from policies.lib import describe, get, get_list, get_map, get_strs, lower, resource_policy

VIRTUAL_NETWORK_GATEWAY = "azure-native:network:VirtualNetworkGateway"
LOCAL_NETWORK_GATEWAY = "azure-native:network:LocalNetworkGateway"
CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
VIRTUAL_HUB = "azure-native:network:VirtualHub"
HUB_ROUTE_TABLE = "azure-native:network:HubRouteTable"
HUB_VNET_CONNECTION = "azure-native:network:HubVirtualNetworkConnection"

PRIVATE = tuple(ipaddress.ip_network(n) for n in PRIVATE_RANGES)


def is_private(prefix: str) -> bool:
    try:
        net = ipaddress.ip_network(prefix.strip(), strict=False)
    except ValueError:
        return False  # not readable: treated as leaving to the internet
    return any(net.version == p.version and net.subnet_of(p) for p in PRIVATE)


def _public(prefixes: list[str]) -> list[str]:
    return [p for p in prefixes if not is_private(p)]


def validate(args, report_violation) -> None:
    label = describe(args.resource_type, args.name)
    props = args.props
    if args.resource_type == VIRTUAL_NETWORK_GATEWAY:
        if get_map(props, "gatewayDefaultSite") or isinstance(get(props, "gatewayDefaultSite"), str):
            report_violation(f"{label} sets gatewayDefaultSite, which sends internet-bound traffic of "
                             "tunnelled clients to an on-premises site: remove it")
    elif args.resource_type == LOCAL_NETWORK_GATEWAY:
        public = _public(get_strs(props, "localNetworkAddressSpace", "addressPrefixes"))
        if public:
            report_violation(f"{label} advertises public prefixes {public}, so VPN clients reach those "
                             "internet addresses through the site: list only private (RFC 1918) ranges")
        if get_map(props, "bgpSettings"):
            report_violation(f"{label} has bgpSettings: a BGP peer can advertise 0.0.0.0/0 or public "
                             "prefixes no plan shows; use static private address prefixes")
    elif args.resource_type == HUB_ROUTE_TABLE:
        for route in get_list(props, "routes"):
            public = _public(get_strs(route, "destinations"))
            if public and "/azurefirewalls/" not in (lower(get(route, "nextHop")) or ""):
                report_violation(f"{label} routes public destinations {public} to {get(route, 'nextHop')!r}, not "
                                 "the hub's Azure Firewall: VPN clients would reach the internet uninspected; "
                                 "leave internet routing to the routing intent")
    elif args.resource_type == VIRTUAL_HUB:
        public = []
        for route in get_list(props, "routeTable", "routes"):
            public += _public(get_strs(route, "addressPrefixes"))
        if public:
            report_violation(f"{label} has routes for public prefixes {public} in its route table, a way to the "
                             "internet beside the hub firewall: remove them")
    elif args.resource_type == HUB_VNET_CONNECTION:
        public = []
        for route in get_list(props, "routingConfiguration", "vnetRoutes", "staticRoutes"):
            public += _public(get_strs(route, "addressPrefixes"))
        if public:
            report_violation(f"{label} has static routes for public prefixes {public}, sending internet traffic "
                             "into the VNet instead of the hub firewall: remove them")
    elif args.resource_type == CONNECTION:
        if get(props, "enableBgp") is True:
            report_violation(f"{label} enables BGP: a peer can advertise 0.0.0.0/0 or public prefixes "
                             "no plan shows; set enableBgp: false and use static private prefixes")
        public: list[str] = []
        for selector in get_list(props, "trafficSelectorPolicies"):
            public += _public(get_strs(selector, "remoteAddressRanges"))
        if public:
            report_violation(f"{label} has traffic selectors for public ranges {public}, routing client "
                             "traffic to the internet through the site: select private ranges only")


POLICY = resource_policy(
    name="network-vpn-no-internet-breakout",
    clauses=("OUS-6.1.c", "OUS-6.1.b"),
    area="network",
    description="No site-to-site path gives VPN clients internet access behind the gateway: no gatewayDefaultSite, "
    "no public prefixes on local network gateways or traffic selectors, no BGP-learned routes; on a Virtual WAN hub "
    "no route for public prefixes except to the hub's Azure Firewall.",
    remediation="Remove gatewayDefaultSite; give local network gateways and traffic selectors private (RFC 1918) "
    "prefixes only; turn BGP off on site-to-site connections; on a hub, leave internet routing to the routing "
    "intent (no public-prefix routes in hub route tables or on VNet connections).",
    validate=validate,
)
