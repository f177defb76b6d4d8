"""network-firewall-in-norway: hub, firewall and policy in norwayeast, firewall zone-redundant (C, issue 10)."""

from __future__ import annotations

import pytest

from policies.network.firewall_in_norway import AZURE_FIREWALL, FIREWALL_POLICY, POLICY, VIRTUAL_HUB
from tests.policies.helpers import outcome, resource, run

ZONES = ["1", "2", "3"]
CASES = [
    ("pass_firewall", AZURE_FIREWALL, {"location": "norwayeast", "zones": ZONES}, "pass"),
    ("pass_display_name", AZURE_FIREWALL, {"location": "Norway East", "zones": ZONES}, "pass"),
    ("pass_policy", FIREWALL_POLICY, {"location": "norwayeast"}, "pass"),
    ("pass_hub", VIRTUAL_HUB, {"location": "norwayeast"}, "pass"),
    ("fail_sweden", AZURE_FIREWALL, {"location": "swedencentral", "zones": ZONES}, "fail"),
    ("fail_norwaywest_no_zones", FIREWALL_POLICY, {"location": "norwaywest"}, "fail"),
    ("fail_inherited_location", VIRTUAL_HUB, {}, "fail"),
    ("fail_one_zone", AZURE_FIREWALL, {"location": "norwayeast", "zones": ["1"]}, "fail"),
    ("fail_no_zones", AZURE_FIREWALL, {"location": "norwayeast"}, "fail"),
    ("fail_odd_location_type", FIREWALL_POLICY, {"location": ["norwayeast"]}, "fail"),
]


@pytest.mark.parametrize(("case", "kind", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_location(case, kind, inputs, expected):
    evaluation = run(POLICY, resource(kind, "x", {"resourceGroupName": "rg", **inputs}))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_other_types_are_not_its_business():
    assert outcome(run(POLICY, resource("azure-native:network:VirtualNetwork", "v", {"location": "westeurope"}))) \
        == "pass"
