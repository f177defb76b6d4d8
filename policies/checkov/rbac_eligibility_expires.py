"""PIM eligibility expires within a year: time-bound elevation.

CrossGuard: rbac-operator-elevation-time-bound, eligibility part.

`scheduleInfo.expiration` is AfterDuration with an ISO 8601 duration of at most 365 days, or
AfterDateTime at most 365 days after the start; NoExpiration or none is refused. That the
operators hold no standing assignment of their role needs the role definitions too: CrossGuard.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from _dpa import decide, get, lower, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.2", "ECG-7")
MAX_DAYS = 365
_DURATION = re.compile(
    r"^P(?:(?P<y>\d+(?:\.\d+)?)Y)?(?:(?P<mo>\d+(?:\.\d+)?)M)?(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<mi>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
# Upper bounds in days: a month counts as 31 so that "P12M" is not read as shorter than it can be.
_DAYS = {"y": 365, "mo": 31, "w": 7, "d": 1, "h": 1 / 24, "mi": 1 / 1440, "s": 1 / 86400}


def duration_days(value: Any) -> float | None:
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if not match or not any(match.groupdict().values()) or value.strip().upper().endswith("T"):
        return None
    return sum(float(v) * _DAYS[k] for k, v in match.groupdict().items() if v)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def expires_in_time(p: dict[str, Any]) -> bool:
    expiration = get(p, "scheduleInfo", "expiration")
    kind = lower(get(expiration, "type"))
    if kind == "afterduration":
        days = duration_days(get(expiration, "duration"))
        return days is not None and days <= MAX_DAYS
    if kind == "afterdatetime":
        end = _date(get(expiration, "endDateTime"))
        start = _date(get(p, "scheduleInfo", "startDateTime")) or dt.datetime.now(dt.UTC).date()
        return end is not None and (end - start).days <= MAX_DAYS
    return False


class RbacEligibilityExpires(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named(f"PIM role eligibilities expire within {MAX_DAYS} days (no NoExpiration)", CLAUSES),
            id="CKV_DPA_19",
            categories=(CheckCategories.IAM,),
            supported_resources=("Microsoft.Authorization/roleEligibilityScheduleRequests",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return decide(lambda: expires_in_time(props(conf)))


check = RbacEligibilityExpires()
