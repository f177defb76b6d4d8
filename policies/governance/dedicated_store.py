"""Each agreement's data lives in accounts of its own, in its own data resource group (OUS-3, ECG-6).

A resource policy on the account's inputs (blocks before creation): the account is tagged
for exactly one agreement the stack serves, and its `resourceGroupName` is that agreement's
data resource group (`rg-<prefix>-<ous|ecg>-data`, modules/naming.py). Containers of the
wrong agreement or controller are governance-container-labels' part.
"""

from policies.lib import describe, get, get_str, register_of, resource_policy
from policies.stack import (
    DATA_CLASS,
    STORAGE_ACCOUNT,
    TAG_AGREEMENT,
    TAG_DATA_CLASS,
    data_group_agreement,
    register_agreements,
    single_agreement,
)


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    label = describe(args.resource_type, args.name)
    tag = get(args.props, "tags", TAG_AGREEMENT)
    agreement = single_agreement(tag)
    if agreement is None:
        report_violation(f"{label} is not dedicated to one agreement ({TAG_AGREEMENT} tag is {tag!r}): give each "
                         f"agreement's data an account of its own, tagged {TAG_AGREEMENT}=OUS or ECG")
        return
    served = register_agreements(register_of(args))
    if agreement not in served:
        report_violation(f"{label} holds {agreement} data but the stack serves {served}: remove it or add the "
                         "agreement to dpa-guard:agreements")
    group = get_str(args.props, "resourceGroupName")
    if data_group_agreement(group) != agreement:
        report_violation(
            f"{label} holds {agreement} data outside its dedicated data resource group ('{group}' is not named "
            f"rg-<prefix>-{agreement.lower()}-data): put it there, tagged {TAG_AGREEMENT}={agreement} and "
            f"{TAG_DATA_CLASS}={DATA_CLASS[agreement]}")
    data_class = get(args.props, "tags", TAG_DATA_CLASS)
    if data_class != DATA_CLASS[agreement]:
        report_violation(f"{label} holds {agreement} data but its {TAG_DATA_CLASS} tag is {data_class!r}: tag it "
                         f"{DATA_CLASS[agreement]}")


POLICY = resource_policy(
    name="governance-dedicated-store",
    clauses=("OUS-3", "ECG-6"),
    area="governance",
    description="Every storage account is tagged for exactly one agreement the stack serves (dpaguard-agreement, "
    "with its dpaguard-data-class) and sits in that agreement's data resource group rg-<prefix>-<agreement>-data.",
    remediation="One NorwayStorage component per agreement (modules/storage.py): its own resource group and account(s), "
    "tagged dpaguard-agreement and dpaguard-data-class, with only that agreement's controllers' containers.",
    validate=validate,
    uses_register=True,
)
