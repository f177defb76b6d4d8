"""A hostile operator or careless program against offboarding, export and certificates (Azurite, real files).

Each case names the hole it closes; expectations are literals (exit codes of dpaguard/errors.py, one line
on stderr), the tar format's own reader (`tarfile` with the "data" extraction filter) and Unicode's case
folding and normalisation, never the code under test.
"""

from __future__ import annotations

import base64
import json
import os
import tarfile
import unicodedata
from pathlib import Path

import pytest

from dpaguard.cli import main
from tests.offboard.test_offboard import OUS, SEED, certified, offboard, seed, stored


def one_line(capsys, code: int, rc: int, *words: str) -> str:
    out, err = capsys.readouterr()
    assert rc == code, (rc, err)
    assert err.startswith("dpaguard: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, (w, err)
    return err


# ------------------------------------------------------------------ export: names that are paths, twins, odd Unicode

HOSTILE_NAMES = {
    ("rec-ahus-mbt", "/lead.mp4"): b"absolute in a tar",
    ("rec-ahus-mbt", "trail/"): b"a directory in a tar",
    ("rec-ahus-mbt", "new\nline"): b"control characters",
    ("rec-ahus-mbt", "Case.mp4"): b"upper",
    ("rec-ahus-mbt", "case.mp4"): b"lower",
    ("rec-ahus-mbt", unicodedata.normalize("NFC", "økt-é.wav")): b"composed",
    ("rec-ahus-mbt", unicodedata.normalize("NFD", "økt-é.wav")): b"decomposed",
    ("rec-ahus-mbt", "\u202egnp.exe"): b"right-to-left override",
    ("rec-ahus-mbt", "x" * 900): b"long name",
}


def test_export_of_hostile_names_stays_inside_and_keeps_every_blob(project, azurite, gate_keys, jwks_file,
                                                                    signing_key, tmp_path, clock):
    seed(azurite, HOSTILE_NAMES)
    assert stored(azurite) == {(c, n, "") for c, n in HOSTILE_NAMES}  # Azurite keeps them all apart
    path = certified(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, clock,
                     "--export", str(tmp_path / "export"))
    assert path.exists() and stored(azurite) == set()
    (tar_path,) = (tmp_path / "export").glob("*.tar")
    target = tmp_path / "unpacked"
    with tarfile.open(tar_path) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        # the "data" filter refuses absolute names, `..` and links outside the target (PEP 706)
        tar.extractall(target, filter="data")
        manifest = json.loads(tar.extractfile("manifest.json").read())
    folded = {unicodedata.normalize("NFC", n).casefold() for n in names}
    assert len(folded) == len(names), "two members would land on one file on a case-insensitive file system"
    assert all(n == "manifest.json" or (n.startswith("data/") and ".." not in n.split("/")) for n in names)
    assert all(n.isascii() for n in names)
    files = {p for p in target.rglob("*") if p.is_file()}
    assert all(p.resolve().is_relative_to(target.resolve()) for p in files)
    assert not (tmp_path / "escape.mp4").exists()
    # the manifest maps every member back to its exact blob name and bytes
    by_name = {(e["container"], e["name"]): (target / e["path"]).read_bytes() for e in manifest["entries"]}
    assert by_name == HOSTILE_NAMES
    # the HTML rendering shows the right-to-left override as an escape, not as reversed text
    html = path.with_suffix(".html").read_text()
    assert "\u202e" not in html and "\\u202egnp.exe" in html


# Azurite stores `..\\..\\x` as `../../x` (it turns backslashes into slashes), so such a name can be
# listed; HTTP clients then rewrite `..` segments in a URL (RFC 3986 section 5.2.4), so it cannot be
# downloaded by that name. The batch delete carries the name in its body, where nothing rewrites it.
DOT_SEGMENTS = ("rec-ahus-mbt", "..\\..\\..\\..\\escape.mp4")


def test_dot_segment_name_is_refused_for_export_and_deleted_without(project, azurite, gate_keys, jwks_file,
                                                                      signing_key, tmp_path, capsys, clock):
    seed(azurite, {DOT_SEGMENTS: b"climbs out", **SEED})
    assert ("rec-ahus-mbt", "../../../../escape.mp4", "") in stored(azurite)
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, "--export", str(tmp_path / "export"))
    one_line(capsys, 2, rc, "../../../../escape.mp4", "RFC 3986")
    assert ("rec-ahus-mbt", "../../../../escape.mp4", "") in stored(azurite)  # nothing deleted
    assert not list((tmp_path / "export").glob("*.tar"))
    (tmp_path / "state" / "ahus-mbt-offboard.journal.json").unlink()  # the operator decides: no export
    path = certified(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, clock)
    assert stored(azurite) == set()
    names = {i["name"] for i in json.loads(path.read_text())["certificate"]["inventory_before"]["items"]}
    assert "../../../../escape.mp4" in names


