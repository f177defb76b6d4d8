"""Conditional Access settings are literal in the program, never taken from another resource's output.

The stack policies that decide coverage (MFA, sign-in frequency, legacy block, ...) read the
CA policies' outputs, where every property the program did not set is unknown in preview.
They read such an unknown as "not set" (policies/conditional_access.Policy); that is sound
only because this resource policy refuses, before creation, a CA setting whose value is
unknown on the inputs (computed from another resource), which could be anything.
"""

from policies.conditional_access import CONDITIONAL_ACCESS_POLICY
from policies.lib import describe, get, resource_policy, unknown_keys

SETTINGS = ("state", "conditions", "grantControls", "sessionControls")


def validate(args, report_violation) -> None:
    if args.resource_type != CONDITIONAL_ACCESS_POLICY:
        return
    unknown: list[str] = []
    for setting in SETTINGS:
        # A whole setting unknown or secret raises here: a mandatory undecidable violation.
        value = get(args.props, setting)
        unknown += [f"{setting}.{p}" for p in unknown_keys(value)]
    if unknown:
        report_violation(
            f"{describe(args.resource_type, args.name)} takes {', '.join(sorted(unknown))} from another resource's "
            "output, unknown until applied, so what it enforces can't be checked before it is: write these "
            "settings as literals (modules/access.py does)")


POLICY = resource_policy(
    name="identity-ca-settings-known",
    clauses=("OUS-6.1.d", "OUS-6.1.c", "ECG-7"),
    area="identity",
    description="A Conditional Access policy's state, conditions, grant and session controls are literal in the "
    "program (known in preview), so the coverage policies can read what is unset as unset.",
    remediation="Write CA settings as literals; take only object ids of groups and named locations from outputs "
    "inside lists (modules/access.py does).",
    validate=validate,
)
