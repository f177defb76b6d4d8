"""`dpaguard breach` against hostile or careless incident records and files: one line, exit 2, nothing written."""

from __future__ import annotations

import json

import pytest
import yaml

from dpaguard.cli import main
from tests.breach.test_breach import COMPLETE, OUS, breach


def run(tmp_path, incident, *extra):
    return main(["breach", "--stack", OUS, "--incident", str(incident), "--out", str(tmp_path / "out"),
                 "--at", "2026-12-01T09:30:00Z", *extra])


def one_line(capsys, rc, code, *words):
    err = capsys.readouterr().err
    assert rc == code, err
    assert err.startswith("dpaguard: error: ") and err.count("\n") == 1, err
    for w in words:
        assert w in err, err


def test_alias_bomb_is_refused(tmp_path, capsys):
    # every key is a known one: 500 kB of text referenced 1,000 times stands for 500 MB in each notice
    body = yaml.safe_dump({k: v for k, v in COMPLETE.items() if k not in ("what", "measures_taken")})
    path = tmp_path / "bomb.yaml"
    path.write_text(body + 'what: &big "' + "y" * 500_000 + '"\n' + "measures_taken: [" + ", ".join(["*big"] * 1000)
                    + "]\n")
    one_line(capsys, run(tmp_path, path), 2, "alias")
    assert not (tmp_path / "out").exists()


def test_nested_alias_bomb_is_refused(tmp_path, capsys):
    lines = ['data_subject_categories: &a0 ["lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in COMPLETE.items() if k != "data_subject_categories"})
                    + "\n".join(lines) + "\n")
    one_line(capsys, run(tmp_path, path), 2, "alias")


@pytest.mark.parametrize("target", ["/dev/zero", "DIR"])
def test_unbounded_or_odd_incident_files(target, tmp_path, capsys):
    path = tmp_path if target == "DIR" else target
    one_line(capsys, run(tmp_path, path), 2, str(path))


def test_audit_log_that_never_ends_is_refused(tmp_path, capsys):
    path = tmp_path / "i.yaml"
    path.write_text(yaml.safe_dump(COMPLETE))
    one_line(capsys, run(tmp_path, path, "--audit-log", "/dev/zero"), 2, "/dev/zero")


WRONG = [
    ("found_in_future", {**COMPLETE, "found": "2026-12-05T00:00:00Z"}, "after the notice time"),
    ("occurred_after_found", {**COMPLETE, "occurred": "2026-12-01T09:00:00Z"}, "occurred"),
    ("id_list", {**COMPLETE, "id": ["INC"]}, "id"),
    ("found_number", {**COMPLETE, "found": 5}, "found"),
    ("updates_mapping", {**COMPLETE, "updates": {"at": "2026-12-02T00:00:00Z"}}, "updates"),
    ("count_bool", {**COMPLETE, "records_approx": True}, "whole number"),
    ("count_huge", {**COMPLETE, "records_approx": 10**400}, "whole number"),
    ("stores_numbers", {**COMPLETE, "stores": [1]}, "stores"),
    ("text_list", {**COMPLETE, "what": ["a"]}, "what"),
    ("key_number", {**COMPLETE, 5: "x"}, "unknown key"),
]


@pytest.mark.parametrize(("case", "record", "words"), WRONG, ids=[w[0] for w in WRONG])
def test_wrong_types_and_dates(case, record, words, tmp_path, capsys):
    rc, result = breach(tmp_path, record)
    one_line(capsys, rc, 2, words)
    assert result == {}


def test_out_that_is_a_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "i.yaml"
    path.write_text(yaml.safe_dump(COMPLETE))
    blocker = tmp_path / "out"
    blocker.write_text("x")
    one_line(capsys, run(tmp_path, path), 2, "out")


def test_bad_at_is_one_line(tmp_path, capsys):
    path = tmp_path / "i.yaml"
    path.write_text(yaml.safe_dump(COMPLETE))
    for at, words in (("yesterday", "ISO 8601"), ("2026-12-01T09:30:00", "time zone")):
        rc = main(["breach", "--stack", OUS, "--incident", str(path), "--out", str(tmp_path / "o"), "--at", at])
        one_line(capsys, rc, 2, words)


def test_notices_json_is_valid_json(tmp_path):
    rc, result = breach(tmp_path, COMPLETE)
    assert rc == 0 and json.dumps(result)


def test_authentic_audit_log_is_labelled_verified_and_an_edited_one_not(tmp_path, capsys):
    from dpaguard.gate.stack import audit_log, load_trust
    from tests.gate.project import make_project

    project = make_project(tmp_path)
    log = audit_log(load_trust(project.root, OUS))
    for decision in ("refused", "refused", "allowed"):
        log.append({"action": "deploy", "decision": decision})
    incident = tmp_path / "i.yaml"
    incident.write_text(yaml.safe_dump({**COMPLETE, "found": "2026-12-01T08:00:00Z"}))
    argv = ["breach", "--stack", OUS, "--incident", str(incident), "--root", str(project.root),
            "--audit-log", str(project.audit_log), "--at", "2026-12-01T09:30:00Z"]
    assert main(argv + ["--out", str(tmp_path / "a")]) == 0
    evidence = json.loads((tmp_path / "a" / "notices.json").read_text())["notices"][0]["evidence"]
    assert evidence["source"].startswith("verified") and "3 entries" in evidence["source"]
    # an edited copy: one refusal turned into an allowance
    copy = tmp_path / "copy.log"
    copy.write_text(project.audit_log.read_text().replace('"refused"', '"allowed"', 1))
    argv[argv.index(str(project.audit_log))] = str(copy)
    assert main(argv + ["--out", str(tmp_path / "b")]) == 0
    evidence = json.loads((tmp_path / "b" / "notices.json").read_text())["notices"][0]["evidence"]
    assert evidence["source"].startswith("NOT verified: line 1")
