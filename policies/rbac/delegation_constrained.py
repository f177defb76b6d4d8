"""Whoever may assign roles may assign only the stack's own roles: a delegation condition on every such grant.

OUS-6.2 / ECG-7: access is decided by the register, not by whoever holds a role. A role assignment
or PIM eligibility granting a role that can write role assignments (an action matching
`Microsoft.Authorization/roleAssignments/write`, such as `*` or `Microsoft.Authorization/*`, and not
removed by a notAction; or the built-in Owner, User Access Administrator or Role Based Access Control
Administrator) must carry an Azure ABAC condition (conditionVersion 2.0) of the shape Microsoft Learn
documents in "Examples to delegate Azure role assignment management with conditions" (Example:
Constrain roles):

    ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR
     (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {...}))
    AND
    ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR
     (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {...}))

Each allowing branch may AND further expressions (principal type, principal id): they only narrow
it. The listed roles must be an allow-list (GuidEquals, never GuidNotEquals): each list non-empty and
within the stack's uploader and reader role GUIDs, derived here from the register's `roles` (modules/naming.py,
written by modules/config.py policy_register); a register whose `assignableRoles` name another set is itself a
violation. So a delegate can never hand on more than the program grants. A list is judged against that positive register, not against what the plan shows: a role
nothing in the plan assigns, a built-in data role or a role defined elsewhere is refused as much as a
privileged built-in role (facts.PRIVILEGED_ROLES), the granted role itself or a role of the plan that
can itself write role assignments (those three are named in the message).

A stack policy: which role an assignment grants is another resource (the RoleDefinition it depends
on, policies/authz.role_definition_of), which a resource policy does not see. A role that is neither
in the plan nor one of the three built-ins is not judged here (rbac-principals-in-stack and
rbac-no-privileged-builtin-roles speak to those).

Known limit (Microsoft Learn "Delegate Azure access management to others", Known issues): delegating
role assignment management with conditions through Privileged Identity Management is not supported,
although the eligibility request API accepts `condition` (official ARM schema, Microsoft.Authorization
2020-10-01 RoleEligibilityScheduleRequestProperties). The pack can only demand the condition; the
runbook (step 0) has the subscription owner verify it is enforced after activation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pulumi_policy import Severity

from policies.authz import (
    ASSIGNMENT_TYPES,
    assignable_roles,
    custom_roles,
    derived_assignable_roles,
    mixed_operators,
    normal_operators,
    role_guid,
    split_top,
    strip_parens,
    well_formed,
)
from policies.facts import PRIVILEGED_ROLES
from policies.lib import get_list, get_str, get_str_or_absent, get_strs, register_of, stack_policy
from policies.stack import Undecided, label_of

WRITE = "microsoft.authorization/roleassignments/write"
DELETE = "microsoft.authorization/roleassignments/delete"
ATTRIBUTE = "Microsoft.Authorization/roleAssignments:RoleDefinitionId"
# Built-in roles that hold roleAssignments/write (Microsoft Learn "Azure built-in roles"): Owner (`*`),
# User Access Administrator and Role Based Access Control Administrator (`Microsoft.Authorization/*`,
# roleAssignments/write). Contributor excludes `Microsoft.Authorization/*/Write` in its notActions.
ASSIGNING_BUILTINS = frozenset(
    g for g, name in PRIVILEGED_ROLES.items()
    if name in ("Owner", "User Access Administrator", "Role Based Access Control Administrator")
)

_GUARD = re.compile(r"^!\s*\(\s*ActionMatches\s*\{\s*'(?P<action>[^']+)'\s*\}\s*\)$", re.IGNORECASE)
_ALLOW = re.compile(
    r"^@(?P<source>Request|Resource)\[(?P<attribute>[^\]]+)\]\s+ForAnyOfAnyValues:GuidEquals\s*\{(?P<ids>[^}]*)\}$",
    re.IGNORECASE,
)
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def matches(pattern: str, action: str) -> bool:
    """Whether an RBAC action pattern (`*` anywhere, any case) covers `action`."""
    regex = ".*".join(re.escape(part) for part in pattern.lower().split("*"))
    return re.fullmatch(regex, action) is not None


_ACTION_TEXT = re.compile(r"^[A-Za-z0-9._/*-]+$")


def can_write_assignments(actions: Iterable[str], not_actions: Iterable[str]) -> bool:
    """Whether one permission block's actions reach roleAssignments/write. An action spelt with
    anything but operation characters (a trailing space, ...) counts as reaching it, and such a
    notAction as removing nothing: what ARM makes of it is not documented, so it is not trusted."""
    nots = [n for n in not_actions if _ACTION_TEXT.match(n)]
    return any(matches(a, WRITE) or not _ACTION_TEXT.match(a) for a in actions) and \
        not any(matches(n, WRITE) for n in nots)


def assigns_roles(definition_props) -> bool:
    """Whether a RoleDefinition can write role assignments: any permission block whose actions reach
    roleAssignments/write and whose own notActions do not remove it. The ARM schema allows several
    blocks; one block's notActions are not trusted to take back what another grants."""
    return any(can_write_assignments(get_strs(block, "actions"), get_strs(block, "notActions"))
               for block in get_list(definition_props, "permissions"))


