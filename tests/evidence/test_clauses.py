"""Clauses come from CLAUSES.md, the Norwegian wording from the signed agreement files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dpaguard.errors import InputError
from dpaguard.evidence.clauses import agreements_dir, load
from tests.evidence.test_evidence import CLAUSE_IDS

ROOT = Path(__file__).resolve().parents[2]
AGREEMENTS = agreements_dir(ROOT)


def test_every_clause_in_order_with_its_wording() -> None:
    clauses = load(AGREEMENTS)
    assert [c.id for c in clauses] == CLAUSE_IDS
    by_id = {c.id: c for c in clauses}
    # phrases of the signed texts, as a reader would look them up
    assert "sperring mot samtidig tilgang til internett" in by_id["OUS-6.1.c"].norwegian[0]
    assert by_id["OUS-6.1.c"].section == "6.1"
    assert any("Apphuset AS" in q for q in by_id["ECG-9"].norwegian)
    assert by_id["ECG-7S"].section == "7 (second)"
    assert all(c.norwegian for c in clauses)


def test_wording_that_no_longer_occurs_once_is_an_error(tmp_path: Path) -> None:
    for f in AGREEMENTS.iterdir():
        shutil.copy(f, tmp_path / f.name)
    ous = next(tmp_path.glob("000_*.txt"))
    text = ous.read_text(encoding="utf-8")
    ous.write_text(text.replace("2-nivå autentisering", "to-faktor autentisering"), encoding="utf-8")
    with pytest.raises(InputError, match=r"OUS-6\.1\.d .*occurs in 0 passages"):
        load(tmp_path)
