"""Containers, blob services, lifecycle policies and private endpoints belong to a storage account of this stack
(OUS-6.1.b, ECG-6, OUS-3).

A stack policy (outputs). In preview a child's `accountName` is absent from its outputs, so the
stack policies tie it to its account by where that input came from (policies/stack.py
`naming_sources`), never by `depends_on`: a container whose accountName is a literal naming
an account outside the stack (any region, none of the stack's controls) can still depend on the
stack's Norway account, and would then count as that account's, and as the controller's
dedicated container, while the data lands elsewhere. So every BlobContainer, BlobServiceProperties
and ManagementPolicy must take its accountName, and every PrivateEndpoint its
privateLinkServiceConnections, from exactly one storage account of the stack (modules/storage.py
`named_by`); a literal, or a value from anything else, is refused. Which account the value names
is storage-children-name-stack-account's to check (the inputs, against the register).
"""

from policies.lib import stack_policy
from policies.stack import (
    BLOB_CONTAINER,
    BLOB_SERVICE,
    MANAGEMENT_POLICY,
    PRIVATE_ENDPOINT,
    STORAGE_ACCOUNT,
    label_of,
    naming_property,
    naming_sources,
)

CHILDREN = (BLOB_CONTAINER, BLOB_SERVICE, MANAGEMENT_POLICY, PRIVATE_ENDPOINT)


def validate(args, report_violation) -> None:
    for r in args.resources:
        if r.resource_type not in CHILDREN:
            continue
        prop = naming_property(r)
        # Stack accounts only, and directly: what else the name came from can't name an account.
        named = sorted({d.urn: d for d in naming_sources(r) or [] if d.resource_type == STORAGE_ACCOUNT}.values(),
                       key=lambda d: d.urn)
        if len(named) == 1:
            continue
        if not named:
            report_violation(
                f"{label_of(r)} does not take its {prop} from a storage account of this stack (a literal, or a "
                "value from anything else, may name any account in any region, whatever the resource depends on): "
                f"pass {prop} as the name of the stack's account (modules/storage.py named_by)", r.urn)
        else:
            report_violation(
                f"{label_of(r)} takes its {prop} from {len(named)} storage accounts "
                f"({', '.join(label_of(a) for a in named)}): name exactly one account of this stack", r.urn)


POLICY = stack_policy(
    name="storage-children-in-stack",
    clauses=("OUS-6.1.b", "ECG-6", "OUS-3"),
    area="storage",
    description="Every blob container, blob service and lifecycle policy takes its accountName, and every private "
    "endpoint its privateLinkServiceConnections, from exactly one storage account of the stack (its "
    "propertyDependencies), not from a literal that may name an account outside it; depending on the stack's account "
    "does not count.",
    remediation="Pass account_name (a private endpoint's private_link_service_id) as the name (id) of the stack's "
    "StorageAccount resource (modules/storage.py named_by: the configured value, recorded as coming from the "
    "account), never as a plain string.",
    validate=validate,
)
