"""An OUS account holds recordings and consented scores of OUS controllers only: no other data."""

from policies.lib import describe, get_str, register_of, resource_policy
from policies.stack import (
    BLOB_CONTAINER,
    META_DATA_CLASS,
    RECORDINGS_PREFIX,
    SCORES_PREFIX,
    agreement_of_args,
    container_name,
    controllers,
)

OTHER_STORES = {
    "azure-native:storage:FileShare": "file share",
    "azure-native:storage:Table": "table",
    "azure-native:storage:Queue": "queue",
}
CLASS_OF_PREFIX = {RECORDINGS_PREFIX: "recordings", SCORES_PREFIX: "scores"}


def _problem(container, entries) -> str | None:
    name = container_name(container) or ""
    prefix = next((p for p in CLASS_OF_PREFIX if name.startswith(p)), None)
    if prefix is None:
        return f"'{name}' is neither a recordings (rec-<controller>) nor a scores (scores-<controller>) container"
    controller = name[len(prefix):]
    if get_str(entries, controller, "agreement") != "OUS":
        return f"'{name}' is for '{controller}', which is not an OUS controller in the register"
    declared = get_str(container.props, "metadata", META_DATA_CLASS)
    if declared is not None and declared != CLASS_OF_PREFIX[prefix]:
        return f"'{name}' declares {META_DATA_CLASS}={declared!r}, not {CLASS_OF_PREFIX[prefix]!r}"
    return None


def validate(args, report_violation) -> None:
    if args.resource_type != BLOB_CONTAINER and args.resource_type not in OTHER_STORES:
        return
    agreement, how = agreement_of_args(args)
    if agreement != "OUS":
        return
    label = describe(args.resource_type, args.name)
    if args.resource_type in OTHER_STORES:
        report_violation(f"{label} adds a {OTHER_STORES[args.resource_type]} to an OUS recordings account ({how}), "
                         "which may hold session recordings only: remove it")
        return
    problem = _problem(args, controllers(register_of(args)))
    if problem:
        report_violation(f"{label} in an OUS account ({how}) holds other data than session recordings and "
                         f"consented scores: {problem}; remove it or store it elsewhere")


POLICY = resource_policy(
    name="governance-ous-containers",
    clauses=("OUS-2", "OUS-3"),
    area="governance",
    description="An OUS storage account holds only blob containers named rec-<controller> (recordings) or "
    "scores-<controller> (scores) for OUS controllers in the register, with matching data-class metadata, and no "
    "file shares, tables or queues: nothing but what OUS-2 says is received.",
    remediation="Create only the containers NorwayStorage derives from the OUS controllers (modules/storage.py); keep "
    "any other data out of the OUS account.",
    validate=validate,
    uses_register=True,
)