def test_export_into_a_file_is_one_line(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, capsys):
    seed(azurite, SEED)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, "--export", str(blocker / "sub"))
    one_line(capsys, 2, rc, "not-a-folder")
    assert stored(azurite) != set()  # nothing deleted without the export that was asked for


def test_state_folder_that_is_a_file_is_one_line(project, azurite, gate_keys, jwks_file, signing_key, tmp_path,
                                                 capsys):
    seed(azurite, SEED)
    (tmp_path / "state-file").write_text("x")
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, "--state", str(tmp_path / "state-file"))
    one_line(capsys, 2, rc, "state-file")


# ------------------------------------------------------------------ the journal cannot be rewritten quietly


def _journal(tmp_path: Path) -> Path:
    return tmp_path / "state" / "ahus-mbt-offboard.journal.json"


@pytest.mark.parametrize("edit", ["drop_item", "new_run_id", "forged_citation"])
def test_edited_journal_is_never_certified(edit, project, azurite, gate_keys, jwks_file, signing_key, tmp_path,
                                           capsys, clock):
    seed(azurite, SEED)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0  # interim
    path = _journal(tmp_path)
    state = json.loads(path.read_text())
    if edit == "drop_item":
        state["before"].pop()  # hide one recording from the certificate
    elif edit == "new_run_id":
        state["run"] = "00000000-0000-4000-8000-000000000000"
    else:
        state["audit"].append({"seq": 1, "mac": "0" * 64, "event": {"gate": "identity", "decision": "allowed"}})
    path.write_text(json.dumps(state))
    clock.advance(3)
    capsys.readouterr()
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path)
    one_line(capsys, 1, rc, "nothing is certified")
    assert not (tmp_path / "state" / "ahus-mbt-offboard.certificate.json").exists()


@pytest.mark.parametrize("damage", [b"[]", b"{\"phase\": \"deleted\"}", b"\xff\xfe", b"{" * 100000])
def test_damaged_journal_is_one_line(damage, project, azurite, gate_keys, jwks_file, signing_key, tmp_path, capsys):
    seed(azurite, SEED)
    _journal(tmp_path).parent.mkdir(exist_ok=True)
    _journal(tmp_path).write_bytes(damage)
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path)
    one_line(capsys, 2, rc, "journal")


def test_journal_with_wrong_shapes_is_one_line(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, capsys):
    seed(azurite, SEED)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0
    state = json.loads(_journal(tmp_path).read_text())
    state["history"] = [{"phase": "started", "at": 5}]
    _journal(tmp_path).write_text(json.dumps(state))
    capsys.readouterr()
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path)
    one_line(capsys, 2, rc, "journal", "damaged")


# ------------------------------------------------------------------ certificates: every way to lie


def _resign(body: dict, key_path: Path) -> dict:
    from cryptography.hazmat.primitives import serialization

    from dpaguard.offboard import certificate

    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return certificate.sign(body, key)


