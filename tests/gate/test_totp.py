"""`dpaguard.gate.totp`: RFC 6238 through the verifier, one use per code across processes, strict
format, throttling and lock-out, and an encrypted store that survives crashes (OUS-6.1.d)."""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import stat

import pyotp
import pytest

from dpaguard.gate import totp as totp_module
from dpaguard.gate.totp import (
    AlreadyEnrolled,
    Throttle,
    TotpConfig,
    TotpReason,
    TotpStore,
    TotpStoreError,
    generate_key,
    load_key,
    write_key_file,
)

T0 = 1_750_000_020  # the start of a 30-second step
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FORK = multiprocessing.get_context("fork")


def code_at(t: float, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(t)


@pytest.fixture
def key() -> bytes:
    return os.urandom(32)


@pytest.fixture
def store_path(tmp_path) -> str:
    return str(tmp_path / "totp.store")


@pytest.fixture
def store(store_path, key) -> TotpStore:
    store = TotpStore(store_path, key, throttle=Throttle(max_failures=5, free_failures=2, base_delay=1.0))
    store.enroll("ola", secret=SECRET)
    return store


# --- RFC 6238 Appendix B --------------------------------------------------------------------------

SEEDS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, "sha1", "94287082"), (59, "sha256", "46119246"), (59, "sha512", "90693936"),
    (1111111109, "sha1", "07081804"), (1111111109, "sha256", "68084774"), (1111111109, "sha512", "25091201"),
    (1111111111, "sha1", "14050471"), (1111111111, "sha256", "67062674"), (1111111111, "sha512", "99943326"),
    (1234567890, "sha1", "89005924"), (1234567890, "sha256", "91819424"), (1234567890, "sha512", "93441116"),
    (2000000000, "sha1", "69279037"), (2000000000, "sha256", "90698825"), (2000000000, "sha512", "38618901"),
    (20000000000, "sha1", "65353130"), (20000000000, "sha256", "77737706"), (20000000000, "sha512", "47863826"),
]


@pytest.mark.parametrize(("t", "digest", "code"), VECTORS, ids=[f"pass_{d}_{t}" for t, d, _ in VECTORS])
def test_rfc6238_vectors(t, digest, code, store_path, key):
    config = TotpConfig(digits=8, digest=digest, interval=30, window=0)
    store = TotpStore(store_path, key, config=config)
    store.enroll("rfc", secret=base64.b32encode(SEEDS[digest]).decode())
    result = store.verify("rfc", code, now=t)
    assert (result.allowed, result.step) == (True, t // 30), result.reason


def test_production_defaults_are_six_digits_sha1_30s(store_path, key):
    assert TotpConfig() == TotpConfig(digits=6, digest="sha1", interval=30, window=1)
    uri = TotpStore(store_path, key).enroll("kari")
    parsed = pyotp.parse_uri(uri)
    assert (parsed.digits, parsed.digest().name, parsed.interval, parsed.issuer) == (6, "sha1", 30, "dpa-guard")
    assert uri.startswith("otpauth://totp/dpa-guard:kari?")


# --- window and replay ----------------------------------------------------------------------------

WINDOW = {
    "pass_current_step": (0, TotpReason.ACCEPTED),
    "pass_one_step_early": (-30, TotpReason.ACCEPTED),
    "pass_one_step_late": (30, TotpReason.ACCEPTED),
    "fail_two_steps_early": (-60, TotpReason.WRONG_CODE),
    "fail_two_steps_late": (60, TotpReason.WRONG_CODE),
}


@pytest.mark.parametrize(("offset", "reason"), WINDOW.values(), ids=WINDOW.keys())
def test_window_is_one_step_each_way(offset, reason, store):
    assert store.verify("ola", code_at(T0 + offset), now=T0 + 5).reason_code == reason


def test_code_is_accepted_once(store):
    assert store.verify("ola", code_at(T0), now=T0).allowed
    again = store.verify("ola", code_at(T0), now=T0 + 10)
    assert (again.allowed, again.reason_code) == (False, TotpReason.REPLAY)


def test_older_code_after_newer_one_is_a_replay(store):
    assert store.verify("ola", code_at(T0 + 30), now=T0 + 25).allowed  # the next step, early
    assert store.verify("ola", code_at(T0), now=T0 + 26).reason_code == TotpReason.REPLAY


def test_replay_is_rejected_by_another_store_instance(store, store_path, key):
    assert store.verify("ola", code_at(T0), now=T0).allowed
    other = TotpStore(store_path, key)
    assert other.verify("ola", code_at(T0), now=T0).reason_code == TotpReason.REPLAY


def _verify_in_child(path: str, key: bytes, code: str, now: float, barrier, results) -> None:
    # replays count as failures; enough free failures keep throttling out of this test
    store = TotpStore(path, key, throttle=Throttle(free_failures=10, max_failures=20))
    barrier.wait()
    results.put(str(store.verify("ola", code, now=now).reason_code))


def test_replay_in_a_parallel_process_is_rejected(store, store_path, key):
    workers = 6
    barrier, results = FORK.Barrier(workers), FORK.Queue()
    processes = [FORK.Process(target=_verify_in_child, args=(store_path, key, code_at(T0), T0, barrier, results))
                 for _ in range(workers)]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=30) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert outcomes == sorted(["accepted"] + ["replay"] * (workers - 1))
    # and afterwards, in this process too
    assert store.verify("ola", code_at(T0), now=T0).reason_code == TotpReason.REPLAY


