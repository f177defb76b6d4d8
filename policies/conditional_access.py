"""What the identity policies share: when does a Conditional Access policy apply to every sign-in to an app?

Property names are the wire (camelCase) names of pulumi-azuread 6 `ConditionalAccessPolicy`.
A policy counts as covering an app only if nothing narrows it: enabled (not report-only),
every user, every location (no trusted-network exemption), every client app type that the
app's own clients use, every platform, no device filter, no risk-level or workload-identity
condition, no authentication-flow condition. Exclusions of users are judged separately
(identity-ca-exclusions-break-glass-only), so a break-glass exclusion does not stop coverage.

Each check returns the first reason a policy falls short, or None if it covers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from policies import facts
from policies.lib import drop_unknown_keys, get, get_list, get_map, get_str, get_strs, lower, register_of

CONDITIONAL_ACCESS_POLICY = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
AZURE_MANAGEMENT_APP = facts.AZURE_MANAGEMENT_APP
ALL = "all"
# The clients people sign in to the VPN and the portal with (not legacy protocols).
INTERACTIVE_CLIENTS = ("browser", "mobileAppsAndDesktopClients")

# Built-in authentication strengths that require multifactor authentication
# (Microsoft Graph authenticationStrengthPolicy ids: MFA, passwordless MFA, phishing-resistant MFA).
MFA_STRENGTHS = facts.MFA_STRENGTHS
# Narrowing conditions: each makes a policy apply to some sign-ins only.
NARROWING = (
    ("signInRiskLevels", "sign-in risk levels"),
    ("userRiskLevels", "user risk levels"),
    ("servicePrincipalRiskLevels", "service principal risk levels"),
    ("insiderRiskLevels", "insider risk levels"),
    ("authenticationFlowTransferMethods", "authentication flows"),
)


def _lowers(values: Iterable[str]) -> set[str]:
    return {v.lower() for v in values}


def is_enabled(policy: Any) -> bool:
    return lower(get(policy.props, "state")) == "enabled"


def state_reason(policy: Any) -> str | None:
    return None if is_enabled(policy) else f"state is {get(policy.props, 'state')!r}, not 'enabled'"


def app_reason(policy: Any, app_id: str) -> str | None:
    apps = get_map(policy.props, "conditions", "applications")
    included = _lowers(get_strs(apps, "includedApplications"))
    if ALL not in included and app_id.lower() not in included:
        return f"does not include application {app_id}"
    if app_id.lower() in _lowers(get_strs(apps, "excludedApplications")):
        return f"excludes application {app_id}"
    if get_map(apps, "filter"):
        return "narrows applications with a filter"
    return None


def users_reason(policy: Any) -> str | None:
    included = _lowers(get_strs(policy.props, "conditions", "users", "includedUsers"))
    return None if ALL in included else "does not include all users (includedUsers: [All])"


def locations_reason(policy: Any) -> str | None:
    locations = get_map(policy.props, "conditions", "locations")
    if not locations:
        return None  # no location condition: every location
    included = _lowers(get_strs(locations, "includedLocations"))
    if ALL not in included:
        return "does not include all locations (includedLocations: [All])"
    excluded = get_strs(locations, "excludedLocations")
    if excluded:
        return f"exempts locations {excluded} (a trusted-network exemption)"
    return None


def client_apps_reason(policy: Any, needed: Iterable[str]) -> str | None:
    types = _lowers(get_strs(policy.props, "conditions", "clientAppTypes"))
    if ALL in types:
        return None
    missing = [t for t in needed if t.lower() not in types]
    return f"does not cover client app types {missing}" if missing else None


def scope_reason(policy: Any) -> str | None:
    """Conditions that narrow a policy to some platforms, devices, risks, flows or workloads."""
    conditions = get_map(policy.props, "conditions")
    platforms = get_map(conditions, "platforms")
    if platforms:
        if ALL not in _lowers(get_strs(platforms, "includedPlatforms")):
            return "does not include all device platforms"
        if get_strs(platforms, "excludedPlatforms"):
            return f"excludes platforms {get_strs(platforms, 'excludedPlatforms')}"
    if get_map(conditions, "devices", "filter"):
        return "narrows devices with a filter"
    if get_map(conditions, "clientApplications"):
        return "applies to workload identities (clientApplications), not users"
    for prop, what in NARROWING:
        if get_list(conditions, prop):
            return f"applies only to some {what} ({prop})"
    return None


def first_reason(*checks: Callable[[], str | None]) -> str | None:
    for check in checks:
        reason = check()
        if reason:
            return reason
    return None


def grant_has_mfa(grant: Any) -> bool:
    if "mfa" in _lowers(get_strs(grant, "builtInControls")):
        return True
    strength = lower(get_str(grant, "authenticationStrengthPolicyId")) or ""
    return any(strength.endswith(s) for s in MFA_STRENGTHS)


def best_effort(
    candidates: Iterable[Any], reason_of: Callable[[Any], str | None]
) -> tuple[bool, list[tuple[Any, str]]]:
    """Whether some candidate decidably has no reason against it; else each decided reason.

    A candidate whose inputs are unknown is skipped; if none is decidably good and one was
    skipped, the UnknownValueError of the first skipped one is raised (an advisory note),
    since the unknown one might have been good.
    """
    reasons: list[tuple[Any, str]] = []
    pending: UnknownValueError | None = None
    for candidate in candidates:
        try:
            reason = reason_of(candidate)
        except UnknownValueError as exc:
            pending = pending or exc
            continue
        if reason is None:
            return True, []
        reasons.append((candidate, reason))
    if pending is not None:
        raise pending
    return False, reasons


@dataclass(frozen=True)
class Policy:
    """A Conditional Access policy as the stack policies read it: its outputs without the keys the
    program did not set (unknown in preview; identity-ca-settings-known refuses an unknown, i.e.
    Output-derived, setting on the inputs, so an unknown output means "not set")."""

    resource: Any
    props: Any
    urn: str
    name: str
    resource_type: str


def policies_of(resources: Iterable[Any]) -> list[Any]:
    return [Policy(r, drop_unknown_keys(r.props), r.urn, r.name, r.resource_type)
            for r in resources if r.resource_type == CONDITIONAL_ACCESS_POLICY]


def display(policy: Any) -> str:
    try:
        name = get_str(policy.props, "displayName")
    except UnknownValueError:
        name = None
    return f"conditional access policy '{name or policy.name}'"


def require_on_protected_apps(
    args: Any,
    report_violation: Callable[..., None],
    *,
    specific: Callable[[Any], str | None],
    requirement: str,
    fix: str,
) -> None:
    """For the Azure VPN Client (register vpnAudience) and Azure management: some enabled policy must
    cover every interactive sign-in to the app and pass `specific` (None = passes). Otherwise each
    policy meant for the app is reported with its first shortfall, or, if none is, the absence."""
    register = register_of(args)
    apps = {"the Azure VPN Client": get_str(register, "vpnAudience"), "Azure management": AZURE_MANAGEMENT_APP}
    candidates = policies_of(args.resources)
    for what, app in apps.items():
        if not app:
            report_violation("the register names no vpnAudience, so the VPN app can't be checked: "
                             "run dpaguard plan to write the policy config")
            continue

        def shortfall(policy: Any, app: str = app) -> str | None:
            return first_reason(
                lambda: app_reason(policy, app),
                lambda: state_reason(policy),
                lambda: users_reason(policy),
                lambda: locations_reason(policy),
                lambda: client_apps_reason(policy, INTERACTIVE_CLIENTS),
                lambda: scope_reason(policy),
                lambda: specific(policy),
            )

        covered, reasons = best_effort(candidates, shortfall)
        if covered:
            continue
        # Policies meant for this app's interactive sign-ins (not e.g. the legacy-protocol block).
        targeting = [(p, r) for p, r in reasons
                     if app_reason(p, app) is None and client_apps_reason(p, INTERACTIVE_CLIENTS) is None]
        for policy, reason in targeting:
            report_violation(f"{display(policy)} covers {what} ({app}) but {reason}: {fix}", policy.urn)
        if not targeting:
            report_violation(f"no enabled conditional access policy {requirement} for {what} ({app}): {fix}")
