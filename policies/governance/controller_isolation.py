"""Each controller has a dedicated container and its own uploader and reader groups."""

from policies.lib import get_str, register_of, stack_policy
from policies.stack import (
    AZUREAD_GROUP,
    ECG_PREFIX,
    CONTROLLER_GROUPS,
    META_CONTROLLER,
    RECORDINGS_PREFIX,
    SCORES_PREFIX,
    Undecided,
    agreement_of_child,
    collect,
    container_name,
    controllers,
    label_of,
    register_agreements,
)

CLAUSES = "[ECG-6, OUS-6.2]"
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


def validate(args, report_violation) -> None:
    register = register_of(args)
    served = register_agreements(register)
    undecided = Undecided()
    stores = collect(args.resources, register, undecided)
    groups = _groups(args.resources, undecided)

    containers: set[tuple[str | None, str]] = set()
    for container in stores.containers:
        label = label_of(container)
        with undecided.about(label):
            name = container_name(container) or ""
            agreement, _ = agreement_of_child(stores, container, served)
            containers.add((agreement, name))
            declared = get_str(container.props, "metadata", META_CONTROLLER)
            prefix = next((p for p in (RECORDINGS_PREFIX, SCORES_PREFIX, ECG_PREFIX) if name.startswith(p)), "")
            if declared is not None and prefix and name[len(prefix):] != declared:
                report_violation(
                    f"{CLAUSES} {label} ('{name}') is named for '{name[len(prefix):]}' but its {META_CONTROLLER} "
                    f"metadata says '{declared}': one container serves one controller; fix the name or the metadata",
                    container.urn,
                )

    for controller, entry in sorted(controllers(register).items()):
        with undecided.about(f"controller '{controller}'"):
            agreement = get_str(entry, "agreement")
            if agreement not in served or agreement not in DATA_PREFIX or agreement not in CONTROLLER_GROUPS:
                continue
            missing = []
            container = f"{DATA_PREFIX[agreement]}{controller}"
            if (agreement, container) not in containers:
                missing.append(f"container '{container}' in a {agreement} account")
            missing += [f"group '<prefix>-{controller}-{s}'" for s in CONTROLLER_GROUPS[agreement]
                        if f"{controller}-{s}" not in groups]
            if missing and not undecided.notes:
                report_violation(
                    f"{CLAUSES} {agreement} controller '{controller}' has no {' and no '.join(missing)}: every "
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
    "processor's ingest service writes for every physician); a container's controller metadata matches its name.",
    remediation="List the controller in dpa-guard:controllers and let NorwayStorage and MfaAccess create its "
    "container and groups; never share a container or group between controllers.",
    validate=validate,
    uses_register=True,
)
