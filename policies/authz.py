"""What the rbac policies share: role definitions by GUID, ARM scopes, and the ABAC time limit.

Role assignments name their role by ARM id (`.../roleDefinitions/<guid>`) and their scope by
ARM id string; modules/roles.py builds both from names, so a preview knows them (both are
response properties: they stay in a stack policy's outputs). A custom role defined in the same
plan is the RoleDefinition the assignment depends on (`role_definition_of`); an assignment
depending on none grants a built-in role (or one defined elsewhere).

The custom roles follow modules/roles.py: `roleName` ends with the role it grants
(`dpa-guard <prefix> uploader|reader|operator`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policies.facts import BUILTIN_DATA_ROLES, PRIVILEGED_ROLES
from policies.lib import MissingRegister, get_list, get_str, get_strs, lower

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
# azure-native v3 models the PIM RoleEligibilityScheduleRequest API as this type.
PIM_ELIGIBILITY = "azure-native:authorization:PimRoleEligibilitySchedule"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
DENY_ASSIGNMENT = "azure-native:authorization:DenyAssignment"
ASSIGNMENT_TYPES = (ROLE_ASSIGNMENT, PIM_ELIGIBILITY)

BLOBS = "microsoft.storage/storageaccounts/blobservices/containers/blobs"

_GUID = re.compile(r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.IGNORECASE)
_SUBSCRIPTION = re.compile(r"^/subscriptions/[^/]+$", re.IGNORECASE)
_MANAGEMENT_GROUP = re.compile(r"^/providers/microsoft\.management/managementgroups/[^/]+$", re.IGNORECASE)
_RESOURCE_GROUP = re.compile(r"^/subscriptions/[^/]+/resourcegroups/[^/]+$", re.IGNORECASE)
_ACCOUNT = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.storage/storageaccounts/[^/]+$", re.IGNORECASE
)
_CONTAINER = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.storage/storageaccounts/[^/]+"
    r"/blobservices/default/containers/(?P<container>[^/]+)$",
    re.IGNORECASE,
)


def role_guid(role_definition_id: Any) -> str | None:
    """The GUID a role definition id ends with, lower case (the id may be a bare GUID)."""
    if not isinstance(role_definition_id, str):
        return None
    match = _GUID.search(role_definition_id.strip().rstrip("/"))
    return match.group(1).lower() if match else None


def normal_scope(scope: Any) -> str | None:
    if not isinstance(scope, str):
        return None
    trimmed = scope.strip()
    return "/" if trimmed in ("", "/") else trimmed.rstrip("/")


def scope_level(scope: str | None) -> str:
    """`root`, `management group`, `subscription`, `resource group`, `storage account`, `container` or `resource`."""
    if scope is None:
        return "unknown"
    if scope == "/":
        return "root"
    if _MANAGEMENT_GROUP.match(scope):
        return "management group"
    if _SUBSCRIPTION.match(scope):
        return "subscription"
    if _RESOURCE_GROUP.match(scope):
        return "resource group"
    if _ACCOUNT.match(scope):
        return "storage account"
    if _CONTAINER.match(scope):
        return "container"
    return "resource"


def container_of_scope(scope: str | None) -> str | None:
    """The container name of a blob-container ARM id (`.../blobServices/default/containers/<name>`)."""
    match = _CONTAINER.match(scope) if scope else None
    return match.group("container") if match else None


@dataclass(frozen=True)
class CustomRole:
    resource: Any
    guid: str
    name: str
    kind: str
    """`uploader`, `reader`, `operator`, `deployer` (modules/roles.py naming) or `other`."""
    actions: tuple[str, ...]
    data_actions: tuple[str, ...]


ROLE_KINDS = ("uploader", "reader", "operator", "deployer")
# The kinds the program grants by role assignment, so the only ones the deployer may assign or remove
# (modules/naming.ASSIGNED_ROLES; tests/modules/test_register_roles.py keeps the two equal).
ASSIGNED_ROLES = ("uploader", "reader")


AZUREAD_GROUP = "azuread:index/group:Group"


def principal_groups(assignment: Any) -> list[Any]:
    """The Entra ID groups of the plan an assignment's principalId comes from.

    The analyzer gives each property's dependencies; where it does not (the offline
    evaluator), every group the assignment depends on is taken.
    """
    by_property = (getattr(assignment, "property_dependencies", None) or {}).get("principalId") or []
    candidates = by_property or getattr(assignment, "dependencies", None) or []
    return [d for d in candidates if getattr(d, "resource_type", None) == AZUREAD_GROUP]


def role_kind(role_name: str | None) -> str:
    words = re.split(r"[\s_-]+", (role_name or "").strip().lower())
    return words[-1] if words and words[-1] in ROLE_KINDS else "other"


def permissions(props: Any, field: str) -> list[str]:
    """Every entry of `field` (actions, dataActions, ...) over all permission blocks."""
    out: list[str] = []
    for block in get_list(props, "permissions"):
        out.extend(get_strs(block, field))
    return out


def custom_role(resource: Any, guid: str | None = None) -> CustomRole | None:
    """A RoleDefinition as a CustomRole. `guid`: the GUID an assignment names it by; else its own
    `roleDefinitionId` input (resource policies; absent from a stack policy's outputs)."""
    guid = guid or role_guid(get_str(resource.props, "roleDefinitionId"))
    if guid is None:
        return None
    name = get_str(resource.props, "roleName") or ""
    return CustomRole(resource, guid, name, role_kind(name),
                      tuple(permissions(resource.props, "actions")), tuple(permissions(resource.props, "dataActions")))


def role_definition_of(assignment: Any) -> Any | None:
    """The RoleDefinition of the stack an assignment grants: the one it depends on (in preview a
    new definition's id and name are unknown, and its `roleDefinitionId` input is absent from its
    outputs; modules/roles.py makes every assignment depend on its role). A GUID of a built-in
    role is never a custom role, whatever the assignment depends on."""
    guid = role_guid(get_str(assignment.props, "roleDefinitionId"))
    if guid in BUILTIN_DATA_ROLES or guid in PRIVILEGED_ROLES:
        return None
    found = [d for d in (getattr(assignment, "dependencies", None) or [])
             if getattr(d, "resource_type", None) == ROLE_DEFINITION]
    if len(found) > 1:
        error = UnknownValueError(UNKNOWN_STRING_VALUE, ["dependencies"])
        error.message = (f"it depends on {len(found)} role definitions "
                         f"({', '.join(sorted(d.name for d in found))}), so its role can't be told")
        raise error
    return found[0] if found else None


def custom_roles(resources: Iterable[Any], undecided) -> dict[str, CustomRole]:
    """Custom roles of the stack by the GUID the assignments name them by (stack policies).
    A role that can't be read or told goes to `undecided`."""
    roles: dict[str, CustomRole] = {}
    for r in resources:
        if r.resource_type not in ASSIGNMENT_TYPES:
            continue
        with undecided.about(f"{r.resource_type.rsplit(':', 1)[-1]} '{r.name}'"):
            definition = role_definition_of(r)
            guid = role_guid(get_str(r.props, "roleDefinitionId"))
            if definition is not None and guid is not None:
                role = custom_role(definition, guid)
                known = roles.get(guid)
                if role is not None and known is not None and known.resource.urn != definition.urn:
                    # One GUID is one role in Azure: two definitions behind it means one of them lies.
                    error = UnknownValueError(UNKNOWN_STRING_VALUE, ["roleDefinitionId"])
                    error.message = (f"role {guid} is granted by assignments depending on two role definitions "
                                     f"('{known.resource.name}', '{definition.name}'), so which role it is can't be "
                                     "told")
                    raise error
                if role is not None:
                    roles[guid] = role
    return roles


def _register_guids(register: Mapping[str, Any], key: str, values: Any) -> list[str]:
    guids = [role_guid(v) for v in values] if isinstance(values, Sequence) and not isinstance(values, str) else []
    if not guids or any(g is None or g != str(v).strip().lower() for g, v in zip(guids, values, strict=True)):
        error = MissingRegister()
        error.message = (f"the stack register is missing {key!r} (or it is not a list of role GUIDs), so this "
                         f"clause can't be checked: {MissingRegister.HOW}")
        raise error
    return [g for g in guids if g is not None]


def stack_roles(register: Mapping[str, Any]) -> dict[str, str]:
    """The stack's custom role GUIDs by kind (register `roles`, modules/config.py policy_register): in
    preview a RoleDefinition's own GUID (the path parameter roleDefinitionId) is in none of its outputs
    and `name` is unknown, so a stack policy learns which GUID is which role only from the register.
    MissingRegister (a mandatory violation) if the register does not carry every kind."""
    roles = register.get("roles") if isinstance(register, Mapping) else None
    kinds = [k for k in ROLE_KINDS if isinstance(roles, Mapping) and k in roles]
    values = [roles[k] for k in kinds] if len(kinds) == len(ROLE_KINDS) else []
    return dict(zip(kinds, _register_guids(register, "roles", values), strict=True))


def role_names(register: Mapping[str, Any]) -> dict[str, str]:
    """The stack's custom role names by kind (register `roleNames`, modules/naming.role_name): the only
    roleName a RoleDefinition of that kind may carry. MissingRegister if a kind is missing, a name is not
    a string or its last word is not its kind."""
    names = register.get("roleNames") if isinstance(register, Mapping) else None
    found = {k: names.get(k) for k in ROLE_KINDS} if isinstance(names, Mapping) else {}
    if len(found) != len(ROLE_KINDS) or any(not isinstance(v, str) or role_kind(v) != k for k, v in found.items()):
        error = MissingRegister()
        error.message = ("the stack register is missing 'roleNames' (or it does not name every role kind), so this "
                         f"clause can't be checked: {MissingRegister.HOW}")
        raise error
    return {k: str(v) for k, v in found.items()}


def derived_assignable_roles(register: Mapping[str, Any]) -> frozenset[str]:
    """The role GUIDs the deployer may assign or remove, derived from the register's `roles`: the uploader
    and reader roles (ASSIGNED_ROLES), whatever `assignableRoles` says."""
    roles = stack_roles(register)
    return frozenset(roles[k] for k in ASSIGNED_ROLES)


def assignable_roles(register: Mapping[str, Any]) -> frozenset[str]:
    """The role GUIDs the program grants by role assignment (register `assignableRoles`): the only ones
    the deployer may assign or remove. MissingRegister if absent or empty."""
    values = register.get("assignableRoles") if isinstance(register, Mapping) else None
    return frozenset(_register_guids(register, "assignableRoles", values))


def is_data_role(guid: str | None, roles: Mapping[str, CustomRole]) -> bool:
    if guid is None:
        return False
    if guid in roles:
        return bool(roles[guid].data_actions)
    return guid in BUILTIN_DATA_ROLES


# ------------------------------------------------------------------ ABAC time limit (OUS-8)


@dataclass(frozen=True)
class TimeLimit:
    """A role assignment condition of the documented shape
    `((!(ActionMatches{'a'}) AND ...) OR (@Environment[UtcNow] DateTimeLessThan '<until>'))`."""

    until: str
    guarded: tuple[str, ...] | None
    """Actions the time limit applies to; None: it applies to every action."""

    def covers(self, action: str) -> bool:
        if self.guarded is None:
            return True
        wanted = action.lower()
        for pattern in self.guarded:
            p = pattern.lower()
            if p == wanted or (p.endswith("*") and wanted.startswith(p[:-1])):
                return True
        return False


_TIME = re.compile(r"^@Environment\[UtcNow\]\s+DateTimeLessThan\s+'(?P<until>[^']+)'$", re.IGNORECASE)
_NOT_ACTION = re.compile(r"^!\s*\(\s*ActionMatches\s*\{\s*'(?P<action>[^']+)'\s*\}\s*\)$", re.IGNORECASE)
_ACTION = re.compile(r"^ActionMatches\s*\{\s*'(?P<action>[^']+)'\s*\}$", re.IGNORECASE)


def _balanced(text: str) -> bool:
    """Parentheses outside quoted values pair up, and every quote is closed. A parenthesis inside a
    quoted value (`'a('`) is text, not grouping: counting it would let the outer pair be stripped
    from `(A AND 'x(') OR ('y)' ...` and hide its top-level OR."""
    depth, quoted = 0, False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            depth += ch == "("
            depth -= ch == ")"
            if depth < 0:
                return False
    return depth == 0 and not quoted


def well_formed(condition: str) -> bool:
    """Balanced outside quotes, every quote closed, and no double quote (values are single-quoted;
    a `'` inside double quotes would flip where this reader thinks a value ends)."""
    return '"' not in condition and _balanced(condition)


# Microsoft Learn "Azure role assignment condition format and syntax", Logical operators: AND or
# `&&`, OR or `||`, NOT or `!`; three or more expressions mixing AND and OR without parentheses are
# ambiguous ("Grouping and precedence"), so such a text is never read as a recognised shape.
_NOT_WORD = re.compile(r"(?<![A-Za-z0-9_:\]])NOT(?![A-Za-z0-9_])\s*", re.IGNORECASE)


def normal_operators(condition: str) -> str:
    """`condition` with `&&`, `||` and the word NOT spelt AND, OR and `!` outside quoted values, and
    whitespace collapsed, so one spelling is parsed for all."""
    pieces = re.split(r"('[^']*')", condition)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:  # outside quotes; a quoted value is kept as written
            # `(a)OR(b)`: an operator needs no spaces beside parentheses, so give it some
            piece = piece.replace("(", " ( ").replace(")", " ) ")
            piece = piece.replace("&&", " AND ").replace("||", " OR ")
            piece = re.sub(r"\s+", " ", _NOT_WORD.sub("!", piece))
        out.append(piece)
    return "".join(out).strip()


def mixed_operators(text: str) -> bool:
    """AND and OR side by side at the top level of `text` (ambiguous without parentheses)."""
    return len(split_top(text, "AND")) > 1 and len(split_top(text, "OR")) > 1


def strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def split_top(text: str, operator: str) -> list[str]:
    """`text` split on ` OR `/` AND ` outside parentheses and quotes."""
    parts, depth, quoted, start, i = [], 0, False, 0, 0
    word = f" {operator} "
    upper = text.upper()
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and upper.startswith(word, i):
            parts.append(text[start:i])
            i += len(word)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _guard(text: str) -> tuple[str, ...] | None:
    """Actions of `!(ActionMatches{'a'}) AND !(ActionMatches{'b'})` or `!(ActionMatches{'a'} OR ...)`."""
    text = strip_parens(text)
    terms = split_top(text, "AND")
    actions: list[str] = []
    if len(terms) == 1 and text.startswith("!"):
        inner = strip_parens(text[1:])
        alternatives = split_top(inner, "OR")
        if len(alternatives) > 1:
            for alt in alternatives:
                match = _ACTION.match(strip_parens(alt))
                if not match:
                    return None
                actions.append(match.group("action"))
            return tuple(actions)
    for term in terms:
        match = _NOT_ACTION.match(term)
        if not match:
            return None
        actions.append(match.group("action"))
    return tuple(actions)


def parse_time_limit(condition: str) -> TimeLimit | None:
    """The time limit a condition imposes, or None if it is not of a recognised shape.

    Recognised: the time clause alone (it then limits every action), or a guard listing the
    limited actions OR-ed with one time clause (Azure's documented shape for data actions).
    Anything else is not trusted to end access, since another branch could grant it freely.
    """
    text = normal_operators(condition)
    if not well_formed(text) or mixed_operators(strip_parens(text)):
        return None
    operands = split_top(strip_parens(text), "OR")
    if len(operands) == 1:
        match = _TIME.match(strip_parens(operands[0]))
        return TimeLimit(match.group("until"), None) if match else None
    if len(operands) != 2:
        return None
    first, second = (strip_parens(o) for o in operands)
    for guard_text, time_text in ((first, second), (second, first)):
        match = _TIME.match(time_text)
        if match:
            guarded = _guard(guard_text)
            return TimeLimit(match.group("until"), guarded) if guarded else None
    return None


def uncovered_actions(limit: TimeLimit, data_actions: Sequence[str]) -> list[str]:
    return [a for a in data_actions if not limit.covers(a)]


def is_write_only(role: CustomRole) -> bool:
    """A data role that can only add blobs: no read, no delete, nothing else."""
    return bool(role.data_actions) and all(is_write_action(a) for a in role.data_actions)


def is_write_action(action: str) -> bool:
    value = lower(action) or ""
    return value.startswith(BLOBS) and (value.endswith("/write") or value.endswith("/add/action"))
