import pytest

from policies.retention.ous_no_geo_copies import BACKUP_INSTANCE, OBJECT_REPLICATION, POLICY
from tests.policies.helpers import failing_urns, outcome, resource, run
from tests.policies.stores import (
    ECG_ACCOUNT,
    OUS_ACCOUNT,
    OUS_RG,
    UNKNOWN,
    account_id,
    ecg_store,
    named,
    ous_store,
    register,
    replace_inputs,
)

ACCOUNT = f"acct-{OUS_ACCOUNT}"
ACCOUNT_URN = named(ous_store(), ACCOUNT).urn
REPLICATION = resource(OBJECT_REPLICATION, "orp", {"accountName": "elsewhere", "resourceGroupName": "rg-x",
                                                  "sourceAccount": account_id(OUS_RG, OUS_ACCOUNT),
                                                  "destinationAccount": "elsewhere"})
REPLICATION_IN = resource(OBJECT_REPLICATION, "orp-in", {"accountName": OUS_ACCOUNT, "resourceGroupName": OUS_RG,
                                                        "sourceAccount": "elsewhere", "destinationAccount": OUS_ACCOUNT})
BACKUP = resource(BACKUP_INSTANCE, "bk", {"properties": {"dataSourceInfo": {
    "resourceID": account_id(OUS_RG, OUS_ACCOUNT), "datasourceType": "Microsoft.Storage/storageAccounts/blobServices"}}})
ECG_BACKUP = resource(BACKUP_INSTANCE, "bk-ecg", {"properties": {"dataSourceInfo": {
    "resourceID": account_id("rg-test-ecg-data", ECG_ACCOUNT)}}})

CASES = [
    ("pass_zrs", ous_store(), set()),
    ("pass_lrs", replace_inputs(ous_store(), ACCOUNT, sku={"name": "Standard_LRS"}), set()),
    ("pass_ecg_geo_is_not_ous", ecg_store() + [ECG_BACKUP], set()),
    ("fail_grs", replace_inputs(ous_store(), ACCOUNT, sku={"name": "Standard_GRS"}), {ACCOUNT_URN}),
    ("fail_ragzrs", replace_inputs(ous_store(), ACCOUNT, sku={"name": "Standard_RAGZRS"}), {ACCOUNT_URN}),
    ("fail_replicated_out", ous_store() + [REPLICATION], {REPLICATION.urn}),
    ("fail_replicated_in_place", ous_store() + [REPLICATION_IN], {REPLICATION_IN.urn}),
    ("fail_backed_up", ous_store() + [BACKUP], {BACKUP.urn}),
    ("pass_odd_sku", replace_inputs(ous_store(), ACCOUNT, sku=["Standard_GRS"]), set()),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=register(("OUS", "ECG")))
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_sku_is_a_note(value):
    evaluation = run(POLICY, *replace_inputs(ous_store(), ACCOUNT, sku={"name": value}), register=register())
    assert outcome(evaluation) == "unknown"


def test_violation_names_clause_resource_and_fix():
    resources = replace_inputs(ous_store(), ACCOUNT, sku={"name": "Standard_GRS"})
    (finding,) = run(POLICY, *resources, register=register()).mandatory
    assert finding.message.startswith("[OUS-5]") and f"'{ACCOUNT}'" in finding.message
    assert "Standard_GRS" in finding.message and "use Standard_ZRS or Standard_LRS" in finding.message
