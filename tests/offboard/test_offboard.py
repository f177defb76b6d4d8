"""`dpaguard offboard`/`erase` against Azurite: seeded blobs and snapshots gone, a certificate that verifies and
fails when altered, a crash between delete and verify that a rerun repairs, stores that would keep a copy refused.

Azurite has no soft delete and no blob versioning (it stores the delete retention policy it is given
and reports it back, but deletes at once), so the soft-delete purge and version paths are proven only
against Microsoft Learn (see README "Offboarding"); the refusal that reads the policy is tested here.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
import time
from pathlib import Path

import pytest

from dpaguard.cli import main
from dpaguard.offboard import run as run_mod
from tests.gate.helpers import claims_v1
from tests.gate.project import DEPLOYER_ROLE, ECG, OUS, OUS_DEPLOYER, OUS_TENANT, STACK_AUDIENCE, make_project
from tests.offboard.conftest import use_routes

ECG_TENANT = "b8d4c2e6-7a1f-4e93-8c5d-0f6a2b9e1c37"  # stacks/Pulumi.ecg247.yaml tenantId
ECG_DEPLOYER = "bf8c94fe-460e-52b7-a9c8-80b979a2b794"  # stacks/Pulumi.ecg247.yaml gate.deployers[0]

# ahus-mbt has scores consent, so the OUS stack gives it two containers; sus-mbt is a neighbour.
SEED = {
    ("rec-ahus-mbt", "2026/session-01.mp4"): b"recording one" * 100,
    ("rec-ahus-mbt", "2026/session-02.mp4"): b"recording two" * 50,
    ("rec-ahus-mbt", "session with spaces æøå.wav"): b"audio",
    ("scores-ahus-mbt", "scores/2026-q1.json"): b'{"adherence": 3}',
}
SNAPSHOTTED = ("rec-ahus-mbt", "2026/session-01.mp4")
NEIGHBOUR = {("rec-sus-mbt", "2026/other.mp4"): b"someone else's"}


def token(keys, tenant: str = OUS_TENANT, oid: str = OUS_DEPLOYER) -> str:
    now = int(time.time())
    return keys.token(claims_v1(aud=STACK_AUDIENCE, iss=f"https://sts.windows.net/{tenant}/", tid=tenant,
                                roles=[DEPLOYER_ROLE], oid=oid, iat=now - 60, nbf=now - 60, exp=now + 3600))


def seed(azurite, data: dict[tuple[str, str], bytes], account: str = "ousklrec") -> str:
    service = azurite.service(account)
    for container in sorted({c for c, _ in data}):
        service.create_container(container)
    for (container, name), body in data.items():
        service.get_blob_client(container, name).upload_blob(body)
    client = service.get_blob_client(*SNAPSHOTTED) if SNAPSHOTTED in data else None
    if client is None:
        return ""
    snapshot = client.create_snapshot()["snapshot"]
    client.upload_blob(b"overwritten after the snapshot", overwrite=True)
    return str(snapshot)


def stored(azurite, account: str = "ousklrec") -> set[tuple[str, str, str]]:
    service = azurite.service(account)
    return {(c.name, b.name, b.snapshot or "")
            for c in service.list_containers()
            for b in service.get_container_client(c.name).list_blobs(include=["snapshots", "deleted", "versions"])}


def offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, *extra, command="offboard",
             controller="ahus-mbt", stack=OUS, tok=None):
    argv = [command, "--stack", stack, "--controller", controller, "--root", str(project.root),
            "--endpoint", azurite.endpoint, "--signing-key", str(signing_key), "--state", str(tmp_path / "state"),
            "--jwks", str(jwks_file)]
    tok = token(gate_keys) if tok is None else tok
    if tok:
        argv += ["--token", tok]
    return main(argv + list(extra))


def audit_events(project) -> list[dict]:
    return [json.loads(line)["event"] for line in project.audit_log.read_text().splitlines()]


def certified(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, clock, *extra, days=3, **kw) -> Path:
    """Interim run, then the final run once the store's recoverable window (OUS stack: 2 days) has passed."""
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, *extra, **kw) == 0
    clock.advance(days)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, **kw) == 0
    name = f"{kw.get('controller', 'ahus-mbt')}-offboard"
    return tmp_path / "state" / f"{name}.certificate.json"


# ------------------------------------------------------------------ the whole run


