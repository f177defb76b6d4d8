"""The custom checkov checks and the reviewed lists, as a collection (read with ast: no checkov here)."""

from __future__ import annotations

import re
from pathlib import Path

from dpaguard.arm.checks import CUSTOM_ID, builtin_clauses, custom_checks, skips
from policies.clauses import CLAUSES

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = ROOT / "policies" / "checkov"
CHECKS = custom_checks(DIRECTORY)


def test_ids_are_unique_and_well_formed():
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(CUSTOM_ID.match(i) for i in ids), ids
    # numbered without gaps, so a removed check leaves a visible hole to explain
    assert sorted(int(i.rsplit("_", 1)[1]) for i in ids) == list(range(1, len(ids) + 1))


def test_one_check_per_file_each_citing_known_clauses():
    files = sorted(p for p in DIRECTORY.glob("*.py") if not p.name.startswith("_"))
    assert [c.file for c in CHECKS] == files, "every check file defines exactly one check, read by dpaguard"
    for c in CHECKS:
        assert c.clauses, f"{c.file.name} cites no clause"
        unknown = set(c.clauses) - set(CLAUSES)
        assert not unknown, f"{c.file.name} cites unknown clauses {sorted(unknown)}"
        assert c.resource_types, f"{c.file.name} names no resource type"
        assert all(t == "*" or re.fullmatch(r"Microsoft\.[A-Za-z]+(/[A-Za-z0-9]+)+", t) for t in c.resource_types), c.resource_types
        assert c.summary, f"{c.file.name} has no docstring saying what it checks"
        text = c.file.read_text()
        assert text.count("BaseResourceCheck)") == 1 and "\ncheck = " in text, c.file.name


def test_skips_are_built_in_checks_with_a_written_reason():
    listed = skips(DIRECTORY)
    assert listed, "skips.yaml is empty: then say so in docs/checkov.md and drop this test"
    for check_id, reason in listed.items():
        assert re.fullmatch(r"CKV2?_AZURE_\d+", check_id), f"{check_id}: only built-in checks are skipped"
        assert len(reason) > 60, f"{check_id}: the reason must say why it does not apply, not just that"


def test_builtin_clause_map_cites_known_clauses():
    mapped = builtin_clauses(DIRECTORY)
    assert set(mapped).isdisjoint(skips(DIRECTORY)), "a skipped check evidences nothing"
    for check_id, clauses in mapped.items():
        assert re.fullmatch(r"CKV2?_AZURE_\d+", check_id), check_id
        assert set(clauses) <= set(CLAUSES), f"{check_id}: unknown clauses {sorted(set(clauses) - set(CLAUSES))}"


def test_each_check_names_its_crossguard_counterpart():
    from policies.pack import POLICIES

    names = {p.name for p in POLICIES}
    for c in CHECKS:
        policies = {part.strip().split(" ")[0] for part in c.crossguard.split(",") if part.strip()}
        assert policies & names, f"{c.file.name}: docstring line `CrossGuard: <policy>` names no policy of the pack"


def test_docs_table_is_generated():
    from dpaguard.arm.checks import markdown

    text = (ROOT / "docs" / "checkov.md").read_text()
    start = text.index("-->\n", text.index("<!-- custom-checks:")) + 4
    end = text.index("<!-- /custom-checks -->")
    assert text[start:end] == markdown(ROOT), "run `python -m dpaguard.arm.checks` and paste it into docs/checkov.md"
