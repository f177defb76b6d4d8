"""storage-children-name-stack-account: a storage child's literal inputs name an account of the register.

The accounts are the shipped stacks' (stacks/Pulumi.ous-kvalitetslab.yaml prefix `ouskl`,
stacks/Pulumi.ecg247.yaml prefix `ecg247` with two ECG accounts), written out by hand.
"""

import pytest

from policies.storage.children_name_stack_account import POLICY
from tests.policies.helpers import failing_urns, fails_closed, outcome, resource, run
from tests.policies.stores import BLOB_SERVICE, CONTAINER, ENDPOINT, LIFECYCLE, UNKNOWN, account, register

OUS_SUB = "/subscriptions/9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94"
ECG_SUB = "/subscriptions/2c7e9a1b-5d3f-4b6e-9a8c-7e1d0f4b2a65"
OUS_RG = "rg-ouskl-ous-data"
ECG_RG = "rg-ecg247-ecg-data"
OUS_ID = f"{OUS_SUB}/resourceGroups/{OUS_RG}/providers/Microsoft.Storage/storageAccounts/ousklrec"
ECG00_ID = f"{ECG_SUB}/resourceGroups/{ECG_RG}/providers/Microsoft.Storage/storageAccounts/ecg247ecg00"
ECG01_ID = f"{ECG_SUB}/resourceGroups/{ECG_RG}/providers/Microsoft.Storage/storageAccounts/ecg247ecg01"
EVIL_ID = f"{OUS_SUB}/resourceGroups/{OUS_RG}/providers/Microsoft.Storage/storageAccounts/evilacct"
DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
# The stack's private-endpoint subnet (modules/vpn.py: rg-<prefix>-network, vnet-<prefix>, private-endpoints).
OUS_SUBNET = f"{OUS_SUB}/resourceGroups/rg-ouskl-network/providers/Microsoft.Network/virtualNetworks/vnet-ouskl/subnets/private-endpoints"
# Review D F3: a workstation VNet of the same subscription, and another subscription's subnet.
OTHER_VNET_SUBNET = (f"{OUS_SUB}/resourceGroups/rg-lab-workstations/providers/Microsoft.Network/virtualNetworks/"
                     "vnet-lab/subnets/default")
FOREIGN_SUBNET = ("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-x/providers/"
                  "Microsoft.Network/virtualNetworks/vnet-x/subnets/default")

REGISTER = register(("OUS", "ECG"), storageAccounts=[
    {"name": "ousklrec", "resourceGroup": OUS_RG, "agreement": "OUS", "id": OUS_ID},
    {"name": "ecg247ecg00", "resourceGroup": ECG_RG, "agreement": "ECG", "id": ECG00_ID},
    {"name": "ecg247ecg01", "resourceGroup": ECG_RG, "agreement": "ECG", "id": ECG01_ID},
], privateEndpointSubnets=[OUS_SUBNET])
# The stack's account, for the recorded provenance of a hostile name (it does not change the verdict).
OUS_ACCOUNT = account("ousklrec", OUS_RG, "OUS")


def named(type_, name, account_name, group=OUS_RG, **extra):
    """A child naming `account_name`; recorded, as modules/storage.py named_by does, as coming from the
    stack's account whatever it says: `account.urn.apply(lambda _: "evilacctuswest")` records the same."""
    inputs = {"accountName": account_name, "resourceGroupName": group}
    if type_ == CONTAINER:
        inputs |= {"containerName": name, "publicAccess": "None"}
    return resource(type_, name, inputs, property_dependencies={"accountName": [OUS_ACCOUNT]}, **extra)


def endpoint(*targets, manual=(), name="pe", group_ids=("blob",), subnet=OUS_SUBNET):
    def connections(ids):
        return [{"name": f"c{i}", "privateLinkServiceId": t, "groupIds": list(group_ids)} for i, t in enumerate(ids)]

    inputs = {"privateEndpointName": name, "resourceGroupName": OUS_RG, "location": "norwayeast",
              "privateLinkServiceConnections": connections(targets)}
    if subnet is not None:
        inputs["subnet"] = {"id": subnet}
    if manual:
        inputs["manualPrivateLinkServiceConnections"] = connections(manual)
    return resource(ENDPOINT, name, inputs,
                    property_dependencies={"privateLinkServiceConnections": [OUS_ACCOUNT]})


