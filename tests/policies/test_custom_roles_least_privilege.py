import pytest

from policies.authz import ROLE_DEFINITION
from policies.rbac.custom_roles_least_privilege import POLICY
from tests.policies.helpers import outcome, resource, run
from tests.policies.rbac_fixtures import (
    BLOBS,
    OPERATOR_GUID,
    READER_ACTIONS,
    READER_GUID,
    SUB,
    UNKNOWN,
    UPLOADER_GUID,
    definition_inputs,
)

OPS = ["Microsoft.Storage/storageAccounts/read", "Microsoft.Authorization/roleAssignments/read"]
# modules/roles.py: the uploader creates blobs only (blobs/write would overwrite them).
CREATE_ONLY = [f"{BLOBS}/add/action"]
AUTH = "Microsoft.Authorization"
# modules/deploy_rights.py: the deployer writes role assignments; the owner-managed types it only reads.
DEPLOYS = ["Microsoft.Storage/storageAccounts/write", f"{AUTH}/roleAssignments/write", f"{AUTH}/roleAssignments/delete",
           f"{AUTH}/roleDefinitions/read", f"{AUTH}/policyAssignments/read", f"{AUTH}/roleEligibilityScheduleRequests/read"]
OWNER_ONLY = ("roleDefinitions/write", "roleDefinitions/delete", "roleEligibilityScheduleRequests/write",
              "policyAssignments/write", "policyAssignments/delete")

CASES = [
    ("pass_uploader", definition_inputs("uploader", UPLOADER_GUID, [], CREATE_ONLY), "pass"),
    ("pass_reader", definition_inputs("reader", READER_GUID, [], READER_ACTIONS), "pass"),
    ("pass_reader_tags", definition_inputs("reader", READER_GUID, [], READER_ACTIONS + [f"{BLOBS}/tags/read"]), "pass"),
    ("pass_operator", definition_inputs("operator", OPERATOR_GUID, OPS, []), "pass"),
    ("pass_other_role_without_data", definition_inputs("auditor", OPERATOR_GUID, OPS, []), "pass"),
    ("fail_star", definition_inputs("operator", OPERATOR_GUID, ["*"], []), "fail"),
    ("fail_star_path", definition_inputs("operator", OPERATOR_GUID, ["*/read"], []), "fail"),
    ("fail_storage_wildcard", definition_inputs("operator", OPERATOR_GUID, ["Microsoft.Storage/*"], []), "fail"),
    ("fail_data_wildcard", definition_inputs("reader", READER_GUID, [], [f"{BLOBS}/*"]), "fail"),
    ("fail_role_assignment_write", definition_inputs(
        "operator", OPERATOR_GUID, ["Microsoft.Authorization/roleAssignments/write"], []), "fail"),
    ("fail_elevate_access", definition_inputs(
        "operator", OPERATOR_GUID, ["Microsoft.Authorization/elevateAccess/Action"], []), "fail"),
    ("fail_list_keys", definition_inputs(
        "operator", OPERATOR_GUID, ["Microsoft.Storage/storageAccounts/listKeys/action"], []), "fail"),
    ("fail_operator_with_data", definition_inputs("operator", OPERATOR_GUID, OPS, READER_ACTIONS), "fail"),
    ("fail_unnamed_role_with_data", definition_inputs("helper", OPERATOR_GUID, [], READER_ACTIONS), "fail"),
    ("fail_uploader_reads", definition_inputs("uploader", UPLOADER_GUID, [], CREATE_ONLY + READER_ACTIONS),
     "fail"),
    ("fail_uploader_deletes", definition_inputs("uploader", UPLOADER_GUID, [], CREATE_ONLY + [f"{BLOBS}/delete"]),
     "fail"),
    ("fail_uploader_permanent_delete", definition_inputs(
        "uploader", UPLOADER_GUID, [], CREATE_ONLY + [f"{BLOBS}/permanentDelete/action"]), "fail"),
    ("fail_reader_writes", definition_inputs("reader", READER_GUID, [], READER_ACTIONS + [f"{BLOBS}/write"]), "fail"),
    ("fail_assignable_at_subscription", definition_inputs("reader", READER_GUID, [], READER_ACTIONS,
                                                          assignableScopes=[SUB]), "fail"),
    ("fail_assignable_at_root", definition_inputs("reader", READER_GUID, [], READER_ACTIONS, assignableScopes=["/"]),
     "fail"),
    ("fail_uploader_overwrites", definition_inputs("uploader", UPLOADER_GUID, [], CREATE_ONLY + [f"{BLOBS}/write"]),
     "fail"),
    ("pass_deployer_at_subscription", definition_inputs("deployer", OPERATOR_GUID, DEPLOYS, [],
                                                        assignableScopes=[SUB]), "pass"),
    ("fail_deployer_elevates", definition_inputs(
        "deployer", OPERATOR_GUID, DEPLOYS + ["Microsoft.Authorization/elevateAccess/Action"], [],
        assignableScopes=[SUB]), "fail"),
    ("fail_deployer_exempts", definition_inputs(
        "deployer", OPERATOR_GUID, DEPLOYS + ["Microsoft.Authorization/policyExemptions/write"], [],
        assignableScopes=[SUB]), "fail"),
    *((f"fail_deployer_{a.replace('/', '_')}", definition_inputs(
        "deployer", OPERATOR_GUID, DEPLOYS + [f"{AUTH}/{a}"], [], assignableScopes=[SUB]), "fail") for a in OWNER_ONLY),
    ("fail_deployer_with_data", definition_inputs("deployer", OPERATOR_GUID, DEPLOYS, READER_ACTIONS,
                                                  assignableScopes=[SUB]), "fail"),
    ("fail_deployer_at_root", definition_inputs("deployer", OPERATOR_GUID, DEPLOYS, [], assignableScopes=["/"]),
     "fail"),
    ("pass_odd_types", {"roleName": 3, "permissions": "all", "assignableScopes": {"a": 1}}, "pass"),
    ("unknown_actions", definition_inputs("operator", OPERATOR_GUID, [UNKNOWN], []), "unknown"),
    ("unknown_secret_permissions", {"roleName": "dpa-guard t reader", "permissions": "[secret]"}, "unknown"),
]


@pytest.mark.parametrize(("case", "props", "expected"), CASES, ids=[c[0] for c in CASES])
def test_role_definition(case, props, expected):
    evaluation = run(POLICY, resource(ROLE_DEFINITION, "role", props))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_other_types_are_ignored():
    props = definition_inputs("operator", OPERATOR_GUID, ["*"], [])
    assert outcome(run(POLICY, resource("azure-native:authorization:RoleAssignment", "a", props))) == "pass"


def test_violation_names_clause_resource_and_fix():
    props = definition_inputs("uploader", UPLOADER_GUID, [], CREATE_ONLY + READER_ACTIONS)
    (finding,) = run(POLICY, resource(ROLE_DEFINITION, "roles-uploader-role", props)).mandatory
    assert "OUS-6.2" in finding.message and "'roles-uploader-role'" in finding.message
    assert "blobs/read" in finding.message and "creates blobs only" in finding.message
    assert finding.clauses == ("OUS-6.2", "OUS-6.1.a", "ECG-7")
