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
    # the stack, the default azure-native provider, the container
    assert [r.urn.split("::")[0] for r in first.resources] == ["urn:pulumi:one"] * 3
    assert [r.urn.split("::")[0] for r in second.resources] == ["urn:pulumi:two"] * 3


def test_default_provider_is_registered_as_the_engine_does():
    # pulumi/pulumi pkg/resource/deploy/default_providers.go + providers/provider.go DefaultName:
    # `pulumi:providers:PKG::default_<major>_<minor>_<patch>`, inputs = the package's stack config + version.
    from importlib.metadata import version

    sdk = version("pulumi_azure_native")
    run = run_program(_container, project="dpa-guard", stack="t",
                      config={"azure-native:location": "norwayeast", "dpa-guard:prefix": "x"})
    stack, provider, container = run.resources
    name = "default_" + sdk.replace(".", "_")
    assert provider.urn == f"urn:pulumi:t::dpa-guard::pulumi:providers:azure-native::{name}"
    assert provider.type == "pulumi:providers:azure-native" and provider.custom and not provider.parent
    assert provider.inputs == {"location": "norwayeast", "version": sdk} == provider.outputs
    assert container.provider == f"{provider.urn}::{UNKNOWN}"


def test_program_sees_preview_outputs_and_the_plan_records_them():
    # In a real preview azure-native returns only response properties for a new resource
    # (pulumi-azure-native provider.go Create with preview): `name` is unknown, `location` known.
    seen: dict[str, object] = {}

    def program():
        from pulumi_azure_native import storage

        account = storage.StorageAccount("sa", account_name="ousklrec", resource_group_name="rg-x", kind="StorageV2",
                                         location="norwayeast", sku=storage.SkuArgs(name="Standard_ZRS"))
        account.name.apply(lambda v: seen.__setitem__("name", v))
        account.location.apply(lambda v: seen.__setitem__("location", v))
        storage.BlobContainer("c", account_name=account.name, resource_group_name="rg-x", container_name="c")

    run = run_program(program, project="dpa-guard", stack="t")
    # apply never runs on an unknown value during preview
    assert seen == {"location": "norwayeast"}
    (account,) = run.of_type("azure-native:storage:StorageAccount")
    assert "accountName" not in account.outputs and account.outputs["name"] == UNKNOWN
    assert account.outputs["location"] == "norwayeast" and account.outputs["sku"]["name"] == "Standard_ZRS"
    (container,) = run.of_type("azure-native:storage:BlobContainer")
    assert container.inputs["accountName"] == UNKNOWN
    assert container.property_dependencies["accountName"] == [account.urn]
    assert container.to_json()["outputs"]["name"] == UNKNOWN
    assert run.resources[0].outputs == {}  # the stack: no outputs exported


def test_a_duplicate_urn_stops_the_run_as_the_engine_does():
    from pulumi_azure_native import resources

    from dpaguard.engine.runner import DuplicateUrn

    def program():
        resources.ResourceGroup("rg", location="norwayeast")
        resources.ResourceGroup("rg", location="eastus")

    with pytest.raises(DuplicateUrn) as raised:
        run_program(program, project="p", stack="s")
    # the engine's words: pulumi/pulumi sdk/go/common/diag/errors.go GetDuplicateResourceURNError
    assert str(raised.value) == ("Duplicate resource URN 'urn:pulumi:s::p::pulumi:pulumi:Stack$azure-native:resources:"
                                 "ResourceGroup::rg'; try giving it a unique name")
