"""Only people with a signed confidentiality declaration are members or owners of the access groups.

OUS-7: everyone with access has signed a confidentiality declaration. Access is granted only
through group membership (OUS-6.1.a, OUS-6.2), so every member the stack adds — a
GroupMember's memberObjectId or a Group's `members` — must be one of the register's
`declaredPrincipals` (staff whose declaration is on record). Owners can add members outside
the stack, so they must be declared too (or break-glass). A dynamic-membership group lets a
rule, not the register, decide who gets access, so it is refused.
"""

from __future__ import annotations

from policies.lib import describe, get, get_strs, indexed, register_of, resource_policy

GROUP = "azuread:index/group:Group"
GROUP_MEMBER = "azuread:index/groupMember:GroupMember"


def _principal_sets(register) -> tuple[frozenset[str], frozenset[str]]:
    """(declared principals, break-glass accounts) of a register, lower case."""
    return (frozenset(p.lower() for p in get_strs(register, "declaredPrincipals")),
            frozenset(p.lower() for p in get_strs(register, "breakGlass")))


def validate(args, report_violation) -> None:
    if args.resource_type not in (GROUP, GROUP_MEMBER):
        return
    label = describe(args.resource_type, args.name)
    if args.resource_type == GROUP and get(args.props, "dynamicMembership", "enabled") is True:
        report_violation(f"{label} has dynamic membership, so a rule rather than the register of signed "
                         "confidentiality declarations decides who gets access: use assigned membership")
    if args.resource_type == GROUP_MEMBER:
        members = [get(args.props, "memberObjectId")]
        owners: list[str] = []
    else:
        members = get_strs(args.props, "members")
        owners = get_strs(args.props, "owners")
    if not any(isinstance(m, str) for m in members) and not owners:
        if args.resource_type == GROUP_MEMBER:
            report_violation(f"{label} has no memberObjectId: name a declared principal")
        return
    declared, break_glass = indexed(register_of(args), _principal_sets)
    undeclared = [m for m in members if isinstance(m, str) and m.lower() not in declared]
    if undeclared:
        report_violation(
            f"{label} adds {undeclared} to an access group, but the register records no signed "
            "confidentiality declaration for them: record the declaration in staff[].confidentialityDeclaration "
            "before granting access, or remove the member"
        )
    strangers = [o for o in owners if o.lower() not in declared | break_glass]
    if strangers:
        report_violation(
            f"{label} has owners {strangers} without a recorded confidentiality declaration, who could "
            "add members outside the stack: remove them as owners"
        )


POLICY = resource_policy(
    name="identity-group-members-declared",
    clauses=("OUS-7", "OUS-6.2", "ECG-7"),
    area="identity",
    description="Every member (GroupMember.memberObjectId, Group.members) and owner of a group the stack manages is "
    "a declared principal of the register (signed confidentiality declaration); no dynamic membership.",
    remediation="Record the person's confidentialityDeclaration in the stack's staff list (modules/config.py "
    "granted_staff) before adding them; modules/access.py adds only granted staff.",
    validate=validate,
    uses_register=True,
)
