"""Roles go to the stack's own groups, and only roles the stack defines (OUS-6.2, OUS-6.1.a, OUS-7, ECG-7).

A stack policy: a role assignment or PIM eligibility's principal must be an Entra ID group of
this stack. In preview a new group's object id is unknown, and a literal id names someone the
register does not vouch for; what ties the assignment to a group is that its `principalId`
came from that group (propertyDependencies, pulumi_policy `PolicyResource.property_dependencies`;
modules/roles.py passes the group's object_id Output). A literal principal id, or one taken
from anything but a group of the stack, is refused.

The role it grants must be a RoleDefinition of this stack (the one it depends on,
policies/authz.role_definition_of), whose permissions rbac-custom-roles-least-privilege reads.
A built-in role (a hand list of privileged GUIDs can never be complete: the built-in "Storage
Account Key Operator Service Role" lists account keys) or a custom role defined elsewhere is
something no policy of the pack has read, so it is refused. Where the definition's `name` output
(its GUID) is known, i.e. it exists already, the assignment must name that GUID; for a definition
created in the same preview it is unknown (pulumi-azure-native preview outputs), see
docs/policies.md for that residual risk.

That residual risk is closed by the register: `roles` gives the GUID of each of the stack's custom
roles by kind (modules/naming.role_guid, as modules/roles.py names its RoleDefinitions). A grant
naming one of those GUIDs must take its role id from (depend on) the RoleDefinition of that kind
(roleName `dpa-guard <prefix> <kind>`, which preview outputs keep), and a grant depending on a
RoleDefinition must name that definition's register GUID. Otherwise the pack would read, say, the
deployer's GUID as whichever role the assignment happens to depend on (a standing deployer judged as
a reader).

What the register's GUIDs are is tied to the definitions by rbac-role-definitions-match-register (a resource
policy: a definition's own GUID is its kind's). Here, where every definition is seen at once: at most one
RoleDefinition per kind (by roleName, which outputs keep), so a decoy named "...deployer" cannot stand in for
the deployer a grant depends on; every grant names a GUID of the register's `roles` (a built-in role was
refused before, as no definition of the stack, and still is); and a grant whose roleDefinitionId comes
(propertyDependencies) from resources none of which is a RoleDefinition is refused, not judged by whatever
definition it also depends on (a foreign GUID carried through `container.urn.apply(lambda _: guid)`).
"""

from collections import defaultdict
from typing import Any

from policies.authz import (
    ASSIGNMENT_TYPES,
    ROLE_DEFINITION,
    principal_groups,
    role_definition_of,
    role_guid,
    role_kind,
    stack_roles,
)
from policies.lib import get_str, get_str_or_absent, register_of, stack_policy
from policies.stack import Undecided, label_of


def definitions_named(assignment: Any) -> list[Any]:
    """The RoleDefinitions an assignment's roleDefinitionId comes from: its property dependencies for
    roleDefinitionId, else every RoleDefinition it depends on (modules/roles.py builds the id from names
    and orders the grant after its definition with depends_on)."""
    by_property = (getattr(assignment, "property_dependencies", None) or {}).get("roleDefinitionId") or []
    candidates = by_property or getattr(assignment, "dependencies", None) or []
    return [d for d in candidates if getattr(d, "resource_type", None) == ROLE_DEFINITION]


def foreign_role_source(assignment: Any) -> list[Any]:
    """The resources an assignment's roleDefinitionId comes from (its property dependencies), if there are
    some and none of them is a RoleDefinition; else []."""
    by_property = (getattr(assignment, "property_dependencies", None) or {}).get("roleDefinitionId") or []
    if any(getattr(d, "resource_type", None) == ROLE_DEFINITION for d in by_property):
        return []
    return list(by_property)


def definitions_by_kind(resources: Any, undecided: Undecided) -> dict[str, list[Any]]:
    """The plan's RoleDefinitions by the kind their roleName ends with (ROLE_KINDS; others left out)."""
    found: dict[str, list[Any]] = defaultdict(list)
    for r in resources:
        if r.resource_type != ROLE_DEFINITION:
            continue
        with undecided.about(label_of(r)):
            kind = role_kind(get_str(r.props, "roleName"))
            if kind != "other":
                found[kind].append(r)
    return found