def setting(uri, name="diag"):
    return resource(DIAGNOSTIC_SETTING, name, {"name": "dpaguard-audit", "resourceUri": uri,
                                               "workspaceId": f"{OUS_SUB}/resourceGroups/rg-ouskl-audit/providers/"
                                                              "Microsoft.OperationalInsights/workspaces/log-ouskl"})


CASES = [
    # containers, blob services, lifecycle policies: (accountName, resourceGroupName)
    ("pass_ous_container", [named(CONTAINER, "rec-ahus-mbt", "ousklrec")], set()),
    ("pass_ecg_children_in_both_shards", [
        named(BLOB_SERVICE, "svc00", "ecg247ecg00", ECG_RG), named(LIFECYCLE, "lc01", "ecg247ecg01", ECG_RG),
        named(CONTAINER, "ecg-dr-lie", "ecg247ecg01", ECG_RG)], set()),
    ("pass_other_case", [named(CONTAINER, "rec-ahus-mbt", "OUSKLREC", "RG-OUSKL-OUS-DATA")], set()),
    # H4: recorded as coming from the stack's account, naming another.
    ("fail_urn_apply_outside_name", [named(CONTAINER, "rec-ahus-mbt", "evilacctuswest")], {"rec-ahus-mbt"}),
    ("fail_outside_name_blob_service", [named(BLOB_SERVICE, "svc", "evilacctuswest")], {"svc"}),
    ("fail_outside_name_lifecycle", [named(LIFECYCLE, "lc", "evilacctuswest")], {"lc"}),
    ("fail_outside_resource_group", [named(CONTAINER, "rec-ahus-mbt", "ousklrec", "rg-elsewhere")],
     {"rec-ahus-mbt"}),
    # Name and group each of the stack, but not together: a different account (resource ids differ).
    ("fail_account_in_another_accounts_group", [named(CONTAINER, "ecg-dr-lie", "ousklrec", ECG_RG)], {"ecg-dr-lie"}),
    ("fail_no_account_name", [resource(CONTAINER, "rec-x", {"resourceGroupName": OUS_RG, "containerName": "rec-x"})],
     {"rec-x"}),
    # private endpoints: every storage target is a stack account's id
    ("pass_endpoint_to_stack_account", [endpoint(OUS_ID)], set()),
    ("pass_endpoint_id_other_case", [endpoint(ECG01_ID.upper())], set()),
    ("pass_manual_connection_to_stack_account", [endpoint(manual=[ECG00_ID])], set()),
    ("pass_blob_group_other_case", [endpoint(OUS_ID, group_ids=("Blob",))], set()),
    # Review C #6: the program creates no endpoint but its accounts' blob endpoints (modules/storage.py).
    ("fail_endpoint_to_other_service", [endpoint(
        f"{OUS_SUB}/resourceGroups/rg-ouskl-audit/providers/Microsoft.KeyVault/vaults/kv-ouskl")], {"pe"}),
    ("fail_endpoint_to_private_link_service", [endpoint(
        "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-x/providers/Microsoft.Network/"
        "privateLinkServices/exfil", group_ids=())], {"pe"}),
    ("fail_endpoint_to_sql_server", [endpoint(
        "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-x/providers/Microsoft.Sql/servers/exfil",
        group_ids=("sqlServer",))], {"pe"}),
    ("fail_manual_private_link_service_beside_stack_connection", [endpoint(OUS_ID, manual=[
        "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-x/providers/Microsoft.Network/"
        "privateLinkServices/exfil"])], {"pe"}),
    ("fail_encoded_outside_account", [endpoint(EVIL_ID.replace("Microsoft.Storage/storageAccounts",
                                                               "Microsoft.Storage%2FstorageAccounts"))], {"pe"}),
    ("fail_connection_without_target", [resource(ENDPOINT, "pe", {
        "privateLinkServiceConnections": [{"name": "c0", "groupIds": ["blob"]}]})], {"pe"}),
    # groupIds exactly [blob]: the secondary, another service or an extra one reach data no control covers.
    ("fail_stack_account_blob_secondary", [endpoint(OUS_ID, group_ids=("blob_secondary",))], {"pe"}),
    ("fail_stack_account_file", [endpoint(OUS_ID, group_ids=("file",))], {"pe"}),
    ("fail_stack_account_blob_and_dfs", [endpoint(OUS_ID, group_ids=("blob", "dfs"))], {"pe"}),
    ("fail_stack_account_no_group", [endpoint(OUS_ID, group_ids=())], {"pe"}),
    # M1: an endpoint from the stack's network retargeted to an outside account, or an extra one.
    ("fail_endpoint_to_outside_account", [endpoint(EVIL_ID)], {"pe"}),
    ("fail_extra_endpoint_to_outside_account", [endpoint(OUS_ID), endpoint(
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-x/providers/Microsoft.Storage/"
        "storageAccounts/evilacctuswest", name="pe-out")], {"pe-out"}),
    ("fail_stack_account_in_another_subscription", [endpoint(OUS_ID.replace(OUS_SUB, ECG_SUB))], {"pe"}),
    ("fail_second_connection_outside", [endpoint(OUS_ID, EVIL_ID)], {"pe"}),
    ("fail_manual_connection_outside", [endpoint(OUS_ID, manual=[EVIL_ID])], {"pe"}),
    ("fail_endpoint_to_a_sub_resource", [endpoint(f"{OUS_ID}/blobServices/default")], {"pe"}),
    # Review D F3: the stack's own account and sub-resource, from a subnet that is not the stack's.
    ("pass_subnet_other_case", [endpoint(OUS_ID, subnet=OUS_SUBNET.upper() + "/")], set()),
    ("fail_second_endpoint_from_other_vnet", [endpoint(OUS_ID), endpoint(OUS_ID, name="pe2",
                                                                          subnet=OTHER_VNET_SUBNET)], {"pe2"}),
    ("fail_second_endpoint_from_other_subscription", [endpoint(OUS_ID), endpoint(OUS_ID, name="pe2",
                                                                                 subnet=FOREIGN_SUBNET)], {"pe2"}),
    ("fail_stack_vnet_other_subnet", [endpoint(OUS_ID, subnet=OUS_SUBNET.replace("private-endpoints", "GatewaySubnet"))],
     {"pe"}),
    ("fail_same_names_other_subscription", [endpoint(OUS_ID, subnet=OUS_SUBNET.replace(OUS_SUB, ECG_SUB))], {"pe"}),
    ("fail_no_subnet", [endpoint(OUS_ID, subnet=None)], {"pe"}),
    # diagnostic settings on a storage account's blob service
    ("pass_blob_service_setting", [setting(f"{OUS_ID}/blobServices/default")], set()),
    ("pass_blob_service_setting_other_case", [setting(f"{ECG01_ID}/BLOBSERVICES/DEFAULT".upper())], set()),
    # Review C #5: the stack's account, but not its blob service: the blobs go unlogged.
    ("fail_setting_on_file_service", [setting(f"{OUS_ID}/fileServices/default")], {"diag"}),
    ("fail_setting_on_queue_service", [setting(f"{OUS_ID}/queueServices/default")], {"diag"}),
    ("fail_setting_on_the_account", [setting(OUS_ID)], {"diag"}),
    ("fail_setting_on_blob_services_without_default", [setting(f"{OUS_ID}/blobServices")], {"diag"}),
    ("fail_setting_on_encoded_path", [setting(
        f"{OUS_ID}/blobServices/default".replace("Microsoft.Storage/storageAccounts",
                                                 "Microsoft.Storage%2FstorageAccounts"))], {"diag"}),
    ("pass_setting_on_other_resource", [setting(
        f"{ECG_SUB}/resourceGroups/rg-ecg247-network/providers/Microsoft.Network/azureFirewalls/afw-ecg247-hub")],
     set()),
    ("fail_setting_on_outside_blob_service", [setting(f"{EVIL_ID}/blobServices/default")], {"diag"}),
    # not judged
    ("pass_storage_account_itself", [account("evilacctuswest", "rg-x", "OUS")], set()),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_children_name_stack_account(case, resources, failing):
    evaluation = run(POLICY, *resources, register=REGISTER)
    expected = {r.urn for r in resources if r.name in failing}
    assert failing_urns(evaluation) == expected, [f.message for f in evaluation.findings]
    assert all(f.enforcement == "mandatory" for f in evaluation.findings)


UNKNOWN_CASES = [
    ("account_name", named(CONTAINER, "rec-ahus-mbt", UNKNOWN)),
    ("resource_group", named(CONTAINER, "rec-ahus-mbt", "ousklrec", UNKNOWN)),
    ("endpoint_target", endpoint(UNKNOWN)),
    ("endpoint_connections", resource(ENDPOINT, "pe", {"privateLinkServiceConnections": UNKNOWN})),
    ("endpoint_group_ids", endpoint(OUS_ID, group_ids=(UNKNOWN,))),
    ("manual_connection_target", endpoint(OUS_ID, manual=[UNKNOWN])),
    ("setting_target", setting(UNKNOWN)),
    ("endpoint_subnet_id", endpoint(OUS_ID, subnet=UNKNOWN)),
    ("endpoint_subnet", resource(ENDPOINT, "pe", {"privateLinkServiceConnections": [
        {"name": "c0", "privateLinkServiceId": OUS_ID, "groupIds": ["blob"]}], "subnet": UNKNOWN})),
    ("secret_account_name", named(CONTAINER, "rec-ahus-mbt", "[secret]")),
]


@pytest.mark.parametrize(("case", "child"), UNKNOWN_CASES, ids=[c[0] for c in UNKNOWN_CASES])
def test_an_unknown_name_fails_closed(case, child):
    assert fails_closed(run(POLICY, child, register=REGISTER))


def test_without_register_fails_closed():
    assert outcome(run(POLICY, named(CONTAINER, "rec-ahus-mbt", "ousklrec"))) == "unknown"


def test_register_without_storage_accounts_fails():
    old = {k: v for k, v in REGISTER.items() if k != "storageAccounts"}
    (finding,) = run(POLICY, named(CONTAINER, "rec-ahus-mbt", "ousklrec"), register=old).mandatory
    assert "storageAccounts" in finding.message and "dpaguard plan" in finding.message


def test_register_without_endpoint_subnets_fails():
    old = {k: v for k, v in REGISTER.items() if k != "privateEndpointSubnets"}
    (finding,) = run(POLICY, endpoint(OUS_ID), register=old).mandatory
    assert "privateEndpointSubnets" in finding.message and "dpaguard plan" in finding.message


def test_subnet_violation_names_subnet_and_fix():
    (finding,) = run(POLICY, endpoint(OUS_ID, subnet=OTHER_VNET_SUBNET), register=REGISTER).mandatory
    assert finding.message.startswith("[OUS-6.1.b, ECG-6, OUS-3] ") and f"'{OTHER_VNET_SUBNET}'" in finding.message
    assert OUS_SUBNET in finding.message and "private_endpoint_subnet_id" in finding.message


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, named(CONTAINER, "rec-ahus-mbt", "evilacctuswest"), register=REGISTER).mandatory
    assert finding.message.startswith("[OUS-6.1.b, ECG-6, OUS-3] ")
    assert "'rec-ahus-mbt'" in finding.message and "'evilacctuswest'" in finding.message
    assert "ousklrec in rg-ouskl-ous-data" in finding.message and "named_by" in finding.message


def test_endpoint_violations_name_target_groups_and_fix():
    (other,) = run(POLICY, endpoint(f"{OUS_ID}/../../../Microsoft.Sql/servers/x"), register=REGISTER).mandatory
    assert "privateLinkServiceConnections[0]" in other.message and "storage_account_id" in other.message
    (groups,) = run(POLICY, endpoint(manual=[OUS_ID], group_ids=("blob_secondary",)), register=REGISTER).mandatory
    assert "manualPrivateLinkServiceConnections[0]" in groups.message and "['blob_secondary']" in groups.message
    assert "['blob']" in groups.message


def test_setting_violation_names_the_blob_service_id():
    (finding,) = run(POLICY, setting(f"{OUS_ID}/fileServices/default"), register=REGISTER).mandatory
    assert finding.message.startswith("[OUS-6.1.b, ECG-6, OUS-3] ") and "fileServices/default'" in finding.message
    assert "/blobServices/default'" in finding.message and "blob_service_id" in finding.message


def test_enforced_before_creation():
    assert POLICY.enforcement_level.value == "mandatory"
    assert type(POLICY).__name__ == "ResourceValidationPolicy"
