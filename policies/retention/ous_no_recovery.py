"""OUS recordings, once deleted, cannot be recovered: no versions, no snapshots, soft delete off or a few days."""

from policies.lib import describe, get, get_number, register_of, resource_policy
from policies.stack import BLOB_SERVICE, agreement_of_args, days


def _max_soft_delete(register) -> float:
    # Absent recordings section (a stack that does not serve OUS): the strictest reading, none.
    value = get_number(register, "recordings", "maxSoftDeleteDays")
    return value if value is not None else 0


def _retention_problem(props, name: str, limit: float) -> str | None:
    """A delete-retention policy that keeps deleted data longer than `limit` days."""
    if get(props, name, "enabled") is not True:
        return None
    kept = get_number(props, name, "days")
    if kept is None:
        return f"{name} is enabled without a number of days"
    if kept > limit:
        return f"{name} keeps deleted data {days(kept)}"
    return None


def problems_of(props, limit: float) -> list[str]:
    problems = []
    if get(props, "isVersioningEnabled") is True:
        problems.append("isVersioningEnabled is true (every overwrite and delete keeps a version)")
    for name in ("deleteRetentionPolicy", "containerDeleteRetentionPolicy"):
        problem = _retention_problem(props, name, limit)
        if problem:
            problems.append(problem)
    if get(props, "restorePolicy", "enabled") is True:
        problems.append("restorePolicy is enabled (point-in-time restore brings deleted recordings back)")
    if get(props, "changeFeed", "enabled") is True:
        kept = get_number(props, "changeFeed", "retentionInDays")
        if kept is None or kept > limit:
            problems.append(f"changeFeed keeps the record of deleted recordings {days(kept)}")
    if get(props, "automaticSnapshotPolicyEnabled") is True:
        problems.append("automaticSnapshotPolicyEnabled is true")
    return problems


def validate(args, report_violation) -> None:
    if args.resource_type != BLOB_SERVICE:
        return
    agreement, how = agreement_of_args(args)
    if agreement != "OUS":
        return
    limit = _max_soft_delete(register_of(args))
    problems = problems_of(args.props, limit)
    if problems:
        report_violation(
            f"{describe(args.resource_type, args.name)} holds OUS recordings ({how}) that must be unrecoverable once "
            f"deleted, but {'; '.join(problems)}: turn versioning, point-in-time restore and snapshots off and keep "
            f"blob and container soft delete off or at most {days(limit)} (register recordings.maxSoftDeleteDays)")


POLICY = resource_policy(
    name="retention-ous-no-recovery",
    clauses=("OUS-5",),
    area="retention",
    description="The blob service of an OUS recordings account keeps nothing recoverable after deletion: versioning, "
    "point-in-time restore and automatic snapshots off; blob and container soft delete and change-feed history off "
    "or at most register recordings.maxSoftDeleteDays. A resource policy: it blocks before creation.",
    remediation="Configure BlobServiceProperties with isVersioningEnabled false, restorePolicy disabled, changeFeed "
    "disabled (or retention <= the cap) and delete retention off or <= recordings.softDeleteDays "
    "(modules/storage.py does for OUS).",
    validate=validate,
    uses_register=True,
)