def test_offboard_leaves_nothing_and_certifies(project, azurite, gate_keys, jwks_file, signing_key, tmp_path,
                                               capsys, clock):
    snapshot = seed(azurite, {**SEED, **NEIGHBOUR})
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, "--export", str(tmp_path / "export"))
    out, err = capsys.readouterr()
    assert rc == 0, err
    # stacks/Pulumi.ous-kvalitetslab.yaml recordings.softDeleteDays 2: first an interim certificate.
    assert "Interim certificate" in out
    (interim_path,) = (tmp_path / "state").glob("ahus-mbt-offboard.interim-1.certificate.json")
    interim = json.loads(interim_path.read_text())["certificate"]
    assert interim["status"] == "deleted-recoverable" and interim["containers_removed"] == []
    import datetime as dt

    until = dt.datetime.fromisoformat(interim["sanitization"]["recoverable_until"])
    assert until == dt.datetime.fromisoformat(interim["timestamps"]["deleted"]) + dt.timedelta(days=2)
    assert main(["certificate", "verify", str(interim_path), "--public-key", str(signing_key) + ".pub"]) == 0
    # Before the date a rerun only says when.
    clock.advance(1)
    capsys.readouterr()
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0
    assert "run the same command after" in capsys.readouterr().out
    assert not (tmp_path / "state" / "ahus-mbt-offboard.certificate.json").exists()
    clock.advance(2)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0
    # Only the neighbour's data is left: both of ahus-mbt's containers are gone.
    assert stored(azurite) == {("rec-sus-mbt", "2026/other.mp4", "")}

    cert_path = tmp_path / "state" / "ahus-mbt-offboard.certificate.json"
    assert cert_path.with_suffix(".html").exists()
    body = json.loads(cert_path.read_text())["certificate"]
    assert body["status"] == "verified-gone"
    assert body["interim"]["recoverable_until"] == interim["sanitization"]["recoverable_until"]
    before = {(i["container"], i["name"], i["snapshot"]) for i in body["inventory_before"]["items"]}
    assert before == {(c, n, "") for c, n in SEED} | {(*SNAPSHOTTED, snapshot)}
    assert body["inventory_after"]["items"] == [] and body["inventory_after"]["count"] == 0
    assert body["inventory_after"]["sha256"] == hashlib.sha256(b"").hexdigest()
    assert set(body["containers_removed"]) == {"ousklrec/rec-ahus-mbt", "ousklrec/scores-ahus-mbt"}
    assert body["clauses"] == ["OUS-9", "OUS-5", "OUS-11"]
    # stacks/Pulumi.ous-kvalitetslab.yaml recordings.softDeleteDays 2, no versioning: base blobs would stay
    # soft-deleted 2 days on Azure; OUS tolerates 7 (modules/config.py).
    assert (body["sanitization"]["recoverable_window_days"], body["sanitization"]["permitted_window_days"]) == (2, 7)
    assert body["operator"]["who"]
    # Each citation is an entry of the HMAC audit log, by seq and mac (dpaguard/gate/audit.py's format).
    log = {e["seq"]: e["mac"] for e in map(json.loads, project.audit_log.read_text().splitlines())}
    assert body["audit"] and all(log[a["seq"]] == a["mac"] for a in body["audit"])
    assert {(a["gate"], a["decision"]) for a in body["audit"] if "gate" in a} == {("identity", "allowed"),
                                                                                 ("tunnel", "allowed")}

    # The export holds exactly the seeded bytes, with the manifest's SHA-256 of each.
    (tar_path,) = (tmp_path / "export").glob("*.tar")
    with tarfile.open(tar_path) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        current = {(e["container"], e["name"]): e for e in manifest["entries"] if e["kind"] == "blob"}
        expected = {**SEED, SNAPSHOTTED: b"overwritten after the snapshot"}
        assert {k: v["sha256"] for k, v in current.items()} == {k: hashlib.sha256(v).hexdigest()
                                                                for k, v in expected.items()}
        (snap,) = [e for e in manifest["entries"] if e["kind"] == "snapshot"]
        assert tar.extractfile(snap["path"]).read() == SEED[SNAPSHOTTED]

    pub = str(signing_key) + ".pub"
    assert main(["certificate", "verify", str(cert_path), "--public-key", pub]) == 0
    capsys.readouterr()
    # The audit log holds every step, and the gate decisions came first.
    steps = [(e.get("gate") or e.get("phase"), e["decision"]) for e in audit_events(project)]
    assert steps[:2] == [("identity", "allowed"), ("tunnel", "allowed")]
    assert {"inventory", "export", "delete", "verify", "remove-containers", "certificate"} <= {s for s, _ in steps}

    # A rerun of a certified offboarding changes nothing and says so.
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0
    assert "already certified" in capsys.readouterr().out


