"""Keys, tokens and clocks for the gate tests. Nothing here sleeps or touches the network."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

TENANT = "8f4a6c1e-1b2c-4d3e-9f00-112233445566"
OTHER_TENANT = "0b9e2d77-5a41-4c6b-8e3f-aabbccddeeff"
AUDIENCE = "api://dpaguard-runbooks"
NOW = 1_750_000_000
KID = "primary-kid_1"
KID2 = "secondary-kid_2"
DROP = object()  # an override value that removes the claim


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_json(value: object) -> str:
    if isinstance(value, (bytes, str)):
        raw = value.encode() if isinstance(value, str) else value
    else:
        raw = json.dumps(value, separators=(",", ":")).encode()
    return b64(raw)


def rs256(private_key: rsa.RSAPrivateKey, signing_input: str) -> str:
    return b64(private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()))


def public_jwk(private_key: rsa.RSAPrivateKey, kid: str) -> dict:
    numbers = private_key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "kid": kid,
        "n": b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": b64(numbers.e.to_bytes(3, "big")),
    }


def claims_v1(**overrides: object) -> dict:
    claims = {
        "aud": AUDIENCE,
        "iss": f"https://sts.windows.net/{TENANT}/",
        "iat": NOW - 60,
        "nbf": NOW - 60,
        "exp": NOW + 3600,
        "amr": ["pwd", "mfa"],
        "name": "Ola Nordmann",
        "oid": "11111111-2222-3333-4444-555555555555",
        "roles": ["Runbook.Operator"],
        "sub": "subject-ola",
        "tid": TENANT,
        "upn": "ola.nordmann@example.no",
        "ver": "1.0",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not DROP}


def claims_v2(**overrides: object) -> dict:
    claims = claims_v1(
        iss=f"https://login.microsoftonline.com/{TENANT}/v2.0",
        ver="2.0",
        amr=DROP,
        upn=DROP,
        preferred_username="ola.nordmann@example.no",
        acrs=["c1"],
    )
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not DROP}


@dataclass(frozen=True)
class Keys:
    primary: rsa.RSAPrivateKey
    secondary: rsa.RSAPrivateKey
    attacker: rsa.RSAPrivateKey

    def token(self, claims: object, *, header: dict | None = None, key: rsa.RSAPrivateKey | None = None,
              kid: object = KID) -> str:
        """An RS256 token; `claims` may be raw JSON text to smuggle in what json.dumps refuses."""
        head = {"alg": "RS256", "typ": "JWT", "kid": kid} if header is None else header
        signing_input = f"{encode_json(head)}.{encode_json(claims)}"
        return f"{signing_input}.{rs256(key or self.primary, signing_input)}"


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
