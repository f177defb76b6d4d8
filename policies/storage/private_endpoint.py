"""Every storage account is reachable through a private endpoint for its blob service.

A stack policy: it asks whether another resource exists for each account, so it reads
OUTPUTS. In preview an account's name and id are unknown and its path parameters absent,
so an endpoint belongs to the account it depends on (modules/storage.py makes it depend on
its account); its `privateLinkServiceConnections` keep the program's values.
"""

from policies.lib import get_list, get_or_absent, get_strs, stack_policy
from policies.stack import PRIVATE_ENDPOINT, Undecided, account_of, accounts, by_urn_of, label_of


def _serves(connection, account) -> bool:
    """A blob connection to `account`. Once the account exists its `id` output is known and must be
    the connection's target; in the preview of a new account it is unknown and the dependency decides."""
    if "blob" not in [g.lower() for g in get_strs(connection, "groupIds")]:
        return False
    known_id = get_or_absent(account.resource.props, "id")
    target = get_or_absent(connection, "privateLinkServiceId")
    if isinstance(known_id, str) and known_id and isinstance(target, str):
        return known_id.strip().rstrip("/").lower() == target.strip().rstrip("/").lower()
    return True


def validate(args, report_violation) -> None:
    undecided = Undecided()
    found = accounts(args.resources, None)
    by_urn = by_urn_of(found)
    served: set[str] = set()
    for r in args.resources:
        if r.resource_type != PRIVATE_ENDPOINT:
            continue
        with undecided.about(label_of(r)):
            account = account_of(r, by_urn)
            if account is None:
                continue
            # A manual connection is the same endpoint awaiting the account owner's approval;
            # until approved the account is unreachable, never public, so it counts too.
            # The list the program did not set is unknown in preview outputs and reads as empty
            # (stricter: fewer connections count).
            for prop in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
                connections = get_or_absent(r.props, prop)
                if connections is None:
                    continue
                if any(_serves(c, account) for c in get_list(r.props, prop)):
                    served.add(account.resource.urn)
                    break
    for account in found:
        if account.resource.urn not in served and not undecided.notes:
            report_violation(
                f"{account.label} has no private endpoint for its blob service: add a "
                "azure-native:network:PrivateEndpoint depending on the account, whose "
                "privateLinkServiceConnections[].privateLinkServiceId is the account's id with groupIds [blob]",
                account.resource.urn,
            )
    undecided.finish()


POLICY = stack_policy(
    name="storage-private-endpoint",
    clauses=("OUS-6.1.b", "ECG-6"),
    area="storage",
    description="Every storage account has a private endpoint (group `blob`) in the same plan that depends on it, so "
    "with public access disabled the data is reachable from the VNet and the VPN only. That the endpoint's "
    "privateLinkServiceId is the account's own id is checked once the account exists (its id is unknown in the "
    "preview of a new account).",
    remediation="Create a network.PrivateEndpoint per account with privateLinkServiceConnections "
    "[{privateLinkServiceId: <account ARM id>, groupIds: [blob]}] in the private-endpoint subnet, depending on the "
    "account (modules/storage.py does).",
    validate=validate,
)
