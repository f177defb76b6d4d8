"""Every blob container says whose data it holds, and its name agrees.

A container carries `dpaguard_agreement`, `dpaguard_controller` and `dpaguard_data_class`
metadata (modules/storage.py ContainerSpec.metadata); its name is the one those imply
(`rec-`/`scores-`/`ecg-` + controller, modules/naming.py); its agreement is that of its data
resource group; its controller signed that agreement (register). A resource policy on the
inputs, so it blocks before creation. It is also what lets the stack policies, which never
see a container's name in preview (an output computed by Azure), read it from the metadata.
"""

from policies.lib import describe, get_str, register_of, resource_policy
from policies.stack import (
    BLOB_CONTAINER,
    CONTAINER_CLASSES,
    META_AGREEMENT,
    META_CONTROLLER,
    META_DATA_CLASS,
    PREFIX_OF_CLASS,
    controllers,
    data_group_agreement,
)


def validate(args, report_violation) -> None:
    if args.resource_type != BLOB_CONTAINER:
        return
    label = describe(args.resource_type, args.name)
    name = get_str(args.props, "containerName")
    agreement = get_str(args.props, "metadata", META_AGREEMENT)
    controller = get_str(args.props, "metadata", META_CONTROLLER)
    data_class = get_str(args.props, "metadata", META_DATA_CLASS)
    fix = (f"give it metadata {META_AGREEMENT} (OUS or ECG), {META_CONTROLLER} and {META_DATA_CLASS} and name it "
           "<rec-|scores-|ecg-><controller> (modules/storage.py does)")
    if agreement not in CONTAINER_CLASSES or not controller or data_class not in CONTAINER_CLASSES[agreement]:
        report_violation(f"{label} does not say whose data it holds ({META_AGREEMENT}={agreement!r}, "
                         f"{META_CONTROLLER}={controller!r}, {META_DATA_CLASS}={data_class!r}): {fix}")
        return
    expected = f"{PREFIX_OF_CLASS[data_class]}{controller}"
    if name is None or name.lower() != expected:
        report_violation(f"{label} is named {name!r} but its metadata says {expected!r} (controller '{controller}', "
                         f"{data_class}): one container serves one controller; {fix}")
    group = get_str(args.props, "resourceGroupName")
    by_group = data_group_agreement(group)
    if by_group is not None and by_group != agreement:
        report_violation(f"{label} holds {agreement} data in the {by_group} data resource group '{group}': keep each "
                         "agreement's data in its own account and group")
    signed = get_str(controllers(register_of(args)), controller, "agreement")
    if signed != agreement:
        report_violation(f"{label} holds {agreement} data of controller '{controller}', which "
                         + (f"signed {signed}" if signed else "is not in the register")
                         + ": list the controller under that agreement in dpa-guard:controllers or remove the container")


POLICY = resource_policy(
    name="governance-container-labels",
    clauses=("ECG-6", "OUS-6.2", "OUS-3"),
    area="governance",
    description="Every blob container carries dpaguard_agreement, dpaguard_controller and dpaguard_data_class metadata "
    "naming a register controller of that agreement, sits in that agreement's data resource group, and is named "
    "rec-/scores-/ecg-<controller> as its metadata implies.",
    remediation="Create containers only through NorwayStorage (modules/storage.py), which derives name and metadata "
    "from dpa-guard:controllers.",
    validate=validate,
    uses_register=True,
)
