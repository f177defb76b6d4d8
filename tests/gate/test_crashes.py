"""Every bad path of issue 11's crash list is one line and a documented exit code (dpaguard/errors.py):
no traceback, no endless read, nothing written where it was not asked for."""

from __future__ import annotations

import os
import time

import pytest

from dpaguard.cli import main
from dpaguard.errors import InputError
from dpaguard.files import atomic_write, read_bounded
from tests.gate.project import OUS, ROOT


@pytest.fixture(scope="module")
def project():
    """The checkout itself, read only: every case below writes to --out, and fails before writing."""

    class Checkout:
        root = ROOT

    return Checkout


def one_line(capsys, argv: list[str], code: int = 2) -> str:
    start = time.monotonic()
    assert main(argv) == code
    out, err = capsys.readouterr()
    # the program's own warnings may precede it; the failure itself is exactly one line, the last
    errors = [line for line in err.splitlines() if line.startswith("dpaguard: error: ")]
    assert len(errors) == 1 and err.endswith(errors[0] + "\n") and "Traceback" not in err, err
    assert time.monotonic() - start < 120
    return errors[0]


def plan(project, out: str) -> list[str]:
    return ["plan", "--stack", OUS, "--root", str(project.root), "--no-check", "--quiet", "--out", out]


def test_plan_out_that_is_a_file(project, tmp_path, capsys):
    target = tmp_path / "a-file"
    target.write_text("keep me")
    err = one_line(capsys, plan(project, str(target)))
    assert f"cannot write {target}/plan.json" in err
    assert target.read_text() == "keep me"


def test_plan_out_in_proc(project, capsys):
    err = one_line(capsys, plan(project, "/proc/1/x"))
    assert "cannot write /proc/1/x/plan.json" in err


def test_plan_out_empty_is_refused_not_the_checkout(project, capsys):
    default = project.root / "out" / OUS / "plan.json"
    before = default.stat().st_mtime_ns if default.exists() else None
    err = one_line(capsys, plan(project, ""))
    assert "--out is empty" in err
    assert (default.stat().st_mtime_ns if default.exists() else None) == before
    assert not (project.root / "plan.json").exists()


def test_plan_policy_config_that_is_a_directory(project, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "policy-config.json").mkdir(parents=True)
    argv = plan(project, str(out))
    argv.remove("--no-check")
    err = one_line(capsys, argv)
    assert f"cannot write {out}/policy-config.json: it is a directory" in err


def test_clauses_check_dev_zero_is_bounded(capsys):
    err = one_line(capsys, ["clauses", "--check", "/dev/zero"])
    assert "--check file /dev/zero" in err and "not a regular file" in err


def test_clauses_check_directory(tmp_path, capsys):
    err = one_line(capsys, ["clauses", "--check", str(tmp_path)])
    assert "it is a directory" in err


# --- the helpers themselves ---------------------------------------------------------------------------


def test_read_bounded_caps_a_growing_or_large_file(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(InputError, match="larger than the 1000 bytes cap"):
        read_bounded(path, 1000)
    assert read_bounded(path, 2000) == b"x" * 2000


def test_read_bounded_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_bounded(fifo, 1000)


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(InputError, match="it is a directory"):
        atomic_write(tmp_path / "d", b"x")
    with pytest.raises(InputError, match="cannot write"):
        atomic_write(tmp_path / "missing" / "f", b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]
    assert list((tmp_path / "d").iterdir()) == []


def test_atomic_write_replaces_whole(tmp_path):
    path = tmp_path / "f"
    atomic_write(path, b"old")
    atomic_write(path, b"new", mode=0o644)
    assert (path.read_bytes(), oct(os.stat(path).st_mode & 0o777)) == (b"new", "0o644")


def test_write_together_replaces_none_when_one_cannot_be_written(tmp_path):
    from dpaguard.files import write_together

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_bytes(b"old a")
    second.mkdir()
    with pytest.raises(InputError, match=r"cannot write .*b\.json: it is a directory"):
        write_together({first: b"new a", second: b"new b"})
    assert first.read_bytes() == b"old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]  # no staged copy left


def test_write_together_replaces_all(tmp_path):
    from dpaguard.files import write_together

    files = {tmp_path / "x" / "a": b"1", tmp_path / "x" / "b": b"2"}
    write_together(files, make_parents=True)
    assert {p.name: p.read_bytes() for p in (tmp_path / "x").iterdir()} == {"a": b"1", "b": b"2"}
    assert {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "x").iterdir()} == {"0o644"}