def test_certificate_lies_and_odd_encodings(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, capsys,
                                            clock):
    seed(azurite, SEED)
    good = certified(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, clock)
    pub = str(signing_key) + ".pub"
    text = good.read_text()
    document = json.loads(text)
    body = document["certificate"]
    capsys.readouterr()

    def check(name: str, data: str | bytes, code: int, *words: str, pin: bool = True) -> None:
        path = tmp_path / f"{name}.json"
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        rc = main(["certificate", "verify", str(path)] + (["--public-key", pub] if pin else []))
        one_line(capsys, code, rc, *words) if code else None
        if code == 0:
            assert rc == 0, (name, capsys.readouterr().err)
            capsys.readouterr()

    # reordered keys say the same thing: still valid
    reordered = {"signature": document["signature"],
                 "certificate": dict(reversed(list(body.items())))}
    check("reordered", json.dumps(reordered), 0)
    # a duplicate key reads two ways (first-wins vs last-wins parsers)
    dup = text.replace('"certificate": {', '"certificate": {\n "controller": {"id": "sus-mbt", "name": "x"},', 1)
    check("duplicate", dup, 1, "duplicate key")
    # NaN is not JSON
    check("nan", text.replace('"count": 0', '"count": NaN', 1), 1, "NaN")
    # a lone surrogate in a signed string
    odd = json.loads(text)
    odd["certificate"]["processor"]["name"] = "\ud800"
    check("surrogate", json.dumps(_resign(odd["certificate"], signing_key)), 0)
    check("surrogate_unsigned", json.dumps({**odd, "signature": document["signature"]}), 1, "altered after signing")
    # a signature over different bytes: the value of another certificate
    other = _resign({**body, "id": "another"}, signing_key)
    check("other_sig", json.dumps({"certificate": body, "signature": other["signature"]} | {
        "signature": {**document["signature"], "value": other["signature"]["value"]}}), 1, "altered after signing")
    # a swapped public key: a forger re-signs with their own key
    forger = tmp_path / "keys" / "forger.key"
    assert main(["certificate", "keygen", "--out", str(forger)]) == 0
    capsys.readouterr()
    forged = _resign({**body, "controller": {**body["controller"], "id": "sus-mbt"}}, forger)
    check("forged_pinned", json.dumps(forged), 1, "not by the given public key")
    check("forged_unpinned", json.dumps(forged), 2, "--public-key", pin=False)
    # the embedded key id no longer matches its key
    check("key_id", json.dumps({**document, "signature": {**document["signature"], "key_id": "0" * 32}}), 1, "key_id")
    check("extra_sig_field", json.dumps({**document, "signature": {**document["signature"], "note": "x"}}), 1,
          "signature must have exactly")
    # validly signed, wrong shapes: each a verdict naming the field, never a traceback
    shapes = {
        "controller_text": ({"controller": "sus-mbt"}, "controller"),
        "clauses_nested": ({"clauses": [["OUS-9"]]}, "clauses"),
        "clauses_other_agreement": ({"clauses": ["ECG-11"]}, "do not all belong"),
        "timestamps_naive": ({"timestamps": {**body["timestamps"], "started": "2026-01-01T00:00:00"}}, "time zone"),
        "timestamps_number": ({"timestamps": {**body["timestamps"], "verified": 5}}, "timestamps.verified"),
        "issued_future": ({"timestamps": {**body["timestamps"], "issued": "2999-01-01T00:00:00+00:00"}}, "future"),
        "media_list": ({"media": []}, "media"),
        "stores_empty": ({"media": {**body["media"], "stores": []}}, "media.stores"),
        "count_bool": ({"inventory_before": {**body["inventory_before"], "count": True}}, "count"),
        "negative_size": ({"inventory_before": {**body["inventory_before"], "items": [
            {**body["inventory_before"]["items"][0], "size": -1}]}}, "size"),
        "bytes_wrong": ({"inventory_before": {**body["inventory_before"], "bytes": 1}}, "inventory_before.bytes"),
        "kinds_wrong": ({"inventory_before": {**body["inventory_before"], "by_kind": {"blob": 1}}}, "by_kind"),
        "audit_empty": ({"audit": []}, "audit"),
        "audit_hash_not_mac": ({"audit": [{"seq": 1, "hash": "0" * 64}]}, "audit"),
        "status_unknown": ({"status": "probably-gone"}, "status"),
        "gone_with_items_left": ({"inventory_after": body["inventory_before"]}, "inventory_after"),
        "operation_odd": ({"operation": "shred"}, "operation"),
    }
    for name, (change, words) in shapes.items():
        check(name, json.dumps(_resign({**body, **change}, signing_key)), 1, words)
    # not a certificate at all
    check("list", "[]", 2, "not a signed certificate")
    check("deep", "[" * 100000 + "]" * 100000, 2)
    check("binary", b"\xff\xfe\x00", 2, "not JSON")


def test_verify_unreadable_inputs_are_exit_2(tmp_path, signing_key, capsys):
    pub = str(signing_key) + ".pub"
    for target, words in ((str(tmp_path), "directory"), ("/dev/zero", "not a regular file"),
                          (str(tmp_path / "missing.json"), "missing.json")):
        one_line(capsys, 2, main(["certificate", "verify", target, "--public-key", pub]), words)
    cert = tmp_path / "c.json"
    cert.write_text("{}")
    one_line(capsys, 2, main(["certificate", "verify", str(cert), "--public-key", "/dev/zero"]), "public key")
    one_line(capsys, 2, main(["certificate", "verify", str(cert), "--public-key", str(tmp_path)]), "public key")
    one_line(capsys, 2, main(["certificate", "keygen", "--out", str(tmp_path / "no" / "such" / "k.key")]), "k.key")
    one_line(capsys, 2, main(["certificate", "keygen", "--out", str(signing_key)]), "exists")


