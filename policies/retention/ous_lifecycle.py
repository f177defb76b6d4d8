"""Every OUS recording is deleted by a lifecycle rule after at most recordings.maxAgeDays, even if no runbook runs."""

from policies.lib import get_number, get_str, register_of, stack_policy
from policies.stack import (
    BLOB_CONTAINER,
    MANAGEMENT_POLICY,
    META_DATA_CLASS,
    RECORDINGS_PREFIX,
    ChildIndex,
    Undecided,
    accounts,
    by_urn_of,
    container_name,
    days,
    label_of,
    late_deletions,
    parse_rules,
)


def is_recordings(container) -> bool:
    name = container_name(container) or ""
    return name.startswith(RECORDINGS_PREFIX) or get_str(container.props, "metadata", META_DATA_CLASS) == "recordings"


def validate(args, report_violation) -> None:
    register = register_of(args)
    max_age = get_number(register, "recordings", "maxAgeDays")
    undecided = Undecided()
    found = accounts(args.resources, register)
    by_urn = by_urn_of(found)
    index = ChildIndex(args.resources, by_urn, undecided, (MANAGEMENT_POLICY, BLOB_CONTAINER))
    for account in found:
        if account.agreement != "OUS":
            continue
        with undecided.about(account.label):
            policies = index.of(account, MANAGEMENT_POLICY)
            rules = parse_rules(policies)
            if max_age is None:
                report_violation(
                    f"{account.label} holds OUS recordings but the register has no recordings.maxAgeDays, "
                    "so no deletion deadline can be checked: set dpa-guard:recordings.maxAgeDays",
                    account.resource.urn,
                )
                continue
            if not policies:
                report_violation(
                    f"{account.label} holds OUS recordings ({account.how}) but has no lifecycle management "
                    f"policy: add a ManagementPolicy depending on {account.label} whose rule deletes blobs under "
                    f"'{RECORDINGS_PREFIX}' (block and append), their versions and snapshots after at most "
                    f"{days(max_age)}",
                    account.resource.urn,
                )
                continue
            target = policies[0].urn
            for container in index.of(account, BLOB_CONTAINER):
                with undecided.about(label_of(container)):
                    if not is_recordings(container):
                        continue
                    name = container_name(container) or "?"
                    problems = late_deletions(rules, name, max_age)
                    if problems:
                        report_violation(
                            f"recordings container '{name}' of {account.label} is not deleted within "
                            f"{days(max_age)} (register recordings.maxAgeDays) by its lifecycle rules "
                            f"({'; '.join(problems)}): add or fix an enabled rule with prefixMatch covering "
                            f"'{name}/', blobTypes [blockBlob, appendBlob] and delete actions for baseBlob "
                            f"(daysAfterCreationGreaterThan <= {int(max_age)}), version and snapshot",
                            target,
                        )
    undecided.finish()


POLICY = stack_policy(
    name="retention-ous-lifecycle",
    clauses=("OUS-4.1", "OUS-5"),
    area="retention",
    description="Every OUS recordings account has a lifecycle management policy whose enabled rules delete every "
    "block and append blob of every recordings container (rec-*), with its versions and snapshots, after at most "
    "register recordings.maxAgeDays: the safety net behind the runbook deletion on completion. Age counts from "
    "creation or last write, never last access.",
    remediation="Add a ManagementPolicy with a Lifecycle rule: filters {blobTypes: [blockBlob, appendBlob], "
    "prefixMatch: [rec-]}, actions {baseBlob.delete.daysAfterCreationGreaterThan: maxAgeDays, version.delete and "
    "snapshot.delete daysAfterCreationGreaterThan: 0} (modules/storage.py does).",
    validate=validate,
    uses_register=True,
)
