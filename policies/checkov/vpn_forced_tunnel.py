"""Point-to-site clients get every IPv4 destination through the tunnel: no split tunnelling.

CrossGuard: network-vpn-forced-tunnel.

A P2S client routes into the tunnel only the VNet's space and the gateway's `customRoutes`,
so forced tunnelling means custom routes whose union is all of IPv4 (0.0.0.0/1 + 128.0.0.0/1,
or 0.0.0.0/0); the coverage is computed (CrossGuard: network-vpn-forced-tunnel).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from _dpa import decide, get, items, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.c",)


def covers_all_ipv4(prefixes: list[Any]) -> bool:
    nets = []
    for p in prefixes:
        try:
            net = ipaddress.ip_network(str(p).strip(), strict=False)
        except ValueError:
            continue
        if isinstance(net, ipaddress.IPv4Network):
            nets.append(net)
    return list(ipaddress.collapse_addresses(nets)) == [ipaddress.IPv4Network("0.0.0.0/0")]


class VpnForcedTunnel(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Point-to-site VPN gateways force-tunnel clients: customRoutes cover all of "
                       "IPv4", CLAUSES),
            id="CKV_DPA_9",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("Microsoft.Network/virtualNetworkGateways",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        p = props(conf)
        if not isinstance(p.get("vpnClientConfiguration"), dict):
            return CheckResult.PASSED  # no point-to-site: no remote clients to tunnel
        return decide(lambda: covers_all_ipv4(items(get(p, "customRoutes", "addressPrefixes"))))


check = VpnForcedTunnel()
