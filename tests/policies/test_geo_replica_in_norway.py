import pytest

from policies.location.geo_replica_in_norway import POLICY
from tests.policies.helpers import failing_urns, outcome, run
from tests.policies.stores import UNKNOWN, account, register, resource_group

REGISTER = register(("ECG",))
RG = "rg-test-ecg-data"


def acct(sku, **over):
    return account("testecg00", RG, "ECG", sku=sku, **over)


URN = acct("x").urn
HOME = resource_group(RG, "ECG")
FAR = resource_group(RG, "ECG", location="westeurope")

CASES = [
    ("pass_gzrs_norwayeast", [HOME, acct("Standard_GZRS")], set()),
    ("pass_ragrs_norwaywest", [HOME, acct("Standard_RAGRS", location="norwaywest")], set()),
    ("pass_gzrs_display_name", [HOME, acct("Standard_GZRS", location="Norway West")], set()),
    ("pass_zrs_anywhere_is_not_this_rule", [HOME, acct("Standard_ZRS", location="westeurope")], set()),
    # The inputs do not show an inherited location (location-in-norway refuses it too).
    ("fail_gzrs_without_location", [HOME, acct("Standard_GZRS", location=None)], {URN}),
    ("pass_no_sku", [HOME, acct(None)], set()),
    ("fail_grs_westeurope", [HOME, acct("Standard_GRS", location="westeurope")], {URN}),
    ("fail_v2_gzrs_swedencentral", [HOME, acct("StandardV2_GZRS", location="swedencentral")], {URN}),
    ("fail_gzrs_inherits_abroad", [FAR, acct("Standard_GZRS", location=None)], {URN}),
    ("fail_gzrs_group_not_in_plan", [acct("Standard_GZRS", location=None)], {URN}),
    ("fail_odd_location", [HOME, acct("Standard_GRS", location=7)], {URN}),
]


def _without_none(resources):
    from dataclasses import replace
    return [replace(r, inputs={k: v for k, v in r.inputs.items() if not (k in ("location", "sku") and
            (v is None or v == {"name": None}))}) for r in resources]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *_without_none(resources), register=REGISTER)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_unknown_sku_is_a_note():
    evaluation = run(POLICY, HOME, acct(UNKNOWN), register=REGISTER)
    assert outcome(evaluation) == "unknown"


def test_unknown_location_of_geo_account_is_a_note():
    evaluation = run(POLICY, HOME, acct("Standard_GZRS", location="[secret]"), register=REGISTER)
    assert outcome(evaluation) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, HOME, acct("Standard_GRS", location="westeurope"), register=REGISTER).mandatory
    assert finding.message.startswith("[ECG-10")
    assert "'acct-testecg00'" in finding.message and "'northeurope'" in finding.message
    assert "norwayeast or norwaywest" in finding.message
