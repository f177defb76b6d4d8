"""Every storage account has a private endpoint for its blob service in the same plan."""

import re

from policies.lib import get_list, get_str, get_strs, stack_policy
from policies.stack import PRIVATE_ENDPOINT, STORAGE_ACCOUNT, Undecided, key, label_of

# Components pass the account's ARM id as a string built from names (modules/naming.py), so
# it is known in preview. The subscription is not in the register; storage account names are
# unique across Azure, so the resource group and name identify the account.
ACCOUNT_ID = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/(?P<group>[^/]+)/providers/microsoft\.storage/storageaccounts/(?P<name>[^/]+)/?$",
    re.IGNORECASE,
)


def _blob_endpoints(resources, undecided: Undecided) -> set[tuple[str, str]]:
    """(resource group, account) pairs some private endpoint connects to the blob service of."""
    found: set[tuple[str, str]] = set()
    for r in resources:
        if r.resource_type != PRIVATE_ENDPOINT:
            continue
        # A manual connection is the same endpoint awaiting the account owner's approval;
        # until approved the account is unreachable, never public, so it counts too.
        with undecided.about(label_of(r)):
            for prop in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
                for connection in get_list(r.props, prop):
                    target = get_str(connection, "privateLinkServiceId")
                    groups = [g.lower() for g in get_strs(connection, "groupIds")]
                    match = ACCOUNT_ID.match(target or "")
                    if match and "blob" in groups:
                        found.add((match.group("group").lower(), match.group("name").lower()))
    return found


def validate(args, report_violation) -> None:
    undecided = Undecided()
    endpoints = _blob_endpoints(args.resources, undecided)
    for r in args.resources:
        if r.resource_type != STORAGE_ACCOUNT:
            continue
        label = label_of(r)
        with undecided.about(label):
            name = get_str(r.props, "accountName")
            group = get_str(r.props, "resourceGroupName")
            if name is None or group is None:
                report_violation(
                    f"[OUS-6.1.b, ECG-6] {label} has no fixed accountName/resourceGroupName, so no private endpoint "
                    "can be tied to it: name the account and give it a private endpoint (group blob)",
                    r.urn,
                )
            elif (key(group), key(name)) not in endpoints and not undecided.notes:
                report_violation(
                    f"[OUS-6.1.b, ECG-6] {label} has no private endpoint for its blob service: add a "
                    f"azure-native:network:PrivateEndpoint whose privateLinkServiceConnections[].privateLinkServiceId "
                    f"is the id of account '{name}' in resource group '{group}' with groupIds [blob]",
                    r.urn,
                )
    undecided.finish()


POLICY = stack_policy(
    name="storage-private-endpoint",
    clauses=("OUS-6.1.b", "ECG-6"),
    area="storage",
    description="Every storage account has a private endpoint (group `blob`) in the same plan, so with public access "
    "disabled the data is reachable from the VNet and the VPN only.",
    remediation="Create a network.PrivateEndpoint per account with privateLinkServiceConnections "
    "[{privateLinkServiceId: <account ARM id>, groupIds: [blob]}] in the private-endpoint subnet "
    "(modules/storage.py does, with the id from modules/naming.storage_account_id).",
    validate=validate,
)
