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
"""

from __future__ import annotations

from policies.authz import (
    ASSIGNMENT_TYPES,
    PIM_ELIGIBILITY,
    custom_roles,
    is_data_role,
    is_write_only,
    normal_scope,
    principal_groups,
    role_guid,
    scope_level,
)
from policies.lib import get, get_map, get_str, get_str_or_absent, register_of, stack_policy
from policies.stack import Undecided, label_of

TOO_BROAD = ("root", "management group", "subscription")


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
            elif is_data_role(role_guid(role_id), roles) and level != "container":
                guid = role_guid(role_id)
                refusal = (account_grant_refusal(r, roles.get(guid or ""), args) if level == "storage account"
                           else "only a write-only role of a stack-wide group may be granted at an account")
                if refusal:
                    report_violation(
                        f"{label} grants data role {role_id!r} at {level} scope {scope!r}, reaching every "
                        f"container below it ({refusal}): assign it at the controller's own container "
                        "(.../blobServices/default/containers/<name>)", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="rbac-assignment-scope",
    clauses=("OUS-6.2", "ECG-7", "ECG-6", "OUS-3"),
    area="rbac",
    description="No role assignment or PIM eligibility at root, management-group or subscription scope (except PIM "
    "eligibility for the stack's deployer role, which has no data actions, at the subscription); roles "
    "with data actions only at a single blob container, except a write-only role of a stack-wide (ingest) group "
    "at a storage account.",
    remediation="Assign data roles per controller at its container ARM id (modules/naming.container_id) and the "
    "operator role through PIM at the data resource groups, as modules/roles.py does.",
    validate=validate,
    uses_register=True,
)
