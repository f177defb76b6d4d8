"""Numeric scores are kept only for controllers whose therapist gave special consent."""

from policies.lib import get, get_str, register_of, stack_policy
from policies.stack import BLOB_CONTAINER, META_DATA_CLASS, SCORES_PREFIX, Undecided, controller_of_container, controllers, label_of

CLAUSE = "[OUS-4.2]"


def validate(args, report_violation) -> None:
    entries = controllers(register_of(args))
    undecided = Undecided()
    for r in args.resources:
        if r.resource_type != BLOB_CONTAINER:
            continue
        label = label_of(r)
        with undecided.about(label):
            name = get_str(r.props, "containerName") or ""
            if not name.startswith(SCORES_PREFIX) and get_str(r.props, "metadata", META_DATA_CLASS) != "scores":
                continue
            controller = controller_of_container(r)
            if get(entries, controller or "", "scoresConsent") is not True:
                report_violation(
                    f"{CLAUSE} {label} ('{name}') keeps scores for '{controller or '?'}', whose register entry records "
                    "no special consent to keep scores (scoresConsent is not true): remove the scores container, or "
                    "record the therapist's consent as scoresConsent: true in dpa-guard:controllers",
                    r.urn,
                )
    undecided.finish()


POLICY = stack_policy(
    name="governance-scores-consent",
    clauses=("OUS-4.2",),
    area="governance",
    description="A scores container (scores-<controller>, or data class scores) exists only for a controller whose "
    "register entry has scoresConsent true: numeric scores are kept only with the therapist's special consent.",
    remediation="Set scoresConsent: true for the controller once consent is on record, or drop its scores container "
    "(modules/storage.py creates one only with consent).",
    validate=validate,
    uses_register=True,
)
