"""A provider's outputs for a new resource in preview (dpaguard.engine.preview_outputs).

Expectations are literals read off the upstream rule (pulumi-azure-native
`provider/pkg/convert/previewOutputs.go`) and the real state shape (its recorded
`testdata/recorded/TestProviderUpgrade/upgrade-keyvault/2.76.0/stack.json`: outputs carry `id` and
`name`, no `resourceGroupName`/`vaultName`).
"""

from __future__ import annotations

from dpaguard.engine import UNKNOWN, preview_outputs

SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"
ACCOUNT = "azure-native:storage:StorageAccount"
INPUTS = {
    "accountName": "ousklrec",
    "resourceGroupName": "rg-ous",
    "location": "norwayeast",
    "allowSharedKeyAccess": False,
    "minimumTlsVersion": "TLS1_2",
    "networkRuleSet": {"defaultAction": "Deny"},
    "sku": {"name": "Standard_ZRS"},
    "tags": {"dpaguard-agreement": "OUS"},
}


def test_path_parameters_are_absent_and_computed_values_unknown():
    out = preview_outputs(ACCOUNT, INPUTS)
    assert "accountName" not in out and "resourceGroupName" not in out
    assert out["id"] == UNKNOWN and out["name"] == UNKNOWN and out["provisioningState"] == UNKNOWN
    assert out["primaryEndpoints"] == UNKNOWN and out["allowBlobPublicAccess"] == UNKNOWN


def test_response_properties_given_as_inputs_keep_their_value():
    out = preview_outputs(ACCOUNT, INPUTS)
    assert out["location"] == "norwayeast"
    assert out["allowSharedKeyAccess"] is False
    assert out["minimumTlsVersion"] == "TLS1_2"
    assert out["tags"] == {"dpaguard-agreement": "OUS"}


def test_objects_are_converted_property_by_property():
    out = preview_outputs(ACCOUNT, INPUTS)
    # NetworkRuleSetResponse / SkuResponse: the given property kept, the others unknown
    assert out["networkRuleSet"] == {"defaultAction": "Deny", "bypass": UNKNOWN, "ipRules": UNKNOWN,
                                     "resourceAccessRules": UNKNOWN, "virtualNetworkRules": UNKNOWN}
    assert out["sku"] == {"name": "Standard_ZRS", "tier": UNKNOWN}


def test_a_value_of_the_wrong_type_or_unknown_becomes_unknown():
    out = preview_outputs(ACCOUNT, {"allowSharedKeyAccess": "false", "minimumTlsVersion": UNKNOWN})
    assert out["allowSharedKeyAccess"] == UNKNOWN and out["minimumTlsVersion"] == UNKNOWN


def test_secrets_stay_secret():
    out = preview_outputs(ACCOUNT, {"allowSharedKeyAccess": {SIG: SECRET, "value": True}})
    assert out["allowSharedKeyAccess"] == {SIG: SECRET, "value": True}


def test_versioned_tokens_use_the_base_type():
    assert preview_outputs("azure-native:storage/v20230101:StorageAccount", INPUTS) == preview_outputs(ACCOUNT, INPUTS)


def test_role_assignment_scope_is_a_path_parameter_but_principal_is_kept():
    out = preview_outputs("azure-native:authorization:RoleAssignment", {
        "scope": "/subscriptions/s", "roleAssignmentName": "g", "principalId": "p", "principalType": "Group",
        "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/r"})
    assert "roleAssignmentName" not in out
    assert out["principalId"] == "p" and out["roleDefinitionId"].endswith("/r") and out["principalType"] == "Group"
    # RoleAssignment's response has `scope` (the ARM property), so the input value is kept
    assert out["scope"] == "/subscriptions/s"
    assert out["id"] == UNKNOWN and out["name"] == UNKNOWN


def test_azuread_keeps_inputs_and_leaves_computed_unknown():
    out = preview_outputs("azuread:index/group:Group", {"displayName": "g", "securityEnabled": True})
    assert out["displayName"] == "g" and out["securityEnabled"] is True
    assert out["objectId"] == UNKNOWN and out["id"] == UNKNOWN


def test_other_resources_return_their_inputs():
    assert preview_outputs("pulumi:providers:azure-native", {"location": "norwayeast"}) == {"location": "norwayeast"}