# --- format ---------------------------------------------------------------------------------------

FORMATS = {
    "fail_five_digits": "12345",
    "fail_seven_digits": "1234567",
    "fail_leading_space": " 123456",
    "fail_trailing_space": "123456 ",
    "fail_trailing_newline": "123456\n",
    "fail_inner_space": "123 456",
    "fail_fullwidth_digits": "\uff11\uff12\uff13\uff14\uff15\uff16",
    "fail_arabic_indic_digits": "\u0661\u0662\u0663\u0664\u0665\u0666",
    "fail_superscript_digits": "\u00b9\u00b2\u00b3\u2074\u2075\u2076",
    "fail_letters": "12345a",
    "fail_sign": "+12345",
    "fail_empty": "",
    "fail_none": None,
    "fail_int": 123456,
    "fail_bytes": b"123456",
}


@pytest.mark.parametrize("code", FORMATS.values(), ids=FORMATS.keys())
def test_only_six_ascii_digits_are_codes(code, store):
    result = store.verify("ola", code, now=T0)
    assert (result.allowed, result.reason_code) == (False, TotpReason.BAD_FORMAT)


def test_fullwidth_form_of_the_right_code_is_refused(store):
    # pyotp.TOTP.verify would accept this: it NFKC-normalises the code
    fullwidth = code_at(T0).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert pyotp.TOTP(SECRET).verify(fullwidth, for_time=T0)
    assert store.verify("ola", fullwidth, now=T0).reason_code == TotpReason.BAD_FORMAT


def test_unknown_user_is_refused(store):
    assert store.verify("nobody", code_at(T0), now=T0).reason_code == TotpReason.UNKNOWN_USER
    assert store.verify("../ola", code_at(T0), now=T0).reason_code == TotpReason.UNKNOWN_USER


# --- throttling and lock-out ----------------------------------------------------------------------


