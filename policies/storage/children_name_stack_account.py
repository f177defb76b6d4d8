"""Every storage child names a storage account of this stack in its own inputs (OUS-6.1.b, ECG-6, OUS-3).

A resource policy: it reads the INPUTS, which name the account literally and are known before
anything is created (the program builds them from config, modules/naming.py). The stack
policies tie a child to its account by where its naming input came from (policies/stack.py
`naming_sources`), which says nothing about WHICH account the value names:
`account.urn.apply(lambda _: "evilacctuswest")` is recorded as coming from the stack's account.
So the names themselves are compared with the stack's accounts as the register lists them
(`storageAccounts`, from modules/config.py `StackConfig.storage_accounts`):

* a blob container, blob service or lifecycle policy: its (accountName, resourceGroupName);
* a private endpoint: every connection of privateLinkServiceConnections[] and
  manualPrivateLinkServiceConnections[] targets a stack account's id (privateLinkServiceId) with
  groupIds exactly ["blob"]. An endpoint from the stack's network to anything else (an outside
  account, someone's Private Link Service, a SQL server) is a way out of it, and the program
  creates none but its accounts' blob endpoints (modules/storage.py). And its `subnet.id` is one
  of the register's `privateEndpointSubnets` (modules/vpn.py's private-endpoints subnet, modules/naming.py
  private_endpoint_subnet_id): an endpoint to the stack's own account from another VNet or another
  subscription's subnet is a way into the data from a network none of the stack's controls (forced
  tunnel, NSG, VPN) covers. A second endpoint to the same account IN the stack's subnet reaches nothing
  the first does not (same network, same account, same sub-resource), so no count is kept (a stack
  policy would read outputs, where a new endpoint's connections are unknown in preview);
* a diagnostic setting whose resourceUri lies in a storage account: exactly that account's blob
  service, `<account id>/blobServices/default` (modules/naming.py blob_service_id, modules/audit.py).
  A setting on the account's file, queue or table service takes the same StorageRead/Write/Delete
  categories while the blobs go unlogged.

Azure resource names and ids compare case-insensitively (Microsoft Learn "Naming rules and
restrictions for Azure resources": resource and resource group names are case-insensitive unless
noted; "always perform a case-insensitive comparison of names").
An unknown or secret value raises through `get_str`/`get_list`, so the mandatory policy fails
closed (policies/lib.py `_guarded`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from policies.lib import describe, get_list, get_str, get_strs, register_of, resource_policy
from policies.monitoring import DIAGNOSTIC_SETTING_TYPES
from policies.stack import BLOB_CONTAINER, BLOB_SERVICE, MANAGEMENT_POLICY, PRIVATE_ENDPOINT

NAMED_BY_INPUTS = (BLOB_CONTAINER, BLOB_SERVICE, MANAGEMENT_POLICY)
# pulumi-azure-native network.PrivateEndpoint: private_link_service_connections and
# manual_private_link_service_connections (camelCase on the wire), each with private_link_service_id.
CONNECTIONS = ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections")
STORAGE_ACCOUNTS = "/providers/microsoft.storage/storageaccounts/"
# The private-link sub-resource of Blob storage (Microsoft Learn "Use private endpoints for Azure
# Storage": target sub-resource `blob`; `blob_secondary` is the secondary of an RA-GRS account);
# modules/storage.py asks for it alone.
BLOB_GROUP_IDS = ["blob"]
# The child id of an account's one blob service (modules/naming.py blob_service_id).
BLOB_SERVICE_SUFFIX = "/blobservices/default"


def _key(value: str) -> str:
    return value.strip().rstrip("/").lower()


def _stack_accounts(register: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    """The register's storage accounts; None when the register predates the key."""
    if "storageAccounts" not in register:
        return None
    return [a for a in get_list(register, "storageAccounts") if isinstance(a, Mapping)]


def _listing(accounts: list[Mapping[str, Any]]) -> str:
    names = [f"{a.get('name')} in {a.get('resourceGroup')}" for a in accounts]
    return ", ".join(names) if names else "none"


def _account_part(arm_id: str) -> str | None:
    """The storage account id an ARM id lies in (lower case), or None if it is not in one."""
    lowered = _key(arm_id)
    at = lowered.find(STORAGE_ACCOUNTS)
    if at < 0:
        return None
    name = lowered[at + len(STORAGE_ACCOUNTS):].split("/", 1)[0]
    return lowered[: at + len(STORAGE_ACCOUNTS)] + name


def validate(args, report_violation) -> None:
    kind = args.resource_type
    if kind not in NAMED_BY_INPUTS and kind != PRIVATE_ENDPOINT and kind not in DIAGNOSTIC_SETTING_TYPES:
        return
    label = describe(kind, args.name)
    if kind in NAMED_BY_INPUTS:
        _check_names(args, label, report_violation)
    elif kind == PRIVATE_ENDPOINT:
        _check_endpoint(args, label, report_violation)
    else:
        _check_diagnostic_setting(args, label, report_violation)


def _accounts_or_report(args, label: str, report_violation) -> list[Mapping[str, Any]] | None:
    accounts = _stack_accounts(register_of(args))
    if accounts is None:
        report_violation(f"{label} can't be tied to a storage account of this stack: the register lists none "
                         "(no storageAccounts): re-run `dpaguard plan --stack STACK` and pass its policy-config.json")
    return accounts


