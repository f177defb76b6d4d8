"""ECG patient data can be restored after an incident: blob versioning and blob and container soft delete."""

from policies.lib import get_or_absent, register_of, stack_policy
from policies.stack import BLOB_SERVICE, ChildIndex, Undecided, accounts, by_urn_of, label_of


def problems_of(props) -> list[str]:
    problems = []
    # Outputs: what the program did not set is unknown in preview and reads as absent (not on).
    if get_or_absent(props, "isVersioningEnabled") is not True:
        problems.append("isVersioningEnabled is not true")
    for name, what in (("deleteRetentionPolicy", "blob"), ("containerDeleteRetentionPolicy", "container")):
        # `days` is read only when enabled: the program sets it then, so it is known in preview.
        enabled = get_or_absent(props, name, "enabled") is True
        kept = get_or_absent(props, name, "days") if enabled else None
        kept = kept if isinstance(kept, (int, float)) and not isinstance(kept, bool) else None
        if not enabled or kept is None or kept < 1:
            problems.append(f"{what} soft delete is off ({name} not enabled with days >= 1)")
    return problems


def validate(args, report_violation) -> None:
    register = register_of(args)
    undecided = Undecided()
    found = accounts(args.resources, register)
    by_urn = by_urn_of(found)
    index = ChildIndex(args.resources, by_urn, undecided, (BLOB_SERVICE,))
    for account in found:
        if account.agreement != "ECG":
            continue
        with undecided.about(account.label):
            services = index.of(account, BLOB_SERVICE)
            if not services:
                report_violation(
                    f"{account.label} holds ECG patient data ({account.how}) but no blob service properties depend "
                    "on it, so Azure's defaults apply: no versioning, no soft delete; add BlobServiceProperties with "
                    "versioning and blob and container soft delete (depending on the account)",
                    account.resource.urn,
                )
            for service in services:
                with undecided.about(label_of(service)):
                    problems = problems_of(service.props)
                    if problems:
                        report_violation(
                            f"{label_of(service)} of ECG {account.label} can't restore deleted or overwritten "
                            f"patient data ({'; '.join(problems)}): set isVersioningEnabled: true and enable "
                            "deleteRetentionPolicy and containerDeleteRetentionPolicy with days (config "
                            "ecg.softDeleteDays, ecg.containerSoftDeleteDays)",
                            service.urn,
                        )
    undecided.finish()


POLICY = stack_policy(
    name="retention-ecg-restorable",
    clauses=("ECG-7S",),
    area="retention",
    description="The blob service of every ECG patient-data account has versioning on and blob and container soft "
    "delete enabled, so data can be restored quickly after an incident (ECG-7S). Lifecycle rules still bound how "
    "long versions live (retention-ecg-lifecycle).",
    remediation="Configure BlobServiceProperties with isVersioningEnabled: true, deleteRetentionPolicy and "
    "containerDeleteRetentionPolicy {enabled: true, days: N} (modules/storage.py does for ECG).",
    validate=validate,
    uses_register=True,
)
