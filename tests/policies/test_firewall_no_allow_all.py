"""network-firewall-no-allow-all: the egress firewall allows named services only (C, issue 10)."""

from __future__ import annotations

import copy

import pytest

from policies.network.firewall_no_allow_all import AZURE_FIREWALL, POLICY, RULE_COLLECTION_GROUP
from tests.policies.helpers import failing_urns, outcome, resource, run

CLIENTS = ["172.16.201.0/24"]


def app_rule(name="arm", **changes):
    rule = {"ruleType": "ApplicationRule", "name": name, "sourceAddresses": CLIENTS,
            "protocols": [{"protocolType": "Https", "port": 443}], "targetFqdns": ["management.azure.com"]}
    rule.update(changes)
    return rule


def net_rule(**changes):
    rule = {"ruleType": "NetworkRule", "name": "n", "sourceAddresses": CLIENTS, "destinationAddresses": ["10.1.2.3"],
            "destinationPorts": ["443"], "ipProtocols": ["TCP"]}
    rule.update(changes)
    return rule


def collection(action, *rules, name="c"):
    return {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": name, "priority": 200,
            "action": {"type": action}, "rules": list(rules)}


DENY_ALL = collection("Deny", net_rule(name="deny-all", destinationAddresses=["*"], destinationPorts=["*"],
                                       ipProtocols=["Any"]), name="deny-everything-else")


def group(*collections):
    return resource(RULE_COLLECTION_GROUP, "rules", {"resourceGroupName": "rg", "firewallPolicyName": "p",
                                                    "ruleCollectionGroupName": "g", "priority": 200,
                                                    "ruleCollections": list(collections)})


CASES = [
    ("pass_named_fqdns_then_deny_all", group(collection("Allow", app_rule(), app_rule("graph", targetFqdns=[
        "graph.microsoft.com"])), DENY_ALL), "pass"),
    ("pass_narrow_network_rule", group(collection("Allow", net_rule())), "pass"),
    ("pass_wildcard_inside_a_domain", group(collection("Allow", app_rule(targetFqdns=["*.blob.core.windows.net"]))),
     "pass"),
    ("pass_dnat_collection_ignored", group({"ruleCollectionType": "FirewallPolicyNatRuleCollection", "name": "nat",
                                           "action": {"type": "Dnat"}, "rules": [net_rule(destinationAddresses=["*"])]}),
     "pass"),
    ("fail_star_fqdn", group(collection("Allow", app_rule(targetFqdns=["*"]))), "fail"),
    ("fail_whole_tld", group(collection("Allow", app_rule(targetFqdns=["*.com"]))), "fail"),
    ("fail_any_address", group(collection("Allow", net_rule(destinationAddresses=["*"]))), "fail"),
    ("fail_default_route", group(collection("Allow", net_rule(destinationAddresses=["0.0.0.0/0"]))), "fail"),
    ("fail_internet_tag", group(collection("Allow", net_rule(destinationAddresses=["Internet"]))), "fail"),
    ("fail_fqdn_tag", group(collection("Allow", app_rule(targetFqdns=[], fqdnTags=["WindowsUpdate"]))), "fail"),
    ("fail_web_category", group(collection("Allow", app_rule(targetFqdns=[], webCategories=["News"]))), "fail"),
    ("fail_no_destination", group(collection("Allow", app_rule(targetFqdns=[]))), "fail"),
    ("fail_allow_all_hidden_before_deny", group(collection("Allow", app_rule(), net_rule(destinationAddresses=["*"])),
                                                DENY_ALL), "fail"),
]


@pytest.mark.parametrize(("case", "res", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_collection_groups(case, res, expected):
    evaluation = run(POLICY, res)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail":
        assert failing_urns(evaluation) == {res.urn}


@pytest.mark.parametrize(("rules", "expected"), [
    ([{"name": "a", "action": {"type": "Allow"}, "rules": [{"name": "r", "targetFqdns": ["graph.microsoft.com"]}]}],
     "pass"),
    ([{"name": "a", "action": {"type": "Allow"}, "rules": [{"name": "r", "targetFqdns": ["*"]}]}], "fail"),
    ([{"name": "a", "action": {"type": "Deny"}, "rules": [{"name": "r", "targetFqdns": ["*"]}]}], "pass"),
])
def test_classic_rules_on_the_firewall(rules, expected):
    fw = resource(AZURE_FIREWALL, "fw", {"resourceGroupName": "rg", "azureFirewallName": "afw", "location":
                                         "norwayeast", "applicationRuleCollections": copy.deepcopy(rules)})
    assert outcome(run(POLICY, fw)) == expected


def test_violation_names_clause_resource_rule_and_fix():
    (finding,) = run(POLICY, group(collection("Allow", app_rule(name="oops", targetFqdns=["*"])))).findings
    assert finding.message.startswith("[OUS-6.1.c] ")
    assert "'rules'" in finding.message and "'oops'" in finding.message and "modules/egress.py" in finding.message
