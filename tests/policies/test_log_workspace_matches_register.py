"""audit-log-workspace-matches-register: every diagnostic setting's workspaceId is the register's auditWorkspaceId.

Review D F4's shapes: the blob, Entra ID and activity-log settings keep their dependency on the stack's
workspace and change only workspaceId; a second blob-service setting to an outside workspace.
"""

import pytest

from policies.audit.log_workspace_matches_register import POLICY
from tests.policies.audit_fixtures import ACCOUNT_ID, SUB, UNKNOWN, WORKSPACE_ID, diagnostic, logs
from tests.policies.helpers import failing_urns, fails_closed, outcome, resource, run
from tests.policies.registers import register

BLOB = f"{ACCOUNT_ID}/blobServices/default"
REGISTER = register(auditWorkspaceId=WORKSPACE_ID)
# The hostile review's literals (workspace retargets).
OUTSIDE_US = ("/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/x/providers/"
              "Microsoft.OperationalInsights/workspaces/outside-us")
OUTSIDE = "/subscriptions/aaaa/resourceGroups/x/providers/Microsoft.OperationalInsights/workspaces/outside"
# Same subscription and group, another workspace name; the stack's workspace name in another group.
SIBLING = f"{SUB}/resourceGroups/rg-t-audit/providers/Microsoft.OperationalInsights/workspaces/log-t-audit2"
OTHER_GROUP = f"{SUB}/resourceGroups/rg-elsewhere/providers/Microsoft.OperationalInsights/workspaces/log-t-audit"
ACTIVITY = "azure-native:monitor:SubscriptionDiagnosticSetting"
ACTIVITY_INSIGHTS = "azure-native:insights:SubscriptionDiagnosticSetting"
ENTRA = "azure-native:aadiam:DiagnosticSetting"
INSIGHTS = "azure-native:insights:DiagnosticSetting"


def subscription_setting(workspace_id, type_=ACTIVITY):
    return resource(type_, "d", {"name": "dpaguard-audit-t", "workspaceId": workspace_id,
                                 "logs": logs("Administrative")})


def entra_setting(workspace_id):
    return resource(ENTRA, "d", {"name": "dpaguard-entra-t", "workspaceId": workspace_id, "logs": logs("AuditLogs")})


CASES = [
    ("pass_blob_setting", diagnostic("d", BLOB, logs("StorageRead")), False),
    ("pass_other_case_and_slash", diagnostic("d", BLOB, logs("StorageRead"), workspace_id=WORKSPACE_ID.upper() + "/"),
     False),
    ("pass_activity_log", subscription_setting(WORKSPACE_ID), False),
    ("pass_entra", entra_setting(WORKSPACE_ID), False),
    ("pass_insights_type", resource(INSIGHTS, "d", {"resourceUri": BLOB, "workspaceId": WORKSPACE_ID}), False),
    # no workspaceId at all: audit-log-sinks-in-stack's finding, not this one's
    ("pass_absent_left_to_sinks_policy", resource("azure-native:monitor:DiagnosticSetting", "d",
                                                  {"resourceUri": BLOB}), False),
    ("fail_blob_setting_outside_us", diagnostic("d", BLOB, logs("StorageRead"), workspace_id=OUTSIDE_US), True),
    ("fail_second_blob_setting_outside", diagnostic("d", BLOB, logs("StorageRead"), workspace_id=OUTSIDE), True),
    ("fail_activity_log_outside_us", subscription_setting(OUTSIDE_US), True),
    ("fail_activity_log_insights_type", subscription_setting(OUTSIDE_US, ACTIVITY_INSIGHTS), True),
    ("fail_entra_outside_us", entra_setting(OUTSIDE_US), True),
    ("fail_sibling_workspace", diagnostic("d", BLOB, logs("StorageRead"), workspace_id=SIBLING), True),
    ("fail_same_name_other_group", diagnostic("d", BLOB, logs("StorageRead"), workspace_id=OTHER_GROUP), True),
    ("fail_prefix_of_stack_workspace", diagnostic("d", BLOB, logs("StorageRead"), workspace_id=WORKSPACE_ID[:-1]),
     True),
    ("fail_not_an_id", entra_setting("log-t-audit"), True),
]


@pytest.mark.parametrize(("case", "resource_", "fails"), CASES, ids=[c[0] for c in CASES])
def test_workspace(case, resource_, fails):
    evaluation = run(POLICY, resource_, register=REGISTER)
    assert failing_urns(evaluation) == ({resource_.urn} if fails else set()), [f.message for f in evaluation.findings]
    assert all(f.enforcement == "mandatory" for f in evaluation.findings)


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
@pytest.mark.parametrize("make", [lambda v: diagnostic("d", BLOB, logs("StorageRead"), workspace_id=v),
                                  subscription_setting, entra_setting], ids=["blob", "activity", "entra"])
def test_unknown_workspace_fails_closed(value, make):
    assert fails_closed(run(POLICY, make(value), register=REGISTER))


def test_without_register_fails_closed():
    assert outcome(run(POLICY, entra_setting(WORKSPACE_ID))) == "unknown"


def test_register_without_workspace_fails():
    old = {k: v for k, v in REGISTER.items() if k != "auditWorkspaceId"}
    (finding,) = run(POLICY, entra_setting(WORKSPACE_ID), register=old).mandatory
    assert "auditWorkspaceId" in finding.message and "dpaguard plan" in finding.message


def test_unreadable_register_value_fails():
    (finding,) = run(POLICY, entra_setting(WORKSPACE_ID), register=register(auditWorkspaceId=7)).mandatory
    assert "'None'" in finding.message


def test_violation_names_clause_workspaces_and_fix():
    (finding,) = run(POLICY, entra_setting(OUTSIDE_US), register=REGISTER).mandatory
    assert finding.message.startswith("[OUS-6.b, OUS-6.1.b, ECG-10] ")
    assert f"'{OUTSIDE_US}'" in finding.message and f"'{WORKSPACE_ID}'" in finding.message
    assert "log_workspace_id" in finding.message


def test_enforced_before_creation():
    assert POLICY.enforcement_level.value == "mandatory"
    assert type(POLICY).__name__ == "ResourceValidationPolicy"
