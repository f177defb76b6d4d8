"""Each controller has a dedicated container and its own uploader and reader groups."""

from policies.lib import get_str, register_of, stack_policy
from policies.stack import (
    AZUREAD_GROUP,
    BLOB_CONTAINER,
    CONTROLLER_GROUPS,
    ECG_PREFIX,
    META_AGREEMENT,
    META_CONTROLLER,
    META_DATA_CLASS,
    RECORDINGS_PREFIX,
    Undecided,
    account_of,
    accounts,
    by_urn_of,
    controllers,
    label_of,
    register_agreements,
)

DATA_PREFIX = {"OUS": RECORDINGS_PREFIX, "ECG": ECG_PREFIX}


def _groups(resources, undecided: Undecided) -> set[str]:
    """`<controller>-<suffix>` of every group named `<prefix>-<controller>-<suffix>` (modules/access.py)."""
    found: set[str] = set()
    for r in resources:
        if r.resource_type != AZUREAD_GROUP:
            continue
        with undecided.about(label_of(r)):
            name = get_str(r.props, "displayName") or ""
            # The stack prefix has no hyphen (modules/config.py), so everything after the first
            # one is `<controller>-<suffix>`: a controller id can't be mistaken for another's tail.
            if "-" in name:
                found.add(name.split("-", 1)[1])
    return found


DATA_CLASS_OF = {"OUS": "recordings", "ECG": "ecg"}


def validate(args, report_violation) -> None:
    register = register_of(args)
    served = register_agreements(register)
    undecided = Undecided()
    by_urn = by_urn_of(accounts(args.resources, register))
    groups = _groups(args.resources, undecided)
    # (agreement of the account it depends on, controller, data class), from outputs: the
    # metadata is a response property that keeps the program's value in preview.
    containers: set[tuple[str | None, str | None, str | None]] = set()
    for container in args.resources:
        if container.resource_type != BLOB_CONTAINER:
            continue
        with undecided.about(label_of(container)):
            account = account_of(container, by_urn)
            meta_agreement = get_str(container.props, "metadata", META_AGREEMENT)
            agreement = account.agreement if account is not None else None
            if account is not None and meta_agreement != agreement:
                continue  # a mislabelled container serves nobody here (governance-container-labels says why)
            containers.add((agreement, get_str(container.props, "metadata", META_CONTROLLER),
                            get_str(container.props, "metadata", META_DATA_CLASS)))
    for controller, entry in sorted(controllers(register).items()):
        with undecided.about(f"controller '{controller}'"):
            agreement = get_str(entry, "agreement")
            if agreement not in served or agreement not in DATA_PREFIX or agreement not in CONTROLLER_GROUPS:
                continue
            missing = []
            container = f"{DATA_PREFIX[agreement]}{controller}"
            if (agreement, controller, DATA_CLASS_OF[agreement]) not in containers:
                missing.append(f"container '{container}' in a {agreement} account (one that depends on it, with matching metadata)")
            missing += [f"group '<prefix>-{controller}-{s}'" for s in CONTROLLER_GROUPS[agreement]
                        if f"{controller}-{s}" not in groups]
            if missing and not undecided.notes:
                report_violation(
                    f"{agreement} controller '{controller}' has no {' and no '.join(missing)}: every "
                    "controller gets a dedicated storage unit and its own access groups (NorwayStorage and MfaAccess "
                    "derive them from dpa-guard:controllers)"
                )
    undecided.finish()


POLICY = stack_policy(
    name="governance-controller-isolation",
    clauses=("ECG-6", "OUS-6.2"),
    area="governance",
    description="Every controller in the register under an agreement the stack serves has its dedicated container "
    "(rec-<id> for OUS, ecg-<id> for ECG) in an account of that agreement, and its own Entra ID groups: "
    "<prefix>-<id>-uploaders and -readers for OUS (the therapist uploads), <prefix>-<id>-readers for ECG (the "
    "processor's ingest service writes for every physician). Containers are recognised by their metadata and the "
    "account they depend on (governance-container-labels holds name and metadata together).",
    remediation="List the controller in dpa-guard:controllers and let NorwayStorage and MfaAccess create its "
    "container and groups; never share a container or group between controllers.",
    validate=validate,
    uses_register=True,
)
