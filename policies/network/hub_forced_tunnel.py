"""Virtual WAN point-to-site clients are force-tunnelled to the hub firewall: no split tunnel, no bypass.

OUS-6.1.c: with the secured hub (modules/egress.py) a point-to-site client sends everything into
the tunnel only when its connection configuration has internet security on (the hub then
advertises 0.0.0.0/0 to clients: Microsoft Learn "Configure forced tunneling for Virtual WAN
Point-to-site VPN"), and that traffic is inspected only when the hub's routing intent has an
Internet Traffic policy whose next hop is the hub's Azure Firewall ("How to configure Virtual
WAN Hub routing intent and routing policies"). The WAN must not switch off VPN encryption
(OUS-6.1.e).

A stack policy (reads outputs): in preview a hub's, firewall's or routing intent's id and the
path parameters (virtualHubName) are absent or unknown, so resources are related through the
dependency graph, as modules/egress.py declares it: the gateway depends on its hub, the routing
intent on the firewall, the firewall on the hub.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.lib import get, get_list, get_strs, lower, stack_policy
from policies.stack import Undecided, label_of

P2S_GATEWAY = "azure-native:network:P2sVpnGateway"
VIRTUAL_HUB = "azure-native:network:VirtualHub"
VIRTUAL_WAN = "azure-native:network:VirtualWan"
AZURE_FIREWALL = "azure-native:network:AzureFirewall"
ROUTING_INTENT = "azure-native:network:RoutingIntent"


def _deps(resource: Any, depth: int = 4) -> Iterator[Any]:
    """`resource`'s dependencies, transitively (bounded: the hub chain is three steps long)."""
    seen: set[str] = set()
    frontier = list(getattr(resource, "dependencies", None) or [])
    for _ in range(depth):
        nxt = []
        for d in frontier:
            if d.urn in seen:
                continue
            seen.add(d.urn)
            yield d
            nxt.extend(getattr(d, "dependencies", None) or [])
        frontier = nxt


def _hubs_of(resource: Any) -> set[str]:
    return {d.urn for d in _deps(resource) if d.resource_type == VIRTUAL_HUB}


def _inspected_hubs(resources: list[Any]) -> set[str]:
    """Hubs whose routing intent sends Internet traffic to a firewall of the stack in that hub."""
    hubs: set[str] = set()
    for intent in resources:
        if intent.resource_type != ROUTING_INTENT:
            continue
        internet = [p for p in get_list(intent.props, "routingPolicies")
                    if "internet" in {lower(d) for d in get_strs(p, "destinations")}]
        if not any(lower(get(p, "nextHop")) and "/azurefirewalls/" in lower(get(p, "nextHop")) for p in internet):
            continue
        for firewall in (d for d in _deps(intent) if d.resource_type == AZURE_FIREWALL):
            hubs |= _hubs_of(firewall)
    return hubs


def validate(args, report_violation) -> None:
    undecided = Undecided()
    resources = list(args.resources)
    inspected = _inspected_hubs(resources)
    for r in resources:
        with undecided.about(label_of(r)):
            if r.resource_type == VIRTUAL_WAN and get(r.props, "disableVpnEncryption") is True:
                report_violation(f"{label_of(r)} disables VPN encryption: set disableVpnEncryption false", r.urn)
            if r.resource_type != P2S_GATEWAY:
                continue
            configs = get_list(r.props, "p2SConnectionConfigurations")
            split = [get(c, "name") for c in configs if get(c, "enableInternetSecurity") is not True]
            if not configs or split:
                report_violation(
                    f"{label_of(r)} does not force-tunnel its clients (connection configurations without "
                    f"enableInternetSecurity: {split or 'none configured'}): they keep their own internet route; set "
                    "enableInternetSecurity true (modules/egress.py)", r.urn)
            hubs = _hubs_of(r)
            if not hubs:
                report_violation(f"{label_of(r)} depends on no virtual hub of this stack, so the routing of its "
                                 "clients can't be shown: create the hub in the stack and depend on it", r.urn)
            elif not hubs & inspected:
                report_violation(
                    f"{label_of(r)} sits in a hub without routing intent sending Internet traffic to the hub's Azure "
                    "Firewall: clients' internet traffic is not inspected; add a RoutingIntent with an "
                    "InternetTraffic policy whose next hop is the firewall (modules/egress.py)", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="network-hub-forced-tunnel",
    clauses=("OUS-6.1.c", "OUS-6.1.e"),
    area="network",
    description="Virtual WAN point-to-site gateways enable internet security on every connection configuration "
    "(clients get the default route), sit in a hub whose routing intent sends Internet traffic to the hub's Azure "
    "Firewall, and no WAN disables VPN encryption.",
    remediation="Build the hub with modules/egress.py: enableInternetSecurity true, RoutingIntent InternetTraffic -> "
    "the hub firewall, disableVpnEncryption false.",
    validate=validate,
)