def _check_names(args, label: str, report_violation) -> None:
    account = get_str(args.props, "accountName")
    group = get_str(args.props, "resourceGroupName")
    accounts = _accounts_or_report(args, label, report_violation)
    if accounts is None:
        return
    wanted = (_key(account or ""), _key(group or ""))
    if any((_key(str(a.get("name", ""))), _key(str(a.get("resourceGroup", "")))) == wanted for a in accounts):
        return
    report_violation(
        f"{label} names storage account '{account}' in resource group '{group}', which is not a storage account of "
        f"this stack (the stack's: {_listing(accounts)}); its data or settings would land in an account none of the "
        "stack's controls cover: set accountName and resourceGroupName to the stack's account "
        "(modules/storage.py named_by(account, spec.name) with the data resource group)")


def _check_endpoint(args, label: str, report_violation) -> None:
    connections = [(f"{prop}[{i}]", connection)
                   for prop in CONNECTIONS for i, connection in enumerate(get_list(args.props, prop))]
    if not connections:
        return
    accounts = _accounts_or_report(args, label, report_violation)
    if accounts is None:
        return
    _check_subnet(args, label, report_violation)
    ids = {_key(str(a.get("id", ""))) for a in accounts}
    for where, connection in connections:
        target = get_str(connection, "privateLinkServiceId")
        groups = get_strs(connection, "groupIds")
        if target is None or _key(target) not in ids:
            report_violation(
                f"{label} connects ({where}) to '{target}', which is not a storage account of this stack (the "
                f"stack's: {_listing(accounts)}): a private endpoint from the stack's network to anything else (an "
                "outside account, a Private Link Service, another service) is a way out of it: remove the "
                "connection, or point privateLinkServiceId at the stack's account id (modules/naming.py "
                "storage_account_id)")
        elif [g.lower() for g in groups] != BLOB_GROUP_IDS:
            report_violation(
                f"{label} connects ({where}) to the stack's account '{target}' with groupIds {groups}, not exactly "
                f"{BLOB_GROUP_IDS}: another sub-resource of the account is a way to its data that no control of the "
                "stack covers: set groupIds to ['blob'] (modules/storage.py)")


def _check_subnet(args, label: str, report_violation) -> None:
    register = register_of(args)
    if "privateEndpointSubnets" not in register:
        report_violation(f"{label} can't be tied to the stack's private-endpoint subnet: the register lists none "
                         "(no privateEndpointSubnets): re-run `dpaguard plan --stack STACK` and pass its "
                         "policy-config.json")
        return
    subnets = [s for s in get_list(register, "privateEndpointSubnets") if isinstance(s, str)]
    # pulumi-azure-native network.PrivateEndpoint `subnet` (SubnetArgs: `id`); unknown raises (fail closed).
    subnet_id = get_str(args.props, "subnet", "id")
    if subnet_id is not None and _key(subnet_id) in {_key(s) for s in subnets}:
        return
    report_violation(
        f"{label} sits in subnet '{subnet_id}', not the stack's private-endpoint subnet ({', '.join(subnets) or 'none'}): "
        "an endpoint to the stack's account from another network or subscription reaches the data from where none "
        "of the stack's network controls apply: set subnet.id to the stack's private-endpoint subnet "
        "(modules/naming.py private_endpoint_subnet_id)")


def _check_diagnostic_setting(args, label: str, report_violation) -> None:
    uri = get_str(args.props, "resourceUri")
    # Located decoded, so `Microsoft.Storage%2FstorageAccounts` is in an account too; compared as written.
    if uri is None or _account_part(unquote(uri)) is None:
        return
    accounts = _accounts_or_report(args, label, report_violation)
    if accounts is None:
        return
    if _key(uri) in {_key(str(a.get("id", ""))) + BLOB_SERVICE_SUFFIX for a in accounts}:
        return
    report_violation(
        f"{label} logs '{uri}', which is not the blob service of a storage account of this stack (the stack's: "
        f"{_listing(accounts)}): the stack's blobs would go unlogged while a setting appears to cover them: set "
        "resourceUri to '<the stack's account id>/blobServices/default' (modules/naming.py blob_service_id)")


POLICY = resource_policy(
    name="storage-children-name-stack-account",
    clauses=("OUS-6.1.b", "ECG-6", "OUS-3"),
    area="storage",
    description="Every blob container, blob service and lifecycle policy names a storage account of the stack "
    "(accountName and resourceGroupName, as the register's storageAccounts list them); every private endpoint "
    "connection (automatic or manual) targets a stack account's id with groupIds exactly [blob], from the stack's "
    "private-endpoint subnet (subnet.id one of the register's privateEndpointSubnets); every diagnostic "
    "setting on a storage account logs a stack account's blob service (<account id>/blobServices/default). Read "
    "from the inputs, so it blocks before anything is created; where the value came from (storage-children-in-stack) "
    "does not say which account it names.",
    remediation="Pass the stack's account name and data resource group (modules/storage.py named_by(account, "
    "spec.name)), its ARM id for private endpoints and its blob service id for diagnostic settings "
    "(modules/naming.py); never a name or id built otherwise.",
    validate=validate,
    uses_register=True,
)
