"""The VPN gateway survives the loss of an availability zone: an AZ SKU.

CrossGuard: network-vpn-gateway-zone-redundant, gateway part.

A Virtual WAN point-to-site gateway has no SKU or zones in its ARM form (Azure places it): it
must be in a region with availability zones (facts.ZONE_REGIONS).
"""

from __future__ import annotations

from typing import Any

from _dpa import FACTS, decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("ECG-7S", "OUS-6.1.c")
GATEWAY = "Microsoft.Network/virtualNetworkGateways"
HUB_GATEWAY = "Microsoft.Network/p2svpnGateways"


def _az(value: Any) -> bool:
    return isinstance(value, str) and value.upper().endswith("AZ")


class VpnGatewayZoneRedundant(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("VPN gateways use a zone-redundant SKU: sku.name and sku.tier "
                       "VpnGw1AZ..VpnGw5AZ", CLAUSES),
            id="CKV_DPA_11",
            categories=(CheckCategories.BACKUP_AND_RECOVERY,),
            supported_resources=(GATEWAY, HUB_GATEWAY),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == HUB_GATEWAY:
            return decide(lambda: str(get(conf, "location")).lower() in FACTS.ZONE_REGIONS)
        # ARM keeps a gateway's sku inside properties.
        p = props(conf)
        return decide(lambda: _az(get(p, "sku", "name")) and _az(get(p, "sku", "tier")))


check = VpnGatewayZoneRedundant()
