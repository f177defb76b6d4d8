import pytest

from policies.location.allowed_locations_assigned import ALLOWED_LOCATIONS, ALLOWED_RG_LOCATIONS
from policies.location.allowed_locations_enforced import POLICY
from tests.policies.helpers import failing_urns, fails_closed, run
from tests.policies.stores import SUB, UNKNOWN
from tests.policies.test_allowed_locations_assigned import assignment

CASES = [
    ("pass_shipped_shape", assignment("res", ALLOWED_LOCATIONS), set()),
    ("pass_rg_policy", assignment("rgs", ALLOWED_RG_LOCATIONS), set()),
    ("pass_enforcement_absent_is_default", assignment("res", ALLOWED_LOCATIONS, enforcementMode=...), set()),
    ("pass_other_definition", assignment("x", "0a914e76-4921-4c19-b460-a2d36003525a", scope="/"), set()),
    ("fail_not_scopes", assignment("res", ALLOWED_LOCATIONS, notScopes=[f"{SUB}/resourceGroups/rg-x"]), {"res"}),
    ("fail_do_not_enforce", assignment("res", ALLOWED_LOCATIONS, enforcementMode="DoNotEnforce"), {"res"}),
    ("fail_allows_abroad", assignment("res", ALLOWED_LOCATIONS, parameters={
        "listOfAllowedLocations": {"value": ["norwayeast", "westeurope"]}}), {"res"}),
    ("fail_resource_group_scope", assignment("rgs", ALLOWED_RG_LOCATIONS, scope=f"{SUB}/resourceGroups/rg-x"),
     {"rgs"}),
    ("fail_no_locations", assignment("res", ALLOWED_LOCATIONS, parameters=...), {"res"}),
]


@pytest.mark.parametrize(("case", "resource_", "failing"), CASES, ids=[c[0] for c in CASES])
def test_assignment(case, resource_, failing):
    evaluation = run(POLICY, resource_)
    assert failing_urns(evaluation) == ({resource_.urn} if failing else set()), [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_scope_fails_closed(value):
    assert fails_closed(run(POLICY, assignment("res", ALLOWED_LOCATIONS, notScopes=value)))


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, assignment("res", ALLOWED_LOCATIONS, notScopes=["x"])).mandatory
    assert finding.message.startswith("[ECG-10, ECG-6, OUS-6.1.b] ") and "notScopes" in finding.message
