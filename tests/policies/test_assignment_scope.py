import pytest

from policies.rbac.assignment_scope import POLICY
from policies.stack import AZUREAD_GROUP
from tests.policies.helpers import failing_urns, outcome, resource, run
from tests.policies.rbac_fixtures import (
    ACCOUNT,
    OPERATOR_GUID,
    READER_GUID,
    RG,
    SUB,
    UNKNOWN,
    UPLOADER_GUID,
    assignment,
    container,
    definitions,
    eligibility,
)
from tests.policies.registers import register

OPERATOR_PIM = {"type": "AfterDuration", "duration": "P180D"}
BLOB_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BUILTIN_READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"

CASES = [
    ("pass_data_role_at_container", [assignment("a", container("rec-x"), UPLOADER_GUID)], set()),
    ("pass_operator_pim_at_rg", [eligibility("a", RG, OPERATOR_GUID, OPERATOR_PIM)], set()),
    ("pass_builtin_reader_at_rg", [assignment("a", RG, BUILTIN_READER)], set()),
    ("pass_trailing_slash_container", [assignment("a", container("rec-x") + "/", READER_GUID)], set()),
    ("fail_data_role_at_account", [assignment("a", ACCOUNT, READER_GUID)], {"a"}),
    ("fail_data_role_at_rg", [assignment("a", RG, UPLOADER_GUID)], {"a"}),
    ("fail_builtin_data_role_at_rg", [assignment("a", RG, BLOB_READER)], {"a"}),
    ("fail_operator_at_subscription", [eligibility("a", SUB, OPERATOR_GUID, OPERATOR_PIM)], {"a"}),
    ("fail_anything_at_subscription", [assignment("a", SUB + "/", BUILTIN_READER)], {"a"}),
    ("fail_management_group", [assignment("a", "/providers/Microsoft.Management/managementGroups/mg", BUILTIN_READER)],
     {"a"}),
    ("fail_root", [assignment("a", "/", BUILTIN_READER)], {"a"}),
    ("fail_scope_absent", [assignment("a", None, BUILTIN_READER)], {"a"}),
    ("fail_only_the_wide_one", [assignment("a", container("rec-x"), UPLOADER_GUID),
                                assignment("b", ACCOUNT, UPLOADER_GUID)], {"b"}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_scope(case, resources, failing):
    evaluation = run(POLICY, *definitions(), *resources, register=register())
    assert failing_urns(evaluation) == {r.urn for r in resources if r.name in failing}, \
        [f.message for f in evaluation.findings]
    assert not evaluation.unknowns


INGEST = resource(AZUREAD_GROUP, "access-ecg-ingest", {"displayName": "t-ecg-ingest"})
AHUS_UPLOADERS = resource(AZUREAD_GROUP, "access-ahus-mbt-uploaders", {"displayName": "t-ahus-mbt-uploaders"})


def at_account(guid, group):
    """principalId taken from `group` (its property dependency), as modules/roles.py passes it."""
    if group is None:
        return assignment("acct", ACCOUNT, guid)
    return assignment("acct", ACCOUNT, guid, property_dependencies={"principalId": (group.urn,)})


@pytest.mark.parametrize(("case", "guid", "group", "expected"), [
    ("pass_ingest_write_only_at_account", UPLOADER_GUID, INGEST, "pass"),
    ("fail_reader_at_account", READER_GUID, INGEST, "fail"),
    ("fail_controller_group_at_account", UPLOADER_GUID, AHUS_UPLOADERS, "fail"),
    ("fail_group_not_in_stack", UPLOADER_GUID, None, "fail"),
    ("fail_builtin_data_role_at_account", BLOB_READER, INGEST, "fail"),
])
def test_write_only_stack_wide_group_at_account(case, guid, group, expected):
    groups = [group] if group is not None else []
    evaluation = run(POLICY, *definitions(), *groups, at_account(guid, group), register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_account_exception_needs_the_register():
    """Without --policy-pack-config the exception can't be shown: a mandatory violation saying how to pass it."""
    evaluation = run(POLICY, *definitions(), INGEST, at_account(UPLOADER_GUID, INGEST))
    assert outcome(evaluation) == "unknown" and evaluation.mandatory
    assert "--policy-pack-config out/STACK/policy-config.json" in evaluation.mandatory[0].message


def test_unknown_scope_fails_closed_and_the_rest_still_checked():
    wide = assignment("wide", RG, READER_GUID)
    unknown = assignment("a", UNKNOWN, READER_GUID)
    evaluation = run(POLICY, *definitions(), unknown, wide, register=register())
    assert failing_urns(evaluation) == {wide.urn, unknown.urn}
    assert not evaluation.unknowns


def test_secret_role_is_undecided():
    secret = assignment("a", RG, UPLOADER_GUID)
    secret.inputs["roleDefinitionId"] = "[secret]"
    assert outcome(run(POLICY, *definitions(), secret, register=register())) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *definitions(), assignment("roles-a-reader", ACCOUNT, READER_GUID),
                     register=register()).mandatory
    assert finding.message.startswith("[OUS-6.2, ECG-7, ECG-6, OUS-3] ") and "'roles-a-reader'" in finding.message
    assert "controller's own container" in finding.message
    assert finding.clauses == ("OUS-6.2", "ECG-7", "ECG-6", "OUS-3")
