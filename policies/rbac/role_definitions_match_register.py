"""Each RoleDefinition is one of the stack's roles, under the GUID the register gives that role.

OUS-6.2 / ECG-7: which rights a grant hands out is the RoleDefinition Azure stores under the GUID the grant
names. That GUID is the definition's own `roleDefinitionId` input (the path parameter it is PUT under,
Microsoft Learn "Role Definitions - Create Or Update": `PUT {scope}/providers/Microsoft.Authorization/
roleDefinitions/{roleDefinitionId}`), which no stack policy can see (absent from preview outputs, `name`
unknown). The rbac stack policies learn each role's GUID from the register (`roles`, kind -> GUID), so
nothing else ties a definition to its kind: two definitions swapping their GUIDs, or a second "reader"
PUT under the deployer's GUID, would hand readers deploy rights while every other policy reads the plan
as fine (hostile review, critical 1).

A resource policy, so it blocks before the definition is created: a RoleDefinition's roleName must be
exactly the register's name for one kind (`roleNames`, modules/naming.role_name: `dpa-guard <prefix>
<kind>`), and its roleDefinitionId exactly (any case) that kind's register GUID. An unknown or secret
value, or a register without `roles` / `roleNames`, is a mandatory violation (fail closed).
"""

from __future__ import annotations

from pulumi_policy import Severity

from policies.authz import ROLE_DEFINITION, role_kind, role_names, stack_roles
from policies.lib import describe, get_str, register_of, resource_policy


def validate(args, report_violation) -> None:
    if args.resource_type != ROLE_DEFINITION:
        return
    register = register_of(args)
    roles = stack_roles(register)
    names = role_names(register)
    label = describe(args.resource_type, args.name)
    name = get_str(args.props, "roleName")
    kind = role_kind(name)
    if kind not in names or name != names[kind]:
        report_violation(
            f"{label} has roleName {name!r}, which is none of the register's role names "
            f"({', '.join(repr(n) for n in names.values())}): define only the roles of modules/roles.py, each once, "
            "named by naming.role_name")
        return
    given = get_str(args.props, "roleDefinitionId")
    if given is None or given.lower() != roles[kind]:
        report_violation(
            f"{label} is the {kind} role ({name!r}) but is defined under GUID {given!r}, where the register gives the "
            f"{kind} role {roles[kind]}: give it role_definition_id=naming.role_guid(<subscription>, <prefix>, "
            f"'{kind}') (grants of that GUID would otherwise get other rights)")


POLICY = resource_policy(
    name="rbac-role-definitions-match-register",
    clauses=("OUS-6.2", "OUS-6.1.a", "ECG-7"),
    area="rbac",
    description="Every RoleDefinition is one of the stack's roles: its roleName is exactly the register's name for "
    "one kind (uploader, reader, operator, deployer) and its roleDefinitionId (the GUID Azure stores it under) is "
    "exactly that kind's GUID in the register's roles.",
    remediation="Define roles only in modules/roles.py, with role_name=naming.role_name(prefix, kind) and "
    "role_definition_id=naming.role_guid(subscription, prefix, kind); never a second definition of a kind.",
    validate=validate,
    severity=Severity.CRITICAL,
    uses_register=True,
)