TAMPERING = [
    ("controller", lambda c: c["controller"].update(id="sus-mbt")),
    ("drop_item", lambda c: c["inventory_before"]["items"].pop()),
    ("after_count", lambda c: c["inventory_after"].update(count=1)),
    ("timestamps", lambda c: c["timestamps"].update(issued="2000-01-01T00:00:00+00:00")),
]


@pytest.mark.parametrize(("case", "alter"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_altered_certificate_fails(case, alter, project, azurite, gate_keys, jwks_file, signing_key, tmp_path, capsys,
                                   clock):
    seed(azurite, SEED)
    path = certified(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, clock)
    document = json.loads(path.read_text())
    alter(document["certificate"])
    path.write_text(json.dumps(document))
    capsys.readouterr()
    assert main(["certificate", "verify", str(path), "--public-key", str(signing_key) + ".pub"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dpaguard: error: ") and err.count("\n") == 1 and "altered after signing" in err


def test_certificate_signed_by_another_key_fails(project, azurite, gate_keys, jwks_file, signing_key, tmp_path,
                                                 capsys, clock):
    seed(azurite, SEED)
    certified(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, clock)
    other = tmp_path / "keys" / "other.key"
    assert main(["certificate", "keygen", "--out", str(other)]) == 0
    capsys.readouterr()
    path = tmp_path / "state" / "ahus-mbt-offboard.certificate.json"
    assert main(["certificate", "verify", str(path), "--public-key", str(other) + ".pub"]) == 1
    assert "not by the given public key" in capsys.readouterr().err


class Crash(Exception):
    pass


def test_crash_between_delete_and_verify_then_rerun(project, azurite, gate_keys, jwks_file, signing_key, tmp_path,
                                                    monkeypatch, capsys, clock):
    snapshot = seed(azurite, SEED)

    def crash(self):
        raise Crash("power cut")

    monkeypatch.setattr(run_mod.Offboarding, "after_delete", crash)
    with pytest.raises(Crash):
        offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path)
    state = tmp_path / "state"
    assert not (state / "ahus-mbt-offboard.certificate.json").exists()
    assert json.loads((state / "ahus-mbt-offboard.journal.json").read_text())["phase"] == "deleted"
    # Something written after the crash is found, deleted and counted by the rerun.
    azurite.service("ousklrec").get_blob_client("rec-ahus-mbt", "late.mp4").upload_blob(b"late")

    monkeypatch.setattr(run_mod.Offboarding, "after_delete", lambda self: None)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0
    assert "resumed from the journal" in capsys.readouterr().out
    clock.advance(3)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 0
    assert stored(azurite) == set()
    body = json.loads((state / "ahus-mbt-offboard.certificate.json").read_text())["certificate"]
    before = {(i["container"], i["name"], i["snapshot"]) for i in body["inventory_before"]["items"]}
    assert before == {(c, n, "") for c, n in SEED} | {(*SNAPSHOTTED, snapshot), ("rec-ahus-mbt", "late.mp4", "")}
    assert body["sanitization"]["resumed_runs"] == 2
    assert body["sanitization"]["appeared_on_resume"] == 1
    assert main(["certificate", "verify", str(state / "ahus-mbt-offboard.certificate.json"), "--public-key",
                 str(signing_key) + ".pub"]) == 0


# ------------------------------------------------------------------ refusals


def test_soft_delete_longer_than_ous_permits_is_refused(project, azurite, gate_keys, jwks_file, signing_key,
                                                        tmp_path, capsys):
    from azure.storage.blob import RetentionPolicy

    seed(azurite, SEED)
    # OUS-5 tolerates at most 7 days (modules/config.py OUS_MAX_SOFT_DELETE_DAYS); 30 is more.
    azurite.service("ousklrec").set_service_properties(delete_retention_policy=RetentionPolicy(enabled=True, days=30))
    before = stored(azurite)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "30 days" in err and "permits 7" in err and "allowPermanentDelete" in err
    assert stored(azurite) == before
    assert not (tmp_path / "state" / "ahus-mbt-offboard.certificate.json").exists()
    assert audit_events(project)[-1]["decision"] == "refused"


def ecg_project(tmp_path, jwks_file, monkeypatch):
    use_routes(monkeypatch, "pass_forced_ecg247")
    return make_project(tmp_path, stack=ECG, jwks=jwks_file)


def test_ecg_store_as_provisioned_is_deleted_in_two_steps(tmp_path, jwks_file, azurite, gate_keys, signing_key,
                                                           monkeypatch, capsys, clock):
    """stacks/Pulumi.ecg247.yaml: softDeleteDays 30, versioning, point-in-time restore 29 days (ECG-7S), and
    allowPermanentDelete impossible beside restore. ECG-11 is met by an interim certificate at termination and a
    verified-gone one after the window (README, Offboarding)."""
    import datetime as dt

    from azure.storage.blob import RetentionPolicy

    project = ecg_project(tmp_path, jwks_file, monkeypatch)
    # the ECG stack puts dr-lie-bergen's container in shard ecg247ecg00; a neighbour's lives beside it
    service = azurite.service("ecg247ecg00")
    service.set_service_properties(delete_retention_policy=RetentionPolicy(enabled=True, days=30))
    service.create_container("ecg-dr-lie-bergen")
    service.create_container("ecg-dr-vik-bergen")
    service.get_blob_client("ecg-dr-lie-bergen", "patient-17.ecg").upload_blob(b"ecg")
    service.get_blob_client("ecg-dr-vik-bergen", "patient-3.ecg").upload_blob(b"neighbour")
    tok = token(gate_keys, tenant=ECG_TENANT, oid=ECG_DEPLOYER)
    run = lambda: offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path,  # noqa: E731
                           controller="dr-lie-bergen", stack=ECG, tok=tok)
    assert run() == 0, capsys.readouterr().err
    (interim_path,) = (tmp_path / "state").glob("dr-lie-bergen-offboard.interim-1.certificate.json")
    interim = json.loads(interim_path.read_text())["certificate"]
    assert interim["status"] == "deleted-recoverable" and interim["clauses"] == ["ECG-11", "ECG-6R"]
    san = interim["sanitization"]
    assert (san["recoverable_window_days"], san["permitted_window_days"]) == (30, 30)
    assert "point-in-time restore" in san["residual"]
    assert dt.datetime.fromisoformat(san["recoverable_until"]) == \
        dt.datetime.fromisoformat(interim["timestamps"]["deleted"]) + dt.timedelta(days=30)
    # Azurite deletes at once; the container stays (empty of live data) until the final run
    assert stored(azurite, "ecg247ecg00") == {("ecg-dr-vik-bergen", "patient-3.ecg", "")}
    assert {c.name for c in service.list_containers()} == {"ecg-dr-lie-bergen", "ecg-dr-vik-bergen"}
    clock.advance(29)
    assert run() == 0 and not (tmp_path / "state" / "dr-lie-bergen-offboard.certificate.json").exists()
    clock.advance(2)
    assert run() == 0
    final = tmp_path / "state" / "dr-lie-bergen-offboard.certificate.json"
    assert json.loads(final.read_text())["certificate"]["status"] == "verified-gone"
    assert {c.name for c in service.list_containers()} == {"ecg-dr-vik-bergen"}
    assert main(["certificate", "verify", str(final), "--public-key", str(signing_key) + ".pub"]) == 0


def test_ecg_store_keeping_longer_than_declared_is_refused(tmp_path, jwks_file, azurite, gate_keys, signing_key,
                                                           monkeypatch, capsys):
    from azure.storage.blob import RetentionPolicy

    project = ecg_project(tmp_path, jwks_file, monkeypatch)
    azurite.service("ecg247ecg00").create_container("ecg-dr-lie-bergen")
    # drift: the live store keeps deleted blobs 60 days, the stack declares 30
    azurite.service("ecg247ecg00").set_service_properties(
        delete_retention_policy=RetentionPolicy(enabled=True, days=60))
    tok = token(gate_keys, tenant=ECG_TENANT, oid=ECG_DEPLOYER)
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, controller="dr-lie-bergen",
                  stack=ECG, tok=tok)
    err = capsys.readouterr().err
    assert rc == 1, err
    assert err.count("\n") == 1 and "60 days" in err and "the stack declares 30" in err
    assert "bring the live blob delete retention back to the 30 days" in err


def test_gate_refusal_deletes_nothing(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, capsys):
    seed(azurite, SEED)
    before = stored(azurite)
    assert offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, tok="") == 1
    assert "refused at the identity gate" in capsys.readouterr().err
    assert stored(azurite) == before


