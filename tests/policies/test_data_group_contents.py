import pytest

from policies.governance.data_group_contents import POLICY
from tests.policies.helpers import failing_urns, outcome, resource, run
from tests.policies.stores import ECG_RG, OUS_RG, UNKNOWN, ecg_store, ous_store, resource_group

SQL = resource("azure-native:sql:Server", "sql", {"resourceGroupName": OUS_RG, "serverName": "s"})
SHARE = resource("azure-native:storage:FileShare", "share", {"resourceGroupName": ECG_RG, "accountName": "x"})
VM = resource("azure-native:compute:VirtualMachine", "vm", {"resourceGroupName": "rg-other-ecg-data"})
LOCK = resource("azure-native:authorization:ManagementLockAtResourceGroupLevel", "lock",
                {"resourceGroupName": OUS_RG, "level": "CanNotDelete"})
NET_VM = resource("azure-native:compute:VirtualMachine", "jump", {"resourceGroupName": "rg-test-network"})
TAGGED = resource_group("rg-custom", "OUS")
IN_TAGGED = resource("azure-native:keyvault:Vault", "kv", {"resourceGroupName": "RG-CUSTOM"})

CASES = [
    ("pass_shipped_stores", ous_store() + ecg_store(), set()),
    ("pass_lock_on_data_group", ous_store() + [LOCK], set()),
    ("pass_vm_in_network_group", ous_store() + [resource_group("rg-test-network", "OUS", data=False), NET_VM], set()),
    ("fail_database_in_data_group", ous_store() + [SQL], {SQL.urn}),
    ("fail_file_share_in_data_group", ecg_store() + [SHARE], {SHARE.urn}),
    ("fail_vm_in_group_named_as_data_group", [VM], {VM.urn}),
    # A resource policy sees only the resource's inputs: a group is a data group by its name
    # (governance-dedicated-store keeps every data account in a group so named), not by its tags.
    ("pass_vault_in_tagged_group_not_named_as_data_group", [TAGGED, IN_TAGGED], set()),
    ("pass_odd_group_type", [resource("azure-native:sql:Server", "sql", {"resourceGroupName": [OUS_RG]})], set()),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_group_is_a_note(value):
    evaluation = run(POLICY, resource("azure-native:sql:Server", "sql", {"resourceGroupName": value}))
    assert outcome(evaluation) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *ous_store(), SQL).mandatory
    assert finding.message.startswith("[OUS-3, OUS-2]") and "server 'sql'" in finding.message
    assert f"'{OUS_RG}'" in finding.message and "move it to another resource group" in finding.message