def _allowed_roles(clause: str, action: str, source: str) -> set[str] | None:
    """The role GUIDs one top-level clause `(!(ActionMatches{action})) OR (<allow> AND ...)` allows for
    `action`, or None if the clause is not of that shape (or guards another action)."""
    if mixed_operators(strip_parens(clause)):
        return None
    branches = split_top(strip_parens(clause), "OR")
    if len(branches) != 2 or mixed_operators(strip_parens(branches[1])):
        return None
    guard = _GUARD.match(strip_parens(branches[0]))
    if not guard or guard.group("action").lower() != action:
        return None
    found: set[str] | None = None
    for term in split_top(strip_parens(branches[1]), "AND"):
        allow = _ALLOW.match(strip_parens(term))
        if allow and allow.group("source").lower() == source and allow.group("attribute").strip().lower() == \
                ATTRIBUTE.lower():
            ids = {i.strip().lower() for i in allow.group("ids").split(",") if i.strip()}
            if not ids or not all(_GUID.match(i) for i in ids):
                return None
            found = ids if found is None else found & ids
    return found


def delegation_limits(condition: str) -> tuple[set[str] | None, set[str] | None]:
    """(roles a write may assign, roles a delete may remove) under `condition`; None: not limited."""
    if not well_formed(condition):
        return None, None  # unbalanced, an open quote, or double quotes: not read, not trusted
    text = strip_parens(normal_operators(condition))
    if mixed_operators(text):
        return None, None  # AND and OR side by side at the top level: ambiguous, not a conjunction
    clauses = split_top(text, "AND")
    write: set[str] | None = None
    delete: set[str] | None = None
    for clause in clauses:
        write = write if write is not None else _allowed_roles(clause, WRITE, "request")
        delete = delete if delete is not None else _allowed_roles(clause, DELETE, "resource")
    return write, delete


def refusal(r, role_guid_: str, assigning: set[str], allowed: frozenset[str]) -> str | None:
    """Why assignment `r` (of a role that can write role assignments) is not constrained, or None.
    `allowed`: the stack's uploader and reader roles, the only roles a write may assign or a delete remove."""
    condition = get_str_or_absent(r.props, "condition")
    if not condition:
        return "carries no condition"
    version = get_str_or_absent(r.props, "conditionVersion")
    if version != "2.0":
        return f"has conditionVersion {version!r} (Azure evaluates delegation conditions in version 2.0 only)"
    write, delete = delegation_limits(condition)
    if write is None:
        return "has a condition that does not limit roleAssignments/write to listed roles " \
               "(@Request[...:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals)"
    if delete is None:
        return "has a condition that does not limit roleAssignments/delete to listed roles " \
               "(@Resource[...:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals)"
    forbidden = {g for g in write | delete if g in PRIVILEGED_ROLES or g in assigning or g == role_guid_}
    if forbidden:
        names = [PRIVILEGED_ROLES.get(g, "itself" if g == role_guid_ else "a role that assigns roles") + f" ({g})"
                 for g in sorted(forbidden)]
        return f"lets its holder assign or remove {', '.join(names)}"
    # A positive allow-list: a role the plan never assigns (so its permissions are seen nowhere), a
    # built-in data role or a role defined outside the stack is as foreign as a privileged one.
    for action, listed in (("write", write), ("delete", delete)):
        if not listed:
            return f"has a condition whose roleAssignments/{action} list allows no role at all"
        extra = listed - allowed
        if extra:
            return (f"lets its holder {'assign' if action == 'write' else 'remove'} {', '.join(sorted(extra))}, "
                    f"which are not the stack's uploader and reader roles ({', '.join(sorted(allowed))})")
    return None


def validate(args, report_violation) -> None:
    register = register_of(args)
    allowed = derived_assignable_roles(register)
    given = assignable_roles(register)
    if given != allowed:
        # The allow-list is the uploader and reader of the register's roles; a register saying otherwise was
        # written by something other than modules/config.py policy_register (hostile review, 8).
        report_violation(
            f"the register's assignableRoles ({', '.join(sorted(given))}) are not the uploader and reader roles of "
            f"its roles ({', '.join(sorted(allowed))}): write the register with `dpaguard plan` "
            "(modules/config.py policy_register), never by hand")
    undecided = Undecided()
    roles = custom_roles(args.resources, undecided)
    assigning = set(ASSIGNING_BUILTINS)
    for guid, role in roles.items():
        if assigns_roles(role.resource.props):
            assigning.add(guid)
    for r in args.resources:
        if r.resource_type not in ASSIGNMENT_TYPES:
            continue
        label = label_of(r)
        with undecided.about(label):
            guid = role_guid(get_str(r.props, "roleDefinitionId"))
            if guid is None or guid not in assigning:
                continue
            reason = refusal(r, guid, assigning, allowed)
            if reason:
                name = roles[guid].name if guid in roles else PRIVILEGED_ROLES.get(guid, guid)
                report_violation(
                    f"{label} grants '{name}', which can write role assignments, and {reason}: add the condition "
                    "of modules/deploy_rights.deployer_condition (Microsoft Learn \"Examples to delegate Azure role "
                    "assignment management with conditions\", Constrain roles) listing only the stack's uploader "
                    "and reader roles, with conditionVersion '2.0'", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="rbac-delegation-constrained",
    clauses=("OUS-6.2", "OUS-6.1.a", "ECG-7"),
    area="rbac",
    description="Every role assignment or PIM eligibility granting a role that can write role assignments (a "
    "custom role with roleAssignments/write, Microsoft.Authorization/* or *; Owner, User Access Administrator, RBAC "
    "Administrator) carries an ABAC condition (version 2.0) limiting roleAssignments/write and /delete each to a "
    "non-empty allow-list of roles within the stack's uploader and reader roles (the register's roles; a register "
    "whose assignableRoles differ is refused), "
    "naming no privileged built-in role, not the granted role and no other role that assigns roles.",
    remediation="modules/roles.py gives the deployer's PIM eligibility condition=deploy_rights.deployer_condition("
    "<uploader and reader role GUIDs>) and condition_version '2.0'; never grant a role that assigns roles without it.",
    validate=validate,
    severity=Severity.CRITICAL,
    uses_register=True,
)
