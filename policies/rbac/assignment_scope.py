"""Every grant is as narrow as its component: data roles at one container, nothing subscription-wide.

OUS-6.2 / ECG-7: access by need, at the narrowest scope. ECG-6: a dedicated storage unit per
controller, reachable by that controller's group alone; OUS-3: the agreement's data apart.

- No role assignment or PIM eligibility at the root, a management group or a subscription.
  (The allowed-locations policy assignment is a PolicyAssignment, not a role grant.)
- A data role — a custom role of the plan with data actions, or a built-in storage data or
  key-listing role — is granted only at a blob container
  (`.../storageAccounts/<account>/blobServices/default/containers/<name>`), never at a
  resource group or wider, where it would reach every controller's data.
- One exception, at storage-account scope: a write-only role of the plan (data actions only
  blobs/write and blobs/add/action: nothing can be read back) for a stack-wide group of this
  plan that serves every controller of the account — the ECG247 ingest service writes every
  physician's data (modules/roles.py), and a grant per container would cost one role
  assignment per physician against Azure's limit per subscription. A controller's own group
  (its displayName names a controller of the register) never gets it: it could overwrite
  other controllers' data. A group not in the plan can't be shown to be stack-wide, so it is
  refused too.
- ECG-6 / OUS-6.2: each controller's data goes to its own groups. A grant of the stack's reader
  (uploader) role at a controller's container (`rec-`, `scores-` or `ecg-<controller>`, names
  compared case-insensitively) takes its principalId from that controller's readers (uploaders)
  group: the `principalId` property dependency is one Entra ID group of the plan whose displayName
  is `<prefix>-<controller>-readers` (`-uploaders`), as modules/access.py names them. A literal
  principalId, one taken from anything else, a group of another controller, the operators or the
  ECG ingest group, is refused; so is any other data role at such a container, and a data role
  at a container that is no controller's (which controller's data it holds can't be told).
- The operators group (`<prefix>-operators`) holds only the operator and deployer roles.
"""

from __future__ import annotations

from policies.authz import (
    ASSIGNMENT_TYPES,
    PIM_ELIGIBILITY,
    container_of_scope,
    custom_roles,
    is_data_role,
    is_write_only,
    normal_scope,
    principal_groups,
    role_guid,
    scope_level,
)
from policies.lib import get, get_map, get_str, get_str_or_absent, indexed, lower, register_of, stack_policy
from policies.stack import (
    AZUREAD_GROUP,
    CONTROLLER_GROUPS,
    ECG_PREFIX,
    RECORDINGS_PREFIX,
    SCORES_PREFIX,
    Undecided,
    label_of,
)

TOO_BROAD = ("root", "management group", "subscription")
CONTAINER_PREFIXES = (RECORDINGS_PREFIX, SCORES_PREFIX, ECG_PREFIX)
# modules/access.py: the group suffix of each data role, and the operators' group.
GROUP_SUFFIX = {"reader": "readers", "uploader": "uploaders"}
OPERATORS = "operators"
OPERATOR_KINDS = ("operator", "deployer")


def group_tail(group) -> str:
    """`<controller>-<suffix>` or `operators`: a displayName after the stack prefix, which has no
    hyphen (modules/config.py), lower case. An unknown displayName raises (undecided)."""
    name = get(group.props, "displayName")
    return name.split("-", 1)[1].lower() if isinstance(name, str) and "-" in name else ""


def role_kind_of(guid: str | None, roles, register) -> str | None:
    """The kind of one of the stack's custom roles: from the definition the grant depends on, else the
    register's `roles` (GUID by kind); None for any other role."""
    if guid is None:
        return None
    if guid in roles:
        return roles[guid].kind
    return indexed(get_map(register, "roles"), _kinds_by_guid).get(guid)


def controller_of_container(container: str, register) -> tuple[str, str | None] | None:
    """(controller id, its agreement) whose container this is (`rec-`/`scores-`/`ecg-<id>`), or None."""
    controllers = get_map(register, "controllers")
    controller = indexed(controllers, _controllers_by_container).get(container.lower())
    if controller is None:
        return None
    return controller, get_str(controllers[controller], "agreement")


def _kinds_by_guid(roles) -> dict[str, str]:
    return {lower(v): k for k, v in roles.items() if isinstance(v, str)}


def _controllers_by_container(controllers) -> dict[str, str]:
    index: dict[str, str] = {}
    for controller in controllers:
        for p in CONTAINER_PREFIXES:
            index.setdefault(f"{p}{controller.lower()}", controller)
    return index


def container_grant_refusal(r, container: str, kind: str | None, is_data: bool, register) -> str | None:
    """Why a grant at container `container` does not go to the owning controller's group of its role, or None."""
    if kind not in GROUP_SUFFIX:
        return "it is not the stack's reader or uploader role" if is_data else None
    owner = controller_of_container(container, register)
    if owner is None:
        return "the container is no controller's of the register, so whose data it holds can't be told"
    controller, agreement = owner
    suffix = GROUP_SUFFIX[kind]
    wanted = f"{controller}-{suffix}".lower()
    if agreement in CONTROLLER_GROUPS and suffix not in CONTROLLER_GROUPS[agreement]:
        return f"{agreement} controllers have no {suffix} group (the ECG ingest group writes at the account)"
    sources = list((getattr(r, "property_dependencies", None) or {}).get("principalId") or [])
    if not sources:
        return (f"its principalId is a literal, not taken from the group '<prefix>-{controller}-{suffix}' "
                "of this stack")
    groups = [d for d in sources if getattr(d, "resource_type", None) == AZUREAD_GROUP]
    if len(sources) != 1 or len(groups) != 1:
        names = ", ".join(sorted(str(getattr(d, "name", d)) for d in sources))
        return f"its principalId comes from {names}, not from exactly one group of this stack"
    tail = group_tail(groups[0])
    if tail != wanted:
        return (f"its group '{groups[0].name}' is not the {suffix} group of controller '{controller}' "
                f"('<prefix>-{controller}-{suffix}')")
    return None


