"""No inbound NSG rule opens management ports (or all ports) to the internet, however it is spelled.

CrossGuard: network-nsg-no-internet-management-ports.

checkov's CKV_AZURE_9/10/160 compare the source with `"*"`, `"internet"`, `"any"` and
`"0.0.0.0"` case-sensitively, so `Internet`, `Any` and `0.0.0.0/0` (how Azure and people
write them) pass there. Here the internet is `*`, `Any`, `Internet`, `0.0.0.0/0`, `::/0` in
any case, every public address range, and every service tag but VirtualNetwork and
AzureLoadBalancer (CrossGuard: network-nsg-no-internet-management-ports).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from _dpa import decide, get, is_private, items, lower, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.b", "OUS-6.1.c")
MANAGEMENT_PORTS = (22, 3389, 5985, 5986)
ANY_SOURCE = {"*", "any", "internet", "0.0.0.0/0", "::/0"}
INTERNAL_TAGS = {"virtualnetwork", "azureloadbalancer"}
PORTLESS = {"icmp", "esp", "ah"}
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def is_internet(source: str) -> bool:
    value = source.strip().lower()
    if value in ANY_SOURCE:
        return True
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return value not in INTERNAL_TAGS  # a service tag
    return not is_private(value)


def port_ranges(specs: list[Any]) -> list[tuple[int, int]] | None:
    out = []
    for spec in specs:
        if isinstance(spec, int) and not isinstance(spec, bool):
            out.append((spec, spec))
            continue
        if not isinstance(spec, str):
            return None
        if spec.strip().lower() in ("*", "any"):
            out.append((0, 65535))
            continue
        match = _RANGE.match(spec)
        if not match:
            return None
        low = int(match.group(1))
        out.append((low, int(match.group(2) or low)))
    return out


def opens_all(ranges: list[tuple[int, int]]) -> bool:
    reach = 1
    for low, high in sorted(ranges):
        if low > reach:
            return False
        reach = max(reach, high + 1)
    return reach > 65535


def opens_management_to_internet(rule: dict[str, Any]) -> bool:
    # A missing direction or access reads as the worst case.
    if lower(get(rule, "direction")) == "outbound" or lower(get(rule, "access")) == "deny":
        return False
    if lower(get(rule, "protocol")) in PORTLESS:
        return False
    sources = [get(rule, "sourceAddressPrefix"), *items(get(rule, "sourceAddressPrefixes"))]
    if not any(isinstance(s, str) and is_internet(s) for s in sources):
        return False
    specs = [s for s in [get(rule, "destinationPortRange"), *items(get(rule, "destinationPortRanges"))] if s is not None]
    ranges = port_ranges(specs or ["*"])
    if ranges is None or opens_all(ranges):
        return True
    return any(low <= port <= high for port in MANAGEMENT_PORTS for low, high in ranges)


class NsgNoInternetManagementPorts(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("No inbound NSG rule from the internet (*, Any, Internet, 0.0.0.0/0 in any case, public "
                       "ranges and tags) opens SSH, RDP, WinRM or all ports", CLAUSES),
            id="CKV_DPA_8",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("Microsoft.Network/networkSecurityGroups",
                                 "Microsoft.Network/networkSecurityGroups/securityRules"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        if self.entity_type == "Microsoft.Network/networkSecurityGroups/securityRules":
            rules = [props(conf)]
        else:
            rules = [props(r) for r in items(props(conf).get("securityRules")) if isinstance(r, dict)]
        return decide(lambda: not any(opens_management_to_internet(r) for r in rules))


check = NsgNoInternetManagementPorts()
