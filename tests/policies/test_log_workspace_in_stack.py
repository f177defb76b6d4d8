import pytest

from policies.audit.log_workspace_in_stack import POLICY
from tests.policies.audit_fixtures import ACCOUNT_ID, WORKSPACE_URN, diagnostic, logs, workspace
from tests.policies.helpers import failing_urns, resource, run

BLOB = f"{ACCOUNT_ID}/blobServices/default"

CASES = [
    ("pass_depends_on_the_workspace", diagnostic("d", BLOB, logs("StorageRead")), set()),
    ("pass_subscription_setting", resource("azure-native:monitor:SubscriptionDiagnosticSetting", "d",
                                           {"workspaceId": "x"}, dependencies=(WORKSPACE_URN,)), set()),
    ("fail_workspace_outside_stack", diagnostic("d", BLOB, logs("StorageRead"), to_stack_workspace=False), {"d"}),
    ("fail_tenant_setting_without_workspace", resource("azure-native:aadiam:DiagnosticSetting", "d",
                                                       {"workspaceId": "x"}), {"d"}),
]


@pytest.mark.parametrize(("case", "resource_", "failing"), CASES, ids=[c[0] for c in CASES])
def test_workspace(case, resource_, failing):
    evaluation = run(POLICY, workspace(), resource_)
    assert failing_urns(evaluation) == ({resource_.urn} if failing else set()), [f.message for f in evaluation.findings]


def test_description_says_it_runs_after_deployment():
    assert "cannot block" in POLICY.description
