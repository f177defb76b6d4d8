"""Each ECG controller's data is deleted by lifecycle rules after at most that controller's retentionDays."""

from policies.lib import get_number, register_of, stack_policy
from policies.stack import (
    Undecided,
    collect,
    container_name,
    controller_of_container,
    controllers,
    days,
    label_of,
    late_deletions,
)

CLAUSE = "[ECG-4]"


def validate(args, report_violation) -> None:
    register = register_of(args)
    entries = controllers(register)
    undecided = Undecided()
    stores = collect(args.resources, register, undecided)
    for account in stores.accounts:
        if account.agreement != "ECG":
            continue
        with undecided.about(account.label):
            policies = stores.children_of(account, stores.policies, undecided)
            for container in stores.children_of(account, stores.containers, undecided):
                label = label_of(container)
                with undecided.about(label):
                    name = container_name(container) or "?"
                    controller = controller_of_container(container)
                    retention = get_number(entries, controller, "retentionDays") if controller else None
                    if retention is None:
                        report_violation(
                            f"{CLAUSE} {label} in ECG account '{account.name}' serves controller "
                            f"'{controller or '?'}', which has no retentionDays in the register, so how long its "
                            "patient data may be kept is unknown: add the controller with retentionDays to "
                            "dpa-guard:controllers or remove the container",
                            container.urn,
                        )
                        continue
                    # With versioning on (ECG-7S) a deleted or overwritten blob lives on as a
                    # version, so versions and snapshots need a deadline of their own too.
                    problems = late_deletions(policies, name, retention)
                    if problems:
                        report_violation(
                            f"{CLAUSE} {label} ('{name}') keeps patient data of '{controller}' longer than its "
                            f"retention of {days(retention)} ({'; '.join(problems)}): add an enabled lifecycle rule "
                            f"to account '{account.name}' with prefixMatch '{name}/', blobTypes [blockBlob, "
                            f"appendBlob], baseBlob delete after <= {int(retention)} days and version and snapshot "
                            "delete no later",
                            container.urn,
                        )
    undecided.finish()


POLICY = stack_policy(
    name="retention-ecg-lifecycle",
    clauses=("ECG-4",),
    area="retention",
    description="Every ECG controller container is covered by enabled lifecycle rules of its account that delete its "
    "block and append blobs, versions and snapshots after at most the controller's register retentionDays "
    "(age from creation or last write).",
    remediation="Give each retention class a Lifecycle rule with prefixMatch ['ecg-<controller>/', ...], blobTypes "
    "[blockBlob, appendBlob], baseBlob.delete.daysAfterCreationGreaterThan = retentionDays and version/snapshot "
    "delete no later (modules/storage.py does).",
    validate=validate,
    uses_register=True,
)
