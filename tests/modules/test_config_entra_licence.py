"""access.entraLicence: the tenant's Entra ID plan is a validated fact, and P1 is refused (issue 14).

Risk-based Conditional Access needs Entra ID P2 (ScubaGear aad.md, MS.AAD.2 "License Requirements":
"Requires a Microsoft Entra ID P2 license"), as does PIM (Microsoft Learn, "Microsoft Entra ID
Governance licensing fundamentals"/PIM license requirements). The stack plans both, so P1 is a
ConfigError, never a silently unenforced policy.
"""

from __future__ import annotations

import pytest
import yaml

from modules import config
from tests.modules.conftest import ROOT, SHIPPED_STACKS


def _set(value):
    def edit(raw):
        if value is None:
            raw["access"].pop("entraLicence", None)
        else:
            raw["access"]["entraLicence"] = value
    return edit


@pytest.mark.parametrize("name", SHIPPED_STACKS)
def test_shipped_stacks_are_p2(stack, name):
    cfg = stack(name).cfg
    assert cfg.access.entra_licence == "P2"
    assert cfg.policy_register()["entraLicence"] == "P2"


@pytest.mark.parametrize(("case", "value", "words"), [
    ("fail_p1_cannot_enforce_risk_or_pim", "P1", "P1 cannot enforce the risk-based Conditional Access"),
    ("fail_missing", None, "is required"),
    ("fail_unknown_plan", "P3", "must be one of P1, P2"),
    ("fail_lower_case", "p2", "must be one of P1, P2"),
    ("fail_list", ["P2"], "must be one of P1, P2"),
])
def test_bad_licence_is_one_config_error_naming_the_key(stack, case, value, words):
    with pytest.raises(config.ConfigError) as caught:
        stack("ous-kvalitetslab", _set(value))
    message = str(caught.value)
    assert "access.entraLicence" in message and words in message, message
    assert "\n" not in message


@pytest.mark.parametrize("name", SHIPPED_STACKS)
def test_register_names_the_processor_staff(stack, name):
    cfg = stack(name).cfg
    staff = cfg.policy_register()["processorStaff"]
    # Read from the stack file's own staff list: every operator, declared or not.
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{name}.yaml").read_text(encoding="utf-8"))["config"]
    assert staff == sorted(s["objectId"] for s in doc["dpa-guard:staff"] if s["role"] == "operator")
