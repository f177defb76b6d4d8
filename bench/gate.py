"""Gate throughput: full token decisions beside the bare RSA-2048 verification (the floor), and
TOTP verifications through the encrypted store.

    .venv/bin/python bench/gate.py [--rounds 9] [--number 2000]

Each round times every subject once, interleaved, so drift in machine load hits all of them
alike; the figures are medians over rounds, and the ratio is the median of per-round ratios.
Token figures are CPU time of this process; TOTP figures are wall time (fsync dominates).
Issue 5's goal: the full decision within 2x of the floor. Not a test: it prints, it never fails.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cryptography  # noqa: E402
import pyotp  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402

from dpaguard.gate import tokens  # noqa: E402
from dpaguard.gate.audit import AuditLog  # noqa: E402
from dpaguard.gate.jwks import JwksSource  # noqa: E402
from dpaguard.gate.stack import AuditJournal  # noqa: E402
from dpaguard.gate.tokens import TokenPolicy, verify_token  # noqa: E402
from dpaguard.gate.totp import TotpStore  # noqa: E402

TENANT = "8f4a6c1e-1b2c-4d3e-9f00-112233445566"
AUDIENCE = "api://dpaguard-runbooks"
KID = "bench-kid"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def setup_token(workdir: Path):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    jwk = {"kty": "RSA", "use": "sig", "kid": KID, "n": b64(numbers.n.to_bytes(256, "big")), "e": b64(b"\x01\x00\x01")}
    (workdir / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    now = int(time.time())
    # the shape of a real v1 Entra ID access token, with MFA and an app role
    claims = {
        "aud": AUDIENCE, "iss": f"https://sts.windows.net/{TENANT}/", "iat": now - 60, "nbf": now - 60,
        "exp": now + 3600, "acr": "1", "aio": "E2RgYJj" * 8, "amr": ["pwd", "mfa"],
        "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "appidacr": "0", "family_name": "Nordmann",
        "given_name": "Ola", "ipaddr": "10.20.0.9", "name": "Ola Nordmann",
        "oid": "11111111-2222-3333-4444-555555555555", "rh": "0.AQ" * 20, "roles": ["Runbook.Operator"],
        "scp": "user_impersonation", "sub": "x" * 43, "tid": TENANT, "unique_name": "ola@example.no",
        "upn": "ola@example.no", "uti": "AbCdEfGh", "ver": "1.0",
    }
    header = {"typ": "JWT", "alg": "RS256", "x5t": KID, "kid": KID}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    token = f"{signing_input}.{b64(signature)}"
    policy = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE, require_mfa=True,
                         required_roles=frozenset({"Runbook.Operator"}))
    keys = JwksSource.from_file(workdir / "jwks.json")
    assert verify_token(token, policy, keys).allowed
    return private.public_key(), signing_input.encode(), signature, token, policy, keys


def timed(call, number: int, clock=time.process_time) -> float:
    """Seconds per call. CPU time by default: on a shared machine, time spent descheduled is
    noise, not cost; TOTP passes wall time because its cost is mostly waiting for fsync."""
    start = clock()
    for _ in range(number):
        call()
    return (clock() - start) / number


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--number", type=int, default=2000, help="calls per subject per round")
    parser.add_argument("--totp-number", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        public, signing_input, signature, token, policy, keys = setup_token(workdir)

        def floor() -> None:
            public.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())

        def full() -> None:
            verify_token(token, policy, keys)

        class _AcceptingKey:
            def verify(self, message: bytes, signature: bytes) -> bool:
                return True

        class _StubKeys:
            loaded = True
            key = _AcceptingKey()

            def get(self, kid: str):
                return self.key

        stub_keys = _StubKeys()

        def without_rsa() -> None:
            # everything but the RSA arithmetic: what this module adds to the floor
            verify_token(token, policy, stub_keys)

        def full_cold_header() -> None:
            tokens._HEADER_CACHE.clear()
            verify_token(token, policy, keys)

        store = TotpStore(workdir / "totp.store", os.urandom(32))
        totp = pyotp.parse_uri(store.enroll("bench"))
        clock = [time.time()]

        def totp_verify() -> None:
            # a fresh step per call: each is an acceptance, read-decrypt-decide-encrypt-fsync-rename
            clock[0] += 30
            assert store.verify("bench", totp.at(clock[0]), now=clock[0]).allowed

        (workdir / "witness").mkdir()
        journal = AuditJournal(AuditLog(workdir / "audit.log", os.urandom(32), workdir / "witness"), "bench")
        bound = TotpStore(workdir / "bound.store", os.urandom(32), journal=journal)
        bound_totp = pyotp.parse_uri(bound.enroll("bench"))
        bound_clock = [time.time()]

        def totp_bound() -> None:
            # the same, with the store bound to the audit log: read the witness, append the
            # HMAC'd entry and its checkpoint first, then replace the store
            bound_clock[0] += 30
            assert bound.verify("bench", bound_totp.at(bound_clock[0]), now=bound_clock[0]).allowed

        subjects = {"floor": floor, "full": full, "full_cold": full_cold_header, "no_rsa": without_rsa}
        per_call: dict[str, list[float]] = {name: [] for name in (*subjects, "totp", "totp_bound")}
        for _ in range(args.rounds):
            for name, call in subjects.items():
                per_call[name].append(timed(call, args.number))
            per_call["totp"].append(timed(totp_verify, args.totp_number, time.perf_counter))
            per_call["totp_bound"].append(timed(totp_bound, args.totp_number, time.perf_counter))

    ratios = [f / b for f, b in zip(per_call["full"], per_call["floor"], strict=True)]
    ratios_cold = [f / b for f, b in zip(per_call["full_cold"], per_call["floor"], strict=True)]
    med = {name: statistics.median(values) for name, values in per_call.items()}
    print(f"python {platform.python_version()}, cryptography {cryptography.__version__}, "
          f"{os.cpu_count()} CPU, {args.rounds} rounds x {args.number} calls (TOTP {args.totp_number})")
    print(f"{'subject':52} {'ops/s':>9} {'us/op':>8}")
    rows = [
        ("floor: cryptography RSA-2048 PKCS1v15 SHA-256 verify", "floor"),
        ("token: full decision (verify_token)", "full"),
        ("token: full decision, header cache cleared each call", "full_cold"),
        ("token: decision with a stub key (no RSA): the overhead", "no_rsa"),
        ("totp:  TotpStore.verify (accepted, fsync'd store)", "totp"),
        ("totp:  the same, bound to the audit log (CLI path)", "totp_bound"),
    ]
    for label, name in rows:
        print(f"{label:52} {1 / med[name]:9.0f} {med[name] * 1e6:8.1f}")
    print(f"ratio full/floor: median {statistics.median(ratios):.2f} "
          f"(rounds {min(ratios):.2f}..{max(ratios):.2f}); header uncached {statistics.median(ratios_cold):.2f}; "
          f"goal <= 2.00")
    return 0


if __name__ == "__main__":
    sys.exit(main())
