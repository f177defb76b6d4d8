"""The clause ids of ../shared/agreements/CLAUSES.md, the contract between policies and reports.

The pack runs inside the Pulumi CLI from this directory alone, so the ids travel with it;
`tests/policies/test_collection.py` checks they equal the ids of CLAUSES.md exactly.

`NOT_IN_PLAN` names the clauses no infrastructure policy can decide, with the reason and
where they are served instead; `dpaguard clauses` prints it beside the policy table.
"""

from __future__ import annotations

CLAUSES: dict[str, str] = {
    "OUS-2": "Only audio/video recordings of sessions are received; nothing kept in a health register",
    "OUS-3": "Health data kept apart from other information and services",
    "OUS-4.1": "Recordings deleted and made unavailable when scoring is complete",
    "OUS-4.2": "Numeric scores kept only with the therapist's special consent",
    "OUS-5": "On completion recordings are deleted so that they cannot be recovered",
    "OUS-6.a": "Breach or suspected breach reported at once to the OUS DPO and the submitting trust",
    "OUS-6.b": "Logging of errors and deviations; follow-up of unlawful access",
    "OUS-6.1.a": "Only authorised staff can reach the data",
    "OUS-6.1.b": "Technical measures stop data leaving the secure zone or approved storage location",
    "OUS-6.1.c": "Remote operation only from processor-owned equipment over a VPN that blocks simultaneous internet access",
    "OUS-6.1.d": "Two-factor authentication when access comes over insecure networks",
    "OUS-6.1.e": "Communication encrypted over insecure networks",
    "OUS-6.2": "Access authorised and managed by real need; access level fits the task",
    "OUS-6.3": "Controller may inspect, verify and test how the solution is secured",
    "OUS-7": "Everyone with access has signed a confidentiality declaration",
    "OUS-8": "Agreement per therapist ends on termination, change, or after 5 years",
    "OUS-9": "On termination, delete all recordings received for that controller",
    "OUS-11": "The processor may never block the controller's access to what it submitted",
    "ECG-1.2": "Comply with GDPR, medical-device rules and the Norwegian health-sector norm (Normen)",
    "ECG-3": "Defined data categories; pseudonymised registration possible",
    "ECG-4": "Patient data stored no longer than needed",
    "ECG-6": "Secure cloud back end; a dedicated storage unit per controller; Azure with data in Norway",
    "ECG-7": "Only staff authorised and needing access may reach stored data",
    "ECG-6R": "Help the controller with data-subject rights and impact assessments",
    "ECG-7S": "Appropriate security; regular testing; resilience; quick restore after incidents",
    "ECG-8": "Breach notified in writing without undue delay, with the required content",
    "ECG-9": "Sub-processors bound by equal terms",
    "ECG-10": "No transfer of personal data outside the EEA",
    "ECG-11": "On termination access ends and stored data is deleted, with written confirmation",
}

NOT_IN_PLAN: dict[str, str] = {
    "OUS-6.3": "organisational: evidence for the controller is the output of `dpaguard check --format sarif/json` "
    "and `dpaguard scan`; nothing in a plan can be right or wrong about it",
    "OUS-9": "an act at termination, not a state: the offboarding runbook (docs/runbook.md) deletes the "
    "controller's container; policies only keep access from outliving the agreement (OUS-8)",
    "ECG-1.2": "legal compliance as a whole; served by citing a clause id on every policy (framework metadata)",
    "ECG-6R": "data-subject requests are a procedure (export/erase by controller, docs/runbook.md)",
    "ECG-11": "an act at termination: offboarding runbook with a deletion certificate (docs/runbook.md)",
}


def agreement_of(clause: str) -> str:
    return clause.split("-", 1)[0]


def technical_clauses() -> list[str]:
    """The clauses a policy must cite."""
    return [c for c in CLAUSES if c not in NOT_IN_PLAN]
