"""`dpaguard.gate.tokens`: a catalogue of hostile tokens, each rejected for its own reason, and the
valid ones that must pass (OUS-6.1.a, OUS-6.1.d, OUS-6.2, ECG-7)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpaguard.gate.tokens import Decision, Reason, TokenPolicy, verify_token
from tests.gate.helpers import (
    AUDIENCE,
    DROP,
    KID,
    KID2,
    NOW,
    OTHER_TENANT,
    TENANT,
    Keys,
    b64,
    claims_v1,
    claims_v2,
    encode_json,
    public_jwk,
)

HEADER = {"alg": "RS256", "typ": "JWT", "kid": KID}


def hs256(header: dict, claims: dict, secret: bytes) -> str:
    signing_input = f"{encode_json(header)}.{encode_json(claims)}"
    return f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def unsigned(alg: object) -> str:
    return f"{encode_json({'alg': alg, 'typ': 'JWT', 'kid': KID})}.{encode_json(claims_v1())}."


def flip_signature_bit(token: str) -> str:
    head, body, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
    raw[100] ^= 0x01
    return f"{head}.{body}.{b64(bytes(raw))}"


def non_canonical(segment: str) -> str:
    # a 342-character RS256 signature ends in a character with 4 unused low bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(segment[-1])
    return segment[:-1] + alphabet[last | 0x01]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def public_pem(keys: Keys) -> bytes:
    return keys.primary.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_der(keys: Keys) -> bytes:
    return keys.primary.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --- valid tokens ---------------------------------------------------------------------------------

PASS = {
    "pass_v1_amr_mfa": lambda k: k.token(claims_v1()),
    "pass_v1_amr_ngcmfa": lambda k: k.token(claims_v1(amr=["ngcmfa"])),
    "pass_v1_auth_context_without_amr": lambda k: k.token(claims_v1(amr=["pwd"], acrs=["c1"])),
    "pass_v2_auth_context": lambda k: k.token(claims_v2()),
    "pass_second_key_by_kid": lambda k: k.token(claims_v1(), key=k.secondary, kid=KID2),
    "pass_expired_within_leeway": lambda k: k.token(claims_v1(exp=NOW - 30)),
    "pass_nbf_within_leeway": lambda k: k.token(claims_v1(nbf=NOW + 30, iat=NOW + 30)),
    "pass_float_numeric_dates": lambda k: k.token(claims_v1(exp=NOW + 3600.5, iat=NOW - 0.5)),
    "pass_large_group_list": lambda k: k.token(claims_v1(groups=[f"{i:08d}-0000-0000-0000-000000000000" for i in range(150)])),
}


@pytest.mark.parametrize("make", PASS.values(), ids=PASS.keys())
def test_valid_tokens_are_allowed(make, keys, policy, jwks):
    decision = verify_token(make(keys), policy, jwks, now=NOW)
    assert (decision.allowed, decision.reason_code) == (True, Reason.ALLOWED), decision.reason
    assert decision.oid == "11111111-2222-3333-4444-555555555555"
    assert decision.who == "ola.nordmann@example.no"


def test_same_token_without_mfa_is_denied(keys, policy, jwks):
    with_mfa = verify_token(keys.token(claims_v1()), policy, jwks, now=NOW)
    without_mfa = verify_token(keys.token(claims_v1(amr=["pwd"])), policy, jwks, now=NOW)
    assert with_mfa.allowed
    assert (without_mfa.allowed, without_mfa.reason_code) == (False, Reason.MFA_REQUIRED)


# --- hostile tokens -------------------------------------------------------------------------------

FAIL = {
    # algorithm confusion
    "fail_alg_none": (lambda k: unsigned("none"), Reason.ALG_NOT_ALLOWED),
    "fail_alg_None": (lambda k: unsigned("None"), Reason.ALG_NOT_ALLOWED),
    "fail_alg_NONE": (lambda k: unsigned("NONE"), Reason.ALG_NOT_ALLOWED),
    "fail_alg_nOnE": (lambda k: unsigned("nOnE"), Reason.ALG_NOT_ALLOWED),
    "fail_alg_none_with_signature": (
        lambda k: k.token(claims_v1(), header={"alg": "none", "kid": KID}), Reason.ALG_NOT_ALLOWED),
    "fail_alg_missing": (lambda k: k.token(claims_v1(), header={"kid": KID}), Reason.ALG_NOT_ALLOWED),
    "fail_alg_null": (lambda k: k.token(claims_v1(), header={"alg": None, "kid": KID}), Reason.ALG_NOT_ALLOWED),
    "fail_alg_list": (lambda k: k.token(claims_v1(), header={"alg": ["RS256"], "kid": KID}), Reason.ALG_NOT_ALLOWED),
    "fail_alg_lowercase_rs256": (
        lambda k: k.token(claims_v1(), header={"alg": "rs256", "kid": KID}), Reason.ALG_NOT_ALLOWED),
    "fail_alg_ps256": (lambda k: k.token(claims_v1(), header={"alg": "PS256", "kid": KID}), Reason.ALG_NOT_ALLOWED),
    "fail_hs256_with_public_pem": (
        lambda k: hs256({"alg": "HS256", "kid": KID}, claims_v1(), public_pem(k)), Reason.ALG_NOT_ALLOWED),
    "fail_hs256_with_public_der": (
        lambda k: hs256({"alg": "HS256", "kid": KID}, claims_v1(), public_der(k)), Reason.ALG_NOT_ALLOWED),
    "fail_hs256_empty_key": (lambda k: hs256({"alg": "HS256", "kid": KID}, claims_v1(), b""), Reason.ALG_NOT_ALLOWED),
    # the token choosing its own key
    "fail_embedded_jwk": (
        lambda k: k.token(claims_v1(), key=k.attacker,
                          header={**HEADER, "jwk": public_jwk(k.attacker, KID)}), Reason.EMBEDDED_KEY),
    "fail_jku_elsewhere": (
        lambda k: k.token(claims_v1(), key=k.attacker,
                          header={**HEADER, "jku": "https://evil.example/keys"}), Reason.EMBEDDED_KEY),
    "fail_x5u_elsewhere": (
        lambda k: k.token(claims_v1(), key=k.attacker,
                          header={**HEADER, "x5u": "https://evil.example/cert.pem"}), Reason.EMBEDDED_KEY),
    "fail_x5c_embedded": (
        lambda k: k.token(claims_v1(), key=k.attacker, header={**HEADER, "x5c": ["MIIB"]}), Reason.EMBEDDED_KEY),
    "fail_crit_header": (lambda k: k.token(claims_v1(), header={**HEADER, "crit": ["exp"]}), Reason.CRIT_HEADER),
    "fail_kid_names_other_key": (lambda k: k.token(claims_v1(), key=k.secondary, kid=KID), Reason.BAD_SIGNATURE),
    "fail_kid_attacker_key": (lambda k: k.token(claims_v1(), key=k.attacker, kid=KID), Reason.BAD_SIGNATURE),
    "fail_kid_path_traversal": (lambda k: k.token(claims_v1(), kid="../../../../dev/null"), Reason.KID_INVALID),
    "fail_kid_url": (lambda k: k.token(claims_v1(), kid="https://evil.example/k"), Reason.KID_INVALID),
    "fail_kid_nul": (lambda k: k.token(claims_v1(), kid="primary-kid_1\x00"), Reason.KID_INVALID),
    "fail_kid_number": (lambda k: k.token(claims_v1(), kid=1), Reason.KID_INVALID),
    "fail_kid_huge": (lambda k: k.token(claims_v1(), kid="a" * 5000), Reason.KID_INVALID),
    "fail_kid_missing": (lambda k: k.token(claims_v1(), header={"alg": "RS256"}), Reason.KID_MISSING),
    "fail_unknown_kid": (lambda k: k.token(claims_v1(), key=k.attacker, kid="attacker-kid"), Reason.UNKNOWN_KEY),
    # signature damage
    "fail_empty_signature": (lambda k: k.token(claims_v1()).rsplit(".", 1)[0] + ".", Reason.SIGNATURE_MISSING),
    "fail_stripped_signature": (lambda k: k.token(claims_v1()).rsplit(".", 1)[0], Reason.MALFORMED),
    "fail_bit_flipped_signature": (lambda k: flip_signature_bit(k.token(claims_v1())), Reason.BAD_SIGNATURE),
    "fail_truncated_signature": (lambda k: k.token(claims_v1())[:-2], Reason.BAD_SIGNATURE),
    "fail_payload_swapped": (
        lambda k: ".".join([k.token(claims_v1(amr=["pwd"])).split(".")[0],
                            encode_json(claims_v1()), k.token(claims_v1(amr=["pwd"])).split(".")[2]]),
        Reason.BAD_SIGNATURE),
    "fail_non_canonical_signature": (
        lambda k: "{}.{}.{}".format(*k.token(claims_v1()).split(".")[:2],
                                       non_canonical(k.token(claims_v1()).split(".")[2])), Reason.MALFORMED),
    "fail_padded_signature": (lambda k: k.token(claims_v1()) + "==", Reason.MALFORMED),
    "fail_standard_base64_alphabet": (
        lambda k: k.token(claims_v1()).replace("-", "+").replace("_", "/")
        if ("-" in k.token(claims_v1()) or "_" in k.token(claims_v1())) else "a+b.c/d.e+f", Reason.MALFORMED),
    # time
    "fail_expired": (lambda k: k.token(claims_v1(exp=NOW - 61)), Reason.EXPIRED),
    "fail_not_yet_valid": (lambda k: k.token(claims_v1(nbf=NOW + 600)), Reason.NOT_YET_VALID),
    "fail_issued_in_future": (lambda k: k.token(claims_v1(iat=NOW + 600)), Reason.ISSUED_IN_FUTURE),
    "fail_exp_missing": (lambda k: k.token(claims_v1(exp=DROP)), Reason.CLAIM_MISSING),
    "fail_exp_null": (lambda k: k.token(claims_v1(exp=None)), Reason.CLAIM_INVALID),
    "fail_exp_array": (lambda k: k.token(claims_v1(exp=[NOW + 3600])), Reason.CLAIM_INVALID),
    "fail_exp_string": (lambda k: k.token(claims_v1(exp=str(NOW + 3600))), Reason.CLAIM_INVALID),
    "fail_exp_bool": (lambda k: k.token(claims_v1(exp=True)), Reason.CLAIM_INVALID),
    "fail_exp_huge_int": (lambda k: k.token(claims_v1(exp=10**40)), Reason.CLAIM_INVALID),
    "fail_exp_huge_float": (lambda k: k.token(claims_v1(exp=1e300)), Reason.CLAIM_INVALID),
    "fail_exp_overflow_literal": (
        lambda k: k.token(json.dumps(claims_v1()).replace(f'"exp": {NOW + 3600}', '"exp": 1e999')),
        Reason.CLAIM_INVALID),
    "fail_exp_4300_digits": (
        lambda k: k.token(json.dumps(claims_v1()).replace(f'"exp": {NOW + 3600}', '"exp": ' + "9" * 5000)),
        Reason.MALFORMED),
    "fail_exp_nan": (
        lambda k: k.token(json.dumps(claims_v1()).replace(f'"exp": {NOW + 3600}', '"exp": NaN')), Reason.MALFORMED),
    "fail_exp_negative": (lambda k: k.token(claims_v1(exp=-1)), Reason.CLAIM_INVALID),
    "fail_nbf_missing": (lambda k: k.token(claims_v1(nbf=DROP)), Reason.CLAIM_MISSING),
    "fail_iat_missing": (lambda k: k.token(claims_v1(iat=DROP)), Reason.CLAIM_MISSING),
    # who issued it, for whom
    "fail_wrong_audience": (lambda k: k.token(claims_v1(aud="api://someone-else")), Reason.WRONG_AUDIENCE),
    "fail_audience_missing": (lambda k: k.token(claims_v1(aud=DROP)), Reason.CLAIM_MISSING),
    "fail_audience_list": (lambda k: k.token(claims_v1(aud=[AUDIENCE])), Reason.CLAIM_INVALID),
    "fail_wrong_issuer": (lambda k: k.token(claims_v1(iss="https://evil.example/")), Reason.WRONG_ISSUER),
    "fail_issuer_trailing_slash_missing": (
        lambda k: k.token(claims_v1(iss=f"https://sts.windows.net/{TENANT}")), Reason.WRONG_ISSUER),
    "fail_v1_issuer_on_v2_token": (
        lambda k: k.token(claims_v2(iss=f"https://sts.windows.net/{TENANT}/")), Reason.WRONG_ISSUER),
    "fail_v2_issuer_on_v1_token": (
        lambda k: k.token(claims_v1(iss=f"https://login.microsoftonline.com/{TENANT}/v2.0")), Reason.WRONG_ISSUER),
    "fail_other_tenant": (
        lambda k: k.token(claims_v1(tid=OTHER_TENANT, iss=f"https://sts.windows.net/{OTHER_TENANT}/")),
        Reason.WRONG_TENANT),
    "fail_other_tenant_tid_only": (lambda k: k.token(claims_v1(tid=OTHER_TENANT)), Reason.WRONG_TENANT),
    "fail_tenant_uppercase": (lambda k: k.token(claims_v1(tid=TENANT.upper())), Reason.WRONG_TENANT),
    "fail_version_missing": (lambda k: k.token(claims_v1(ver=DROP)), Reason.CLAIM_MISSING),
    "fail_version_unknown": (lambda k: k.token(claims_v1(ver="3.0")), Reason.CLAIM_INVALID),
    "fail_oid_missing": (lambda k: k.token(claims_v1(oid=DROP)), Reason.CLAIM_MISSING),
    "fail_sub_empty": (lambda k: k.token(claims_v1(sub="")), Reason.CLAIM_INVALID),
    "fail_amr_string": (lambda k: k.token(claims_v1(amr="mfa")), Reason.CLAIM_INVALID),
    "fail_roles_dict": (lambda k: k.token(claims_v1(roles={"Runbook.Operator": True})), Reason.CLAIM_INVALID),
    # the decision
    "fail_no_mfa": (lambda k: k.token(claims_v1(amr=["pwd"])), Reason.MFA_REQUIRED),
    "fail_no_amr": (lambda k: k.token(claims_v1(amr=DROP)), Reason.MFA_REQUIRED),
    "fail_v2_without_auth_context": (lambda k: k.token(claims_v2(acrs=DROP)), Reason.MFA_REQUIRED),
    "fail_v2_other_auth_context": (lambda k: k.token(claims_v2(acrs=["c2"])), Reason.MFA_REQUIRED),
    "fail_v2_amr_is_not_proof": (lambda k: k.token(claims_v2(acrs=DROP, amr=["mfa"])), Reason.MFA_REQUIRED),
    "fail_no_role": (lambda k: k.token(claims_v1(roles=["Reader"])), Reason.ROLE_REQUIRED),
    "fail_roles_missing": (lambda k: k.token(claims_v1(roles=DROP)), Reason.ROLE_REQUIRED),
    "fail_role_case": (lambda k: k.token(claims_v1(roles=["runbook.operator"])), Reason.ROLE_REQUIRED),
    # structure and size
    "fail_8_mib": (lambda k: "A" * (8 << 20), Reason.TOO_LARGE),
    "fail_8_mib_claims": (lambda k: k.token(claims_v1(pad="x" * (8 << 20))), Reason.TOO_LARGE),
    "fail_nested_header": (lambda k: f"{encode_json(nested(3000))}.{encode_json(claims_v1())}.c2ln", Reason.MALFORMED),
    "fail_nested_payload_signed": (lambda k: k.token(nested(3000)), Reason.MALFORMED),
    "fail_nested_claim_signed": (
        lambda k: k.token(json.dumps(claims_v1())[:-1] + ', "x": ' + nested(3000) + "}"), Reason.MALFORMED),
    "fail_duplicate_alg": (
        lambda k: k.token(claims_v1(), header=f'{{"alg":"none","alg":"RS256","kid":"{KID}"}}'), Reason.MALFORMED),
    "fail_duplicate_claim": (
        lambda k: k.token(json.dumps(claims_v1())[:-1] + ', "aud": "api://other"}'), Reason.MALFORMED),
    "fail_header_array": (lambda k: k.token(claims_v1(), header=["RS256"]), Reason.MALFORMED),
    "fail_payload_array": (lambda k: k.token([1, 2]), Reason.MALFORMED),
    "fail_payload_not_utf8": (lambda k: k.token(b"\xff\xfe{}"), Reason.MALFORMED),
    "fail_garbage": (lambda k: "garbage", Reason.MALFORMED),
    "fail_empty": (lambda k: "", Reason.MALFORMED),
    "fail_dots_only": (lambda k: "..", Reason.MALFORMED),
    "fail_four_dots": (lambda k: "....", Reason.MALFORMED),
    "fail_jwe_five_segments": (lambda k: "a.b.c.d.e", Reason.MALFORMED),
    "fail_non_ascii": (lambda k: "ä" + k.token(claims_v1()), Reason.MALFORMED),
    "fail_fullwidth_dot": (lambda k: k.token(claims_v1()).replace(".", "\uff0e"), Reason.MALFORMED),
    "fail_whitespace_inside": (lambda k: k.token(claims_v1()).replace(".", " .", 1), Reason.MALFORMED),
    "fail_bearer_prefix": (lambda k: "Bearer " + k.token(claims_v1()), Reason.MALFORMED),
    "fail_not_a_string_none": (lambda k: None, Reason.MALFORMED),
    "fail_not_a_string_bytes": (lambda k: k.token(claims_v1()).encode(), Reason.MALFORMED),
    "fail_not_a_string_int": (lambda k: 42, Reason.MALFORMED),
}


@pytest.mark.parametrize(("make", "reason"), FAIL.values(), ids=FAIL.keys())
def test_hostile_tokens_are_denied_for_their_reason(make, reason, keys, policy, jwks):
    decision = verify_token(make(keys), policy, jwks, now=NOW)
    assert (decision.allowed, decision.reason_code) == (False, reason), decision.reason
    assert decision.reason


def test_forged_tokens_put_no_identity_in_the_decision(keys, policy, jwks):
    forged = verify_token(keys.token(claims_v1(), key=keys.attacker, kid=KID), policy, jwks, now=NOW)
    assert forged.reason_code == Reason.BAD_SIGNATURE
    assert (forged.subject, forged.oid, forged.upn, forged.who, dict(forged.claims)) == (
        None, None, None, "unknown", {})


def test_authentic_but_denied_tokens_name_the_caller(keys, policy, jwks):
    expired = verify_token(keys.token(claims_v1(exp=NOW - 3600)), policy, jwks, now=NOW)
    assert expired.reason_code == Reason.EXPIRED
    assert expired.who == "ola.nordmann@example.no"


# --- policy options -------------------------------------------------------------------------------

POOL = ipaddress.ip_network("10.20.0.0/24")

SOURCES = {
    "pass_source_in_pool": ("10.20.0.7", Reason.ALLOWED),
    "pass_ipv4_mapped_ipv6_in_pool": ("::ffff:10.20.0.7", Reason.ALLOWED),
    "pass_address_object": (ipaddress.ip_address("10.20.0.255"), Reason.ALLOWED),
    "fail_source_outside_pool": ("10.20.1.7", Reason.SOURCE_NOT_ALLOWED),
    "fail_source_missing": (None, Reason.SOURCE_NOT_ALLOWED),
    "fail_source_garbage": ("10.20.0.7; rm -rf /", Reason.SOURCE_NOT_ALLOWED),
    "fail_source_ipv6": ("2001:db8::7", Reason.SOURCE_NOT_ALLOWED),
    "fail_source_not_text": (168034311, Reason.SOURCE_NOT_ALLOWED),
}


@pytest.mark.parametrize(("source", "reason"), SOURCES.values(), ids=SOURCES.keys())
def test_vpn_pool_is_enforced(source, reason, keys, jwks):
    policy = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE, vpn_pool=POOL)
    decision = verify_token(keys.token(claims_v1()), policy, jwks, source_ip=source, now=NOW)
    assert decision.reason_code == reason, decision.reason


GROUP = "6a1d2b3c-0000-4000-8000-000000000001"
ROLE_POLICIES = {
    "pass_group_member": (dict(required_groups={GROUP}), claims_v1(roles=DROP, groups=[GROUP]), Reason.ALLOWED),
    "pass_role_or_group": (dict(required_roles={"X"}, required_groups={GROUP}), claims_v1(groups=[GROUP]),
                           Reason.ALLOWED),
    "pass_no_requirement": ({}, claims_v1(roles=DROP), Reason.ALLOWED),
    "fail_group_overage": (dict(required_groups={GROUP}),
                           claims_v1(roles=DROP, _claim_names={"groups": "src1"}), Reason.ROLE_REQUIRED),
    "fail_other_group": (dict(required_groups={GROUP}), claims_v1(groups=["other"]), Reason.ROLE_REQUIRED),
}


@pytest.mark.parametrize(("options", "claims", "reason"), ROLE_POLICIES.values(), ids=ROLE_POLICIES.keys())
def test_roles_and_groups(options, claims, reason, keys, jwks):
    policy = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE, require_mfa=False, **options)
    assert verify_token(keys.token(claims), policy, jwks, now=NOW).reason_code == reason


def test_v2_token_needs_a_configured_auth_context(keys, jwks):
    policy = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE)
    decision = verify_token(keys.token(claims_v2()), policy, jwks, now=NOW)
    assert decision.reason_code == Reason.MFA_REQUIRED
    assert "auth context" in decision.reason


def test_mfa_can_be_waived_by_policy(keys, jwks):
    policy = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE, require_mfa=False)
    assert verify_token(keys.token(claims_v1(amr=["pwd"])), policy, jwks, now=NOW).allowed


def test_leeway_is_configurable(keys, jwks):
    token = keys.token(claims_v1(exp=NOW - 10))
    strict = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE, leeway=0)
    lenient = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE, leeway=60)
    assert verify_token(token, strict, jwks, now=NOW).reason_code == Reason.EXPIRED
    assert verify_token(token, lenient, jwks, now=NOW).allowed


def test_size_cap_is_configurable(keys, jwks):
    token = keys.token(claims_v1(pad="x" * 3000))
    policy = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE, max_token_bytes=2048)
    assert verify_token(token, policy, jwks, now=NOW).reason_code == Reason.TOO_LARGE


BAD_POLICIES = {
    "fail_tenant_not_guid": dict(tenant_id="contoso.onmicrosoft.com"),
    "fail_tenant_braces": dict(tenant_id="{" + TENANT + "}"),
    "fail_audience_empty": dict(audience=" "),
    "fail_roles_as_string": dict(required_roles="Runbook.Operator"),
    "fail_auth_context_format": dict(mfa_auth_context="mfa"),
    "fail_auth_context_c0": dict(mfa_auth_context="c0"),
    "fail_leeway_negative": dict(leeway=-1),
    "fail_leeway_too_large": dict(leeway=3600),
    "fail_vpn_pool_string": dict(vpn_pool="10.0.0.0/24"),
    "fail_size_cap_tiny": dict(max_token_bytes=10),
}


@pytest.mark.parametrize("options", BAD_POLICIES.values(), ids=BAD_POLICIES.keys())
def test_invalid_policies_are_refused(options):
    with pytest.raises(ValueError):
        TokenPolicy(**{"tenant_id": TENANT, "audience": AUDIENCE, **options})


def test_policy_normalises_tenant_case():
    assert TokenPolicy(tenant_id=TENANT.upper(), audience=AUDIENCE).tenant_id == TENANT


# --- never a crash --------------------------------------------------------------------------------


class ExplodingKeys:
    """A key source that fails inside the library the way real bugs do."""

    loaded = True

    def __init__(self, error: BaseException):
        self.error = error

    def get(self, kid):
        raise self.error


@pytest.mark.parametrize(
    "error", [TypeError("x"), RecursionError(), OverflowError(), MemoryError(), ValueError(), KeyError("k")],
    ids=lambda e: type(e).__name__,
)
def test_library_exceptions_become_rejections(error, keys, policy):
    decision = verify_token(keys.token(claims_v1()), policy, ExplodingKeys(error), now=NOW)
    assert (decision.allowed, decision.reason_code) == (False, Reason.ERROR)
    assert type(error).__name__ in decision.reason


def test_decision_is_frozen(keys, policy, jwks):
    decision = verify_token(keys.token(claims_v1()), policy, jwks, now=NOW)
    assert isinstance(decision, Decision)
    with pytest.raises(AttributeError):
        decision.allowed = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        decision.claims["roles"] = ["Owner"]  # type: ignore[index]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_arbitrary_text_is_denied_without_raising(text, policy, jwks):
    decision = verify_token(text, policy, jwks, now=NOW)
    assert not decision.allowed and decision.reason_code != Reason.ERROR


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_a_valid_token_is_denied(data, keys, policy, jwks):
    token = keys.token(claims_v1())
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.characters(codec="ascii"))
    mutated = token[:position] + replacement + token[position + 1 :]
    decision = verify_token(mutated, policy, jwks, now=NOW)
    if mutated == token:
        assert decision.allowed
    else:
        assert not decision.allowed and decision.reason_code != Reason.ERROR, (position, replacement)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "jku", "x"]),
                           st.none() | st.booleans() | st.integers() | st.text(max_size=20)
                           | st.lists(st.integers(), max_size=3)),
    claims=st.dictionaries(st.sampled_from(["exp", "nbf", "iat", "aud", "iss", "tid", "ver", "amr", "roles"]),
                           st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                           | st.text(max_size=20) | st.lists(st.text(max_size=5), max_size=3)),
)
def test_odd_headers_and_claims_never_raise(header, claims, keys, policy, jwks):
    decision = verify_token(keys.token(claims, header=header), policy, jwks, now=NOW)
    assert not decision.allowed and decision.reason_code != Reason.ERROR


# --- the stack's deployers (issue 11, OUS-7) ------------------------------------------------------


@pytest.mark.parametrize(("oid", "allowed"), [
    ("11111111-2222-3333-4444-555555555555", True),
    ("11111111-2222-3333-4444-555555555555".upper(), True),
    ("99999999-2222-3333-4444-555555555555", False),
], ids=["pass_deployer", "pass_deployer_upper_case", "fail_other_principal"])
def test_only_named_deployers_pass(oid, allowed, keys, jwks):
    policy = TokenPolicy(tenant_id=TENANT, audience=AUDIENCE, required_oids=frozenset(
        {"11111111-2222-3333-4444-555555555555"}))
    decision = verify_token(keys.token(claims_v1(oid=oid)), policy, jwks, now=NOW)
    assert (decision.allowed, decision.reason_code) == (
        (True, Reason.ALLOWED) if allowed else (False, Reason.PRINCIPAL_NOT_ALLOWED))