@pytest.mark.parametrize(("endpoint", "words"), [
    ("http://10.0.0.5:10000", "not a loopback address"),
    ("https://ousklrec.blob.core.windows.net", "not a loopback address"),
    ("http://127.0.0.1:10000/devstoreaccount1", "nothing after it"),
])
def test_endpoint_must_be_loopback(endpoint, words, project, signing_key, capsys):
    rc = main(["offboard", "--stack", OUS, "--controller", "ahus-mbt", "--root", str(project.root),
               "--endpoint", endpoint, "--signing-key", str(signing_key)])
    err = capsys.readouterr().err
    assert rc == 2 and words in err and err.count("\n") == 1


def test_unknown_controller_and_key_in_checkout(project, signing_key, capsys):
    assert main(["offboard", "--stack", OUS, "--controller", "nobody", "--root", str(project.root),
                 "--signing-key", str(signing_key)]) == 2
    assert "controller 'nobody' is not in stack" in capsys.readouterr().err
    inside = project.root / "processor.key"
    inside.write_bytes(signing_key.read_bytes())
    inside.chmod(0o600)
    assert main(["offboard", "--stack", OUS, "--controller", "ahus-mbt", "--root", str(project.root),
                 "--signing-key", str(inside)]) == 2
    assert "inside the checkout" in capsys.readouterr().err


