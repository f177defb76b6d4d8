"""Azure names and ARM ids derived from config, known before anything exists.

Components pass these strings (not `resource.id` outputs) wherever a scope or a reference
names another resource, and order creation with `depends_on`. A preview then shows every
scope, so the policy pack decides on it instead of deferring on an unknown value.
"""

from __future__ import annotations

TAG_AGREEMENT = "dpaguard-agreement"
TAG_STACK = "dpaguard-stack"
TAG_DATA_CLASS = "dpaguard-data-class"
TAG_CONTROLLER = "dpaguard-controller"

# OUS-2 / ECG-3: what a store holds, as a tag every store carries.
DATA_CLASS = {"OUS": "therapy-recordings", "ECG": "ecg-patient-data"}


def subscription_id(sub: str) -> str:
    return f"/subscriptions/{sub}"


def resource_group_id(sub: str, rg: str) -> str:
    return f"{subscription_id(sub)}/resourceGroups/{rg}"


def resource_id(sub: str, rg: str, provider_type: str, *names: str) -> str:
    """ARM id of a resource: `provider_type` like `Microsoft.Storage/storageAccounts/blobServices`,
    one name per type segment after the namespace."""
    namespace, *types = provider_type.split("/")
    if len(types) != len(names):
        raise ValueError(f"{provider_type} needs {len(types)} names, got {len(names)}")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names))
    return f"{resource_group_id(sub, rg)}/providers/{namespace}/{path}"


def storage_account_id(sub: str, rg: str, account: str) -> str:
    return resource_id(sub, rg, "Microsoft.Storage/storageAccounts", account)


def blob_service_id(sub: str, rg: str, account: str) -> str:
    return resource_id(sub, rg, "Microsoft.Storage/storageAccounts/blobServices", account, "default")


def container_id(sub: str, rg: str, account: str, container: str) -> str:
    return resource_id(
        sub, rg, "Microsoft.Storage/storageAccounts/blobServices/containers", account, "default", container
    )


def data_resource_group(prefix: str, agreement: str) -> str:
    # OUS-3: each agreement's data sits in a resource group of its own.
    return f"rg-{prefix}-{agreement.lower()}-data"


def network_resource_group(prefix: str) -> str:
    return f"rg-{prefix}-network"


def audit_resource_group(prefix: str) -> str:
    return f"rg-{prefix}-audit"


def recordings_container(controller_id: str) -> str:
    return f"rec-{controller_id}"


def scores_container(controller_id: str) -> str:
    return f"scores-{controller_id}"


def ecg_container(controller_id: str) -> str:
    return f"ecg-{controller_id}"


def ous_account(prefix: str) -> str:
    return f"{prefix}rec"


def ecg_account(prefix: str, shard: int) -> str:
    return f"{prefix}ecg{shard:02d}"
