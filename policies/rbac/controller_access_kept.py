"""The controller keeps its access to what it submitted, and nothing denies it.

OUS-11: the processor may never block the controller's access to what it submitted. So:

- no deny assignment (`authorization:DenyAssignment`) anywhere in the stack: it would
  override the controller's grants and cannot be reviewed per controller (ECG-6 likewise
  promises each physician secure access to their own store);
- every OUS controller whose agreement is running (no accessEnds, or one still ahead) keeps a
  role assignment on its own recordings container (`rec-<id>`) for a group (principalType
  Group) with a role of the plan that writes data (the uploader role: submitting is the
  controller's access), whose time limit, if any, does not end before the agreement does;
  when the assignment's group is in the plan, its displayName names the controller.
"""

from __future__ import annotations

import datetime as dt

from policies.authz import (
    DENY_ASSIGNMENT,
    ROLE_ASSIGNMENT,
    container_of_scope,
    custom_roles,
    is_write_action,
    normal_scope,
    parse_time_limit,
    principal_groups,
    role_guid,
)
from policies.lib import get_map, get_str, get_str_or_absent, lower, parse_date, register_of, stack_policy
from policies.stack import RECORDINGS_PREFIX, Undecided, label_of


def today() -> dt.date:
    """The current UTC date (a function, so tests can fix it)."""
    return dt.datetime.now(dt.UTC).date()


def keeps_access(r, controller_id: str, ends: dt.date | None, roles) -> str | None:
    """Why assignment `r` is not the controller's own access to its recordings container, or None."""
    # Outputs: an optional property the program did not set is unknown in preview and reads as
    # absent here, which only makes the verdict stricter.
    container = container_of_scope(normal_scope(get_str_or_absent(r.props, "scope")))
    if (container or "").lower() != f"{RECORDINGS_PREFIX}{controller_id}":
        return "elsewhere"
    if lower(get_str_or_absent(r.props, "principalType")) != "group":
        return "not granted to a group"
    role = roles.get(role_guid(get_str(r.props, "roleDefinitionId")) or "")
    if role is None or not any(is_write_action(a) for a in role.data_actions):
        return "not a role of the stack that writes data"
    condition = get_str_or_absent(r.props, "condition")
    if condition and ends is not None:
        limit = parse_time_limit(condition)
        until = parse_date(limit.until) if limit else None
        if until is None or until < ends:
            return f"its condition ends access before the agreement does ({ends})"
    groups = principal_groups(r)
    if groups and not any(controller_id in (get_str(g.props, "displayName") or "") for g in groups):
        return "granted to a group that is not the controller's"
    return None


def validate(args, report_violation) -> None:
    undecided = Undecided()
    for r in args.resources:
        if r.resource_type == DENY_ASSIGNMENT:
            report_violation(
                f"{label_of(r)} denies access in the stack, which can block a controller's access "
                "to what it submitted: remove the deny assignment", r.urn)
    register = register_of(args)
    roles = custom_roles(args.resources, undecided)
    assignments = [r for r in args.resources if r.resource_type == ROLE_ASSIGNMENT]
    for controller_id, controller in get_map(register, "controllers").items():
        if get_str(controller, "agreement") != "OUS":
            continue
        ends = parse_date(get_str(controller, "accessEnds"))
        if ends is not None and ends <= today():
            continue  # the agreement has ended: access must be gone (rbac-access-ends-with-agreement)
        with undecided.about(f"controller '{controller_id}'"):
            kept = False
            reasons = []
            for r in assignments:
                with undecided.about(label_of(r)):
                    why = keeps_access(r, controller_id, ends, roles)
                    if why is None:
                        kept = True
                        break
                    if why != "elsewhere":
                        reasons.append(f"{label_of(r)}: {why}")
            # An assignment or role that couldn't be read may be the one that keeps access: no verdict then.
            if not kept and not undecided.notes:
                detail = f" ({'; '.join(reasons)})" if reasons else ""
                report_violation(
                    f"controller '{controller_id}' has no running access to its own container "
                    f"'{RECORDINGS_PREFIX}{controller_id}'{detail}: keep the uploader role assigned to its uploaders "
                    f"group there until {ends or 'the agreement ends'} (modules/roles.py)")
    undecided.finish()


POLICY = stack_policy(
    name="rbac-controller-access-kept",
    clauses=("OUS-11", "ECG-6"),
    area="rbac",
    description="No deny assignments; every running OUS controller keeps a group assignment of a writing role on "
    "its own recordings container, not ending before its agreement.",
    remediation="Keep modules/roles.py's uploader assignment per controller at rec-<id> (principalType Group, "
    "condition ending on accessEnds); never create authorization.DenyAssignment resources.",
    validate=validate,
    uses_register=True,
)
