import pytest

from policies.audit.log_sinks_in_stack import POLICY
from tests.policies.audit_fixtures import ACCOUNT_ID, SUB, UNKNOWN, diagnostic, logs
from tests.policies.helpers import failing_urns, fails_closed, resource, run

BLOB = f"{ACCOUNT_ID}/blobServices/default"
ELSEWHERE = f"{SUB}/resourceGroups/rg-elsewhere/providers/Microsoft.Storage/storageAccounts/collector"
HUB_RULE = f"{SUB}/resourceGroups/rg-elsewhere/providers/Microsoft.EventHub/namespaces/ns/authorizationRules/send"

CASES = [
    ("pass_workspace_only", diagnostic("d", BLOB, logs("StorageRead")), set()),
    ("pass_workspace_id_unknown_in_preview", diagnostic("d", BLOB, logs("StorageRead"), workspace_id=UNKNOWN), set()),
    ("pass_subscription_setting", resource("azure-native:monitor:SubscriptionDiagnosticSetting", "d",
                                           {"workspaceId": "x", "logs": []}), set()),
    ("fail_storage_account_sink", diagnostic("d", BLOB, logs("StorageRead"), storageAccountId=ELSEWHERE), {"d"}),
    ("fail_event_hub_sink", diagnostic("d", BLOB, logs("StorageRead"), eventHubAuthorizationRuleId=HUB_RULE,
                                       eventHubName="logs"), {"d"}),
    ("fail_partner_sink", diagnostic("d", BLOB, logs("StorageRead"), marketplacePartnerId="/x/partner"), {"d"}),
    ("fail_no_workspace", resource("azure-native:monitor:DiagnosticSetting", "d", {"resourceUri": BLOB}), {"d"}),
    ("fail_tenant_setting_to_storage", resource("azure-native:aadiam:DiagnosticSetting", "d",
                                                {"workspaceId": "x", "storageAccountId": ELSEWHERE}), {"d"}),
]


@pytest.mark.parametrize(("case", "resource_", "failing"), CASES, ids=[c[0] for c in CASES])
def test_sinks(case, resource_, failing):
    evaluation = run(POLICY, resource_)
    assert failing_urns(evaluation) == ({resource_.urn} if failing else set()), [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_sink_fails_closed(value):
    assert fails_closed(run(POLICY, diagnostic("d", BLOB, logs("StorageRead"), storageAccountId=value)))


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, diagnostic("d", BLOB, logs("StorageRead"), storageAccountId=ELSEWHERE)).mandatory
    assert finding.message.startswith("[OUS-6.1.b, ECG-10, OUS-6.b] ") and "storageAccountId" in finding.message
