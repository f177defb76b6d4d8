"""Fixtures for the gate tests: keys made once per session, key sets in tmp files, fake clocks."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from dpaguard.gate.jwks import JwksSource
from dpaguard.gate.tokens import TokenPolicy
from tests.gate.helpers import AUDIENCE, KID, KID2, TENANT, FakeClock, Keys, public_jwk


@pytest.fixture(scope="session")
def keys() -> Keys:
    def new() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    return Keys(new(), new(), new())


@pytest.fixture
def jwks_file(tmp_path, keys):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(keys.primary, KID), public_jwk(keys.secondary, KID2)]}))
    return path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def jwks(jwks_file, clock) -> JwksSource:
    return JwksSource.from_file(jwks_file, clock=clock)


@pytest.fixture
def policy() -> TokenPolicy:
    return TokenPolicy(
        tenant_id=TENANT,
        audience=AUDIENCE,
        require_mfa=True,
        required_roles=frozenset({"Runbook.Operator"}),
        mfa_auth_context="c1",
    )
