"""Write the package: evidence.html, assessment-results.json, access-review.json (and a screenshot on request).

Nothing is replaced until every file's content exists and is staged on disk beside its target
(`dpaguard.files.write_together`): the page, the OSCAL results and the review are rendered and the
screenshot is taken (of the new page, from a staging copy) first, so a failure in any of that, or
a directory in the way, leaves the previous package as it was. A package written without a screenshot removes an older
screenshot, which would show another page than the one beside it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
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
    from dpaguard.errors import InputError
    from dpaguard.files import write_together

    html_bytes = page.render(ev).encode("utf-8")
    files = {
        out / HTML: html_bytes,
        out / OSCAL: oscal.render(ev, HTML).encode("utf-8"),
        out / REVIEW: (json.dumps(ev.review.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
    }
    stale = out / SCREENSHOT
    if stale.is_dir():
        raise InputError(f"cannot write {stale}: it is a directory")
    if screenshot:
        files[stale] = _screenshot(html_bytes, out)
    write_together(files, mode=0o644, make_parents=True)
    if not screenshot:
        try:
            stale.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise InputError(f"cannot remove the older {stale}: {exc.strerror or exc}") from None
    return Written(out / HTML, out / OSCAL, out / REVIEW, stale if screenshot else None)


def _screenshot(html: bytes, out: Path) -> bytes:
    """A PNG of `html` as the browser shows it, taken from a staging copy in a fresh private
    directory beside the package (removed afterwards, as is `out` if this call made it)."""
    from dpaguard.errors import InputError
    from dpaguard.evidence import browser
    from dpaguard.files import atomic_write

    made = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".evidence-staging-", dir=out))
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        staged = staging / HTML
        atomic_write(staged, html, mode=0o644)
        return browser.load(staged, screenshot=True).screenshot
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if made:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty: a failed screenshot leaves no new folder behind
