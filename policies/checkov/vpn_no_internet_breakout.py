"""Nothing behind the VPN gateway gives tunnelled clients a way out to the internet.

CrossGuard: network-vpn-no-internet-breakout.

- no `gatewayDefaultSite` on the gateway (it sends internet-bound traffic to a site);
- local network gateways advertise private (RFC 1918, ULA) prefixes only, and no BGP;
- connections use no BGP and select private ranges only.
BGP is refused because a peer can advertise 0.0.0.0/0 at run time, which no template shows.
- on a Virtual WAN hub: no hub route (route table or the hub's own) for public destinations
  except to an Azure Firewall, no public static routes on a hub VNet connection.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, is_private, items, named, present, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.c", "OUS-6.1.b")
GATEWAY = "Microsoft.Network/virtualNetworkGateways"
LOCAL = "Microsoft.Network/localNetworkGateways"
CONNECTION = "Microsoft.Network/connections"
HUB = "Microsoft.Network/virtualHubs"
HUB_ROUTE_TABLE = "Microsoft.Network/virtualHubs/hubRouteTables"
HUB_VNET_CONNECTION = "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections"


def _all_private(prefixes: list[Any]) -> bool:
    return all(isinstance(p, str) and is_private(p) for p in prefixes)


class VpnNoInternetBreakout(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("No internet breakout behind the VPN: no gatewayDefaultSite, no public prefixes or BGP on "
                       "local network gateways and connections", CLAUSES),
            id="CKV_DPA_12",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=(GATEWAY, LOCAL, CONNECTION, HUB, HUB_ROUTE_TABLE, HUB_VNET_CONNECTION),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        p = props(conf)
        if self.entity_type == GATEWAY:
            return decide(lambda: not present(get(p, "gatewayDefaultSite")))
        if self.entity_type == LOCAL:
            return decide(lambda: _all_private(items(get(p, "localNetworkAddressSpace", "addressPrefixes")))
                          and not present(get(p, "bgpSettings")))
        if self.entity_type == HUB_ROUTE_TABLE:
            return decide(lambda: all(_all_private(items(get(r, "destinations")))
                                      or "/azurefirewalls/" in str(get(r, "nextHop")).lower()
                                      for r in items(get(p, "routes"))))
        if self.entity_type == HUB:
            return decide(lambda: all(_all_private(items(get(r, "addressPrefixes")))
                                      for r in items(get(p, "routeTable", "routes"))))
        if self.entity_type == HUB_VNET_CONNECTION:
            return decide(lambda: all(_all_private(items(get(r, "addressPrefixes")))
                                      for r in items(get(p, "routingConfiguration", "vnetRoutes", "staticRoutes"))))

        def connection_ok() -> bool:
            ranges = [r for s in items(get(p, "trafficSelectorPolicies")) for r in items(get(s, "remoteAddressRanges"))]
            return get(p, "enableBgp") is not True and _all_private(ranges)

        return decide(connection_ok)


check = VpnNoInternetBreakout()
