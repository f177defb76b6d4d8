"""Stores say what they hold: data-class tags on accounts and data groups, class and pseudonymisation on containers."""

from policies.lib import describe, get, get_str, resource_policy
from policies.stack import (
    BLOB_CONTAINER,
    CONTAINER_CLASSES,
    DATA_CLASS,
    ECG_PREFIX,
    META_AGREEMENT,
    META_DATA_CLASS,
    META_PSEUDONYMISED,
    RESOURCE_GROUP,
    STORAGE_ACCOUNT,
    TAG_AGREEMENT,
    TAG_DATA_CLASS,
    data_group_agreement,
    single_agreement,
)


def _tag_problem(props, agreement: str | None) -> str | None:
    value = get(props, "tags", TAG_DATA_CLASS)
    expected = DATA_CLASS.get(agreement or "")
    if value is None:
        return f"has no {TAG_DATA_CLASS} tag"
    if expected is not None and value != expected:
        return f"is tagged {TAG_DATA_CLASS}={value!r}, but {agreement} data is {expected!r}"
    if value not in DATA_CLASS.values():
        return f"is tagged {TAG_DATA_CLASS}={value!r}, not one of {sorted(DATA_CLASS.values())}"
    return None


def validate(args, report_violation) -> None:
    label = describe(args.resource_type, args.name)
    props = args.props
    if args.resource_type == STORAGE_ACCOUNT:
        problem = _tag_problem(props, single_agreement(get(props, "tags", TAG_AGREEMENT)))
        if problem:
            report_violation(f"{label} {problem}: tag every data store with the class of data it holds "
                             f"({', '.join(f'{a}: {c}' for a, c in DATA_CLASS.items())})")
    elif args.resource_type == RESOURCE_GROUP:
        agreement = data_group_agreement(get_str(props, "resourceGroupName"))
        if agreement is None and get(props, "tags", TAG_DATA_CLASS) is None:
            return  # not a data resource group
        problem = _tag_problem(props, agreement or single_agreement(get(props, "tags", TAG_AGREEMENT)))
        if problem:
            report_violation(f"data resource group {label} {problem}: tag it "
                             f"{TAG_DATA_CLASS}={DATA_CLASS.get(agreement or '', '<class>')}")
    elif args.resource_type == BLOB_CONTAINER:
        name = get_str(props, "containerName") or ""
        data_class = get(props, "metadata", META_DATA_CLASS)
        agreement = single_agreement(get(props, "metadata", META_AGREEMENT))
        known = CONTAINER_CLASSES.get(agreement or "", tuple(c for cs in CONTAINER_CLASSES.values() for c in cs))
        if data_class not in known:
            report_violation(
                f"{label} ('{name}') declares no known data class ({META_DATA_CLASS} metadata is "
                f"{data_class!r}, expected one of {list(known)}): record what the container holds in its metadata"
            )
        if agreement == "ECG" or data_class == "ecg" or name.startswith(ECG_PREFIX):
            flag = get(props, "metadata", META_PSEUDONYMISED)
            if flag not in ("true", "false"):
                report_violation(
                    f"{label} ('{name}') holds ECG patient data but does not say whether the controller "
                    f"registers patients pseudonymised ({META_PSEUDONYMISED} metadata is {flag!r}): set it to "
                    "'true' or 'false' from the controller's pseudonymised setting"
                )


POLICY = resource_policy(
    name="governance-data-classification",
    clauses=("ECG-3", "OUS-2"),
    area="governance",
    description="Data stores declare their data category: storage accounts and data resource groups carry "
    "dpaguard-data-class matching their agreement (therapy-recordings, ecg-patient-data); blob containers carry "
    "dpaguard_data_class metadata, and ECG containers dpaguard_pseudonymised (true/false).",
    remediation="Tag accounts and data groups with dpaguard-data-class and set the container metadata "
    "(modules/storage.py ContainerSpec.metadata does).",
    validate=validate,
)
