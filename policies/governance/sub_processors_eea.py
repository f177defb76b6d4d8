"""Sub-processors are on record and all inside the EEA."""

from policies import facts
from policies.lib import get_list, get_str, register_of, stack_policy
from policies.stack import register_agreements

EEA_COUNTRIES = facts.EEA_COUNTRIES


def validate(args, report_violation) -> None:
    register = register_of(args)
    processors = get_list(register, "subProcessors")
    if "ECG" in register_agreements(register) and not processors:
        report_violation(
            "the stack serves ECG but the register lists no sub-processors, so the controller can't be "
            "told who processes the data (at least the Azure host): list them in dpa-guard:subProcessors"
        )
    for i, entry in enumerate(processors):
        name = get_str(entry, "name") or f"subProcessors[{i}]"
        country = (get_str(entry, "country") or "").strip().upper()
        if country not in EEA_COUNTRIES:
            report_violation(
                f"sub-processor '{name}' is in {country or 'an unrecorded country'}, outside the EEA: "
                "personal data may not go there; choose a sub-processor inside the EEA or record its EEA country"
            )


POLICY = stack_policy(
    name="governance-sub-processors-eea",
    clauses=("ECG-10", "ECG-9"),
    area="governance",
    description="Every sub-processor in the register has an EEA country, and a stack serving ECG lists its "
    "sub-processors. A hard rule (no transfer outside the EEA), checked from the register alone; whether each is "
    "bound by equal terms (ECG-9) is a contract matter the evidence report lists.",
    remediation="Record each sub-processor with name, ISO country code and purpose in dpa-guard:subProcessors; use "
    "only EEA sub-processors.",
    validate=validate,
    uses_register=True,
)
