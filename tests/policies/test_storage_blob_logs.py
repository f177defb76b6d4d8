import pytest

from policies.audit.storage_blob_logs import POLICY
from policies.stack import BLOB_SERVICE, STORAGE_ACCOUNT
from tests.policies.audit_fixtures import ACCOUNT_ID, SUB, WORKSPACE_ID, WORKSPACE_URN, diagnostic, logs, workspace
from tests.policies.helpers import STACK_URN, failing_urns, fails_closed, run
from tests.policies.helpers import resource as make

BLOB = f"{ACCOUNT_ID}/blobServices/default"
OTHER_WS = f"{SUB}/resourceGroups/rg-elsewhere/providers/Microsoft.OperationalInsights/workspaces/central"


def account(name="trec", rg="rg-t-ous-data"):
    return make(STORAGE_ACCOUNT, name, {"accountName": name, "resourceGroupName": rg})


def blob_service(acct):
    return make(BLOB_SERVICE, f"{acct.name}-blob", {"accountName": acct.name, "resourceGroupName": "rg",
                                                    "blobServicesName": "default"}, depends_on=[acct],
                property_dependencies={"accountName": [acct]})


ALL3 = logs("StorageRead", "StorageWrite", "StorageDelete")
ACCT = account()
SERVICE = blob_service(ACCT)

CASES = [
    ("pass_three_categories", [diagnostic("d", BLOB, ALL3, targets=(SERVICE,), uri_from=(SERVICE,))], set()),
    ("pass_all_logs_group", [diagnostic("d", BLOB, [{"categoryGroup": "allLogs", "enabled": True}],
                                        targets=(SERVICE,), uri_from=(SERVICE,))], set()),
    ("pass_audit_group", [diagnostic("d", BLOB, [{"categoryGroup": "audit", "enabled": True}], targets=(SERVICE,), uri_from=(SERVICE,))],
     set()),
    ("pass_split_over_two_settings", [diagnostic("d1", BLOB, logs("StorageRead"), targets=(SERVICE,), uri_from=(SERVICE,)),
                                      diagnostic("d2", BLOB.upper(), logs("StorageWrite", "StorageDelete"),
                                                 targets=(SERVICE,), uri_from=(SERVICE,))], set()),
    ("fail_no_setting", [], {ACCT.urn}),
    ("fail_delete_missing", [diagnostic("d", BLOB, logs("StorageRead", "StorageWrite"), targets=(SERVICE,), uri_from=(SERVICE,))],
     {ACCT.urn}),
    ("fail_disabled", [diagnostic("d", BLOB, logs("StorageRead", "StorageWrite", "StorageDelete", enabled=False),
                                  targets=(SERVICE,), uri_from=(SERVICE,))], {ACCT.urn}),
    # Depending on the account, not its blob service: the setting logs the account itself.
    ("fail_on_account_not_blob_service", [diagnostic("d", ACCOUNT_ID, ALL3, targets=(ACCT,))], {ACCT.urn}),
    ("fail_setting_tied_to_nothing", [diagnostic("d", BLOB, ALL3)], {ACCT.urn}),
    # Review C #5: depending on the blob service is the program's say-so; a setting that records no
    # property dependency may log the file service (which takes the same StorageRead/Write/Delete).
    ("fail_setting_only_depending_on_blob_service", [diagnostic(
        "d", f"{ACCOUNT_ID}/fileServices/default", ALL3, targets=(SERVICE,))], {STACK_URN}),
    # Its resourceUri a literal beside another recorded input (the workspace's id): logs no account.
    ("fail_resource_uri_literal", [make(
        "azure-native:monitor:DiagnosticSetting", "d", {"name": "dpaguard-audit", "resourceUri": BLOB,
                                                        "workspaceId": WORKSPACE_ID, "logs": ALL3},
        depends_on=[SERVICE], property_dependencies={"workspaceId": [WORKSPACE_URN]})], {ACCT.urn}),
    ("fail_workspace_not_in_stack", [diagnostic("d", BLOB, ALL3, workspace_id=OTHER_WS, targets=(SERVICE,), uri_from=(SERVICE,),
                                                to_stack_workspace=False)], {ACCT.urn}),
    # Not a list: its preview output is unknown, so the policy fails closed on the stack.
    ("fail_odd_types", [diagnostic("d", BLOB, "StorageRead", targets=(SERVICE,), uri_from=(SERVICE,))], {STACK_URN}),
]


@pytest.mark.parametrize(("case", "settings", "failing"), CASES, ids=[c[0] for c in CASES])
def test_blob_logs(case, settings, failing):
    evaluation = run(POLICY, workspace(), ACCT, SERVICE, *settings)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_each_account_needs_its_own():
    b = account("tecg00", "rg-t-ecg-data")
    evaluation = run(POLICY, workspace(), ACCT, SERVICE, b, blob_service(b), diagnostic("d", BLOB, ALL3,
                                                                                       targets=(SERVICE,), uri_from=(SERVICE,)))
    assert failing_urns(evaluation) == {b.urn}


def test_a_setting_depending_on_two_blob_services_fails_closed():
    b = account("tecg00", "rg-t-ecg-data")
    other = blob_service(b)
    evaluation = run(POLICY, workspace(), ACCT, SERVICE, b, other, diagnostic("d", BLOB, ALL3,
                                                                             targets=(SERVICE, other)))
    assert fails_closed(evaluation) and failing_urns(evaluation) == {STACK_URN}


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, workspace(), ACCT, SERVICE,
                     diagnostic("d", BLOB, logs("StorageRead"), targets=(SERVICE,), uri_from=(SERVICE,))).mandatory
    assert finding.message.startswith("[OUS-6.b, ECG-7S] ") and "'trec'" in finding.message
    assert "StorageDelete" in finding.message
    assert finding.clauses == ("OUS-6.b", "ECG-7S")
