"""Load a page in headless Chromium (Debian's `chromium`) over the DevTools protocol, through a pipe.

`--remote-debugging-pipe` makes Chromium read protocol messages from fd 3 and write its own to
fd 4, each a JSON object ended by a NUL byte (chromium/src content/browser/devtools/
devtools_pipe_handler.cc). No port is opened. The page is opened in a new target, attached in
flat mode (`Target.attachToTarget` with `flatten: true`, messages carry `sessionId`), with
the Network domain enabled so every request the page makes is seen (`Network.requestWillBeSent`).
Chromium also gets a proxy on a closed port, so anything that did try to leave would fail.

Used by `dpaguard evidence --screenshot` and by the tests, which ask the browser (not a parser
of our own) what the page shows.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError

CANDIDATES = ("chromium", "chromium-browser")
TIMEOUT = 60.0
MAX_MESSAGE = 256 * 1024 * 1024


class BrowserError(InputError):
    """Chromium is missing, or did not answer as the protocol says (exit 2)."""


def find() -> str:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise BrowserError("chromium not found: `./dev setup` installs it (apt-get install chromium)")


@dataclass
class Loaded:
    url: str
    requests: list[str] = field(default_factory=list)
    """Every URL the page requested (the page itself included)."""
    value: Any = None
    """What the evaluated expression returned."""
    screenshot: bytes = b""


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.proc = proc
        self.write_fd = write_fd
        self.read_fd = read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             deadline: float | None = None) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        wanted = self.next_id
        while True:
            reply = self._receive(deadline or time.monotonic() + TIMEOUT)
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise BrowserError(f"chromium: {method}: {reply['error'].get('message', reply['error'])}")
                result = reply.get("result")
                return result if isinstance(result, dict) else {}
            self.events.append(reply)

    def wait_event(self, method: str, deadline: float) -> dict[str, Any]:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._receive(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("chromium did not answer in time")
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium exited (code {self.proc.poll()})")
            self.buffer += chunk
            if len(self.buffer) > MAX_MESSAGE:
                raise BrowserError("chromium sent an oversized message")
        raw, _, self.buffer = self.buffer.partition(b"\0")
        message = json.loads(raw)
        return message if isinstance(message, dict) else {}


def load(page: Path, expression: str = "null", *, width: int = 1280, height: int = 900,
         screenshot: bool = False, full_page: bool = False, fragment: str = "") -> Loaded:
    """Open `page` (scrolled to `#fragment` if given), wait for its load event, evaluate `expression`
    in it, optionally take a PNG of the viewport (or of the whole page)."""
    binary = find()
    url = page.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    to_child_r, to_child_w = os.pipe()
    from_child_r, from_child_w = os.pipe()

    def wire() -> None:  # in the child, before exec: the protocol's fds 3 and 4
        # copies above 4 first, so neither dup2 can overwrite the other's source
        read_end, write_end = os.dup(to_child_r), os.dup(from_child_w)
        while read_end <= 4 or write_end <= 4:
            read_end, write_end = os.dup(read_end), os.dup(write_end)
        os.dup2(read_end, 3, inheritable=True)
        os.dup2(write_end, 4, inheritable=True)

    with tempfile.TemporaryDirectory(prefix="dpaguard-chromium-") as profile:
        args = [binary, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
                "--hide-scrollbars", f"--user-data-dir={profile}",
                # a proxy on the discard port of loopback: nothing gets out even if asked to
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                "about:blank"]
        try:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, preexec_fn=wire, pass_fds=(3, 4))
        except OSError as exc:
            raise BrowserError(f"cannot start {binary}: {exc.strerror or exc}") from None
        os.close(to_child_r)
        os.close(from_child_w)
        pipe = _Pipe(proc, to_child_w, from_child_r)
        try:
            return _drive(pipe, url, expression, width, height, screenshot, full_page)
        finally:
            try:
                pipe.send("Browser.close", deadline=time.monotonic() + 5)
            except (BrowserError, OSError):
                pass
            os.close(to_child_w)
            os.close(from_child_r)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _drive(pipe: _Pipe, url: str, expression: str, width: int, height: int, screenshot: bool,
           full_page: bool) -> Loaded:
    deadline = time.monotonic() + TIMEOUT
    target = pipe.send("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
    session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                        deadline=deadline)["sessionId"]
    pipe.send("Network.enable", session=session, deadline=deadline)
    pipe.send("Page.enable", session=session, deadline=deadline)
    pipe.send("Emulation.setDeviceMetricsOverride",
              {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
              session=session, deadline=deadline)
    pipe.send("Page.navigate", {"url": url}, session=session, deadline=deadline)
    pipe.wait_event("Page.loadEventFired", deadline)
    loaded = Loaded(url)
    result = pipe.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                       session=session, deadline=deadline)
    if "exceptionDetails" in result:
        raise BrowserError(f"chromium: the expression failed: {result['exceptionDetails'].get('text', '')}")
    loaded.value = result.get("result", {}).get("value")
    if screenshot:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = pipe.send("Page.getLayoutMetrics", session=session, deadline=deadline)["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 16384), "scale": 1}
        data = pipe.send("Page.captureScreenshot", params, session=session, deadline=deadline)["data"]
        loaded.screenshot = base64.b64decode(data)
    # requests seen while loading, and any the page made afterwards up to now
    for event in pipe.events:
        if event.get("method") == "Network.requestWillBeSent":
            loaded.requests.append(str(event.get("params", {}).get("request", {}).get("url", "")))
    return loaded
