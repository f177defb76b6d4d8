"""The VPN gateway survives the loss of an availability zone: an AZ SKU.

CrossGuard: network-vpn-gateway-zone-redundant, gateway part.
"""

from __future__ import annotations

from typing import Any

from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

from _dpa import decide, get, named, props

CLAUSES = ("ECG-7S", "OUS-6.1.c")


def _az(value: Any) -> bool:
    return isinstance(value, str) and value.upper().endswith("AZ")


class VpnGatewayZoneRedundant(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("VPN gateways use a zone-redundant SKU: sku.name and sku.tier "
                       "VpnGw1AZ..VpnGw5AZ", CLAUSES),
            id="CKV_DPA_11",
            categories=(CheckCategories.BACKUP_AND_RECOVERY,),
            supported_resources=("Microsoft.Network/virtualNetworkGateways",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        # ARM keeps a gateway's sku inside properties.
        p = props(conf)
        return decide(lambda: _az(get(p, "sku", "name")) and _az(get(p, "sku", "tier")))


check = VpnGatewayZoneRedundant()
