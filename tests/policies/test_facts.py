"""policies/facts.py: written once, read by both engines, and true to the installed SDKs.

The expectations come from outside the code under test: the installed pulumi-azure-native and
pulumi-azuread packages (which types exist, which take a `location` input), dpaguard's ARM
catalogue (C's, from the official ARM schemas) for the ARM spelling, and checkov's own
interpreter loading the custom checks as `dpaguard scan` does.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

from dpaguard.arm import checkov
from dpaguard.arm.catalog import TYPES
from policies import facts

ROOT = Path(__file__).resolve().parents[2]
_TOKEN = re.compile(r'@pulumi\.type_token\("(?P<token>[^"]+)"\)\s*\nclass \w+\(pulumi\.CustomResource\)')
_LOCATION_INPUT = re.compile(r"\n\s+location: (?:Optional\[pulumi\.Input|pulumi\.Input\[Optional)")


@cache
def sdk_types(package: str) -> dict[str, bool]:
    """Every resource token of an installed Pulumi SDK -> whether its resource takes a `location` input."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin, f"{package} is not installed"
    out: dict[str, bool] = {}
    for path in Path(spec.origin).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for match in _TOKEN.finditer(text):
            out[match.group("token")] = bool(_LOCATION_INPUT.search(text))
    return out


def test_the_module_imports_nothing():
    """checkov loads it by path from a directory where the pack is not importable."""
    text = (ROOT / "policies" / "facts.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s", text, re.MULTILINE)


def test_regional_types_are_the_known_types_with_a_location_input():
    native = sdk_types("pulumi_azure_native")
    derived = {t for t in facts.KNOWN_TYPES if native.get(t)}
    assert derived == set(facts.REGIONAL_TYPES)


def test_every_named_azure_type_exists_in_its_sdk():
    native, azuread = sdk_types("pulumi_azure_native"), sdk_types("pulumi_azuread")
    named = set(facts.KNOWN_TYPES) | set(facts.REFUSED_TYPES) | set(facts.GLOBAL_TYPES)
    missing = sorted(t for t in named if t.startswith("azure-native:") and t not in native)
    missing += sorted(t for t in named if t.startswith("azuread:") and t not in azuread)
    assert not missing, f"not a resource of the installed SDK: {missing}"


def test_global_types_take_a_location():
    native = sdk_types("pulumi_azure_native")
    assert all(native[t] for t in facts.GLOBAL_TYPES)


def test_refused_types_are_outside_the_closed_world():
    assert not set(facts.REFUSED_TYPES) & set(facts.KNOWN_TYPES)
    assert not any(t.startswith(tuple(facts.REFUSED_PREFIXES)) for t in facts.KNOWN_TYPES
                   if not t.startswith("pulumi:providers:"))


def test_arm_spelling_of_the_regional_and_global_types():
    """What checkov reads (ARM types) is what CrossGuard reads (tokens), through dpaguard's ARM catalogue."""
    regional = {TYPES[t].arm_type.lower() for t in facts.REGIONAL_TYPES if t not in facts.GLOBAL_TYPES}
    assert set(facts.REGIONAL_ARM_TYPES) == regional | {TYPES[t].arm_type.lower() for t in facts.GLOBAL_TYPES
                                                        if t in TYPES}
    assert {TYPES[t].arm_type.lower() for t in facts.GLOBAL_TYPES if t in TYPES} <= set(facts.GLOBAL_ARM_TYPES)


CHECKOV_READS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import _dpa, location_in_norway, location_allowed_locations_assigned, rbac_no_privileged_builtin_roles
print(json.dumps({
    "norway": sorted(location_in_norway.NORWAY),
    "norway_assigned": sorted(location_allowed_locations_assigned.NORWAY),
    "global": sorted(location_in_norway.GLOBAL_TYPES),
    "regional": sorted(location_in_norway.REGIONAL_TYPES),
    "privileged": rbac_no_privileged_builtin_roles.PRIVILEGED_ROLES,
    "definitions": sorted(location_allowed_locations_assigned.DEFINITIONS),
    "private": sorted(str(n) for n in _dpa.PRIVATE),
}))
"""


def test_checkov_and_crossguard_read_the_same_facts():
    from policies.location import allowed_locations_assigned, in_norway
    from policies.network import nsg_no_internet_management_ports, vpn_no_internet_breakout
    from policies.rbac import no_privileged_builtin_roles

    python = ROOT / ".tools" / "checkov" / "bin" / "python"
    assert python.is_file(), f"{python} is missing: run ./dev setup (it installs checkov)"
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([str(python), "-c", CHECKOV_READS, str(ROOT / "policies" / "checkov")],
                              env=checkov.environment(Path(tmp)), capture_output=True, text=True, timeout=300,
                              check=True)
    seen = json.loads(done.stdout)
    assert seen["norway"] == seen["norway_assigned"] == sorted(in_norway.NORWAY_REGIONS)
    assert sorted(allowed_locations_assigned.ALLOWED) == seen["norway"]
    assert seen["global"] == sorted(facts.GLOBAL_ARM_TYPES)
    assert seen["regional"] == sorted(facts.REGIONAL_ARM_TYPES)
    assert seen["privileged"] == no_privileged_builtin_roles.PRIVILEGED_ROLES == facts.PRIVILEGED_ROLES
    assert seen["definitions"] == sorted(f"/providers/microsoft.authorization/policydefinitions/{g}"
                                         for g in allowed_locations_assigned.WHAT)
    crossguard_private = sorted(str(n) for n in nsg_no_internet_management_ports.PRIVATE)
    assert seen["private"] == crossguard_private == sorted(str(n) for n in vpn_no_internet_breakout.PRIVATE)


@pytest.mark.parametrize(("token", "base"), [
    ("azure-native:storage/v20230101:StorageAccount", "azure-native:storage:StorageAccount"),
    ("azure-native:network/v20240501:VirtualNetworkGateway", "azure-native:network:VirtualNetworkGateway"),
    ("azure-native:storage:StorageAccount", "azure-native:storage:StorageAccount"),
    ("azure-native:authorization/v20220401preview:RoleAssignment", "azure-native:authorization:RoleAssignment"),
    ("azure:storage/account:Account", "azure:storage/account:Account"),
    ("azuread:index/group:Group", "azuread:index/group:Group"),
])
def test_versioned_tokens_read_as_their_base_type(token, base):
    from policies.lib import base_type

    assert base_type(token) == base


def test_the_program_plans_the_entra_facts_of_the_pack():
    """modules/ cannot import the pack, so modules/access.py keeps its own copy of the Entra ids."""
    from modules import access

    assert access.HIGHLY_PRIVILEGED_ROLES == facts.HIGHLY_PRIVILEGED_ROLES
    assert access.PHISHING_RESISTANT_STRENGTH == (
        "/policies/authenticationStrengthPolicies/" + facts.PHISHING_RESISTANT_STRENGTH)
    # Microsoft Learn, "Built-in authentication strengths": Phishing-resistant MFA.
    assert facts.PHISHING_RESISTANT_STRENGTH == "00000000-0000-0000-0000-000000000004"
