"""An OUS account holds recordings and consented scores of OUS controllers only: no other data."""

from policies.lib import get_str, register_of, stack_policy
from policies.stack import (
    META_DATA_CLASS,
    RECORDINGS_PREFIX,
    SCORES_PREFIX,
    Undecided,
    collect,
    container_name,
    controllers,
    key,
    label_of,
)

CLAUSES = "[OUS-2, OUS-3]"
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
    register = register_of(args)
    entries = controllers(register)
    undecided = Undecided()
    stores = collect(args.resources, register, undecided)
    ous = {key(a.name): a for a in stores.accounts if a.agreement == "OUS"}
    for account in ous.values():
        with undecided.about(account.label):
            for container in stores.children_of(account, stores.containers, undecided):
                with undecided.about(label_of(container)):
                    problem = _problem(container, entries)
                    if problem:
                        report_violation(
                            f"{CLAUSES} {label_of(container)} in OUS account '{account.name}' holds other data than "
                            f"session recordings and consented scores: {problem}; remove it or store it elsewhere",
                            container.urn,
                        )
    for r in args.resources:
        if r.resource_type not in OTHER_STORES:
            continue
        with undecided.about(label_of(r)):
            account = ous.get(key(get_str(r.props, "accountName")) or "")
            if account is not None:
                report_violation(
                    f"{CLAUSES} {label_of(r)} adds a {OTHER_STORES[r.resource_type]} to OUS recordings account "
                    f"'{account.name}', which may hold session recordings only: remove it",
                    r.urn,
                )
    undecided.finish()


POLICY = stack_policy(
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
