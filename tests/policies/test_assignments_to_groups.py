import pytest

from policies.authz import PIM_ELIGIBILITY, ROLE_ASSIGNMENT
from policies.rbac.assignments_to_groups import POLICY
from tests.policies.helpers import outcome, resource, run
from tests.policies.rbac_fixtures import RG, UNKNOWN, UPLOADER_GUID, container, role_id
from tests.policies.registers import BREAK_GLASS, DECLARED, register

ROLE = role_id(UPLOADER_GUID)
GROUP_ID = "55555555-5555-5555-5555-555555555555"


def inputs(**changes):
    base = {"scope": container("rec-a"), "roleDefinitionId": ROLE, "principalId": UNKNOWN, "principalType": "Group"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


CASES = [
    ("pass_group", ROLE_ASSIGNMENT, inputs(), "pass"),
    ("pass_group_lower_case", ROLE_ASSIGNMENT, inputs(principalType="group"), "pass"),
    ("pass_existing_group_id", ROLE_ASSIGNMENT, inputs(principalId=GROUP_ID), "pass"),
    ("pass_pim_for_group", PIM_ELIGIBILITY, {"scope": RG, "roleDefinitionId": ROLE, "principalId": UNKNOWN}, "pass"),
    ("fail_user", ROLE_ASSIGNMENT, inputs(principalType="User", principalId=DECLARED[0]), "fail"),
    ("fail_service_principal", ROLE_ASSIGNMENT, inputs(principalType="ServicePrincipal"), "fail"),
    ("fail_principal_type_absent", ROLE_ASSIGNMENT, inputs(principalType=None), "fail"),
    ("fail_group_type_but_person", ROLE_ASSIGNMENT, inputs(principalId=BREAK_GLASS[0]), "fail"),
    ("fail_pim_for_person", PIM_ELIGIBILITY,
     {"scope": RG, "roleDefinitionId": ROLE, "principalId": DECLARED[1].upper()}, "fail"),
    ("fail_odd_types", ROLE_ASSIGNMENT, inputs(principalType=["Group"]), "fail"),
    ("unknown_principal_type", ROLE_ASSIGNMENT, inputs(principalType=UNKNOWN), "unknown"),
    ("unknown_secret_type", ROLE_ASSIGNMENT, inputs(principalType="[secret]"), "unknown"),
]


@pytest.mark.parametrize(("case", "type_", "props", "expected"), CASES, ids=[c[0] for c in CASES])
def test_principal(case, type_, props, expected):
    evaluation = run(POLICY, resource(type_, "a", props), register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_user_is_caught_even_without_register():
    assert outcome(run(POLICY, resource(ROLE_ASSIGNMENT, "a", inputs(principalType="User")))) == "fail"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(ROLE_ASSIGNMENT, "direct", inputs(principalType="User")),
                     register=register()).mandatory
    assert "OUS-6.2" in finding.message and "'direct'" in finding.message and "principalType: Group" in finding.message
    assert finding.clauses == ("OUS-6.2", "OUS-6.1.a", "OUS-7", "ECG-7")
