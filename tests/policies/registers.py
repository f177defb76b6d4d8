"""A small register (the policy-pack config of modules/config.py StackConfig.policy_register) for policy tests."""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.rbac_fixtures import DEPLOYER_GUID, OPERATOR_GUID, READER_GUID, UPLOADER_GUID

TENANT = "5f0c4a8e-3d2b-4c71-9a6e-2b7d1e4f8a90"
VPN_AUDIENCE = "c632b3df-fb67-4d84-bdcf-b95ad541b5c8"
BREAK_GLASS = ["33f80b93-4907-50fe-b3a5-3152c6c313f5", "df496ef3-1ca8-5807-8535-c7de376d93af"]
DECLARED = ["0abbd512-3615-57d4-bd9a-bf8dae038f32", "ac6094dc-5e63-506a-b75e-a49eca9ef960"]
UNDECLARED = "b1af9a00-ed3c-56d4-9125-e94f110733d4"
DPO = "personvernombudet@ous-hf.example.no"
# The stack's custom roles by kind, as modules/config.py policy_register lists them (tests/policies/rbac_fixtures.py).
ROLES = {"uploader": UPLOADER_GUID, "reader": READER_GUID, "operator": OPERATOR_GUID, "deployer": DEPLOYER_GUID}

_REGISTER: dict[str, Any] = {
    "stack": "test",
    "agreements": ["OUS", "ECG"],
    "locations": ["norwayeast", "norwaywest"],
    "production": True,
    "tenantId": TENANT,
    "vpnClientPool": "172.16.201.0/24",
    "vpnAudience": VPN_AUDIENCE,
    "breakGlass": BREAK_GLASS,
    "declaredPrincipals": DECLARED,
    "dpoEmail": DPO,
    "processorEmail": "sikkerhet@ous-hf.example.no",
    "logRetentionDays": 365,
    "recordings": {"maxAgeDays": 30, "maxSoftDeleteDays": 2},
    "controllers": {
        "ahus-mbt": {"agreement": "OUS", "signed": "2022-09-01", "accessEnds": "2027-09-01",
                     "contact": "mbt@ahus.example.no", "retentionDays": None, "scoresConsent": True},
        "old-mbt": {"agreement": "OUS", "signed": "2020-01-10", "accessEnds": "2025-01-10",
                    "contact": "old@trust.example.no", "retentionDays": None, "scoresConsent": False},
        "dr-lie": {"agreement": "ECG", "signed": "2023-08-28", "accessEnds": None,
                   "contact": "oskar.lie@legesenter.example.no", "retentionDays": 365, "scoresConsent": False},
    },
    "subProcessors": [],
    "roles": ROLES,
    "roleNames": {kind: f"dpa-guard t {kind}" for kind in ROLES},
    "assignableRoles": [UPLOADER_GUID, READER_GUID],
}


def register(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the test register with top-level keys replaced."""
    out = copy.deepcopy(_REGISTER)
    out.update(changes)
    return out
