"""Every assignment of the built-in allowed-locations policies keeps the whole subscription in Norway.

The resource-policy half of location-allowed-locations-assigned: it reads an assignment's
inputs, so it also sees `notScopes` (unknown to stack policies in preview) and blocks a
flawed assignment before Azure accepts it.
"""

from policies.lib import describe, resource_policy
from policies.location.allowed_locations_assigned import ALLOWED, POLICY_ASSIGNMENT, WHAT, definition_of, problems_of


def validate(args, report_violation) -> None:
    if args.resource_type != POLICY_ASSIGNMENT:
        return
    guid = definition_of(args.props)
    if guid is None:
        return
    problems = problems_of(args.props, inputs=True)
    if problems:
        report_violation(
            f"{describe(args.resource_type, args.name)} assigns '{WHAT[guid]}' but {'; '.join(problems)}: assign it at "
            f"the subscription with enforcementMode Default, no notScopes and listOfAllowedLocations {sorted(ALLOWED)}")


POLICY = resource_policy(
    name="location-allowed-locations-enforced",
    clauses=("ECG-10", "ECG-6", "OUS-6.1.b"),
    area="location",
    description="An assignment of 'Allowed locations' or 'Allowed locations for resource groups' is at the "
    "subscription (or a management group), enforced (enforcementMode Default), without notScopes, and lists only "
    "Norwegian regions. Blocks before creation.",
    remediation="Assign both built-in definitions at the subscription with enforcementMode Default, no notScopes and "
    "listOfAllowedLocations [norwayeast, norwaywest] (modules/roles.py LeastPrivilegeRoles does).",
    validate=validate,
)