# ------------------------------------------------------------------ erase


def test_erase_one_recording_with_its_snapshot(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, clock):
    seed(azurite, {**SEED, **NEIGHBOUR})
    for _ in range(2):
        rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, "--blob",
                      "/".join(SNAPSHOTTED), command="erase")
        assert rc == 0
        clock.advance(3)
    assert stored(azurite) == {(c, n, "") for c, n in {**SEED, **NEIGHBOUR} if (c, n) != SNAPSHOTTED}
    (cert,) = [p for p in (tmp_path / "state").glob("ahus-mbt-erase-*.certificate.json") if "interim" not in p.name]
    body = json.loads(cert.read_text())["certificate"]
    assert {i["name"] for i in body["inventory_before"]["items"]} == {SNAPSHOTTED[1]}
    assert body["inventory_before"]["count"] == 2  # the blob and its snapshot
    assert body["clauses"] == ["OUS-4.1", "OUS-5"] and body["containers_removed"] == []
    assert main(["certificate", "verify", str(cert), "--public-key", str(signing_key) + ".pub"]) == 0


def test_erase_refuses_a_container_of_another_controller(project, azurite, gate_keys, jwks_file, signing_key,
                                                         tmp_path, capsys):
    seed(azurite, {**SEED, **NEIGHBOUR})
    rc = offboard(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, "--blob", "rec-sus-mbt/2026/other.mp4",
                  command="erase")
    assert rc == 2 and "is not one of controller ahus-mbt's" in capsys.readouterr().err
    assert ("rec-sus-mbt", "2026/other.mp4", "") in stored(azurite)


def test_validly_signed_certificate_with_live_items_left_fails(project, azurite, gate_keys, jwks_file, signing_key,
                                                               tmp_path, capsys, clock):
    """The signature is not the only check: a certificate saying something was left alive is refused."""
    from cryptography.hazmat.primitives import serialization

    from dpaguard.offboard import certificate
    from dpaguard.offboard.blobs import Item, digest

    seed(azurite, SEED)
    path = certified(project, azurite, gate_keys, jwks_file, signing_key, tmp_path, clock)
    body = json.loads(path.read_text())["certificate"]
    left = {"account": "ousklrec", "container": "rec-ahus-mbt", "name": "kept.mp4", "snapshot": "", "version": "",
            "deleted": False, "current": True, "size": 4}
    # a consistent section (count 1, 4 bytes, one blob) whose only flaw is that the item is live
    body["inventory_after"] = {"count": 1, "bytes": 4, "by_kind": {"blob": 1}, "items": [left],
                               "sha256": digest([Item(**left)])}
    key = serialization.load_pem_private_key(signing_key.read_bytes(), password=None)
    path.write_text(json.dumps(certificate.sign(body, key)))
    capsys.readouterr()
    assert main(["certificate", "verify", str(path), "--public-key", str(signing_key) + ".pub"]) == 1
    assert "inventory_after lists live items" in capsys.readouterr().err
