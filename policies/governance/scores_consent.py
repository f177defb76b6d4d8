"""Numeric scores are kept only for controllers whose therapist gave special consent."""

from policies.lib import describe, get, get_str, register_of, resource_policy
from policies.stack import BLOB_CONTAINER, META_DATA_CLASS, SCORES_PREFIX, controller_of_container, controllers


def validate(args, report_violation) -> None:
    if args.resource_type != BLOB_CONTAINER:
        return
    name = get_str(args.props, "containerName") or ""
    if not name.startswith(SCORES_PREFIX) and get_str(args.props, "metadata", META_DATA_CLASS) != "scores":
        return
    controller = controller_of_container(args)
    if get(controllers(register_of(args)), controller or "", "scoresConsent") is not True:
        report_violation(
            f"{describe(args.resource_type, args.name)} ('{name}') keeps scores for '{controller or '?'}', whose "
            "register entry records no special consent to keep scores (scoresConsent is not true): remove the scores "
            "container, or record the therapist's consent as scoresConsent: true in dpa-guard:controllers")


POLICY = resource_policy(
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