def identity_mismatch(assignment: Any, roles: dict[str, str]) -> str | None:
    """Why the role an assignment names and the RoleDefinition it depends on are not the same role of
    the register (`roles`: kind -> GUID), or None."""
    guid = role_guid(get_str(assignment.props, "roleDefinitionId"))
    kinds = {g: k for k, g in roles.items()}
    depended = [(d, role_kind(get_str(d.props, "roleName"))) for d in definitions_named(assignment)]
    for definition, kind in depended:
        if kind not in roles:
            return (f"depends on {label_of(definition)}, whose roleName names none of the stack's roles "
                    f"({', '.join(roles)}), so the register cannot say which GUID it has")
        if roles[kind] != guid:
            return (f"depends on {label_of(definition)} (the {kind} role, {roles[kind]} in the register) but "
                    f"names role {guid}{f' (the {kinds[guid]} role)' if guid in kinds else ''}")
    if guid in kinds and not depended:
        return (f"names the stack's {kinds[guid]} role ({guid}) but depends on no RoleDefinition of the stack, "
                "so no policy has read that role's permissions")
    return None


def validate(args, report_violation) -> None:
    roles = stack_roles(register_of(args))
    kinds = {g: k for k, g in roles.items()}
    undecided = Undecided()
    for kind, found in definitions_by_kind(args.resources, undecided).items():
        if len(found) > 1:
            for definition in found:
                report_violation(
                    f"{label_of(definition)} is one of {len(found)} RoleDefinitions of the {kind} role "
                    f"({', '.join(sorted(d.name for d in found))}): one GUID, one definition, one role; define each "
                    "role of modules/roles.py once", definition.urn)
    for r in args.resources:
        if r.resource_type not in ASSIGNMENT_TYPES:
            continue
        label = label_of(r)
        source = foreign_role_source(r)
        if source:
            report_violation(
                f"{label} takes its roleDefinitionId from {', '.join(sorted(label_of(d) for d in source))}, none of "
                "them a RoleDefinition: build the role id from the register GUID (naming.role_definition_id) and "
                "depend on that role's RoleDefinition", r.urn)
        with undecided.about(label):
            guid = role_guid(get_str(r.props, "roleDefinitionId"))
            if guid not in kinds:
                report_violation(
                    f"{label} grants role {guid or get_str(r.props, 'roleDefinitionId')!r}, none of the register's "
                    f"roles ({', '.join(f'{k} {g}' for k, g in roles.items())}): grant only the roles of "
                    "modules/roles.py", r.urn)
        if not principal_groups(r):
            report_violation(
                f"{label} grants its role to a principal that is not a group of this stack (its principalId "
                "comes from no azuread Group of the stack): pass the object_id of one of modules/access.py's groups "
                "as principal_id", r.urn)
        with undecided.about(label):
            mismatch = identity_mismatch(r, roles)
            if mismatch:
                report_violation(
                    f"{label} {mismatch}: grant a role of modules/roles.py by its register GUID "
                    "(naming.role_definition_id) and make the grant depend on that role's RoleDefinition", r.urn)
        with undecided.about(label):
            role_id = get_str(r.props, "roleDefinitionId")
            definition = role_definition_of(r)
            if definition is None:
                report_violation(
                    f"{label} grants role {role_id!r}, which no RoleDefinition of this stack defines (a built-in "
                    "role or one defined elsewhere), so no policy of the pack has read what it allows: grant the "
                    "uploader, reader, operator or deployer role of modules/roles.py and make the assignment depend "
                    "on that RoleDefinition", r.urn)
                continue
            # Unknown in preview for a definition created in the same run: nothing to compare yet.
            defined = role_guid(get_str_or_absent(definition.props, "name"))
            if defined is not None and defined != role_guid(role_id):
                report_violation(
                    f"{label} depends on {label_of(definition)} (role {defined}) but grants role {role_id!r}: "
                    "grant the role it depends on", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="rbac-principals-in-stack",
    clauses=("OUS-6.2", "OUS-6.1.a", "OUS-7", "ECG-7"),
    area="rbac",
    description="Every role assignment and PIM eligibility takes its principalId from an Entra ID group of this "
    "stack (its property dependency), never a literal object id or another principal, and grants a RoleDefinition "
    "of this stack (the one it depends on), never a built-in role or a role defined elsewhere; the role it names "
    "and the RoleDefinition it depends on are the same role of the register's roles (GUID by kind, the definition "
    "by its roleName). At most one RoleDefinition per role kind; every grant names a GUID of the register's roles; "
    "a grant whose roleDefinitionId comes from resources none of which is a RoleDefinition is refused.",
    remediation="Assign the roles of modules/roles.py (depending on their RoleDefinition) with "
    "principal_id=<group>.object_id of the controller, ingest or operator groups (modules/roles.py does); put people "
    "into those groups through the register.",
    validate=validate,
    uses_register=True,
)
