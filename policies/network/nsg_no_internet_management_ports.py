"""No NSG rule opens management ports (or every port) to the internet.

Remote operation happens only over the VPN (OUS-6.1.c), and nothing may be reached from
outside the secure zone (OUS-6.1.b). An inbound Allow rule whose source is the internet
therefore must not open SSH (22), RDP (3389), WinRM (5985, 5986) or all ports, whether by a
single port, a range ("20-30"), "*", or a list.

The internet, as a source, is `*`, `Any`, `Internet`, `0.0.0.0/0`, `::/0` in any case, and
also any address range that is not private (RFC 1918, IPv6 ULA): management from a "known"
public address is still remote operation outside the VPN. Service tags other than
`VirtualNetwork` and `AzureLoadBalancer` name public Azure ranges others can use, so they
count as the internet too. Rules are read inline (`securityRules` of a NetworkSecurityGroup)
and standalone (SecurityRule); a missing direction or access is read as the worst case.
"""

from __future__ import annotations

import ipaddress
import re

from policies.facts import PRIVATE_RANGES
from policies.lib import describe, get, get_list, get_str, lower, resource_policy

NSG = "azure-native:network:NetworkSecurityGroup"
SECURITY_RULE = "azure-native:network:SecurityRule"

MANAGEMENT_PORTS = {22: "SSH", 3389: "RDP", 5985: "WinRM", 5986: "WinRM over HTTPS"}
INTERNAL_TAGS = {"virtualnetwork", "azureloadbalancer"}
ANY_SOURCE = {"*", "any", "internet", "0.0.0.0/0", "::/0"}
PRIVATE = tuple(ipaddress.ip_network(n) for n in PRIVATE_RANGES)
# Protocols without ports: a rule for them opens no management port.
PORTLESS = {"icmp", "esp", "ah"}
_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def is_internet(source: str) -> bool:
    value = source.strip().lower()
    if value in ANY_SOURCE:
        return True
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        # A service tag (letters, maybe `Tag.Region`): only the VNet's own tags are internal.
        return value not in INTERNAL_TAGS
    return not any(net.version == p.version and net.subnet_of(p) for p in PRIVATE)


def port_ranges(specs: list) -> list[tuple[int, int]] | None:
    """(low, high) per spec; None if a spec can't be read (then assumed to open everything)."""
    out = []
    for spec in specs:
        if isinstance(spec, bool):
            return None
        if isinstance(spec, (int, float)):
            out.append((int(spec), int(spec)))
            continue
        if not isinstance(spec, str):
            return None
        if spec.strip() in ("*", "Any", "any"):
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


def findings(rule) -> list[str]:
    """What an inbound internet Allow rule opens, or [] if it is not one."""
    if lower(get(rule, "direction")) == "outbound" or lower(get(rule, "access")) == "deny":
        return []
    if lower(get(rule, "protocol")) in PORTLESS:
        return []
    sources = [get(rule, "sourceAddressPrefix")] + get_list(rule, "sourceAddressPrefixes")
    internet = [s for s in sources if isinstance(s, str) and is_internet(s)]
    if not internet:
        return []
    specs = [get(rule, "destinationPortRange")] + get_list(rule, "destinationPortRanges")
    specs = [s for s in specs if s is not None]
    if not specs:
        specs = ["*"]  # Azure requires a port; treat an absent one as the worst case
    ranges = port_ranges(specs)
    if ranges is None or opens_all(ranges):
        return [f"all ports (destination ports {specs}) to {internet}"]
    opened = [f"{port} ({name})" for port, name in MANAGEMENT_PORTS.items()
              if any(low <= port <= high for low, high in ranges)]
    return [f"{', '.join(opened)} to {internet}"] if opened else []


def validate(args, report_violation) -> None:
    if args.resource_type == NSG:
        rules = [(get_str(r, "name") or f"#{i}", r) for i, r in enumerate(get_list(args.props, "securityRules"))]
    elif args.resource_type == SECURITY_RULE:
        rules = [(get_str(args.props, "name") or get_str(args.props, "securityRuleName") or args.name, args.props)]
    else:
        return
    label = describe(args.resource_type, args.name)
    for name, rule in rules:
        for opened in findings(rule):
            report_violation(
                f"{label} rule '{name}' allows inbound {opened}: remote operation goes over "
                "the VPN only; restrict the source to the VPN client pool or VNet, or remove the rule"
            )


POLICY = resource_policy(
    name="network-nsg-no-internet-management-ports",
    clauses=("OUS-6.1.b", "OUS-6.1.c"),
    area="network",
    description="No inbound Allow NSG rule (inline or standalone) from the internet (*, Any, Internet, "
    "0.0.0.0/0, ::/0, any public range or public service tag) opens SSH, RDP, WinRM or all ports.",
    remediation="Allow management only from the VPN client pool or the VNet (modules/vpn.py rules), "
    "never from the internet; delete rules that open 22, 3389, 5985, 5986 or '*' to it.",
    validate=validate,
)
