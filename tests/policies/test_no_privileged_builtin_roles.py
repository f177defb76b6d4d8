import pytest

from policies.authz import PIM_ELIGIBILITY, ROLE_ASSIGNMENT
from policies.rbac.no_privileged_builtin_roles import POLICY
from tests.policies.helpers import outcome, resource, run
from tests.policies.rbac_fixtures import RG, SUB, UNKNOWN, UPLOADER_GUID, container, role_id

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def inputs(role, scope=RG):
    return {"scope": scope, "roleDefinitionId": role, "principalId": UNKNOWN, "principalType": "Group"}


CASES = [
    ("pass_custom_role", ROLE_ASSIGNMENT, inputs(role_id(UPLOADER_GUID), container("rec-a")), "pass"),
    ("pass_builtin_reader", ROLE_ASSIGNMENT, inputs(role_id("acdd72a7-3385-48ef-bd42-f606fba81ae7")), "pass"),
    ("fail_owner", ROLE_ASSIGNMENT, inputs(role_id(OWNER)), "fail"),
    ("fail_owner_upper_case", ROLE_ASSIGNMENT, inputs(role_id(OWNER.upper())), "fail"),
    ("fail_owner_bare_guid", ROLE_ASSIGNMENT, inputs(OWNER), "fail"),
    ("fail_owner_tenant_path", ROLE_ASSIGNMENT,
     inputs(f"/providers/Microsoft.Authorization/roleDefinitions/{OWNER}"), "fail"),
    ("fail_contributor", ROLE_ASSIGNMENT, inputs(role_id("b24988ac-6180-42a0-ab88-20f7382dd24c"), SUB), "fail"),
    ("fail_user_access_admin", ROLE_ASSIGNMENT, inputs(role_id("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")), "fail"),
    ("fail_rbac_admin", ROLE_ASSIGNMENT, inputs(role_id("f58310d9-a9f6-439a-9e8d-f62e7b41a168")), "fail"),
    ("fail_blob_data_owner", ROLE_ASSIGNMENT,
     inputs(role_id("b7e6dc6d-f1e8-4753-8033-0f276bb0955b"), container("rec-a")), "fail"),
    ("fail_blob_data_contributor", ROLE_ASSIGNMENT,
     inputs(role_id("ba92f5b4-2d11-453d-a403-e96b0029c9fe"), container("rec-a")), "fail"),
    ("fail_account_contributor", ROLE_ASSIGNMENT, inputs(role_id("17d1049b-9a84-46fb-8f53-869881c3d3ab")), "fail"),
    ("fail_pim_owner", PIM_ELIGIBILITY, inputs(role_id(OWNER)), "fail"),
    ("pass_odd_types", ROLE_ASSIGNMENT, {"roleDefinitionId": ["x"], "scope": 3}, "pass"),
    ("unknown_role", ROLE_ASSIGNMENT, inputs(UNKNOWN), "unknown"),
    ("unknown_secret_role", PIM_ELIGIBILITY, inputs("[secret]"), "unknown"),
]


@pytest.mark.parametrize(("case", "type_", "props", "expected"), CASES, ids=[c[0] for c in CASES])
def test_role(case, type_, props, expected):
    evaluation = run(POLICY, resource(type_, "a", props))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_other_types_are_ignored():
    assert outcome(run(POLICY, resource("azure-native:authorization:PolicyAssignment", "p", inputs(OWNER)))) == "pass"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(ROLE_ASSIGNMENT, "ops-owner", inputs(role_id(OWNER)))).mandatory
    assert "OUS-6.2" in finding.message and "'ops-owner'" in finding.message and "Owner" in finding.message
    assert "custom role" in finding.message
    assert finding.clauses == ("OUS-6.2", "OUS-6.1.a", "ECG-7")