def account_grant_refusal(r, role, args) -> str | None:
    """Why a data role at storage-account scope is not the stack-wide write-only exception, or None."""
    if role is None or not is_write_only(role):
        return "it can read or delete, or is not a write-only role of this stack"
    groups = principal_groups(r)
    if not groups:
        return "its group is not in this stack, so it can't be shown to be a stack-wide (ingest) group"
    controllers = list(get_map(register_of(args), "controllers"))
    for group in groups:
        name = f"-{(get_str(group.props, 'displayName') or '').lower()}-"
        owners = [c for c in controllers if f"-{c.lower()}-" in name]
        if owners:
            return (f"its group '{group.name}' belongs to controller '{owners[0]}' and could overwrite other "
                    "controllers' data")
    return None


def _deployer_eligibility(r, roles) -> bool:
    """The one grant allowed at the subscription: PIM eligibility (time-bound, activated on
    demand; rbac-operator-elevation-time-bound) for the stack's deployer role, which has no data
    actions. Deploying assigns the subscription's allowed-locations policy, so it needs that scope."""
    if r.resource_type != PIM_ELIGIBILITY:
        return False
    role = roles.get(role_guid(get_str(r.props, "roleDefinitionId")) or "")
    return role is not None and role.kind == "deployer" and not role.data_actions


def validate(args, report_violation) -> None:
    undecided = Undecided()
    register = register_of(args)
    roles = custom_roles(args.resources, undecided)
    for r in args.resources:
        if r.resource_type not in ASSIGNMENT_TYPES:
            continue
        label = label_of(r)
        with undecided.about(label):
            scope = normal_scope(get_str_or_absent(r.props, "scope"))  # unknown (unset): no scope
            level = scope_level(scope)
            role_id = get(r.props, "roleDefinitionId")
            if level == "subscription" and _deployer_eligibility(r, roles):
                pass
            elif level in TOO_BROAD:
                report_violation(
                    f"{label} grants {role_id!r} at {level} scope {scope!r}: grant it at the data resource "
                    "group (operators, through PIM) or at the controller's container (data roles)", r.urn)
            elif level == "unknown":
                report_violation(f"{label} has no readable scope: set scope to an ARM id", r.urn)
            elif level == "container":
                guid = role_guid(role_id)
                kind = role_kind_of(guid, roles, register)
                refusal = container_grant_refusal(r, container_of_scope(scope) or "", kind,
                                                  is_data_role(guid, roles), register)
                if refusal:
                    report_violation(
                        f"{label} grants {role_id!r} at container scope {scope!r} ({refusal}): grant a controller's "
                        "reader (uploader) role at its own containers to its own readers (uploaders) group only, "
                        "as modules/roles.py does", r.urn)
            elif is_data_role(role_guid(role_id), roles) and level != "container":
                guid = role_guid(role_id)
                refusal = (account_grant_refusal(r, roles.get(guid or ""), args) if level == "storage account"
                           else "only a write-only role of a stack-wide group may be granted at an account")
                if refusal:
                    report_violation(
                        f"{label} grants data role {role_id!r} at {level} scope {scope!r}, reaching every "
                        f"container below it ({refusal}): assign it at the controller's own container "
                        "(.../blobServices/default/containers/<name>)", r.urn)
            kind = role_kind_of(role_guid(role_id), roles, register)
            operators = [g for g in principal_groups(r) if group_tail(g) == OPERATORS]
            if operators and kind not in OPERATOR_KINDS:
                report_violation(
                    f"{label} grants {role_id!r} to the operators group '{operators[0].name}', which may hold only "
                    "the stack's operator and deployer roles (no data access, OUS-6.2): grant data roles to a "
                    "controller's own groups", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="rbac-assignment-scope",
    clauses=("OUS-6.2", "ECG-7", "ECG-6", "OUS-3"),
    area="rbac",
    description="No role assignment or PIM eligibility at root, management-group or subscription scope (except PIM "
    "eligibility for the stack's deployer role, which has no data actions, at the subscription); roles "
    "with data actions only at a single blob container, except a write-only role of a stack-wide (ingest) group "
    "at a storage account. At a controller's container (rec-, scores-, ecg-<id>) the stack's reader (uploader) role "
    "goes only to that controller's <prefix>-<id>-readers (-uploaders) group, its principalId taken from that group "
    "(a literal principalId is refused), and no other data role is granted there; the operators group holds only "
    "the operator and deployer roles.",
    remediation="Assign data roles per controller at its container ARM id (modules/naming.container_id) to that "
    "controller's own group of the role, and the operator role through PIM at the data resource groups, as "
    "modules/roles.py does.",
    validate=validate,
    uses_register=True,
)
