"""The offline engine: preview semantics, invokes, aliases, secrets on the wire."""

import pulumi
import pytest

from dpaguard.engine.runner import UNKNOWN, UnknownInvoke, run_program

CLIENT = {"azure-native:authorization:getClientConfig": {
    "clientId": "c", "objectId": "o", "subscriptionId": "9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94", "tenantId": "t"}}


def test_invokes_get_answers_and_program_sees_preview():
    def program():
        from pulumi_azure_native import authorization

        pulumi.export("subscription", authorization.get_client_config().subscription_id)
        pulumi.export("preview", pulumi.runtime.is_dry_run())

    run = run_program(program, project="dpa-guard", stack="t", invokes=CLIENT)
    assert run.outputs == {"subscription": "9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94", "preview": True}


def test_unknown_invoke_is_named():
    def program():
        from pulumi_azure_native import storage

        storage.list_storage_account_keys(account_name="a", resource_group_name="rg")

    with pytest.raises(UnknownInvoke, match="azure-native:storage:listStorageAccountKeys"):
        run_program(program, project="dpa-guard", stack="t")


def _container():
    from pulumi_azure_native import storage

    storage.BlobContainer("c", account_name="a", resource_group_name="rg", container_name="c",
                          metadata={"k": pulumi.Output.secret("v")})


@pytest.mark.parametrize(("keep", "expect_aliases"), [(False, False), (True, True)])
def test_aliases_dropped_unless_kept(keep, expect_aliases):
    run = run_program(_container, project="dpa-guard", stack="t", keep_aliases=keep)
    (container,) = run.of_type("azure-native:storage:BlobContainer")
    assert (container.aliases > 0) == expect_aliases


def test_new_resources_have_unknown_outputs_and_secrets_stay_marked():
    def program():
        from pulumi_azure_native import resources, storage

        rg = resources.ResourceGroup("rg", resource_group_name="rg-x", location="norwayeast")
        storage.StorageAccount("sa", account_name="sa", resource_group_name=rg.name, kind="StorageV2",
                               sku=storage.SkuArgs(name="Standard_ZRS"), tags={"k": pulumi.Output.secret("v")})

    run = run_program(program, project="dpa-guard", stack="t")
    (account,) = run.of_type("azure-native:storage:StorageAccount")
    assert account.inputs["resourceGroupName"] == UNKNOWN
    assert account.inputs["tags"]["k"] == {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                           "value": "v"}
    assert run.resources[0].type == "pulumi:pulumi:Stack"
    assert account.parent == run.resources[0].urn


def test_runs_are_independent():
    first = run_program(_container, project="dpa-guard", stack="one")
    second = run_program(_container, project="dpa-guard", stack="two")
    assert [r.urn.split("::")[0] for r in first.resources] == ["urn:pulumi:one"] * 2
    assert [r.urn.split("::")[0] for r in second.resources] == ["urn:pulumi:two"] * 2
