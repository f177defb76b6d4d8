"""Bounded reading of recorded outputs and of the tools that print them; every failure is one line.

A recorded file or a tool's output larger than `MAX_BYTES` is refused rather than read: a real
routing table is a few hundred kilobytes at most, so anything bigger is not one.
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError
from dpaguard.files import read_bounded

MAX_BYTES = 8 * 1024 * 1024
TIMEOUT_S = 20


def _system_tool_dirs() -> tuple[str, ...]:
    if sys.platform == "win32":
        import ctypes

        # the System32 directory from the API, not from %SystemRoot%, which the caller sets
        buffer = ctypes.create_unicode_buffer(260)
        ctypes.windll.kernel32.GetSystemDirectoryW(buffer, 260)
        return (os.path.join(buffer.value, "WindowsPowerShell", "v1.0"),)
    return ("/usr/sbin", "/usr/bin", "/sbin", "/bin")


# Where the tools are looked up, and the only PATH they run with. Never the caller's $PATH: a
# script named `ip` put first on it prints a recorded forced tunnel, which is the `--routes`
# bypass again; nor the caller's environment (LD_PRELOAD, DYLD_INSERT_LIBRARIES, PSModulePath
# could all change what the tools print).
TOOL_DIRS: tuple[str, ...] = _system_tool_dirs()
_SYSTEM_PATH = os.pathsep.join(_system_tool_dirs())


def tool_path(name: str) -> str:
    """The absolute path of system tool `name` in TOOL_DIRS; InputError if it is in none of them."""
    for directory in TOOL_DIRS:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise InputError(f"{name} not found in {', '.join(TOOL_DIRS)}")


def _tool_environment() -> dict[str, str]:
    env = {"LC_ALL": "C", "PATH": _SYSTEM_PATH}  # LC_ALL=C: stable English error lines
    if sys.platform == "win32":
        # TOOL_DIRS[0] is <System32>\WindowsPowerShell\v1.0; the cmdlets' modules (NetTCPIP,
        # NetAdapter) live in its Modules directory, so no other module path can shadow them
        powershell = _system_tool_dirs()[0]
        system32 = os.path.dirname(os.path.dirname(powershell))
        env.update(SystemRoot=os.path.dirname(system32), PATH=os.pathsep.join((system32, powershell)),
                   PSModulePath=os.path.join(powershell, "Modules"))
    return env


def read_text(path: Path) -> str:
    """The file's text, decoded from UTF-8 or, with a byte-order mark, UTF-16 (what Windows
    PowerShell 5.1's `>` writes); a regular file of at most MAX_BYTES."""
    return decode(read_bounded(path, MAX_BYTES, "recorded output"), str(path))


def decode(data: bytes, where: str) -> str:
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 or UTF-16 text (byte {exc.start})") from None


def parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply") from None


def run(argv: list[str], *, allow_fail: tuple[str, ...] = ()) -> str | None:
    """Run a tool without a shell and return its output (at most MAX_BYTES).

    Returns None if it fails with a message containing one of `allow_fail` (IPv6 disabled, say).
    """
    shown = " ".join(argv)
    try:
        executable = tool_path(argv[0])
    except InputError as exc:
        raise InputError(f"cannot run `{shown}`: {exc.message}") from None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            done = subprocess.run([executable, *argv[1:]], stdout=out, stderr=err, timeout=TIMEOUT_S, check=False,
                                  env=_tool_environment())
        except FileNotFoundError:
            raise InputError(f"cannot run `{shown}`: {argv[0]} not found") from None
        except subprocess.TimeoutExpired:
            raise InputError(f"`{shown}` did not finish in {TIMEOUT_S} s") from None
        except OSError as exc:
            raise InputError(f"cannot run `{shown}`: {exc.strerror or exc}") from None
        err.seek(0)
        message = " ".join(decode(err.read(4096), shown).split())
        if done.returncode != 0:
            if any(word in message for word in allow_fail):
                return None
            raise InputError(f"`{shown}` failed (exit {done.returncode}): {message[:300] or 'no message'}")
        if out.tell() > MAX_BYTES:
            raise InputError(f"`{shown}` printed more than {MAX_BYTES // (1024 * 1024)} MiB")
        out.seek(0)
        return decode(out.read(), f"`{shown}`")


def as_list(doc: Any, where: str, what: str) -> list[Any]:
    if not isinstance(doc, list):
        raise InputError(f"{where}: expected the JSON list {what} prints, got {type(doc).__name__}")
    return doc


def opt(d: dict[str, Any], key: str, types: type | tuple[type, ...], where: str) -> Any:
    """A missing or null key is None; a present one of the wrong type is malformed input."""
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise InputError(f"{where}: '{key}' is bool {value!r}, not what the tool prints")
    if not isinstance(value, types):
        raise InputError(f"{where}: '{key}' is {type(value).__name__} {_short(value)}, not what the tool prints")
    return value


def obj(entry: Any, where: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(entry).__name__}")
    return entry


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
