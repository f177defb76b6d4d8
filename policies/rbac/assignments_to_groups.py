"""Roles are granted to groups, never directly to a user or service principal.

OUS-6.1.a / OUS-6.2: access is managed through the per-controller groups, whose members the
register vouches for (OUS-7, identity-group-members-declared). A direct assignment to a person
or an application skips that check and outlives a change of group membership. No exception is
made for service principals: an ingest service joins the uploader group like anyone else
(the ECG247 ingest service does).

A RoleAssignment must say principalType Group. A PIM eligibility has no principalType input,
so it fails only when its principalId is recognisably a person: a declared principal or a
break-glass account of the register.
"""

from __future__ import annotations

from pulumi_policy.proxy import UnknownValueError

from policies.authz import PIM_ELIGIBILITY, ROLE_ASSIGNMENT
from policies.lib import describe, get, get_str, get_strs, lower, register_of, resource_policy


def validate(args, report_violation) -> None:
    if args.resource_type not in (ROLE_ASSIGNMENT, PIM_ELIGIBILITY):
        return
    label = describe(args.resource_type, args.name)
    if args.resource_type == ROLE_ASSIGNMENT and lower(get(args.props, "principalType")) != "group":
        report_violation(
            f"{label} grants its role to principalType {get(args.props, 'principalType')!r}, not a group: "
            "assign the role to the controller's or operators' group (principalType: Group) and add the principal "
            "to that group"
        )
        return
    try:
        principal = lower(get_str(args.props, "principalId"))
    except UnknownValueError:
        # Unknown in a preview means the output of a resource of this stack (a group created
        # here); the people of the register are literal object ids, known in every preview.
        return
    if principal is None:
        return
    register = register_of(args)
    people = {p.lower() for p in get_strs(register, "declaredPrincipals") + get_strs(register, "breakGlass")}
    if principal in people:
        report_violation(
            f"{label} grants its role directly to {principal}, a person in the register: assign it to "
            "their group instead"
        )


POLICY = resource_policy(
    name="rbac-assignments-to-groups",
    clauses=("OUS-6.2", "OUS-6.1.a", "OUS-7", "ECG-7"),
    area="rbac",
    description="Role assignments have principalType Group, and no assignment or PIM eligibility names a person of "
    "the register (declared staff or break-glass) directly.",
    remediation="Grant roles to the groups of modules/access.py (principal_type=Group); put people and service "
    "principals into those groups.",
    validate=validate,
    uses_register=True,
)
