"""The egress firewall allows VPN clients named services only: no allow-all rule.

CrossGuard: network-firewall-no-allow-all.

In an Allow filter collection of a firewall policy's rule collection group (or a firewall's
classic application/network rule collections), no rule may reach everything: destination
`*`, `0.0.0.0/0`, `::/0` or `Internet`, an FQDN `*` or `*.<tld>`, an FQDN tag or web
category, an IP group, or no destination at all (OUS-6.1.c: no internet beside the tunnel).
"""

from __future__ import annotations

import re
from typing import Any

from _dpa import decide, get, items, lower, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.1.c",)
EVERYWHERE = {"*", "0.0.0.0/0", "::/0", "internet", "any", "0.0.0.0"}
BROAD_FQDN = re.compile(r"^\*(\.[a-z0-9-]+)?\.?$")


def narrow(rule: Any) -> bool:
    addresses = [str(a).strip().lower() for a in items(get(rule, "destinationAddresses"))]
    fqdns = [str(f).strip().lower() for f in items(get(rule, "targetFqdns")) + items(get(rule, "destinationFqdns"))
             + items(get(rule, "targetUrls"))]
    if any(a in EVERYWHERE for a in addresses) or any(BROAD_FQDN.match(f) for f in fqdns):
        return False
    if items(get(rule, "fqdnTags")) or items(get(rule, "webCategories")) or items(get(rule, "destinationIpGroups")):
        return False
    return bool(addresses or fqdns)


def allow_rules(p: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    for collection in items(get(p, "ruleCollections")):
        if lower(get(collection, "ruleCollectionType")) == "firewallpolicyfilterrulecollection" \
                and lower(get(collection, "action", "type")) == "allow":
            found += items(get(collection, "rules"))
    for key in ("applicationRuleCollections", "networkRuleCollections"):
        for collection in items(get(p, key)):
            inner = get(collection, "properties", default=collection)
            if lower(get(inner, "action", "type")) == "allow":
                found += items(get(inner, "rules"))
    return found


class FirewallNoAllowAll(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Egress firewall allow rules name their destinations: no allow-all, FQDN tag or web "
                       "category", CLAUSES),
            id="CKV_DPA_24",
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("Microsoft.Network/firewallPolicies/ruleCollectionGroups",
                                 "Microsoft.Network/azureFirewalls"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return decide(lambda: all(narrow(rule) for rule in allow_rules(props(conf))))


check = FirewallNoAllowAll()
