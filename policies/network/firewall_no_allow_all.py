"""The egress firewall allows VPN clients named services only: no allow-all rule.

OUS-6.1.c blocks simultaneous internet access while connected. With the Virtual WAN secured
hub (modules/egress.py) every internet-bound packet of a VPN client passes the hub's Azure
Firewall, so the firewall's allow rules are the whole of what clients can reach. An allow
rule whose destination is everything (`*`, `0.0.0.0/0`, `::/0`, the `Internet` tag, a bare
`*` or `*.<tld>` FQDN) or that allows by FQDN tag or web category (sets Microsoft extends
without review) turns the forced tunnel into internet access. Checked on firewall policy rule
collection groups and on a firewall's classic (inline) rule collections; deny collections
may be as broad as they like.
"""

from __future__ import annotations

import re

from policies.lib import describe, get_list, get_str, get_strs, lower, resource_policy

RULE_COLLECTION_GROUP = "azure-native:network:FirewallPolicyRuleCollectionGroup"
AZURE_FIREWALL = "azure-native:network:AzureFirewall"
EVERYWHERE = frozenset({"*", "0.0.0.0/0", "::/0", "internet", "any", "0.0.0.0"})
_BROAD_FQDN = re.compile(r"^\*(\.[a-z0-9-]+)?\.?$")  # "*", "*.com": a whole TLD is the internet


def broad_destinations(rule) -> list[str]:
    """What in one rule opens more than named services (empty: the rule is narrow)."""
    found = [a for a in get_strs(rule, "destinationAddresses") if a.strip().lower() in EVERYWHERE]
    found += [f for f in get_strs(rule, "destinationFqdns") + get_strs(rule, "targetFqdns")
              if _BROAD_FQDN.match(f.strip().lower())]
    found += [f"targetUrl {u}" for u in get_strs(rule, "targetUrls") if _BROAD_FQDN.match(u.strip().lower())]
    found += [f"FQDN tag {t}" for t in get_strs(rule, "fqdnTags")]
    found += [f"web category {c}" for c in get_strs(rule, "webCategories")]
    if get_strs(rule, "destinationIpGroups"):
        found += ["an IP group (its addresses are not in this resource)"]
    if not (get_strs(rule, "destinationAddresses") or get_strs(rule, "destinationFqdns")
            or get_strs(rule, "targetFqdns") or get_strs(rule, "targetUrls") or get_strs(rule, "fqdnTags")
            or get_strs(rule, "webCategories") or get_strs(rule, "destinationIpGroups")):
        found.append("no destination at all")
    return found


def validate(args, report_violation) -> None:
    label = describe(args.resource_type, args.name)
    if args.resource_type == RULE_COLLECTION_GROUP:
        # NAT (DNAT) collections publish inbound, they open no egress
        filters = (c for c in get_list(args.props, "ruleCollections")
                   if lower(get_str(c, "ruleCollectionType")) == "firewallpolicyfilterrulecollection")
        for collection, rule, broad in _broad_allow_rules(filters):
            report_violation(
                f"{label} collection '{get_str(collection, 'name')}' allows rule '{get_str(rule, 'name')}' "
                f"to {broad}: VPN clients would have internet access beside the named services; allow "
                "only the FQDNs operators need (modules/egress.py)")
    elif args.resource_type == AZURE_FIREWALL:
        for key in ("applicationRuleCollections", "networkRuleCollections"):
            for collection, rule, broad in _broad_allow_rules(get_list(args.props, key)):
                report_violation(
                    f"{label} classic {key} '{get_str(collection, 'name')}' allows rule "
                    f"'{get_str(rule, 'name')}' to {broad}: allow only the FQDNs operators need, in a "
                    "firewall policy (modules/egress.py)")


def _broad_allow_rules(collections):
    """(collection, rule, what it opens) for every rule of an Allow collection with a broad destination."""
    for collection in collections:
        if lower(get_str(collection, "action", "type")) != "allow":
            continue
        for rule in get_list(collection, "rules"):
            broad = broad_destinations(rule)
            if broad:
                yield collection, rule, broad


POLICY = resource_policy(
    name="network-firewall-no-allow-all",
    clauses=("OUS-6.1.c",),
    area="network",
    description="The egress firewall's allow rules name destinations: no rule allows everything (*, 0.0.0.0/0, "
    "Internet, *.<tld>), nor FQDN tags or web categories, so the forced tunnel gives no internet access.",
    remediation="Allow only Entra ID sign-in, ARM, Graph and the state backend by FQDN over HTTPS (application "
    "rules); the firewall denies everything else by default (modules/egress.py).",
    validate=validate,
)
