import pytest

from policies.audit.storage_blob_logs import POLICY
from policies.stack import STORAGE_ACCOUNT
from tests.policies.audit_fixtures import ACCOUNT_ID, SUB, UNKNOWN, diagnostic, logs, workspace
from tests.policies.helpers import STACK_URN, failing_urns, run
from tests.policies.helpers import resource as make

BLOB = f"{ACCOUNT_ID}/blobServices/default"
OTHER_WS = f"{SUB}/resourceGroups/rg-elsewhere/providers/Microsoft.OperationalInsights/workspaces/central"


def account(name="trec", rg="rg-t-ous-data"):
    return make(STORAGE_ACCOUNT, name, {"accountName": name, "resourceGroupName": rg})


ALL3 = logs("StorageRead", "StorageWrite", "StorageDelete")

CASES = [
    ("pass_three_categories", [diagnostic("d", BLOB, ALL3)], set()),
    ("pass_all_logs_group", [diagnostic("d", BLOB, [{"categoryGroup": "allLogs", "enabled": True}])], set()),
    ("pass_audit_group", [diagnostic("d", BLOB, [{"categoryGroup": "audit", "enabled": True}])], set()),
    ("pass_split_over_two_settings", [diagnostic("d1", BLOB, logs("StorageRead")),
                                      diagnostic("d2", BLOB.upper(), logs("StorageWrite", "StorageDelete"))], set()),
    ("fail_no_setting", [], {"trec"}),
    ("fail_delete_missing", [diagnostic("d", BLOB, logs("StorageRead", "StorageWrite"))], {"trec"}),
    ("fail_disabled", [diagnostic("d", BLOB, logs("StorageRead", "StorageWrite", "StorageDelete", enabled=False))],
     {"trec"}),
    ("fail_on_account_not_blob_service", [diagnostic("d", ACCOUNT_ID, ALL3)], {"trec"}),
    ("fail_workspace_not_in_stack", [diagnostic("d", BLOB, ALL3, workspace_id=OTHER_WS)], {"trec"}),
    ("fail_odd_types", [diagnostic("d", BLOB, "StorageRead")], {"trec"}),
]


@pytest.mark.parametrize(("case", "settings", "failing"), CASES, ids=[c[0] for c in CASES])
def test_blob_logs(case, settings, failing):
    acct = account()
    evaluation = run(POLICY, workspace(), acct, *settings)
    assert failing_urns(evaluation) == ({acct.urn} if failing else set()), [f.message for f in evaluation.findings]


def test_each_account_needs_its_own():
    a, b = account("trec"), account("tecg00", "rg-t-ecg-data")
    evaluation = run(POLICY, workspace(), a, b, diagnostic("d", BLOB, ALL3))
    assert failing_urns(evaluation) == {b.urn}


def test_unknown_setting_leaves_missing_logs_undecided():
    a, b = account("trec"), account("tecg00", "rg-t-ecg-data")
    evaluation = run(POLICY, workspace(), a, b, diagnostic("d", BLOB, ALL3), diagnostic("u", UNKNOWN, ALL3))
    assert failing_urns(evaluation) == set()
    assert [f.urn for f in evaluation.unknowns] == [STACK_URN]


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, workspace(), account(), diagnostic("d", BLOB, logs("StorageRead"))).mandatory
    assert "[OUS-6.b" in finding.message and "'trec'" in finding.message and "StorageDelete" in finding.message
    assert finding.clauses == ("OUS-6.b", "ECG-7S")
