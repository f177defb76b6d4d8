"""Write the package: evidence.html, assessment-results.json, access-review.json (and a screenshot on request).

Each file is written whole or not at all (`dpaguard.files.atomic_write`).
"""

from __future__ import annotations

import json
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

    html = out / HTML
    atomic_write(html, page.render(ev).encode("utf-8"), mode=0o644, make_parents=True)
    results = out / OSCAL
    atomic_write(results, oscal.render(ev, HTML).encode("utf-8"), mode=0o644, make_parents=True)
    review = out / REVIEW
    atomic_write(review, (json.dumps(ev.review.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
                 mode=0o644, make_parents=True)
    shot = None
    if screenshot:
        from dpaguard.evidence import browser

        loaded = browser.load(html, screenshot=True)
        shot = out / SCREENSHOT
        atomic_write(shot, loaded.screenshot, mode=0o644, make_parents=True)
    return Written(html, results, review, shot)
