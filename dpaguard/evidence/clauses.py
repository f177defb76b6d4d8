"""The clauses as `../shared/agreements/CLAUSES.md` defines them, with the Norwegian wording they come from.

CLAUSES.md is the authority for the ids, their order, their section and what they demand; it
names the agreement file of each prefix (`**OUS** = `000_....txt``). The Norwegian text quoted
for a clause is read from that agreement file: `ANCHORS` only says where, by a phrase that
occurs in exactly one passage of the file (a paragraph, or one bullet of a list), so the quote
is the signed wording itself, never a copy kept here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from dpaguard.errors import InputError

AGREEMENTS_ENV = "DPAGUARD_AGREEMENTS"
MAX_FILE_BYTES = 4 * 1024 * 1024

# Where each clause's wording is, as a phrase of the agreement file (whitespace-normalised).
# Sections are cited as CLAUSES.md's `section` column gives them.
ANCHORS: dict[str, tuple[str, ...]] = {
    "OUS-2": ("utgjør helse- og personopplysninger kun lyd- og billedopptak",),
    "OUS-3": ("skal holdes atskilt fra andre opplysninger og tjenester",),
    "OUS-4.1": ("Innsendte lyd- og billedopptak slettes og gjøres utilgjengelig",),
    "OUS-4.2": ("Lagring av tallskåringer for evaluering",),
    "OUS-5": ("Sletting skal gjennomføres slik at opplysningene ikke kan gjenfinnes",),
    "OUS-6.a": ("Sikkerhetsbrudd eller mistanke om sikkerhetsbrudd",),
    "OUS-6.b": ("klare rutiner for logging av feil",),
    "OUS-6.1.a": ("Kun autoriserte medarbeidere skal ha tilgang",),
    "OUS-6.1.b": ("skal sikres mot uaktsom utlevering",),
    "OUS-6.1.c": ("sperring mot samtidig tilgang til internett",),
    "OUS-6.1.d": ("2-nivå autentisering",),
    "OUS-6.1.e": ("Kommunikasjon skal sikres med kryptering",),
    "OUS-6.2": ("rutiner for tilgangsautorisasjon",),
    "OUS-6.3": ("rett til innsyn i og verifikasjon",),
    "OUS-7": ("Alle medarbeidere skal ha undertegnet taushetserklæring",),
    "OUS-8": ("Avtalen opphører hvis",),
    "OUS-9": ("Ved opphør av denne avtalen plikter",),
    "OUS-11": ("kan ikke under noen omstendighet sperre",),
    "ECG-1.2": ("1.2 Databehandleravtalen har som formål",),
    "ECG-3": ("Pasientopplysninger: ID-kode", "Muligheter for pseudonymisering"),
    "ECG-4": ("Lagring av pasientopplysninger skal begrenses",),
    "ECG-6": ("Dedikert lagringsenhet", "Sikker autentisering og autorisering",
              "ECG247 skytjeneste er basert på Microsoft Azure"),
    "ECG-7": ("7.1 Databehandleren skal sikre at ansatte", "7.2 Databehandleren skal kun autorisere"),
    "ECG-6R": ("6.1 Databehandleren skal på forespørsel bistå", "6.3 Databehandleren skal bistå"),
    "ECG-7S": ("7.2 Databehandleren skal foreta risikovurderinger", "7.3 Databehandler skal dokumentere"),
    "ECG-8": ("8.1 Databehandler skal uten ugrunnet opphold", "8.2 Underretning etter punkt 8.1"),
    "ECG-9": ("9.1 Databehandler kan benytte underdatabehandler", "9.2 Dersom en databehandler engasjerer"),
    "ECG-10": ("10.1 Personopplysninger skal ikke overføres",),
    "ECG-11": ("11.2 Behandlingsansvarlige er ansvarlig for å melde", "11.3 Databehandler skal bekrefte"),
}

_ID = re.compile(r"[A-Z]+-[0-9][0-9A-Za-z.]*")
_FILE = re.compile(r"^- \*\*([A-Z]+)\*\* = `([^`/]+\.txt)`", re.MULTILINE)


@dataclass(frozen=True)
class Clause:
    id: str
    agreement: str
    section: str
    demand: str
    controls: str
    norwegian: tuple[str, ...]
    """The passages of the signed agreement this clause comes from, verbatim up to whitespace."""
    source_file: str


def agreements_dir(root: Path, explicit: str | None = None) -> Path:
    """`--agreements`, else $DPAGUARD_AGREEMENTS, else `../shared/agreements` beside the project."""
    return Path(explicit or os.environ.get(AGREEMENTS_ENV) or root.parent / "shared" / "agreements")


def _read(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not an agreement file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def passages(text: str) -> list[str]:
    """The agreement's paragraphs and list items, whitespace-normalised.

    Blocks are separated by blank lines; a block starting in lower case continues the one
    before (the PDF-to-text files break bullets across blank lines); bullets (•) split a block.
    """
    blocks: list[str] = []
    for raw in re.split(r"\n\s*\n", text):
        block = " ".join(raw.split())
        if not block:
            continue
        if blocks and block[0].islower():
            blocks[-1] = f"{blocks[-1]} {block}"
        else:
            blocks.append(block)
    out: list[str] = []
    for block in blocks:
        out.extend(p.strip() for p in block.split("•") if p.strip())
    return out


def load(directory: Path) -> list[Clause]:
    """Every clause of CLAUSES.md, in its order, with its Norwegian wording; InputError if they disagree."""
    index = directory / "CLAUSES.md"
    text = _read(index)
    files = dict(_FILE.findall(text))
    if not files:
        raise InputError(f"{index}: names no agreement file (lines like - **OUS** = `000_....txt`)")
    texts: dict[str, list[str]] = {}
    clauses: list[Clause] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            continue
        cells = _cells(line)
        if len(cells) != 4 or not _ID.fullmatch(cells[0]):
            continue
        clause_id, section, demand, controls = cells
        agreement = clause_id.split("-", 1)[0]
        if agreement not in files:
            raise InputError(f"{index}:{number}: {clause_id}: no agreement file named for {agreement}")
        if agreement not in texts:
            texts[agreement] = passages(_read(directory / files[agreement]))
        anchors = ANCHORS.get(clause_id)
        if not anchors:
            raise InputError(f"{index}:{number}: {clause_id} is new: dpaguard/evidence/clauses.py has no anchor for "
                             "its Norwegian wording")
        quotes = []
        for anchor in anchors:
            found = [p for p in texts[agreement] if anchor in p]
            if len(found) != 1:
                raise InputError(f"{directory / files[agreement]}: the wording of {clause_id} ({anchor!r}) occurs in "
                                 f"{len(found)} passages, expected exactly 1")
            quotes.append(found[0])
        clauses.append(Clause(clause_id, agreement, section, demand, controls, tuple(quotes), files[agreement]))
    if not clauses:
        raise InputError(f"{index}: no clause table rows (| ID | section | demand | controls |)")
    ids = [c.id for c in clauses]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"{index}: clause ids listed twice: {', '.join(duplicates)}")
    return clauses
