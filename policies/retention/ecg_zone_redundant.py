"""ECG patient data survives the loss of a datacentre: zone-redundant storage."""

from policies.lib import register_of, stack_policy
from policies.stack import Undecided, collect, is_zone_redundant, sku_name

CLAUSE = "[ECG-7S]"


def validate(args, report_violation) -> None:
    register = register_of(args)
    undecided = Undecided()
    stores = collect(args.resources, register, undecided)
    for account in stores.accounts:
        if account.agreement != "ECG":
            continue
        with undecided.about(account.label):
            sku = sku_name(account.resource.props)
            if not is_zone_redundant(sku):
                report_violation(
                    f"{CLAUSE} {account.label} holds ECG patient data ({account.how}) on {sku or 'no SKU'}, which does "
                    "not survive the loss of an availability zone: use Standard_ZRS, Standard_GZRS or Standard_RAGZRS "
                    "(dpa-guard:ecg.sku; the geo pair of norwayeast is norwaywest)",
                    account.resource.urn,
                )
    undecided.finish()


POLICY = stack_policy(
    name="retention-ecg-zone-redundant",
    clauses=("ECG-7S",),
    area="retention",
    description="Storage accounts holding ECG patient data use a zone-redundant SKU (ZRS, GZRS, RA-GZRS): resilience "
    "and availability as ECG-7S asks, with every replica in Norway (see location-geo-replica-in-norway).",
    remediation="Set dpa-guard:ecg.sku to Standard_ZRS, Standard_GZRS or Standard_RAGZRS.",
    validate=validate,
    uses_register=True,
)
