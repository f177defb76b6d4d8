"""Write the package: evidence.html, assessment-results.json, access-review.json (and a screenshot on request).

Each file is written whole or not at all (`dpaguard.files.atomic_write`), and nothing is replaced
until every file's content exists: the page, the OSCAL results and the review are rendered and
the screenshot is taken (of the new page, from a staging copy) first, so a failure there leaves
the previous package as it was. A package written without a screenshot removes an older
screenshot, which would show another page than the one beside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from dpaguard.evidence import oscal, page
from dpaguard.evidence.build import Evidence

HTML = "evidence.html"
OSCAL = "assessment-results.json"
REVIEW = "access-review.json"
SCREENSHOT = "evidence.png"


@dataclass(frozen=True)
class Written:
    html: Path
    oscal: Path
    review: Path
    screenshot: Path | None = None


def write(ev: Evidence, out: Path, *, screenshot: bool = False) -> Written:
    from dpaguard.files import atomic_write

    html_bytes = page.render(ev).encode("utf-8")
    files = {
        HTML: html_bytes,
        OSCAL: oscal.render(ev, HTML).encode("utf-8"),
        REVIEW: (json.dumps(ev.review.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
    }
    if screenshot:
        files[SCREENSHOT] = _screenshot(html_bytes, out)
    for name, data in files.items():
        atomic_write(out / name, data, mode=0o644, make_parents=True)
    if not screenshot:
        with contextlib.suppress(FileNotFoundError):
            (out / SCREENSHOT).unlink()
    return Written(out / HTML, out / OSCAL, out / REVIEW, out / SCREENSHOT if screenshot else None)


def _screenshot(html: bytes, out: Path) -> bytes:
    """A PNG of `html` as the browser shows it, taken from a staging copy beside the package."""
    from dpaguard.evidence import browser
    from dpaguard.files import atomic_write

    staged = out / f".evidence-staging-{os.getpid()}" / HTML
    atomic_write(staged, html, mode=0o644, make_parents=True)  # one line (exit 2) where `out` can't be
    try:
        return browser.load(staged, screenshot=True).screenshot
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)
