"""Invariants of the pack as a whole (cfn-lint's test_rules_collections.py, for clauses).

Naming rule: a policy lives in `policies/<area>/<rule>.py` and is named `<area>-<rule>` with
`_` written `-` (policies/storage/shared_key_disabled.py -> storage-shared-key-disabled);
its `area:` tag is the directory. One file, one module-level POLICY, one `validate`.
Modules starting with `_` are helpers; the directories in NOT_AREAS hold no policies.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from policies.clauses import CLAUSES, NOT_IN_PLAN, technical_clauses
from policies.lib import clauses_of
from policies.pack import POLICIES

ROOT = Path(__file__).resolve().parents[2]
POLICY_DIR = ROOT / "policies"
CLAUSES_MD = ROOT.parent / "shared" / "agreements" / "CLAUSES.md"
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CLAUSE_ROW = re.compile(r"^\|\s*((?:OUS|ECG)-[0-9A-Za-z.]+)\s*\|")


# Directories of policies/ that hold no CrossGuard policies, and why.
NOT_AREAS = {
    "checkov": "checkov custom checks of the same rules, for the comparison in tools/checkov (dpaguard scan)",
}


def policy_files() -> list[Path]:
    """policies/<area>/<rule>.py; modules starting with `_` are helpers, not rules."""
    return sorted(p for p in POLICY_DIR.glob("*/*.py")
                  if p.parent.name not in NOT_AREAS and not p.name.startswith("_"))


def module_of(path: Path):
    return importlib.import_module(f"policies.{path.parent.name}.{path.stem}")


def expected_name(path: Path) -> str:
    return f"{path.parent.name}-{path.stem.replace('_', '-')}"


def _validator(policy):
    cls = ResourceValidationPolicy if isinstance(policy, ResourceValidationPolicy) else StackValidationPolicy
    return getattr(policy, f"_{cls.__name__}__validate", None)


FILES = policy_files()


def test_pack_is_not_empty():
    assert POLICIES, "policies/pack.py lists no policy"


def test_names_are_unique():
    names = [p.name for p in POLICIES]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"policy names used more than once: {duplicates}"


@pytest.mark.parametrize("policy", POLICIES, ids=[p.name for p in POLICIES])
def test_metadata(policy):
    assert KEBAB.match(policy.name), f"{policy.name}: not kebab-case"
    assert isinstance(policy, (ResourceValidationPolicy, StackValidationPolicy)), policy.name
    assert policy.description and policy.description.strip(), f"{policy.name}: no description"
    assert policy.severity is not None, f"{policy.name}: no severity"
    assert policy.remediation_steps and policy.remediation_steps.strip(), f"{policy.name}: no remediation"
    assert policy.enforcement_level in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY), (
        f"{policy.name}: enforcement {policy.enforcement_level}"
    )
    clauses = clauses_of(policy)
    assert clauses, f"{policy.name}: cites no clause"
    unknown = [c for c in clauses if c not in CLAUSES]
    assert not unknown, f"{policy.name}: unknown clause ids {unknown}"
    assert len(set(clauses)) == len(clauses), f"{policy.name}: a clause cited twice: {clauses}"
    assert policy.framework is not None and policy.framework.reference == clauses[0], (
        f"{policy.name}: framework.reference {getattr(policy.framework, 'reference', None)} != first clause {clauses[0]}"
    )
    areas = [t for t in policy.tags or [] if t.startswith("area:")]
    assert len(areas) == 1, f"{policy.name}: needs exactly one area: tag, has {areas}"
    assert policy.url and policy.url.endswith(f"#{policy.name}"), f"{policy.name}: url {policy.url}"


def test_every_technical_clause_is_cited():
    cited = {c for p in POLICIES for c in clauses_of(p)}
    missing = [c for c in technical_clauses() if c not in cited]
    assert not missing, f"technical clauses no policy cites (add one, or a reason in NOT_IN_PLAN): {missing}"


def test_not_in_plan_names_real_clauses():
    assert set(NOT_IN_PLAN) <= set(CLAUSES), sorted(set(NOT_IN_PLAN) - set(CLAUSES))
    assert all(reason.strip() for reason in NOT_IN_PLAN.values())


def test_clause_ids_match_clauses_md():
    if not CLAUSES_MD.is_file():
        pytest.skip(f"{CLAUSES_MD} is absent (the agreements are kept beside the repository)")
    ids = [m.group(1) for line in CLAUSES_MD.read_text(encoding="utf-8").splitlines() if (m := CLAUSE_ROW.match(line))]
    assert ids, f"no clause rows found in {CLAUSES_MD}"
    assert sorted(ids) == sorted(CLAUSES), (
        f"only in CLAUSES.md: {sorted(set(ids) - set(CLAUSES))}; only in policies/clauses.py: {sorted(set(CLAUSES) - set(ids))}"
    )
    assert list(CLAUSES) == ids, "policies/clauses.py should list the clauses in the order of CLAUSES.md"


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_policy_file_has_one_policy_in_the_pack_once(path):
    module = module_of(path)
    policy = getattr(module, "POLICY", None)
    assert policy is not None, f"{path.relative_to(ROOT)}: no module-level POLICY"
    others = [n for n, v in vars(module).items()
              if n != "POLICY" and isinstance(v, (ResourceValidationPolicy, StackValidationPolicy))]
    assert not others, f"{path.relative_to(ROOT)}: more than one policy object: {others}"
    assert callable(getattr(module, "validate", None)), f"{path.relative_to(ROOT)}: no module-level validate"
    guarded = _validator(policy)
    assert getattr(guarded, "__wrapped__", None) is module.validate, (
        f"{path.relative_to(ROOT)}: POLICY does not use this file's validate through policies/lib's wrapper"
    )
    assert policy.name == expected_name(path), (
        f"{path.relative_to(ROOT)}: policy named {policy.name!r}, the file says {expected_name(path)!r}"
    )
    assert f"area:{path.parent.name}" in (policy.tags or []), f"{policy.name}: area tag is not {path.parent.name}"
    count = sum(1 for p in POLICIES if p is policy)
    assert count == 1, f"{policy.name} ({path.relative_to(ROOT)}) is in policies/pack.py POLICIES {count} times"


def test_every_pack_entry_comes_from_a_policy_file():
    from_files = {id(module_of(path).POLICY) for path in FILES if hasattr(module_of(path), "POLICY")}
    strays = [p.name for p in POLICIES if id(p) not in from_files]
    assert not strays, f"POLICIES entries not defined as POLICY in policies/<area>/<rule>.py: {strays}"



@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_policy_files_never_type_clause_ids_in_messages(path):
    """The `[clause, ...]` prefix is built from the metadata by policies/lib (one fact, one place)."""
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"""f?["']\[(?:OUS|ECG)-[0-9A-Za-z.]+[],]""", text), (
        f"{path.relative_to(ROOT)} types a clause prefix; report_violation gets it from the policy's clauses"
    )


@pytest.mark.parametrize("policy", POLICIES, ids=[p.name for p in POLICIES])
def test_stack_policies_say_they_run_after_deployment(policy):
    """pulumi/pulumi deployment_executor.go runs AnalyzeStack after the steps of `pulumi up`: the docs must say so."""
    from policies.lib import AFTER_DEPLOY

    assert (AFTER_DEPLOY in policy.description) == isinstance(policy, StackValidationPolicy), policy.name
