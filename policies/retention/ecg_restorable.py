"""ECG patient data can be restored after an incident: blob versioning and blob and container soft delete."""

from policies.lib import get, get_number, register_of, stack_policy
from policies.stack import Undecided, collect, label_of

CLAUSE = "[ECG-7S]"


def problems_of(props) -> list[str]:
    problems = []
    if get(props, "isVersioningEnabled") is not True:
        problems.append("isVersioningEnabled is not true")
    for name, what in (("deleteRetentionPolicy", "blob"), ("containerDeleteRetentionPolicy", "container")):
        kept = get_number(props, name, "days")
        if get(props, name, "enabled") is not True or kept is None or kept < 1:
            problems.append(f"{what} soft delete is off ({name} not enabled with days >= 1)")
    return problems


def validate(args, report_violation) -> None:
    register = register_of(args)
    undecided = Undecided()
    stores = collect(args.resources, register, undecided)
    for account in stores.accounts:
        if account.agreement != "ECG":
            continue
        with undecided.about(account.label):
            services = stores.children_of(account, stores.blob_services, undecided)
            if not services:
                report_violation(
                    f"{CLAUSE} {account.label} holds ECG patient data ({account.how}) but has no blob service "
                    "properties, so Azure's defaults apply: no versioning, no soft delete; add BlobServiceProperties "
                    "with versioning and blob and container soft delete",
                    account.resource.urn,
                )
            for service in services:
                with undecided.about(label_of(service)):
                    problems = problems_of(service.props)
                    if problems:
                        report_violation(
                            f"{CLAUSE} {label_of(service)} of ECG account '{account.name}' can't restore deleted or "
                            f"overwritten patient data ({'; '.join(problems)}): set isVersioningEnabled: true and "
                            "enable deleteRetentionPolicy and containerDeleteRetentionPolicy with days (config "
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