def test_signing_key_that_is_unreadable_is_one_line(project, tmp_path, capsys):
    base = ["offboard", "--stack", OUS, "--controller", "ahus-mbt", "--root", str(project.root)]
    one_line(capsys, 2, main(base + ["--signing-key", str(tmp_path / "nokey")]), "nokey")
    one_line(capsys, 2, main(base + ["--signing-key", "/dev/zero"]), "signing key")
    loose = tmp_path / "loose.key"
    loose.write_text("x")
    os.chmod(loose, 0o644)
    one_line(capsys, 2, main(base + ["--signing-key", str(loose)]), "readable by others")


@pytest.mark.parametrize("blob", ["rec-ahus-mbt/", "/x", "rec-ahus-mbt", "scores-ahus-mbt/a\x00b"])
def test_erase_bad_blob_paths_are_one_line(blob, project, azurite, gate_keys, jwks_file, signing_key, tmp_path, capsys):
    seed(azurite, SEED)
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, "--blob", blob, command="erase")
    one_line(capsys, 2, rc, "--blob")


def test_forged_signature_bytes_are_not_base64(tmp_path, signing_key, capsys):
    doc = {"certificate": {}, "signature": {"algorithm": "Ed25519", "key_id": "x", "public_key": "!!",
                                            "value": base64.b64encode(b"x").decode()}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc))
    one_line(capsys, 1, main(["certificate", "verify", str(path), "--public-key", str(signing_key) + ".pub"]),
             "base64")


def test_inventory_too_large_to_certify_is_refused_before_deleting(project, azurite, gate_keys, jwks_file,
                                                                   signing_key, tmp_path, capsys, monkeypatch):
    from dpaguard.offboard import certificate

    seed(azurite, SEED)
    before = stored(azurite)
    # the cap stands for the 64 MiB a huge listing would pass; 4 recordings exceed a 1 MiB + 1 kB one
    monkeypatch.setattr(certificate, "MAX_CERTIFICATE_BYTES", (1 << 20) + 1024)
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path)
    one_line(capsys, 2, rc, "nothing was deleted", "dpaguard erase")
    assert stored(azurite) == before


def test_crash_after_container_removal_then_rerun_issues_the_final(project, azurite, gate_keys, jwks_file,
                                                                   signing_key, tmp_path, capsys, clock, monkeypatch):
    from dpaguard.offboard import run as run_mod

    seed(azurite, SEED)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0
    clock.advance(3)
    real = run_mod.Offboarding._issue

    def crash(self, body, *args):
        if body["status"] == "verified-gone":
            raise RuntimeError("power cut")
        return real(self, body, *args)

    monkeypatch.setattr(run_mod.Offboarding, "_issue", crash)
    with pytest.raises(RuntimeError):
        offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path)
    monkeypatch.setattr(run_mod.Offboarding, "_issue", real)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0
    body = json.loads((tmp_path / "state" / "ahus-mbt-offboard.certificate.json").read_text())["certificate"]
    assert body["status"] == "verified-gone"
    assert set(body["containers_removed"]) == {"ousklrec/rec-ahus-mbt (already absent)",
                                               "ousklrec/scores-ahus-mbt (already absent)"}


@pytest.mark.parametrize("endpoint", ["http://localhost.evil.example:10000", "http://[::ffff:10.0.0.5]:10000",
                                      "http://user:pw@127.0.0.1:10000", "ftp://127.0.0.1:10000",
                                      "http://127.0.0.1:10000?x=1", "http://0.0.0.0:10000"])
def test_endpoints_that_are_not_this_machine_are_refused(endpoint, project, signing_key, capsys):
    rc = main(["offboard", "--stack", OUS, "--controller", "ahus-mbt", "--root", str(project.root),
               "--endpoint", endpoint, "--signing-key", str(signing_key)])
    one_line(capsys, 2, rc, "--endpoint")


def test_store_that_does_not_answer_is_one_line(project, gate_keys, jwks_file, signing_key, tmp_path, capsys):
    import socket

    from tests.offboard.conftest import Azurite

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc = offboard(project, Azurite(f"http://127.0.0.1:{port}"), gate_keys, jwks_file, signing_key, tmp_path)
    one_line(capsys, 2, rc, "ousklrec")
