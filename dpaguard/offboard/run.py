"""One offboarding (all of a controller's containers) or erasure (named blobs), phase by phase.

settings -> inventory -> export (optional) -> delete -> verify -> remove containers (offboard) -> certificate

Where the store keeps deleted data recoverable (soft delete, point-in-time restore: protection.py),
verify only proves nothing is left live: an interim `deleted-recoverable` certificate names the date
the window ends, the containers stay, and the same command run after that date lists again with
deleted items and, if nothing at all is left, removes the containers and issues `verified-gone`.

Each completed phase is in the journal before the next begins. A rerun after an interruption
keeps the inventory taken before anything was deleted (adding anything that appeared since),
deletes whatever is still there and verifies again; the certificate is only ever built from a
verification made after the last deletion.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dpaguard import __version__
from dpaguard.errors import DpaGuardError, InputError, Refused, UsageError
from dpaguard.offboard import blobs, certificate, protection
from dpaguard.offboard.blobs import Item
from dpaguard.offboard.gates import Operator, Recorder
from dpaguard.offboard.journal import Journal
from dpaguard.offboard.targets import Container, Targets, service_client


def now() -> str:
    # one clock for the run and for checking certificates (certificate.utcnow), so tests can move both
    return certificate.utcnow().isoformat(timespec="microseconds")


def _key(item: Item) -> tuple[str, str, str, str, str]:
    # The identity of an object across deletion: soft delete and versioning change its flags, not this.
    return item.account, item.container, item.name, item.snapshot, item.version


@dataclass(frozen=True)
class Outcome:
    certificate: Path
    html: Path
    before: int
    after: int
    resumed: bool
    already_done: bool = False
    interim: bool = False
    """The certificate is `deleted-recoverable`: run again after `until` for the final one."""
    until: str = ""


class Offboarding:
    def __init__(self, targets: Targets, *, operation: str, endpoint: str | None, state_dir: Path,
                 blob_paths: tuple[str, ...] = (), export_dir: Path | None = None,
                 processor: dict[str, str] | None = None, credential: Any = None):
        if operation not in ("offboard", "erase"):
            raise ValueError(operation)
        self.t = targets
        self.operation = operation
        self.endpoint = endpoint
        self.state_dir = state_dir
        self.export_dir = export_dir
        self.processor = processor or {}
        self.scope = self._scope(blob_paths)
        self._services = {a: service_client(a, endpoint, credential) for a in targets.accounts}
        self._containers = {(c.account, c.name): self._services[c.account].get_container_client(c.name)
                            for c in self.containers}
        tag = "" if operation == "offboard" else "-" + hashlib.sha256(
            "\n".join(f"{c}/{n}" for c, n in self.scope).encode()).hexdigest()[:12]
        self.name = f"{targets.controller}-{operation}{tag}"

    # ---------------------------------------------------------------- scope

    @property
    def containers(self) -> tuple[Container, ...]:
        if self.operation == "offboard":
            return self.t.containers
        wanted = {c for c, _ in self.scope}
        return tuple(c for c in self.t.containers if c.name in wanted)

    def _scope(self, blob_paths: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        if self.operation == "offboard":
            if blob_paths:
                raise UsageError("offboard takes no --blob: it removes everything of the controller")
            return ()
        if not blob_paths:
            raise UsageError("erase needs at least one --blob CONTAINER/NAME")
        mine = {c.name for c in self.t.containers}
        scope = set()
        for path in blob_paths:
            container, sep, name = path.partition("/")
            # NUL cannot travel in a URL path (Azurite answers 500, Azure 400); Azure caps names at 1,024
            # characters (Learn: "Naming and Referencing Containers, Blobs, and Metadata")
            if not sep or not name or len(name) > 1024 or "\x00" in path:
                raise UsageError(f"--blob {path[:120]!r} must be CONTAINER/NAME")
            if container not in mine:
                raise UsageError(f"--blob {path[:120]!r}: container {container!r} is not one of controller "
                                 f"{self.t.controller}'s ({', '.join(sorted(mine))})")
            scope.add((container, name))
        return tuple(sorted(scope))

    def _list(self, container: Container) -> list[Item]:
        client = self._containers[(container.account, container.name)]
        if self.operation == "offboard":
            return blobs.list_items(client, container.account)
        items: list[Item] = []
        for cname, name in self.scope:
            if cname == container.name:
                items += blobs.list_items(client, container.account, name=name)
        return items

    def _list_all(self) -> list[Item]:
        return sorted(item for c in self.containers for item in self._list(c))

    # ---------------------------------------------------------------- the run

    def run(self, operator: Operator, signing_key: Any, record: Recorder) -> Outcome:
        import fcntl
        import os

        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            lock = os.open(self.state_dir / f"{self.name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise InputError(f"cannot use the state folder {self.state_dir}: {exc.strerror or exc}") from None
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError(f"another run of {self.name} holds {self.state_dir}; wait for it to end") from None
            return self._run(operator, signing_key, record)
        finally:
            os.close(lock)

    def _run(self, operator: Operator, signing_key: Any, record: Recorder) -> Outcome:
        journal = Journal.open(self.state_dir / f"{self.name}.journal.json", {
            "format": "dpaguard-offboard-journal/2", "operation": self.operation, "stack": self.t.stack,
            "controller": self.t.controller, "scope": [f"{c}/{n}" for c, n in self.scope],
            "containers": [f"{c.account}/{c.name}" for c in self.containers]})
        run_id = str(journal.state["run"])
        subject = {"controller": self.t.controller, "operation": self.operation, "run": run_id}
        if journal.phase == "certified":
            path = Path(journal.state["certificate"])
            # Only a certificate that is there and verifies under this key counts as done.
            public = signing_key.public_key()
            try:
                certificate.verify(certificate.read(path), public)
            except DpaGuardError as exc:
                raise InputError(f"journal {journal.path} says certified, but {path}: {exc.message}") from None
            return Outcome(path, path.with_suffix(".html"), len(journal.state["before"]), 0, True, already_done=True)
        resumed = journal.phase != "started"
        audit = list(journal.state.get("audit", [])) + [dict(e) for e in operator.audit]

        def log(event: dict[str, Any]) -> None:
            audit.append(record({"action": self.operation, "stack": self.t.stack, **subject, **event,
                                 "who": operator.who}))
            journal.state["audit"] = audit

        current = self._list_all()
        assessment = self._assess(current)
        if assessment.refusals:
            log({"phase": "settings", "decision": "refused", "reason": " | ".join(assessment.refusals)})
            journal.save()
            fix = f" To proceed: {assessment.fix}." if assessment.fix else ""
            raise Refused(f"{self.operation} {self.t.controller} refused: " + "; ".join(assessment.refusals) + "." + fix)

        if journal.phase == "containers-removed":
            # interrupted between removing the containers and signing: only the final certificate is missing
            return self._final(journal, operator, signing_key, record, log, current)
        if journal.phase == "interim":
            until = dt.datetime.fromisoformat(str(journal.state["recoverable_until"]))
            if any(not i.deleted for i in current):
                # Written after the interim certificate (access not yet removed): the controller's data all the
                # same, so it is deleted, and its own recoverable window starts a new interim certificate.
                journal.advance("inventoried", now())
            elif certificate.utcnow() < until:
                log({"phase": "final-verify", "decision": "waiting", "until": until.isoformat()})
                journal.save()
                path = Path(journal.state["interim_certificate"])
                return Outcome(path, path.with_suffix(".html"), len(journal.state["before"]), len(current), True,
                               interim=True, until=until.isoformat())
            else:
                return self._final(journal, operator, signing_key, record, log, current)

        if not journal.reached("inventoried"):
            before = current
            self._check_certifiable(before)
            journal.state["before"] = [i.to_json() for i in before]
            log({"phase": "inventory", "decision": "allowed", "items": len(before), "sha256": blobs.digest(before)})
            journal.advance("inventoried", now())
        else:
            before = self._bound_inventory(journal, record)
            known = {_key(i) for i in before}
            appeared = [i for i in current if _key(i) not in known and not i.deleted]
            if appeared:
                # Written after the run began: the controller's data all the same, so it is deleted and counted.
                before = sorted(before + appeared)
                journal.state["before"] = [i.to_json() for i in before]
                journal.state.setdefault("appeared_on_resume", []).extend(i.to_json() for i in appeared)
                log({"phase": "inventory", "decision": "allowed", "items": len(before),
                     "sha256": blobs.digest(before), "appeared": len(appeared)})
                journal.save()

        if self.export_dir is not None and "export" not in journal.state:
            if journal.reached("deleting"):
                raise Refused(f"export requested, but an earlier run of {self.name} already began deleting without "
                              "one; the data that is left is not the controller's complete data")
            tar = self.export_dir / f"{self.t.stack}-{self.name}-{dt.date.today().isoformat()}.tar"
            from dpaguard.offboard.export import export

            summary = export(current, self._containers, tar, now())
            log({"phase": "export", "decision": "allowed", "items": summary["count"], "sha256": summary["sha256"]})
            journal.advance("exported", now(), export=summary)

        journal.advance("deleting", now())
        requests = 0
        for container in self.containers:
            client = self._containers[(container.account, container.name)]
            requests += blobs.delete_live(client, self._list(container))
            if assessment.purge_soft_deleted:
                requests += blobs.purge_soft_deleted(client, self._list(container))
        log({"phase": "delete", "decision": "allowed", "requests": requests})
        journal.advance("deleted", now())

        self.after_delete()
        after = self._list_all()
        left = [i for i in after if not i.deleted or assessment.window_days == 0]
        if left:
            log({"phase": "verify", "decision": "refused", "items_left": len(left)})
            journal.save()
            shown = ", ".join(f"{i.container}/{i.name}" + (f"@{i.snapshot or i.version}" if i.snapshot or i.version
                                                          else "") for i in left[:5])
            raise Refused(f"verification found {len(left)} item(s) still there ({shown}); nothing is certified, "
                          "run again to continue")
        log({"phase": "verify", "decision": "allowed", "items_left": len(after), "sha256": blobs.digest(after)})
        journal.advance("verified", now(), after=[i.to_json() for i in after], assessment={
            "window_days": assessment.window_days, "permitted_days": assessment.permitted_days,
            "residual": assessment.residual, "purge_soft_deleted": assessment.purge_soft_deleted})

        if assessment.window_days:
            # Soft delete or point-in-time restore keeps copies the processor could still bring back: certify
            # what is verified now (nothing live), and that the rest is only verified gone after the window.
            deleted_at = dt.datetime.fromisoformat(self._last(journal, "deleted"))
            until = deleted_at + dt.timedelta(days=assessment.window_days)
            body = self._certificate(journal, operator, self._bound_inventory(journal, record), after, [], record,
                                     status="deleted-recoverable", until=until.isoformat())
            out = self.state_dir / f"{self.name}.interim-{self._count(journal, 'interim') + 1}.certificate.json"
            html = self._issue(body, signing_key, out, log)
            journal.advance("interim", now(), interim_certificate=str(out), recoverable_until=until.isoformat(),
                            interim_sha256=hashlib.sha256(out.read_bytes()).hexdigest())
            return Outcome(out, html, len(before), len(after), resumed, interim=True, until=until.isoformat())
        return self._final(journal, operator, signing_key, record, log, after)

    def _final(self, journal: Journal, operator: Operator, signing_key: Any, record: Recorder,
               log: Callable[[dict[str, Any]], None], after: list[Item]) -> Outcome:
        """Nothing of the controller is left, not even soft-deleted: remove containers, issue verified-gone."""
        if after:
            log({"phase": "final-verify", "decision": "refused", "items_left": len(after)})
            journal.save()
            raise Refused(f"{len(after)} soft-deleted item(s) are still listed after "
                          f"{journal.state.get('recoverable_until')}: Azure has not removed them yet; nothing is "
                          "certified gone, run again later")
        if journal.phase == "interim":
            log({"phase": "final-verify", "decision": "allowed", "items_left": 0, "sha256": blobs.digest(after)})
            journal.advance("verified", now())
        removed: list[str] = []
        if self.operation == "offboard":
            for container in self.containers:
                client = self._containers[(container.account, container.name)]
                existed = blobs.delete_container(client)
                if blobs.container_exists(client):
                    raise Refused(f"container {container.account}/{container.name} still exists after removal")
                # A rerun after an interruption finds it already gone; say so rather than claim the removal.
                removed.append(f"{container.account}/{container.name}" + ("" if existed else " (already absent)"))
            log({"phase": "remove-containers", "decision": "allowed", "containers": removed})
            journal.advance("containers-removed", now(), removed=removed)
        before = self._bound_inventory(journal, record)
        body = self._certificate(journal, operator, before, after, removed, record, status="verified-gone")
        out = self.state_dir / f"{self.name}.certificate.json"
        html = self._issue(body, signing_key, out, log)
        journal.advance("certified", now(), certificate=str(out))
        return Outcome(out, html, len(before), len(after), self._count(journal, "deleting") > 1
                       or self._count(journal, "interim") > 0)

    def _issue(self, body: dict[str, Any], signing_key: Any, out: Path,
               log: Callable[[dict[str, Any]], None]) -> Path:
        document = certificate.sign(body, signing_key)
        html = certificate.write(document, out)
        log({"phase": "certificate", "decision": "allowed", "status": body["status"], "certificate": str(out),
             "sha256": hashlib.sha256(certificate.canonical(document)).hexdigest()})
        return html

    @staticmethod
    def _last(journal: Journal, phase: str) -> str:
        return str([s["at"] for s in journal.state["history"] if s["phase"] == phase][-1])

    @staticmethod
    def _count(journal: Journal, phase: str) -> int:
        return sum(1 for s in journal.state["history"] if s["phase"] == phase)

    @staticmethod
    def _check_certifiable(items: list[Item]) -> None:
        """Refuse before deleting anything an inventory whose certificate `certificate verify` could not read."""
        size = 2 * len(certificate.canonical(certificate.inventory_section(items))) + (1 << 20)
        if size > certificate.MAX_CERTIFICATE_BYTES:
            raise InputError(f"{len(items)} item(s) make a certificate of about {size >> 20} MiB, more than the "
                             f"{certificate.MAX_CERTIFICATE_BYTES >> 20} MiB `dpaguard certificate verify` reads; "
                             "nothing was deleted: erase in parts with `dpaguard erase --blob ...` first")

    def _bound_inventory(self, journal: Journal, record: Recorder) -> list[Item]:
        """The journal's "before" inventory, only if it is the one the HMAC audit log recorded for this run.

        The journal is a plain file (mode 0600); whoever can edit it could shrink the inventory that goes
        into the certificate. Its digest was written into an authenticated audit entry when it was taken,
        so an edit is found here and nothing is certified.
        """
        try:
            before = [Item.from_json(v) for v in journal.state.get("before", [])]
        except ValueError as exc:
            raise Refused(f"journal {journal.path}: {exc}; nothing is certified") from None
        run_id = journal.state["run"]
        logged = [e["event"] for _, e in sorted(record.authentic_events().items())
                  if e["event"].get("run") == run_id and e["event"].get("phase") == "inventory"
                  and e["event"].get("action") == self.operation and e["event"].get("controller") == self.t.controller]
        if not logged:
            raise Refused(f"journal {journal.path}: the audit log holds no inventory of run {run_id}; the journal "
                          "was not written by this tool or the log was replaced; nothing is certified")
        if logged[-1].get("sha256") != blobs.digest(before):
            raise Refused(f"journal {journal.path}: its inventory does not match the digest the audit log recorded "
                          f"for run {run_id} (edited?); nothing is certified")
        return before

    def after_delete(self) -> None:
        """Between deletion and verification; tests inject an interruption here."""

    def _assess(self, current: list[Item]) -> protection.Assessment:
        worst: protection.Assessment | None = None
        refusals: list[str] = []
        fixes: list[str] = []
        for container in self.containers:
            client = self._containers[(container.account, container.name)]
            live = blobs.live_settings(self._services[container.account], client)
            mine = [i for i in current if (i.account, i.container) == (container.account, container.name)]
            a = protection.assess(self.t.agreement, self.t.declared, live, mine)
            refusals += [f"{container.account}/{container.name}: {r}" for r in a.refusals]
            if a.fix and a.fix not in fixes:
                fixes.append(a.fix)
            if worst is None or a.window_days > worst.window_days:
                worst = a
        if worst is None:
            raise UsageError(f"controller {self.t.controller} has no containers in stack {self.t.stack}")
        return protection.Assessment(worst.window_days, worst.permitted_days, tuple(refusals),
                                     worst.purge_soft_deleted, worst.residual, "; ".join(fixes))

    # ---------------------------------------------------------------- the certificate

    def _clauses(self, exported: bool) -> list[str]:
        if self.t.agreement == "OUS":
            base = ["OUS-9", "OUS-5"] if self.operation == "offboard" else ["OUS-4.1", "OUS-5"]
            return base + (["OUS-11"] if exported else [])
        return (["ECG-11"] if self.operation == "offboard" else []) + ["ECG-6R"]

    def _citations(self, journal: Journal, record: Recorder) -> list[dict[str, Any]]:
        """The audit entries the certificate cites, each checked against the authenticated log (seq and mac)."""
        log = record.authentic_events()
        cited: dict[int, dict[str, Any]] = {}
        for entry in journal.state.get("audit", []):
            seq = entry.get("seq") if isinstance(entry, dict) else None
            if type(seq) is not int or seq not in log or log[seq]["mac"] != entry.get("mac"):
                raise Refused(f"journal {journal.path} cites audit entry {str(seq)[:20]} that the audit log does not "
                              "hold with that mac (edited?); nothing is certified")
            cited[seq] = log[seq]
        # every entry of this run is cited, whether or not the journal still lists it
        cited.update({seq: e for seq, e in log.items() if e["event"].get("run") == journal.state["run"]})
        return [{"seq": seq, "mac": e["mac"], "ts": e["ts"],
                 **{k: v for k, v in e["event"].items() if k in ("action", "gate", "phase", "decision")}}
                for seq, e in sorted(cited.items())]

    def _certificate(self, journal: Journal, operator: Operator, before: list[Item], after: list[Item],
                     removed: list[str], record: Recorder, *, status: str, until: str = "") -> dict[str, Any]:
        import uuid

        history: dict[str, str] = {}
        for step in journal.state["history"]:
            history.setdefault(step["phase"], step["at"])
        # The last deletion and verification are what the certificate rests on.
        last = {step["phase"]: step["at"] for step in journal.state["history"]}
        a = journal.state["assessment"]
        exported = journal.state.get("export")
        if status == "deleted-recoverable":
            access = ("not yet: the containers stay (empty of live data) so that the final verification can list "
                      "soft-deleted items; they are removed, and access with them, by the run after "
                      f"{until}") if self.operation == "offboard" else \
                "not changed: single recordings erased, the controller's agreement continues"
        elif self.operation == "offboard":
            access = (f"remove controller {self.t.controller} from dpa-guard:controllers in "
                      f"stacks/Pulumi.{self.t.stack}.yaml and run `dpaguard deploy --stack {self.t.stack}`: the plan "
                      "then deletes the controller's container resources, its Entra ID groups and role assignments "
                      "(until then `pulumi up` would recreate the empty containers)")
        else:
            access = "not changed: single recordings erased, the controller's agreement continues"
        return {
            "format": certificate.FORMAT,
            "id": str(uuid.uuid4()),
            "standard": certificate.STANDARD,
            "operation": self.operation,
            "status": status,
            "stack": self.t.stack,
            "agreement": self.t.agreement,
            "clauses": self._clauses(bool(exported)),
            "controller": {"id": self.t.controller, "name": self.t.controller_name, "contact": self.t.contact},
            "processor": self.processor,
            "media": {
                "type": "Azure Blob Storage: block blobs with their snapshots, versions and soft-deleted items",
                "endpoint": self.endpoint or "https://<account>.blob.core.windows.net (Entra ID)",
                "stores": [{"account": c.account, "container": c.name, "data_class": c.data_class}
                           for c in self.containers],
                "scope": [f"{c}/{n}" for c, n in self.scope] or "all of the controller's containers",
                "export": exported or "",
            },
            "sanitization": {
                "method_type": "Clear (NIST SP 800-88 Rev. 1 section 2.5, logical deletion through the storage "
                               "service's interface)",
                "method": "Delete Blob with x-ms-delete-snapshots=include for every base blob (Blob Batch), "
                          "Delete Blob with versionid for previous versions"
                          + (", deletetype=permanent for soft-deleted snapshots and versions"
                             if a["purge_soft_deleted"] else "")
                          + ("; Delete Container for each container" if self.operation == "offboard" else ""),
                "tool": f"dpaguard {__version__} (azure-storage-blob {_sdk_version()})",
                "verification": "List Blobs with include=snapshots,versions,deleted over every container after the "
                                "last deletion: inventory_after; then Get Container Properties answering 404 for "
                                "each removed container",
                "recoverable_window_days": int(a["window_days"]),
                "permitted_window_days": int(a["permitted_days"]),
                "residual": a["residual"] if status == "deleted-recoverable" else (
                    "nothing: a listing with deleted items, versions and snapshots found nothing"
                    + (f" after the recoverable window ended {journal.state['recoverable_until']}"
                       if "recoverable_until" in journal.state else "")),
                **({"recoverable_until": until} if until else {}),
                "resumed_runs": sum(1 for s in journal.state["history"] if s["phase"] == "deleting"),
                "appeared_on_resume": len(journal.state.get("appeared_on_resume", [])),
            },
            "inventory_before": certificate.inventory_section(before),
            "inventory_after": certificate.inventory_section(after),
            "containers_removed": removed,
            "access_removal": access,
            "operator": {"who": operator.who, "method": operator.method},
            "audit": self._citations(journal, record),
            **({"interim": {"certificate": Path(journal.state["interim_certificate"]).name,
                            "sha256": journal.state["interim_sha256"],
                            "recoverable_until": journal.state["recoverable_until"]}}
               if status == "verified-gone" and "interim_certificate" in journal.state else {}),
            "timestamps": {"started": history["started"],
                           "inventoried": history["inventoried"], "deleted": last["deleted"],
                           "verified": last["verified"], "issued": now()},
        }


def _sdk_version() -> str:
    from azure.storage.blob import __version__ as sdk

    return str(sdk)
