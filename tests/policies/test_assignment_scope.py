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

# The groups of modules/access.py for the test register's controllers (`<prefix>-<controller>-<suffix>`).
GROUPS = {key: resource(AZUREAD_GROUP, f"access-{key}", {"displayName": f"t-{key}"}) for key in (
    "ahus-mbt-readers", "ahus-mbt-uploaders", "old-mbt-readers", "old-mbt-uploaders", "dr-lie-readers", "ecg-ingest",
    "operators")}


def granted(name, scope, guid, group_key, kind=assignment, **extra):
    """A grant whose principalId comes from the group `group_key` (its property dependency), as modules/roles.py
    passes it; None: a literal principalId."""
    if group_key is None:
        return kind(name, scope, guid, **extra)
    return kind(name, scope, guid, **extra, property_dependencies={"principalId": (GROUPS[group_key].urn,)})


CASES = [
    ("pass_data_role_at_container", [granted("a", container("rec-ahus-mbt"), UPLOADER_GUID, "ahus-mbt-uploaders")],
     set()),
    ("pass_operator_pim_at_rg", [eligibility("a", RG, OPERATOR_GUID, OPERATOR_PIM)], set()),
    ("pass_builtin_reader_at_rg", [assignment("a", RG, BUILTIN_READER)], set()),
    ("pass_trailing_slash_container", [granted("a", container("rec-ahus-mbt") + "/", READER_GUID, "ahus-mbt-readers")],
     set()),
    ("fail_data_role_at_account", [assignment("a", ACCOUNT, READER_GUID)], {"a"}),
    ("fail_data_role_at_rg", [assignment("a", RG, UPLOADER_GUID)], {"a"}),
    ("fail_builtin_data_role_at_rg", [assignment("a", RG, BLOB_READER)], {"a"}),
    ("fail_operator_at_subscription", [eligibility("a", SUB, OPERATOR_GUID, OPERATOR_PIM)], {"a"}),
    ("fail_anything_at_subscription", [assignment("a", SUB + "/", BUILTIN_READER)], {"a"}),
    ("fail_management_group", [assignment("a", "/providers/Microsoft.Management/managementGroups/mg", BUILTIN_READER)],
     {"a"}),
    ("fail_root", [assignment("a", "/", BUILTIN_READER)], {"a"}),
    ("fail_scope_absent", [assignment("a", None, BUILTIN_READER)], {"a"}),
    ("fail_only_the_wide_one", [granted("a", container("rec-ahus-mbt"), UPLOADER_GUID, "ahus-mbt-uploaders"),
                                assignment("b", ACCOUNT, UPLOADER_GUID)], {"b"}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_scope(case, resources, failing):
    evaluation = run(POLICY, *definitions(), *GROUPS.values(), *resources, register=register())
    assert failing_urns(evaluation) == {r.urn for r in resources if r.name in failing}, \
        [f.message for f in evaluation.findings]
    assert not evaluation.unknowns


INGEST = GROUPS["ecg-ingest"]
AHUS_UPLOADERS = GROUPS["ahus-mbt-uploaders"]


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


# ECG-6 / OUS-6.2 (finding F2 of the hostile review): a data role at a controller's container goes to
# that controller's own group of the role, and to nobody else. The first five are the reviewer's shapes
# (the hostile review's shapes), with the test register's controllers: ahus-mbt and old-mbt (OUS, old-mbt's
# agreement ended), dr-lie (ECG).
GROUP_CASES = [
    ("fail_other_controllers_readers", container("rec-old-mbt"), READER_GUID, "ahus-mbt-readers"),
    ("fail_operators_as_reader", container("rec-ahus-mbt"), READER_GUID, "operators"),
    ("fail_own_uploaders_as_reader", container("rec-ahus-mbt"), READER_GUID, "ahus-mbt-uploaders"),
    ("fail_other_controllers_uploaders_as_uploader", container("rec-ahus-mbt"), UPLOADER_GUID, "old-mbt-uploaders"),
    ("fail_ended_controllers_readers", container("rec-ahus-mbt"), READER_GUID, "old-mbt-readers"),
    ("fail_literal_principal", container("rec-ahus-mbt"), READER_GUID, None),
    ("fail_ingest_as_reader_of_a_physician", container("ecg-dr-lie"), READER_GUID, "ecg-ingest"),
    ("fail_ecg_controller_has_no_uploaders", container("ecg-dr-lie"), UPLOADER_GUID, "dr-lie-readers"),
    ("fail_container_of_no_controller", container("rec-x"), READER_GUID, "ahus-mbt-readers"),
    ("fail_builtin_data_role_at_container", container("rec-ahus-mbt"), BLOB_READER, "ahus-mbt-readers"),
    ("pass_own_readers", container("rec-ahus-mbt"), READER_GUID, "ahus-mbt-readers"),
    ("pass_own_uploaders", container("rec-ahus-mbt"), UPLOADER_GUID, "ahus-mbt-uploaders"),
    ("pass_own_readers_at_scores", container("scores-ahus-mbt"), READER_GUID, "ahus-mbt-readers"),
    ("pass_physicians_readers", container("ecg-dr-lie"), READER_GUID, "dr-lie-readers"),
    ("pass_names_compared_case_insensitively", container("REC-Ahus-MBT"), READER_GUID, "ahus-mbt-readers"),
]


@pytest.mark.parametrize(("case", "scope", "guid", "group_key"), GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_container_grant_goes_to_the_controllers_own_group(case, scope, guid, group_key):
    grant = granted("grant", scope, guid, group_key)
    evaluation = run(POLICY, *definitions(), *GROUPS.values(), grant, register=register())
    assert outcome(evaluation) == case.split("_", 1)[0], [f.message for f in evaluation.findings]


def test_container_grant_from_a_non_group_fails():
    """principalId taken from a group and something else (`group.object_id.apply(...)` mixed with another
    resource's output): which principal it is can't be told from the group."""
    other = resource("random:index/randomUuid:RandomUuid", "other", {})
    grant = assignment("grant", container("rec-ahus-mbt"), READER_GUID,
                       property_dependencies={"principalId": (GROUPS["ahus-mbt-readers"].urn, other.urn)})
    (finding,) = run(POLICY, *definitions(), *GROUPS.values(), other, grant, register=register()).mandatory
    assert "not from exactly one group" in finding.message


def test_container_grant_from_a_group_of_unknown_name_is_undecided():
    unknown = resource(AZUREAD_GROUP, "access-ahus-mbt-readers", {"displayName": UNKNOWN})
    grant = granted("grant", container("rec-ahus-mbt"), READER_GUID, "ahus-mbt-readers")
    assert outcome(run(POLICY, *definitions(), unknown, grant, register=register())) == "unknown"


@pytest.mark.parametrize(("case", "scope", "guid", "expected"), [
    ("pass_operator_eligible_at_rg", RG, OPERATOR_GUID, "pass"),
    ("fail_reader_eligible_at_rg", RG, BUILTIN_READER, "fail"),
    ("fail_reader_role_at_container", container("rec-ahus-mbt"), READER_GUID, "fail"),
])
def test_operators_hold_only_operator_and_deployer_roles(case, scope, guid, expected):
    grant = granted("grant", scope, guid, "operators", kind=eligibility, expiration=OPERATOR_PIM)
    evaluation = run(POLICY, *definitions(), *GROUPS.values(), grant, register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_wrong_group_message_names_clause_resource_group_and_fix():
    grant = granted("roles-old-mbt-reader-data", container("rec-old-mbt"), READER_GUID, "ahus-mbt-readers")
    (finding,) = run(POLICY, *definitions(), *GROUPS.values(), grant, register=register()).mandatory
    assert finding.message.startswith("[OUS-6.2, ECG-7, ECG-6, OUS-3] ")
    assert "'roles-old-mbt-reader-data'" in finding.message and "'access-ahus-mbt-readers'" in finding.message
    assert "'<prefix>-old-mbt-readers'" in finding.message and "its own readers (uploaders) group" in finding.message
