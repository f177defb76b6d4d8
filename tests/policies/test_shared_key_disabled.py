import pytest

from policies.storage.shared_key_disabled import POLICY, STORAGE_ACCOUNT
from tests.policies.helpers import outcome, resource, run

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

pass_entra_only = {"allowSharedKeyAccess": False, "defaultToOAuthAuthentication": True, "isLocalUserEnabled": False}

CASES = [
    ("pass_entra_only", pass_entra_only, "pass"),
    ("fail_shared_key_on", {**pass_entra_only, "allowSharedKeyAccess": True}, "fail"),
    ("fail_shared_key_absent", {"defaultToOAuthAuthentication": True}, "fail"),
    ("fail_oauth_default_off", {**pass_entra_only, "defaultToOAuthAuthentication": False}, "fail"),
    ("fail_string_false", {**pass_entra_only, "allowSharedKeyAccess": "false"}, "fail"),
    ("unknown_shared_key", {**pass_entra_only, "allowSharedKeyAccess": UNKNOWN}, "unknown"),
    ("unknown_secret_marker", {**pass_entra_only, "allowSharedKeyAccess": "[secret]"}, "unknown"),
    ("pass_sftp_and_nfs_off", {**pass_entra_only, "isSftpEnabled": False, "enableNfsV3": False}, "pass"),
    ("fail_local_users_on", {**pass_entra_only, "isLocalUserEnabled": True}, "fail"),
    # No documented default (ARM schema 2024-01-01); local users reach blobs only over SFTP (off by default).
    ("pass_local_users_absent", {"allowSharedKeyAccess": False, "defaultToOAuthAuthentication": True}, "pass"),
    ("fail_sftp_on", {**pass_entra_only, "isSftpEnabled": True}, "fail"),
    ("fail_nfs_v3_on", {**pass_entra_only, "enableNfsV3": True}, "fail"),
    ("unknown_local_users", {**pass_entra_only, "isLocalUserEnabled": UNKNOWN}, "unknown"),
    ("fail_odd_types", {"allowSharedKeyAccess": [1, 2], "defaultToOAuthAuthentication": {"a": None}}, "fail"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_storage_account(case, inputs, expected):
    evaluation = run(POLICY, resource(STORAGE_ACCOUNT, "acct", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_other_types_are_ignored():
    evaluation = run(POLICY, resource("azure-native:storage:BlobContainer", "c", {"allowSharedKeyAccess": True}))
    assert outcome(evaluation) == "pass"


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, resource(STORAGE_ACCOUNT, "ousklrec", {"defaultToOAuthAuthentication": True,
                                                                 "isLocalUserEnabled": False}))
    (finding,) = evaluation.mandatory
    assert "OUS-6.1.a" in finding.message and "'ousklrec'" in finding.message and "set allowSharedKeyAccess" in finding.message
    assert finding.clauses == ("OUS-6.1.a", "ECG-7", "ECG-6")
