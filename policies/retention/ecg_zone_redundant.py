"""ECG patient data survives the loss of an availability zone (ECG-7S resilience).

A resource policy on the account's inputs (blocks before creation). Which agreement an
account serves: its own tag, its data resource group's name, or the stack's only agreement
(policies/stack.agreement_of_inputs); the register is read only for the last.
"""

from policies.lib import describe, resource_policy
from policies.stack import STORAGE_ACCOUNT, agreement_of_args, is_zone_redundant, sku_name


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    agreement, how = agreement_of_args(args)
    if agreement != "ECG":
        return
    sku = sku_name(args.props)
    if not is_zone_redundant(sku):
        report_violation(
            f"{describe(args.resource_type, args.name)} holds ECG patient data ({how}) on {sku or 'no SKU'}, which "
            "does not survive the loss of an availability zone: use Standard_ZRS, Standard_GZRS or Standard_RAGZRS "
            "(dpa-guard:ecg.sku; the geo pair of norwayeast is norwaywest)")


POLICY = resource_policy(
    name="retention-ecg-zone-redundant",
    clauses=("ECG-7S",),
    area="retention",
    description="Storage accounts holding ECG patient data use a zone-redundant SKU (ZRS, GZRS, RA-GZRS): resilience "
    "and availability as ECG-7S asks, with every replica in Norway (see location-geo-replica-in-norway).",
    remediation="Set dpa-guard:ecg.sku to Standard_ZRS, Standard_GZRS or Standard_RAGZRS.",
    validate=validate,
    uses_register=True,
)
