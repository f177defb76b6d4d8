"""The ARM catalogue against the installed SDK and the shipped stacks (no checkov needed)."""

from __future__ import annotations

import pytest

from dpaguard.arm import sdk
from dpaguard.arm.catalog import DEPLOYMENT_TOKEN, TYPES, skip_reason
from tests.policies.plans import SHIPPED_STACKS, shipped_plan
from tests.schemas.contract import KNOWN_GAPS


def test_api_versions_match_the_installed_sdk():
    """api_versions.json is what `python -m dpaguard.arm.sdk --write` would write today."""
    assert sdk.committed() == sdk.generate([*TYPES, DEPLOYMENT_TOKEN]), (
        "dpaguard/arm/api_versions.json is stale for the installed pulumi-azure-native: run "
        "`.venv/bin/python -m dpaguard.arm.sdk --write` and review the API version changes"
    )


@pytest.mark.parametrize("token", sorted(TYPES))
def test_entry_is_consistent_with_the_sdk(token):
    spec = TYPES[token]
    described = sdk.committed()["types"][token]
    assert described["apiVersion"], token
    getter = set(described["getterParameters"])
    # Name segments and the scope are URL path parameters: the getter takes each of them. Compared
    # without case: the SDK spells one path parameter `virtualWANName` on VirtualWan and
    # `virtualWanName` on get_virtual_wan (pulumi_azure_native/network/virtual_wan.py).
    lowered = {g.lower() for g in getter}
    missing = {k for k in spec.name_keys() if k.lower() not in lowered}
    if spec.generated_name:
        missing -= {"roleEligibilityScheduleRequestName"}
    assert not missing, f"{token}: name inputs {sorted(missing)} are not path parameters of its getter {sorted(getter)}"
    if spec.scope_input:
        assert spec.scope_input in getter, f"{token}: scope input {spec.scope_input} is not a getter parameter"
    if spec.level == "group":
        assert "resourceGroupName" in getter, f"{token}: level group but no resourceGroupName path parameter"
    assert spec.arm_type.startswith("Microsoft."), token
    # One name segment per type segment after the namespace (child names are parent/child).
    depth = len(spec.arm_type.split("/")) - 1
    assert spec.generated_name or len(spec.names) == depth, f"{token}: {len(spec.names)} name segments for {spec.arm_type}"


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_every_azure_native_type_of_the_shipped_stacks_is_rendered(stack):
    plan = shipped_plan(stack)
    assert not isinstance(plan, str), plan
    tokens = {r["type"] for r in plan["resources"] if r["custom"] and r["type"].startswith("azure-native:")}
    tokens -= set(KNOWN_GAPS)  # listed with the reason in tests/schemas/contract.py, asserted there
    assert tokens and tokens <= set(TYPES), f"{stack}: no ARM mapping for {sorted(tokens - set(TYPES))}"


def test_skip_reasons():
    assert skip_reason("azure-native:storage:StorageAccount") is None
    assert "Entra ID" in skip_reason("azuread:index/group:Group")
    assert "Entra ID" in skip_reason("azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy")
    assert "catalog.py" in skip_reason("azure-native:sql:Server")
    assert "data-plane" in skip_reason("azure-native:storage:Blob")
    assert "not an Azure Resource Manager resource" in skip_reason("kubernetes:core/v1:Pod")
