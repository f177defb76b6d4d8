"""Each ECG controller's data is deleted by lifecycle rules after at most that controller's retentionDays,
and no earlier.

ECG-4: kept no longer than needed. ECG-7S: the controller's data stays available for the
retention the controller chose (the register's retentionDays); a lifecycle rule that deletes it
sooner (a rule without prefixMatch, or a prefix broader than one container) destroys patient data
the controller still relies on, with no runbook and no receipt."""

from policies.lib import get_number, register_of, stack_policy
from policies.stack import (
    BLOB_CONTAINER,
    MANAGEMENT_POLICY,
    ChildIndex,
    Undecided,
    accounts,
    by_urn_of,
    container_name,
    controller_of_container,
    controllers,
    days,
    early_deletions,
    label_of,
    late_deletions,
    parse_early_rules,
    parse_rules,
)


def validate(args, report_violation) -> None:
    register = register_of(args)
    entries = controllers(register)
    undecided = Undecided()
    found = accounts(args.resources, register)
    by_urn = by_urn_of(found)
    index = ChildIndex(args.resources, by_urn, undecided, (MANAGEMENT_POLICY, BLOB_CONTAINER))
    for account in found:
        if account.agreement != "ECG":
            continue
        with undecided.about(account.label):
            policies = index.of(account, MANAGEMENT_POLICY)
            rules = parse_rules(policies)
            early_rules = parse_early_rules(policies)
            for container in index.of(account, BLOB_CONTAINER):
                label = label_of(container)
                with undecided.about(label):
                    name = container_name(container) or "?"
                    controller = controller_of_container(container)
                    retention = get_number(entries, controller, "retentionDays") if controller else None
                    if retention is None:
                        report_violation(
                            f"{label} in ECG {account.label} serves controller "
                            f"'{controller or '?'}', which has no retentionDays in the register, so how long its "
                            "patient data may be kept is unknown: add the controller with retentionDays to "
                            "dpa-guard:controllers or remove the container",
                            container.urn,
                        )
                        continue
                    # With versioning on (ECG-7S) a deleted or overwritten blob lives on as a
                    # version, so versions and snapshots need a deadline of their own too.
                    problems = late_deletions(rules, name, retention)
                    if problems:
                        report_violation(
                            f"{label} ('{name}') keeps patient data of '{controller}' longer than its "
                            f"retention of {days(retention)} ({'; '.join(problems)}): add an enabled lifecycle rule "
                            f"to {account.label} with prefixMatch '{name}/', blobTypes [blockBlob, "
                            f"appendBlob], baseBlob delete after <= {int(retention)} days and version and snapshot "
                            "delete no later",
                            container.urn,
                        )
                    early = early_deletions(early_rules, name, retention)
                    if early:
                        report_violation(
                            f"{label} ('{name}') loses patient data of '{controller}' before its retention of "
                            f"{days(retention)} ends ({'; '.join(early)}): every lifecycle rule covering "
                            f"'{name}/' (prefixMatch, or none) must delete base blobs no sooner than "
                            f"{int(retention)} days; give each retention class its own rule with exact "
                            "'ecg-<controller>/' prefixes",
                            container.urn,
                        )
    undecided.finish()


POLICY = stack_policy(
    name="retention-ecg-lifecycle",
    clauses=("ECG-4", "ECG-7S"),
    area="retention",
    description="Every ECG controller container is covered by enabled lifecycle rules of its account that delete its "
    "block and append blobs, versions and snapshots after at most the controller's register retentionDays "
    "(age from creation or last write), and none deletes its base blobs sooner than that retention.",
    remediation="Give each retention class a Lifecycle rule with prefixMatch ['ecg-<controller>/', ...], blobTypes "
    "[blockBlob, appendBlob], baseBlob.delete.daysAfterCreationGreaterThan = retentionDays and version/snapshot "
    "delete no later (modules/storage.py does).",
    validate=validate,
    uses_register=True,
)