def wrong(t: float) -> str:
    right = {code_at(t + offset) for offset in (-30, 0, 30)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def test_delays_double_after_the_free_failures(store):
    now = T0
    delays = []
    for attempt in range(1, 5):
        result = store.verify("ola", wrong(now), now=now)
        assert (result.reason_code, result.failures) == (TotpReason.WRONG_CODE, attempt)
        delays.append(result.retry_after)
        now += result.retry_after or 0
    assert delays == [None, None, 1.0, 2.0]


def test_attempts_during_a_delay_are_refused_and_not_counted(store):
    for _ in range(4):
        store.verify("ola", wrong(T0), now=T0 + 10)
    # the third failure set a 1 s delay; the fourth attempt came inside it
    result = store.verify("ola", wrong(T0), now=T0 + 10.5)
    assert (result.reason_code, result.failures, result.retry_after) == (TotpReason.THROTTLED, 3, 0.5)


def test_right_code_during_delay_is_refused_then_accepted(store):
    now = T0
    for _ in range(3):
        store.verify("ola", wrong(now), now=now)
    assert store.verify("ola", code_at(now), now=now).reason_code == TotpReason.THROTTLED
    later = store.verify("ola", code_at(now + 1), now=now + 1)
    assert later.allowed


def test_success_resets_the_failure_count(store):
    store.verify("ola", wrong(T0), now=T0)
    store.verify("ola", wrong(T0), now=T0)
    assert store.verify("ola", code_at(T0), now=T0).allowed
    assert store.verify("ola", wrong(T0 + 30), now=T0 + 30).failures == 1


def test_lock_after_max_failures_until_unlocked(store):
    now = T0
    for attempt in range(1, 6):
        result = store.verify("ola", wrong(now), now=now)
        assert (result.reason_code, result.failures) == (TotpReason.WRONG_CODE, attempt)
        now += 3600  # past any delay
    locked = store.verify("ola", code_at(now), now=now)
    assert (locked.allowed, locked.reason_code) == (False, TotpReason.LOCKED)
    assert store.verify("ola", code_at(now + 86400), now=now + 86400).reason_code == TotpReason.LOCKED
    assert store.unlock("ola")
    assert store.verify("ola", code_at(now), now=now).allowed


def test_replays_count_as_failures(store):
    assert store.verify("ola", code_at(T0), now=T0).allowed
    assert store.verify("ola", code_at(T0), now=T0).failures == 1


LIMITS = {
    "fail_zero": dict(max_failures=0),
    "fail_above_nist_limit": dict(max_failures=101),
    "fail_not_int": dict(max_failures=10.0),
    "fail_negative_free": dict(free_failures=-1),
    "fail_zero_delay": dict(base_delay=0),
}


@pytest.mark.parametrize("options", LIMITS.values(), ids=LIMITS.keys())
def test_throttle_limits_are_bounded(options):
    with pytest.raises(ValueError):
        Throttle(**options)


def test_nist_limit_itself_is_allowed():
    assert Throttle(max_failures=100).max_failures == 100


CONFIGS = {"fail_five_digits": dict(digits=5), "fail_md5": dict(digest="md5"),
           "fail_window_two": dict(window=2), "fail_interval_tiny": dict(interval=1)}


@pytest.mark.parametrize("options", CONFIGS.values(), ids=CONFIGS.keys())
def test_code_config_is_bounded(options):
    with pytest.raises(ValueError):
        TotpConfig(**options)


# --- the store ------------------------------------------------------------------------------------


def test_store_is_encrypted_at_rest(store, store_path):
    raw = open(store_path, "rb").read()
    assert SECRET.encode() not in raw and b"ola" not in raw
    envelope = json.loads(raw)
    assert (envelope["format"], envelope["cipher"]) == ("dpaguard-totp-store", "AES-256-GCM")
    assert stat.S_IMODE(os.stat(store_path).st_mode) == 0o600


def test_store_round_trip(store, store_path, key):
    store.enroll("kari")
    assert TotpStore(store_path, key).users() == ["kari", "ola"]


def test_wrong_key_is_refused(store, store_path):
    with pytest.raises(TotpStoreError, match="wrong key"):
        TotpStore(store_path, os.urandom(32)).verify("ola", code_at(T0), now=T0)


def test_altered_ciphertext_is_refused(store, store_path, key):
    envelope = json.loads(open(store_path).read())
    ciphertext = bytearray(base64.b64decode(envelope["ciphertext"]))
    ciphertext[5] ^= 1
    envelope["ciphertext"] = base64.b64encode(bytes(ciphertext)).decode()
    open(store_path, "w").write(json.dumps(envelope))
    with pytest.raises(TotpStoreError, match="altered"):
        TotpStore(store_path, key).users()


@pytest.mark.parametrize("content", [b"", b"{}", b"not json", b'{"format": "dpaguard-totp-store", "version": 1}'],
                         ids=["fail_empty", "fail_empty_object", "fail_not_json", "fail_no_ciphertext"])
def test_foreign_files_are_refused(content, store_path, key):
    open(store_path, "wb").write(content)
    with pytest.raises(TotpStoreError):
        TotpStore(store_path, key).users()


def test_failed_write_leaves_the_old_store(store, store_path, key, monkeypatch):
    before = open(store_path, "rb").read()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(TotpStoreError, match="No space left"):
        store.enroll("kari")
    monkeypatch.undo()
    assert open(store_path, "rb").read() == before
    assert sorted(os.listdir(os.path.dirname(store_path))) == ["totp.store", "totp.store.lock"]


def _crash_before_replace(path: str, key: bytes, code: str, now: float) -> None:
    # the process dies between writing the new store and renaming it into place
    os.replace = lambda src, dst: os._exit(137)
    TotpStore(path, key).verify("ola", code, now=now)


def test_crash_mid_write_leaves_the_old_store(store, store_path, key):
    before = open(store_path, "rb").read()
    child = FORK.Process(target=_crash_before_replace, args=(store_path, key, code_at(T0), T0))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 137
    assert open(store_path, "rb").read() == before
    # the crashed acceptance was never reported, so the code is still good exactly once
    assert store.verify("ola", code_at(T0), now=T0).allowed
    assert store.verify("ola", code_at(T0), now=T0).reason_code == TotpReason.REPLAY


def test_enrolling_twice_needs_replace(store):
    with pytest.raises(AlreadyEnrolled):
        store.enroll("ola")
    uri = store.enroll("ola", replace=True)
    assert pyotp.parse_uri(uri).secret != SECRET


@pytest.mark.parametrize("user", ["", "a b", "../x", "x\n", "ø", "a" * 200, None],
                         ids=["fail_empty", "fail_space", "fail_traversal", "fail_newline", "fail_non_ascii",
                              "fail_long", "fail_none"])
def test_bad_user_names_cannot_enroll(user, store):
    with pytest.raises(ValueError):
        store.enroll(user)


# --- the key --------------------------------------------------------------------------------------


def test_key_from_environment():
    text = generate_key()
    assert load_key(environ={"DPAGUARD_TOTP_KEY": text}) == base64.urlsafe_b64decode(text)


def test_key_file_is_preferred_and_must_be_private(tmp_path):
    path = tmp_path / "totp.key"
    write_key_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(load_key(path, environ={"DPAGUARD_TOTP_KEY": generate_key()})) == 32
    os.chmod(path, 0o644)
    with pytest.raises(TotpStoreError, match="chmod 600"):
        load_key(path)


def test_key_file_is_never_overwritten(tmp_path):
    path = tmp_path / "totp.key"
    write_key_file(path)
    before = path.read_text()
    with pytest.raises(TotpStoreError, match="exists"):
        write_key_file(path)
    assert path.read_text() == before


@pytest.mark.parametrize("environ", [{}, {"DPAGUARD_TOTP_KEY": ""}, {"DPAGUARD_TOTP_KEY": "short"},
                                     {"DPAGUARD_TOTP_KEY": base64.urlsafe_b64encode(b"x" * 16).decode()}],
                         ids=["fail_unset", "fail_empty", "fail_garbage", "fail_128_bit"])
def test_bad_or_missing_keys_are_refused(environ):
    with pytest.raises(TotpStoreError):
        load_key(environ=environ)


def test_lock_file_sits_beside_the_store(store, store_path):
    assert os.path.exists(store_path + ".lock")
    # no default store and no $DPAGUARD_TOTP_STORE: the store is the one the stack names (gate.totpStore)
    assert not hasattr(totp_module, "DEFAULT_STORE") and not hasattr(totp_module, "STORE_ENV")
