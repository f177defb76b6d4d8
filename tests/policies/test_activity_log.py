import pytest

from policies.audit.activity_log import POLICY
from tests.policies.audit_fixtures import SUB, UNKNOWN, WORKSPACE_ID, WORKSPACE_URN, logs, workspace
from tests.policies.helpers import STACK_URN, failing_urns, outcome, resource, run

OTHER_WS = f"{SUB}/resourceGroups/x/providers/Microsoft.OperationalInsights/workspaces/y"


def setting(entries, workspace_id=WORKSPACE_ID, type_="azure-native:monitor:SubscriptionDiagnosticSetting",
            to_stack_workspace=True):
    """As modules/audit.py plans it: depending on the workspace it sends to (outputs carry no usable id)."""
    return resource(type_, "activity", {"name": "dpaguard-audit-t", "workspaceId": workspace_id, "logs": entries},
                    dependencies=(WORKSPACE_URN,) if to_stack_workspace else ())


EVERYTHING = logs("Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale",
                  "ResourceHealth")
CASES = [
    ("pass_every_category", [setting(EVERYTHING)], "pass"),
    ("pass_minimum", [setting(logs("Administrative", "Security", "Policy"))], "pass"),
    ("pass_insights_token", [setting(EVERYTHING, type_="azure-native:insights:SubscriptionDiagnosticSetting")], "pass"),
    ("pass_all_logs", [setting([{"categoryGroup": "allLogs", "enabled": True}])], "pass"),
    ("fail_none", [], "fail"),
    ("fail_policy_missing", [setting(logs("Administrative", "Security"))], "fail"),
    ("fail_disabled", [setting(logs("Administrative", "Security", "Policy", enabled=False))], "fail"),
    ("fail_other_workspace", [setting(EVERYTHING, workspace_id=OTHER_WS, to_stack_workspace=False)], "fail"),
    # Not a list: unknown in the preview outputs, so the policy fails closed.
    ("unknown_odd_types", [setting("Administrative")], "unknown"),
    # A new workspace's id is unknown in preview: the dependency is what ties the setting to it.
    ("pass_unknown_workspace_id", [setting(EVERYTHING, workspace_id=UNKNOWN)], "pass"),
]


@pytest.mark.parametrize(("case", "settings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_activity_log(case, settings, expected):
    evaluation = run(POLICY, workspace(), *settings)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail":
        assert failing_urns(evaluation) == {STACK_URN}


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, workspace(), setting(logs("Administrative"))).mandatory
    assert finding.message.startswith("[OUS-6.b, ECG-7S] ") and "Security" in finding.message
    assert "SubscriptionDiagnosticSetting" in finding.message
    assert finding.clauses == ("OUS-6.b", "ECG-7S")
