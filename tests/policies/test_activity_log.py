import pytest

from policies.audit.activity_log import POLICY
from tests.policies.audit_fixtures import SUB, UNKNOWN, WORKSPACE_ID, logs, workspace
from tests.policies.helpers import STACK_URN, failing_urns, outcome, resource, run

OTHER_WS = f"{SUB}/resourceGroups/x/providers/Microsoft.OperationalInsights/workspaces/y"


def setting(entries, workspace_id=WORKSPACE_ID, type_="azure-native:monitor:SubscriptionDiagnosticSetting"):
    return resource(type_, "activity", {"name": "dpaguard-audit-t", "workspaceId": workspace_id, "logs": entries})


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
    ("fail_other_workspace", [setting(EVERYTHING, workspace_id=OTHER_WS)], "fail"),
    ("fail_odd_types", [setting("Administrative")], "fail"),
    ("unknown_workspace", [setting(EVERYTHING, workspace_id=UNKNOWN)], "unknown"),
]


@pytest.mark.parametrize(("case", "settings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_activity_log(case, settings, expected):
    evaluation = run(POLICY, workspace(), *settings)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail":
        assert failing_urns(evaluation) == {STACK_URN}


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, workspace(), setting(logs("Administrative"))).mandatory
    assert "[OUS-6.b" in finding.message and "Security" in finding.message
    assert "SubscriptionDiagnosticSetting" in finding.message
    assert finding.clauses == ("OUS-6.b", "ECG-7S")
