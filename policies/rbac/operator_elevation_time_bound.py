"""Operators hold no standing access: PIM eligibility only, and the eligibility itself expires within a year.

OUS-6.2 asks for time-bound elevation: access managed by real need. Operators' management
role (a custom role of the plan with actions but no data actions, modules/roles.py
"operator") is therefore never assigned as a standing RoleAssignment, and every PIM
eligibility (PimRoleEligibilitySchedule, the RoleEligibilityScheduleRequest API) has
`scheduleInfo.expiration` of type AfterDuration (an ISO 8601 duration) or AfterDateTime, at
most 365 days long; NoExpiration or no expiration is refused.
"""

from __future__ import annotations

import datetime as dt
import re

from policies.authz import PIM_ELIGIBILITY, ROLE_ASSIGNMENT, custom_roles, role_guid
from policies.lib import get_or_absent, get_str, get_str_or_absent, lower, parse_date, stack_policy
from policies.stack import Undecided, label_of

MAX_DAYS = 365
_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
# Upper bounds in days: a month counts as 31 so that "P12M" is not read as shorter than it can be.
_DAYS = {"y": 365, "mo": 31, "w": 7, "d": 1, "h": 1 / 24, "mi": 1 / 1440, "s": 1 / 86400}


def today() -> dt.date:
    """The current UTC date (a function, so tests can fix it)."""
    return dt.datetime.now(dt.UTC).date()


def duration_days(value: str | None) -> float | None:
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if not match or not any(match.groupdict().values()) or value.strip().upper().endswith("T"):
        return None
    return sum(float(v) * _DAYS[k] for k, v in match.groupdict().items() if v)


def expiration_reason(props) -> str | None:
    # Outputs: an optional property the program did not set is unknown in preview and reads as
    # absent here, which only makes the verdict stricter.
    expiration = get_or_absent(props, "scheduleInfo", "expiration") or {}
    kind = lower(get_or_absent(expiration, "type"))
    if kind == "afterduration":
        duration = get_str_or_absent(expiration, "duration")
        days = duration_days(duration)
        if days is None:
            return f"has an unreadable expiration duration {duration!r}"
        if days > MAX_DAYS:
            return f"lasts {duration} (over {MAX_DAYS} days)"
        return None
    if kind == "afterdatetime":
        end = parse_date(get_str_or_absent(expiration, "endDateTime"))
        start = parse_date(get_str_or_absent(props, "scheduleInfo", "startDateTime")) or today()
        if end is None:
            return f"has an unreadable endDateTime {get_or_absent(expiration, 'endDateTime')!r}"
        if (end - start).days > MAX_DAYS:
            return f"lasts from {start} to {end} (over {MAX_DAYS} days)"
        return None
    return f"never expires (expiration type {get_or_absent(expiration, 'type')!r})"


def validate(args, report_violation) -> None:
    undecided = Undecided()
    roles = custom_roles(args.resources, undecided)
    management = {guid for guid, role in roles.items() if role.actions and not role.data_actions}
    for r in args.resources:
        label = label_of(r)
        if r.resource_type == PIM_ELIGIBILITY:
            with undecided.about(label):
                reason = expiration_reason(r.props)
                if reason:
                    report_violation(
                        f"{label} {reason}: set scheduleInfo.expiration type AfterDuration with a "
                        f"duration of at most P{MAX_DAYS}D (access.operatorEligibilityDays)", r.urn)
        elif r.resource_type == ROLE_ASSIGNMENT:
            with undecided.about(label):
                guid = role_guid(get_str(r.props, "roleDefinitionId"))
                if guid in management:
                    report_violation(
                        f"{label} gives standing access to management role '{roles[guid].name}': make the "
                        "operators eligible through PIM (PimRoleEligibilitySchedule with an expiration) instead", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="rbac-operator-elevation-time-bound",
    clauses=("OUS-6.2", "ECG-7"),
    area="rbac",
    description="Management (non-data) custom roles are never assigned as standing access, and every PIM "
    f"eligibility expires (AfterDuration/AfterDateTime) within {MAX_DAYS} days.",
    remediation="Grant the operator role only through authorization.PimRoleEligibilitySchedule with "
    "schedule_info.expiration type AfterDuration and duration P<operatorEligibilityDays>D (modules/roles.py).",
    validate=validate,
)
