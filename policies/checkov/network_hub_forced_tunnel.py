"""Virtual WAN point-to-site clients are force-tunnelled: internet security on every connection configuration.

CrossGuard: network-hub-forced-tunnel, connection part.

A P2S gateway of a Virtual WAN hub advertises the hub's default route to clients only on a
connection configuration with `enableInternetSecurity` true (Microsoft Learn "Configure forced
tunneling for Virtual WAN Point-to-site VPN"); otherwise clients keep their own internet route
(split tunnel, OUS-6.1.c). That the hub's routing intent sends the traffic to the firewall
links several resources, which only the CrossGuard policy sees. The Virtual WAN itself must not
switch VPN encryption off (`disableVpnEncryption`, OUS-6.1.e), as in network-hub-forced-tunnel.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, items, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.c", "OUS-6.1.e")
GATEWAY = "Microsoft.Network/p2svpnGateways"
WAN = "Microsoft.Network/virtualWans"


def forced(p: dict[str, Any]) -> bool:
    configs = items(get(p, "p2SConnectionConfigurations"))
    return bool(configs) and all(get(get(c, "properties", default=c), "enableInternetSecurity") is True
                                 for c in configs)


class HubForcedTunnel(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Virtual WAN point-to-site gateways enable internet security on every connection "
                       "configuration; no Virtual WAN disables VPN encryption", CLAUSES),
            id="CKV_DPA_25",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=(GATEWAY, WAN),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == WAN:
            return decide(lambda: get(props(conf), "disableVpnEncryption") is not True)
        return decide(lambda: forced(props(conf)))


check = HubForcedTunnel()
