"""A DPA stack contains only resource types the pack understands (the closed world).

Every other policy decides the types it reads; a type none of them reads would pass all of
them unseen, whatever it does with the data. So the allow-list is explicit
(policies/facts.KNOWN_TYPES, documented in docs/clauses.md) and anything else is refused by
name. Some shapes are refused with a reason of their own (facts.REFUSED_TYPES and
REFUSED_PREFIXES): nested ARM deployments with an inline template, policy exemptions (which
switch off the allowed-locations assignment), Entra directory roles (Global Administrator can
grant itself anything), deny assignments, the classic `azure` provider and `azapi`.

Versioned azure-native tokens are read as their base type (policies/lib.base_type), so
`azure-native:storage/v20230101:StorageAccount` is a StorageAccount to every policy.
A resource policy: it blocks before the resource is created.
"""

from policies.facts import COMPONENT_PREFIX, KNOWN_TYPES, REFUSED_PREFIXES, REFUSED_TYPES
from policies.lib import resource_policy


def reason_refused(kind: str) -> str | None:
    """Why `kind` may not be in a DPA stack, or None if the pack understands it."""
    if kind in REFUSED_TYPES:
        return REFUSED_TYPES[kind]
    if kind in KNOWN_TYPES or kind.startswith(COMPONENT_PREFIX):
        return None
    for prefix, why in REFUSED_PREFIXES.items():
        if kind.startswith(prefix):
            return why
    return "no policy of the pack reads this type, so nothing it does with the data would be seen"


def validate(args, report_violation) -> None:
    why = reason_refused(args.resource_type)
    if why is not None:
        report_violation(f"'{args.name}' is of type {args.resource_type}, which a DPA stack may not contain: {why}; "
                         "use only the types listed in policies/facts.KNOWN_TYPES (docs/clauses.md), or extend the "
                         "pack with a policy for the new type first")


POLICY = resource_policy(
    name="governance-closed-world",
    clauses=("OUS-6.1.b", "ECG-6", "ECG-10"),
    area="governance",
    description="A DPA stack contains only resource types the pack understands (policies/facts.KNOWN_TYPES: the "
    "stack, dpaguard components, the azure-native and azuread providers and the types the program creates). Refused "
    "by name: nested ARM deployments and deployment stacks, generic resources, policy exemptions, deny assignments, "
    "Entra directory roles and app role assignments, the classic azure provider and azapi.",
    remediation="Create only what modules/ creates; for a new kind of resource, add its policies and its type to "
    "policies/facts.KNOWN_TYPES first. The allow-list: " + ", ".join(f"`{t}`" for t in sorted(KNOWN_TYPES))
    + f", and every `{COMPONENT_PREFIX}*` component.",
    validate=validate,
)
