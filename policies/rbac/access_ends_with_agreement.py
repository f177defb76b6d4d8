"""Access to a controller's data ends when its agreement does, by an ABAC condition on each grant.

OUS-8: an agreement ends on termination or change, and at the latest five years after
signing; the register's `accessEnds` is that date (modules/config.py Controller.access_ends).
ECG-7: once an ECG agreement has ended (`ends`), nobody needs that physician's data either.

For every role assignment or PIM eligibility at a controller's container (rec-<id>,
scores-<id>, ecg-<id>) whose controller has an `accessEnds`:

- if that day has come (accessEnds <= today, UTC), there is no assignment at all;
- otherwise it carries a condition `@Environment[UtcNow] DateTimeLessThan '<date>'` with the
  date no later than accessEnds, in a recognised shape (policies/authz.py parse_time_limit):
  the time clause alone, or Azure's documented guard `(!(ActionMatches{'a'}) AND ...) OR (...)`
  whose guarded actions cover every data action of the role (else the unguarded ones would
  never expire). A role the plan does not define can't be shown to be covered by a guard.
"""

from __future__ import annotations

import datetime as dt

from policies.authz import (
    ASSIGNMENT_TYPES,
    container_of_scope,
    custom_roles,
    normal_scope,
    parse_time_limit,
    role_guid,
    uncovered_actions,
)
from policies.lib import (
    get,
    get_map,
    get_or_absent,
    get_str,
    get_str_or_absent,
    indexed,
    lower,
    parse_date,
    register_of,
    stack_policy,
)
from policies.stack import ECG_PREFIX, RECORDINGS_PREFIX, SCORES_PREFIX, Undecided, label_of

PREFIXES = (RECORDINGS_PREFIX, SCORES_PREFIX, ECG_PREFIX)


def today() -> dt.date:
    """The current UTC date (a function, so tests can fix it)."""
    return dt.datetime.now(dt.UTC).date()


def _ids_by_lower_case(controllers) -> dict[str, str]:
    by_lower: dict[str, str] = {}
    for c in controllers:
        by_lower.setdefault(str(c).lower(), c)
    return by_lower


def controller_of(container: str | None, controllers) -> str | None:
    """The register controller a container scope serves (Azure names and ids compare without case)."""
    by_lower = indexed(controllers, _ids_by_lower_case)  # once per register, not once per grant
    for prefix in PREFIXES:
        if container and container.lower().startswith(prefix) and container[len(prefix):].lower() in by_lower:
            return by_lower[container[len(prefix):].lower()]
    return None


def _check(r, controllers, roles, roles_complete: bool, report_violation) -> None:
    container = container_of_scope(normal_scope(get_str_or_absent(r.props, "scope")))
    controller_id = controller_of(container, controllers)
    if controller_id is None:
        return
    controller = get_map(controllers, controller_id)
    written = get_or_absent(controller, "accessEnds")
    ends = parse_date(written)
    if ends is None:
        if written is not None:
            report_violation(f"{label_of(r)}: the register's accessEnds of '{controller_id}' is {written!r}, not a "
                             "date (YYYY-MM-DD), so when its access ends can't be checked: fix "
                             "dpa-guard:controllers and re-run `dpaguard plan`", r.urn)
        return
    label = label_of(r)
    if ends <= today():
        report_violation(
            f"{label} grants access to container '{container}' of controller '{controller_id}', whose "
            f"agreement ended on {ends}: remove the assignment (and run the offboarding runbook)", r.urn)
        return
    # Outputs: an optional property the program did not set is unknown in preview and reads as
    # absent here, which only makes the verdict stricter.
    condition = get_str_or_absent(r.props, "condition")
    fix = (f"add condition \"((!(ActionMatches{{'<each data action>'}}) AND ...) OR (@Environment[UtcNow] "
           f"DateTimeLessThan '{ends.isoformat()}T00:00:00.0Z'))\" with conditionVersion 2.0")
    if not condition:
        report_violation(f"{label} on container '{container}' never expires, but the agreement of "
                         f"'{controller_id}' ends on {ends}: {fix}", r.urn)
        return
    limit = parse_time_limit(condition)
    if limit is None:
        report_violation(f"{label} has a condition that is not a recognised time limit ({condition!r}), so "
                         f"it can't be shown to end access on {ends}: {fix}", r.urn)
        return
    until = _instant(limit.until)
    if until is None or until > dt.datetime.combine(ends, dt.time(), dt.UTC):
        # the agreement ends at the start of its accessEnds day (offboarding treats that day as
        # ended), so a time later on that day is access after the end
        report_violation(f"{label} allows access until {limit.until!r}, after the agreement of "
                         f"'{controller_id}' ends on {ends}: set the DateTimeLessThan time to "
                         f"{ends.isoformat()}T00:00:00.0Z or earlier", r.urn)
    version = get_or_absent(r.props, "conditionVersion")
    if version is not None and lower(version) != "2.0":
        report_violation(f"{label} has conditionVersion {version!r}; Azure evaluates @Environment "
                         "conditions only in version 2.0: set conditionVersion: '2.0'", r.urn)
    if limit.guarded is None:
        return
    role = roles.get(role_guid(get_str(r.props, "roleDefinitionId")) or "")
    if role is None:
        if not roles_complete:
            return  # an unreadable role definition of the stack may be this role: the note says so
        report_violation(f"{label} limits only some actions in time, and its role "
                         f"{get(r.props, 'roleDefinitionId')!r} is not defined in this stack, so the limit can't be "
                         "shown to cover its data actions: use the stack's custom role, or the time clause alone",
                         r.urn)
        return
    open_ended = uncovered_actions(limit, role.data_actions)
    if open_ended:
        report_violation(f"{label} leaves data actions {open_ended} of role '{role.name}' outside its time "
                         f"limit, so they never expire: add them to the ActionMatches guard", r.urn)


def _instant(value: str) -> dt.datetime | None:
    """A DateTimeLessThan value as a UTC instant; None unless it names its zone (a UTC time is
    what Learn's examples give: '2023-05-01T13:00:00.0Z')."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def validate(args, report_violation) -> None:
    controllers = get_map(register_of(args), "controllers")
    undecided = Undecided()
    roles = custom_roles(args.resources, undecided)
    roles_complete = not undecided.notes
    for r in args.resources:
        if r.resource_type in ASSIGNMENT_TYPES:
            with undecided.about(label_of(r)):
                _check(r, controllers, roles, roles_complete, report_violation)
    undecided.finish()


POLICY = stack_policy(
    name="rbac-access-ends-with-agreement",
    clauses=("OUS-8", "OUS-6.2", "ECG-7"),
    area="rbac",
    description="Assignments on a controller's containers carry an ABAC condition ending access no later than the "
    "register's accessEnds (OUS: five years after signing at most), covering every data action of the role; "
    "none remain once that day has come.",
    remediation="modules/roles.py adds the condition (_time_limit) from Controller.access_ends and plans no "
    "assignment from that day on: run `pulumi up` before a controller's accessEnds, then the offboarding runbook.",
    validate=validate,
    uses_register=True,
)
