"""What the Entra ID baseline policies share: CISA ScubaGear's `MS.AAD.*` checks, read on the plan.

The baseline is `PowerShell/ScubaGear/baselines/aad.md` of cisagov/ScubaGear; ScubaGear's own
checks are `PowerShell/ScubaGear/Rego/AADConfig.rego` (with `Rego/Utils/AAD.rego`). A policy
here passes only if some planned Conditional Access policy passes what that Rego asks, plus
what the agreements add: it is enabled, targets all resources (or the named user action),
excludes no directory role, no group, no guest type and no app, excludes only the register's
break-glass accounts (the users an auditor lists under `CapExclusions.Users`, README "Entra ID
baseline"), and is not narrowed to some locations, platforms, devices, client types, risks or
flows beyond the one condition the control itself is about.

Stack policies: they read OUTPUTS; pulumi-azuread's preview outputs keep every input, so what
the program set is what is checked. Property names are pulumi-azuread 6's wire names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from policies import facts
from policies.conditional_access import best_effort, display, locations_reason, policies_of, state_reason
from policies.lib import get, get_list, get_map, get_str, get_strs, lower, register_of

# The built-in strengths and aad.md's "Highly Privileged Roles" are facts (policies/facts.py, where
# their sources are cited); a custom strength is not accepted: its combinations are not in the plan.
PHISHING_RESISTANT_STRENGTH = facts.PHISHING_RESISTANT_STRENGTH
MFA_STRENGTHS = facts.MFA_STRENGTHS
HIGHLY_PRIVILEGED_ROLES = facts.HIGHLY_PRIVILEGED_ROLES
REGISTER_SECURITY_INFO = "urn:user:registersecurityinfo"
DEVICE_CODE_FLOW = "devicecodeflow"
MANAGED_DEVICE_CONTROLS = frozenset({"compliantdevice", "domainjoineddevice"})
ALL = "all"

# Conditions that narrow a policy to some sign-ins; each control allows only its own.
RISK_AND_FLOW_CONDITIONS = (
    "userRiskLevels", "signInRiskLevels", "servicePrincipalRiskLevels", "insiderRiskLevels",
    "authenticationFlowTransferMethods",
)


def baseline(policy: Any, *ids: str) -> Any:
    """Tag `policy` with the ScubaGear policy ids it checks (`baseline:MS.AAD.3.1v1`)."""
    policy.tags = [*(policy.tags or []), *(f"baseline:{i}" for i in ids)]
    return policy


def _lowers(values: Iterable[str]) -> set[str]:
    return {v.lower() for v in values}


def exclusions_reason(policy: Any, break_glass: set[str]) -> str | None:
    """ScubaGear's `*ExclusionsFullyExempt` with the register's break-glass accounts as the only
    configured user exclusions, and no excluded roles (`Count(ExcludeRoles) == 0`)."""
    users = get_map(policy.props, "conditions", "users")
    if get_strs(users, "excludedRoles"):
        return "excludes directory roles"
    if get_strs(users, "excludedGroups"):
        return "excludes groups"
    if get_list(users, "excludedGuestsOrExternalUsers"):
        return "excludes guests or external users"
    others = sorted(u for u in get_strs(users, "excludedUsers") if u.lower() not in break_glass)
    if others:
        return f"excludes users {others} that are not break-glass accounts"
    if get_strs(policy.props, "conditions", "applications", "excludedApplications"):
        return "excludes applications"
    return None


def all_resources_reason(policy: Any) -> str | None:
    apps = get_map(policy.props, "conditions", "applications")
    if ALL not in _lowers(get_strs(apps, "includedApplications")):
        return "does not target all resources (includedApplications: [All])"
    if get_map(apps, "filter"):
        return "narrows applications with a filter"
    return None


def all_users_reason(policy: Any) -> str | None:
    if ALL in _lowers(get_strs(policy.props, "conditions", "users", "includedUsers")):
        return None
    return "does not include all users (includedUsers: [All])"


def narrowing_reason(policy: Any, allowed: Sequence[str] = ()) -> str | None:
    """Locations, client types, platforms, devices, workload identities, and every risk or flow
    condition but the `allowed` ones narrow a policy to some sign-ins."""
    reason = locations_reason(policy)
    if reason:
        return reason
    conditions = get_map(policy.props, "conditions")
    types = _lowers(get_strs(conditions, "clientAppTypes"))
    if types and ALL not in types:
        return f"applies to client app types {sorted(types)} only, not all"
    platforms = get_map(conditions, "platforms")
    if platforms and (ALL not in _lowers(get_strs(platforms, "includedPlatforms"))
                      or get_strs(platforms, "excludedPlatforms")):
        return "applies to some device platforms only"
    if get_map(conditions, "devices", "filter"):
        return "narrows devices with a filter"
    if get_map(conditions, "clientApplications"):
        return "applies to workload identities (clientApplications), not users"
    for prop in RISK_AND_FLOW_CONDITIONS:
        if prop not in allowed and get_list(conditions, prop):
            return f"applies only to some sign-ins ({prop})"
    return None


def grant_controls(policy: Any) -> tuple[set[str], str, str]:
    """(built-in controls lower case, authentication strength GUID lower case or "", operator lower case).

    The strength is given as `/policies/authenticationStrengthPolicies/<guid>` (pulumi-azuread 6) or
    as the bare GUID; only the last segment is compared, exactly, so no longer id passes for a built-in one."""
    grant = get_map(policy.props, "grantControls")
    strength = (lower(get_str(grant, "authenticationStrengthPolicyId")) or "").rstrip("/").rsplit("/", 1)[-1]
    return _lowers(get_strs(grant, "builtInControls")), strength, lower(get(grant, "operator")) or ""


def blocks(policy: Any) -> bool:
    return "block" in grant_controls(policy)[0]


def block_reason(policy: Any) -> str | None:
    return None if blocks(policy) else "does not block access (builtInControls [block])"


def first(*checks: Callable[[], str | None]) -> str | None:
    for check in checks:
        reason = check()
        if reason:
            return reason
    return None


def require(
    args: Any,
    report_violation: Callable[..., None],
    *,
    shortfall: Callable[[Any, set[str]], str | None],
    meant: Callable[[Any], bool],
    requirement: str,
    baseline_text: str,
    fix: str,
) -> None:
    """Some planned Conditional Access policy must have no `shortfall`. Otherwise each policy `meant`
    for the control is reported with its first shortfall, or, if none is, the absence."""
    break_glass = _lowers(get_strs(register_of(args), "breakGlass"))
    candidates = policies_of(args.resources)
    covered, reasons = best_effort(candidates, lambda p: shortfall(p, break_glass))
    if covered:
        return
    near = [(p, r) for p, r in reasons if meant(p)]
    for policy, reason in near:
        report_violation(f"{display(policy)} is meant to {requirement} but {reason} ({baseline_text}): {fix}",
                         policy.urn)
    if not near:
        report_violation(f"no enabled Conditional Access policy is planned to {requirement} ({baseline_text}): {fix}")


def shortfall_of(
    who: Callable[[Any], str | None],
    target: Callable[[Any], str | None],
    *required: Callable[[Any], str | None],
    allowed: Sequence[str] = (),
) -> Callable[[Any, set[str]], str | None]:
    """A control's `shortfall` for `require`: whom the policy includes, what it targets, the common
    checks (with the control's own `allowed` conditions), then what the control `required`, first one out."""
    def shortfall(policy: Any, break_glass: set[str]) -> str | None:
        return first(
            lambda: who(policy),
            lambda: target(policy),
            lambda: common_reason(policy, break_glass, allowed),
            *(partial(check, policy) for check in required),
        )
    return shortfall


def has_condition(prop: str) -> Callable[[Any], bool]:
    """`meant` for a control about one condition: the policies that set that condition at all."""
    return lambda policy: bool(get_strs(policy.props, "conditions", prop))


def high_risk_reason(prop: str, risk: str) -> Callable[[Any], str | None]:
    """The `prop` risk condition (userRiskLevels, signInRiskLevels) includes `high` (ScubaGear's
    `"high" in CAPolicy.Conditions.<prop>`)."""
    def reason(policy: Any) -> str | None:
        levels = _lowers(get_strs(policy.props, "conditions", prop))
        return None if "high" in levels else f"does not apply to high {risk} risk ({prop} [high])"
    return reason


def require_high_risk_blocked(
    args: Any,
    report_violation: Callable[..., None],
    *,
    condition: str,
    risk: str,
    requirement: str,
    baseline_text: str,
    access_policy: str,
) -> None:
    """`require` a block of all users on all resources whose `risk` (`condition`) is high, the only
    narrowing condition allowed (MS.AAD.2.1/2.3); `access_policy` is modules/access.py's key for it."""
    require(
        args, report_violation,
        shortfall=shortfall_of(all_users_reason, all_resources_reason, high_risk_reason(condition, risk),
                               block_reason, allowed=(condition,)),
        meant=has_condition(condition),
        requirement=requirement,
        baseline_text=baseline_text,
        fix=f"keep modules/access.py's '{access_policy}' policy (includedUsers [All], includedApplications [All], "
        f"only break-glass excludedUsers, {condition} [high], builtInControls [block], state enabled)",
    )


def phishing_resistant_reason(policy: Any) -> str | None:
    """The built-in Phishing-resistant MFA strength, and no control that suffices instead of it."""
    controls, strength, operator = grant_controls(policy)
    if not strength == PHISHING_RESISTANT_STRENGTH:
        return ("does not require the built-in Phishing-resistant MFA authentication strength "
                f"({PHISHING_RESISTANT_STRENGTH})")
    if controls and operator != "and":
        return f"lets {sorted(controls)} suffice instead of the strength (operator {operator or 'unset'})"
    return None


def require_of_staff(
    args: Any,
    report_violation: Callable[..., None],
    *,
    target: Callable[[Any], str | None],
    meant: Callable[[Any], bool],
    requirement: str,
    baseline_text: str,
    fix: str,
) -> None:
    """`require` a managed device of every processor staff member of the register (MS.AAD.3.7/3.8 scoped
    to the processor's staff) for what `target` accepts; a register without the list fails."""
    register = register_of(args)
    if not isinstance(get(register, "processorStaff"), list):
        # An older register, or a hand-made one: nobody can say whose devices must be managed.
        report_violation("the register names no processorStaff (the operators' object ids), so the processor's "
                         "staff can't be checked: run `dpaguard plan` to write the policy config")
        return
    staff = _lowers(get_strs(register, "processorStaff"))
    if not staff:
        return  # nobody works for the processor in this stack: nothing to hold to its devices
    require(
        args, report_violation,
        shortfall=shortfall_of(lambda p: staff_reason(p, staff), target, managed_device_reason),
        meant=meant, requirement=requirement, baseline_text=baseline_text, fix=fix,
    )


def common_reason(policy: Any, break_glass: set[str], allowed: Sequence[str] = ()) -> str | None:
    """ScubaGear's "common checks" (enabled, no excluded roles, exclusions as configured) plus ours."""
    return first(
        lambda: state_reason(policy),
        lambda: exclusions_reason(policy, break_glass),
        lambda: narrowing_reason(policy, allowed),
    )


def staff_reason(policy: Any, staff: set[str]) -> str | None:
    """Every processor staff member is included, by object id or as All users."""
    included = _lowers(get_strs(policy.props, "conditions", "users", "includedUsers"))
    if ALL in included:
        return None
    missing = sorted(staff - included)
    return f"does not include processor staff {missing} (includedUsers)" if missing else None


def managed_device_reason(policy: Any) -> str | None:
    controls, strength, operator = grant_controls(policy)
    if not controls & MANAGED_DEVICE_CONTROLS:
        return "does not require a managed device (builtInControls compliantDevice or domainJoinedDevice)"
    others = sorted(controls - MANAGED_DEVICE_CONTROLS) + ([strength] if strength else [])
    if others and operator != "and":
        return f"lets {others} suffice without a managed device (operator {operator or 'unset'})"
    return None
