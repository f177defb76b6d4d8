"""`dpaguard clauses`: the generated clause table, its gaps, and docs/clauses.md kept in step with it."""

from __future__ import annotations

import json
from pathlib import Path

from dpaguard.checking.clausemap import GENERATE_COMMAND, clause_rows, render_markdown
from dpaguard.cli import main
from policies.clauses import CLAUSES, NOT_IN_PLAN
from policies.pack import POLICIES

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "clauses.md"


def test_committed_docs_are_generated():
    assert DOC.is_file(), f"docs/clauses.md is missing: run `{GENERATE_COMMAND}`"
    assert DOC.read_text(encoding="utf-8") == render_markdown(POLICIES), f"docs/clauses.md is stale: run `{GENERATE_COMMAND}`"


def test_check_option(capsys, tmp_path):
    stale = tmp_path / "clauses.md"
    stale.write_text("old\n", encoding="utf-8")
    assert main(["clauses", "--check", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err


def test_every_clause_is_listed_with_its_policies(capsys, small_pack):
    code = main(["clauses", "--format", "json"])
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert [c["id"] for c in document["clauses"]] == list(CLAUSES)
    rows = {c["id"]: c for c in document["clauses"]}
    assert [p["name"] for p in rows["OUS-6.1.a"]["policies"]] == ["storage-shared-key-disabled"]
    assert rows["OUS-6.1.a"]["policies"][0] == {"name": "storage-shared-key-disabled", "enforcement": "mandatory",
                                                "severity": "high", "primary": True}
    assert rows["ECG-6"]["policies"][0]["primary"] is False
    for clause, reason in NOT_IN_PLAN.items():
        assert rows[clause]["notInPlan"] == reason and not rows[clause]["gap"]
    # the small pack leaves most clauses without a control: a gap is exit 1, named on stderr
    assert rows["OUS-2"]["gap"] is True
    assert code == 1 and "NO CONTROL" in err and "OUS-2" in err


def test_markdown_marks_gaps_and_reasons(capsys, small_pack):
    main(["clauses"])
    out = capsys.readouterr().out
    assert "| OUS-2 | " in out and "**NO CONTROL**" in out
    assert f"not in a plan: {NOT_IN_PLAN['OUS-9']}" in out
    assert "[`storage-shared-key-disabled`](#storage-shared-key-disabled) (mandatory, primary)" in out
    assert "### storage-shared-key-disabled" in out


def test_real_pack_has_no_gap():
    gaps = [row.id for row in clause_rows(POLICIES) if row.gap]
    assert not gaps, f"clauses with NO CONTROL: {gaps}"


def test_output_option(capsys, small_pack, tmp_path):
    target = tmp_path / "clauses.md"
    main(["clauses", "--output", str(target)])
    assert target.read_text(encoding="utf-8") == render_markdown(small_pack)
