"""`dpaguard breach`: every ECG-8 field for every recipient the agreements name, missing ones named, the clock shown.

Expected recipients and contacts are the literal values of stacks/*.yaml; expected field names are
ECG-8's list in ../shared/agreements/CLAUSES.md ("nature, categories and approximate numbers,
contact point, likely consequences, measures taken").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from dpaguard.cli import main

OUS = "ous-kvalitetslab"
ECG = "ecg247"
OUS_DPO = "personvernombudet@ous-hf.example.no"  # stacks/Pulumi.ous-kvalitetslab.yaml audit.dpoEmail
AHUS = "mbt.nedreromerike@ahus.example.no"  # ahus-mbt contact
SUS = "personlighet@sus.example.no"  # sus-mbt contact
ECG_LIE = "oskar.lie@bergen-legesenter.example.no"  # dr-lie-bergen contact

ECG8 = {"nature of the breach", "categories of data subjects", "approximate number of data subjects",
        "categories of personal data records", "approximate number of records", "contact point",
        "likely consequences", "measures taken or proposed"}

COMPLETE = {
    "id": "INC-2026-007",
    "found": "2026-12-01T08:00:00Z",
    "occurred": "2026-11-30T22:10:00+01:00",
    "what": "A scorer's laptop holding two cached recordings was stolen from a car",
    "controllers": ["ahus-mbt"],
    "stores": ["ousklrec/rec-ahus-mbt"],
    "data_subject_categories": ["patients in MBT therapy", "therapists"],
    "data_subjects_approx": 3,
    "record_categories": ["session recordings (video)"],
    "records_approx": 2,
    "contact": "Kari Nordmann, +47 22 00 00 00",
    "consequences": "Disclosure of therapy content; the disk is encrypted, so the risk is low",
    "measures_taken": ["device wiped remotely", "scorer's access revoked"],
    "measures_proposed": ["no local caching of recordings"],
}


def write(tmp_path: Path, record: dict) -> Path:
    path = tmp_path / "incident.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True))
    return path


def breach(tmp_path, record, stack=OUS, *extra) -> tuple[int, dict]:
    rc = main(["breach", "--stack", stack, "--incident", str(write(tmp_path, record)), "--out", str(tmp_path / "out"),
               "--at", "2026-12-01T09:30:00Z", *extra])
    path = tmp_path / "out" / "notices.json"
    return rc, json.loads(path.read_text()) if path.exists() else {}


def test_complete_ous_incident_reaches_dpo_and_trust_with_every_field(tmp_path, capsys):
    rc, result = breach(tmp_path, COMPLETE)
    assert rc == 0, capsys.readouterr().err
    assert {(n["to"], n["clause"]) for n in result["notices"]} == {(OUS_DPO, "OUS-6.a"), (AHUS, "OUS-6.a")}
    for n in result["notices"]:
        assert set(n["fields"]) == ECG8 and n["missing"] == []
        assert n["fields"]["approximate number of records"] == 2
        assert n["fields"]["measures taken or proposed"] == {
            "measures_taken": ["device wiped remotely", "scorer's access revoked"],
            "measures_proposed": ["no local caching of recordings"]}
        # Aware 08:00, told 09:30; the trust's 72 hours run from 09:30.
        assert n["clock"]["processor_delay"] == "1 h 30 min"
        assert n["clock"]["controller_deadline"] == "2026-12-04T09:30:00+00:00"
        assert n["occurred"] == "2026-11-30T21:10:00+00:00"
    text = (tmp_path / "out" / f"initial-{AHUS}.txt").read_text()
    assert f"To: {AHUS}" in text and "MISSING" not in text and "2026-12-04T09:30:00+00:00" in text


def test_missing_fields_are_named_not_invented(tmp_path, capsys):
    record = {k: v for k, v in COMPLETE.items()
              if k not in ("data_subjects_approx", "consequences", "measures_taken", "measures_proposed")}
    rc, result = breach(tmp_path, record)
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1
    expected = ["approximate number of data subjects", "likely consequences", "measures taken or proposed"]
    assert result["final_missing"] == expected
    for n in result["notices"]:
        assert n["missing"] == expected
        assert {k for k, v in n["fields"].items() if v is None} == set(expected)
    for name in expected:
        assert name in err
    text = (tmp_path / "out" / f"initial-{OUS_DPO}.txt").read_text()
    assert text.count("MISSING") == 3


def test_contact_point_defaults_to_the_stacks_processor_email_and_says_so(tmp_path):
    record = {k: v for k, v in COMPLETE.items() if k != "contact"}
    rc, result = breach(tmp_path, record)
    assert rc == 0
    for n in result["notices"]:
        # stacks/Pulumi.ous-kvalitetslab.yaml audit.processorEmail
        assert n["fields"]["contact point"] == "kvalitetslab-sikkerhet@ous-hf.example.no"
        assert n["sources"] == {"contact": "stack config audit.processorEmail"}


def test_ecg_incident_reaches_the_physician_only(tmp_path):
    record = {**COMPLETE, "controllers": ["dr-lie-bergen"], "stores": []}
    rc, result = breach(tmp_path, record, ECG)
    assert rc == 0
    assert {(n["to"], n["clause"], n["agreement"]) for n in result["notices"]} == {(ECG_LIE, "ECG-8", "ECG")}


def test_phased_information_gives_follow_ups_with_the_same_deadline(tmp_path):
    record = {k: v for k, v in COMPLETE.items() if k not in ("records_approx", "consequences")}
    record["updates"] = [{"at": "2026-12-02T10:00:00Z", "records_approx": 5},
                         {"at": "2026-12-03T10:00:00Z", "consequences": "Low risk: encrypted disk"}]
    rc, result = breach(tmp_path, record)
    assert rc == 0
    for to in (OUS_DPO, AHUS):
        mine = [n for n in result["notices"] if n["to"] == to]
        assert [(n["kind"], n["changed"], n["missing"]) for n in mine] == [
            ("initial", [], ["approximate number of records", "likely consequences"]),
            ("follow-up 1", ["records_approx"], ["likely consequences"]),
            ("follow-up 2", ["consequences"], []),
        ]
        assert {n["clock"]["controller_deadline"] for n in mine} == {"2026-12-04T09:30:00+00:00"}
    assert (tmp_path / "out" / f"follow-up-2-{AHUS}.txt").exists()


def test_a_store_of_an_unlisted_controller_is_named(tmp_path, capsys):
    record = {**COMPLETE, "stores": ["ousklrec/rec-ahus-mbt", "ousklrec/rec-sus-mbt"]}
    rc, result = breach(tmp_path, record)
    assert rc == 1
    assert result["inconsistencies"] == [
        "store ousklrec/rec-sus-mbt holds data of controller sus-mbt, who is not listed under controllers"]
    assert SUS not in {n["to"] for n in result["notices"]}
    assert "sus-mbt" in capsys.readouterr().err


def test_audit_log_evidence_is_counted(tmp_path):
    log = tmp_path / "audit.log"
    lines = [
        {"seq": 1, "ts": "2026-11-30T20:00:00+00:00", "event": {"action": "deploy", "decision": "refused"}},
        {"seq": 2, "ts": "2026-11-30T21:00:00+00:00", "event": {"action": "deploy", "decision": "refused"}},
        {"seq": 3, "ts": "2026-10-01T00:00:00+00:00", "event": {"action": "deploy", "decision": "allowed"}},
    ]
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    rc, result = breach(tmp_path, COMPLETE, OUS, "--audit-log", str(log))
    assert rc == 0
    evidence = result["notices"][0]["evidence"]
    # a hand-written copy carries no macs: counted, and labelled as unverified
    assert evidence["source"].startswith("NOT verified")
    assert {k: v for k, v in evidence.items() if k != "source"} == {"window": "since 2026-11-29T21:10:00+00:00",
                                                                   "deploy refused": 2}


BAD = [
    ("unknown_controller", {**COMPLETE, "controllers": ["nobody"]}, "controller(s) nobody not in stack"),
    ("unknown_store", {**COMPLETE, "stores": ["elsewhere/x"]}, "store 'elsewhere/x' is not one the stack names"),
    ("unknown_key", {**COMPLETE, "severity": "high"}, "unknown key(s) severity"),
    ("no_found", {k: v for k, v in COMPLETE.items() if k != "found"}, "found: required"),
    ("naive_time", {**COMPLETE, "found": "2026-12-01T08:00:00"}, "give a time zone"),
    ("negative_count", {**COMPLETE, "records_approx": -1}, "whole number"),
    ("update_backwards", {**COMPLETE, "updates": [{"at": "2026-11-01T00:00:00Z", "records_approx": 3}]},
     "earlier than the phase before it"),
]


@pytest.mark.parametrize(("case", "record", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_records_are_one_line_exit_2(case, record, words, tmp_path, capsys):
    rc, result = breach(tmp_path, record)
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("dpaguard: error: ") and err.count("\n") == 1 and words in err, err
    assert result == {}


def test_unreadable_incident_is_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("id: [unclosed")
    assert main(["breach", "--stack", OUS, "--incident", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "not YAML" in capsys.readouterr().err


def _stack_log(tmp_path: Path, events: int):
    from dpaguard.gate.audit import AuditLog
    from tests.gate.project import make_project

    project = make_project(tmp_path)
    log = AuditLog(project.audit_log, project.audit_key, project.checkpoints)
    for _ in range(events):
        log.append({"action": "deploy", "decision": "refused"})
    return project


def _source(tmp_path: Path, project, copy: Path) -> str:
    rc = main(["breach", "--stack", OUS, "--incident", str(write(tmp_path, COMPLETE)), "--out", str(tmp_path / "out"),
               "--at", "2026-12-01T09:30:00Z", "--root", str(project.root), "--audit-log", str(copy)])
    assert rc == 0
    return json.loads((tmp_path / "out" / "notices.json").read_text())["notices"][0]["evidence"]["source"]


def test_a_whole_copy_of_the_stack_log_is_verified(tmp_path):
    project = _stack_log(tmp_path, 3)
    copy = tmp_path / "copy.log"
    copy.write_bytes(project.audit_log.read_bytes())
    assert _source(tmp_path, project, copy) == ("verified: the HMAC chain of its 3 entries holds under the stack's "
                                                "audit key, up to the entry its checkpoint records (seq 3)")


def test_an_older_copy_is_verified_as_far_as_it_goes(tmp_path):
    # every entry of the copy carries a good mac; the checkpoint says the log has grown since (a copy
    # taken before the last decision looks the same as one cut back: neither is called whole)
    project = _stack_log(tmp_path, 3)
    copy = tmp_path / "copy.log"
    copy.write_bytes(b"".join(project.audit_log.read_bytes().splitlines(keepends=True)[:2]))
    assert _source(tmp_path, project, copy) == (
        "verified up to seq 2: the HMAC chain of its 2 entries holds under the stack's audit key; the stack's log "
        "has since reached seq 3 (its checkpoint), so entries 3..3 are not in this copy")


def test_entries_beyond_the_checkpoint_are_not_passed_off_as_verified(tmp_path):
    # a copy one entry longer than what the checkpoint vouches for (a key holder's forgery, or a live
    # log whose checkpoint was rolled back): here the checkpoint file as it was after entry 3
    from dpaguard.gate.audit import AuditLog, checkpoint_path

    project = _stack_log(tmp_path, 3)
    checkpoint = checkpoint_path(project.audit_log, project.checkpoints)
    at_three = checkpoint.read_bytes()
    AuditLog(project.audit_log, project.audit_key, project.checkpoints).append({"action": "deploy",
                                                                                "decision": "allowed"})
    copy = tmp_path / "copy.log"
    copy.write_bytes(project.audit_log.read_bytes())
    checkpoint.write_bytes(at_three)
    assert _source(tmp_path, project, copy) == ("verified up to seq 3, the stack's checkpoint; entries 4..4 go "
                                                "beyond it and are NOT verified")


def test_a_damaged_copy_does_not_hold_back_the_notice(tmp_path):
    project = _stack_log(tmp_path, 2)
    copy = tmp_path / "copy.log"
    copy.write_bytes(project.audit_log.read_bytes()[:-20])  # cut mid-line
    rc = main(["breach", "--stack", OUS, "--incident", str(write(tmp_path, COMPLETE)), "--out", str(tmp_path / "out"),
               "--at", "2026-12-01T09:30:00Z", "--root", str(project.root), "--audit-log", str(copy)])
    assert rc == 0
    evidence = json.loads((tmp_path / "out" / "notices.json").read_text())["notices"][0]["evidence"]
    assert evidence["source"] == ("NOT verified: line 2: truncated: last line is incomplete (interrupted write or cut "
                                  "file)")
    assert evidence["unreadable lines"] == 1
