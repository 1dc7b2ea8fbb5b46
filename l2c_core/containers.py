"""Unpack Excel workbooks and zip archives in an upload into CSV files, by bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import posixpath
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import (  # type: ignore[import-untyped]
    InvalidFileException,
)

from l2c_core.audit import Audit, AuditWarning
from l2c_core.errors import InputFileError

log = logging.getLogger(__name__)

# A local file header, or the end record alone (an empty archive).
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Office keeps a password-protected .xlsx in an OLE file under this stream name.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# CSV and sheet XML compress 5-20x; deflate tops out near 1,000x on repeated bytes.
_MAX_RATIO = 200
# Small members cannot exhaust memory, whatever their ratio.
_RATIO_FLOOR_BYTES = 1 << 20
_MAX_ARCHIVE_DEPTH = 2  # an upload's zip, and a zip inside it
_NAMES_IN_NOTE = 5
# Why an archive member was skipped: the note's verb for one name, for several.
_SKIPS = {
    "other": (
        "is not a CSV, TSV or Excel file and was skipped",
        "are not CSV, TSV or Excel files and were skipped",
    ),
    "empty": (
        "holds nothing to read and was skipped",
        "hold nothing to read and were skipped",
    ),
    "deep": (
        "is a zip inside a zip inside a zip and was not opened; upload its files "
        "directly",
        "are zips inside a zip inside a zip and were not opened; upload their "
        "files directly",
    ),
}
_CLAIMS = {
    ".csv": "a CSV",
    ".tsv": "a TSV",
    ".txt": "a text file",
    ".xlsx": "an Excel workbook",
    ".xlsm": "an Excel workbook",
    ".xltx": "an Excel workbook",
    ".xltm": "an Excel workbook",
    ".xls": "an Excel workbook",
    ".zip": "a zip archive",
}
_TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ""}
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}
# What openpyxl and zipfile raise on a damaged file; xml's ParseError is a
# SyntaxError, and openpyxl's casts raise TypeError or IndexError on odd XML.
_DAMAGED = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    OSError,
    EOFError,
    zlib.error,
    NotImplementedError,  # a compression method zipfile lacks
    InvalidFileException,
    SyntaxError,
    TypeError,
    IndexError,
    AttributeError,
)


@dataclass(frozen=True)
class Expanded:
    """An upload with its workbooks and archives unpacked into CSV files.

    Attributes:
        files: (name, CSV bytes in UTF-8) ready for the CSV reader; files that
            needed no unpacking keep their name and bytes.
        notes: one plain sentence each on what was unpacked, renamed or skipped.
    """

    files: tuple[tuple[str, bytes], ...]
    notes: tuple[str, ...]


@dataclass
class _Output:
    files: list[tuple[str, bytes]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def add(self, name: str, data: bytes) -> None:
        """Add a file, renaming it if an earlier file has the same name."""
        stem, suffix = posixpath.splitext(name)
        unique, count = name, 2
        while unique.casefold() in self.used:
            unique, count = f"{stem} ({count}){suffix}", count + 1
        if unique != name:
            self.notes.append(
                f"Two files are named {name}; the second was read as {unique}."
            )
        self.used.add(unique.casefold())
        self.files.append((unique, data))


@dataclass
class _Budget:
    """Bytes an upload file may still unpack to."""

    limit: int
    left: int


def expand_upload(
    files: Sequence[tuple[str, bytes]], *, max_total_bytes: int = 1_000_000_000
) -> Expanded:
    """Turn every workbook and zip archive of an upload into CSV files.

    Files are recognised by their bytes, not their names. A workbook gives one
    CSV per non-empty worksheet (``<stem> - <sheet>.csv``, or ``<stem>.csv``
    when only one sheet holds data), with dates written as ISO text as in the
    workbook (no time-zone conversion). A zip archive gives its CSV, TSV and
    TXT members and its workbooks, opening a zip inside it one level deep.
    Anything else passes through unchanged, for the CSV reader to judge.

    Args:
        files: (file name, bytes) as uploaded.
        max_total_bytes: the most one uploaded archive or workbook may unpack to,
            in bytes, nested archives included.

    Returns:
        The CSV files in upload order (archive members in archive order) and
        notes on names that did not match the content, renames and skips.

    Raises:
        InputFileError: an archive or workbook is damaged, password-protected,
            would unpack past ``max_total_bytes`` or looks like a zip bomb, or
            holds nothing to read.
        ValueError: ``max_total_bytes`` is not positive.
    """
    if max_total_bytes <= 0:
        raise ValueError(f"max_total_bytes must be positive, not {max_total_bytes}")
    out = _Output()
    for name, data in files:
        budget = _Budget(max_total_bytes, max_total_bytes)
        try:
            _expand(name, bytes(data), name, out, budget, depth=0)
        except InputFileError:
            raise
        except MemoryError as exc:
            raise InputFileError(
                f"{name} is too large to unpack; upload fewer or smaller files.",
                file_name=name,
            ) from exc
        except Exception as exc:
            # A damaged file must reach the user as a sentence, never a traceback.
            log.warning("could not unpack %s: %s", name, type(exc).__name__)
            raise InputFileError(
                f"{name} cannot be read; it looks damaged, so export it again.",
                file_name=name,
            ) from exc
    log.info(
        "upload expanded: %d files in, %d files out, %d notes",
        len(files),
        len(out.files),
        len(out.notes),
    )
    return Expanded(files=tuple(out.files), notes=tuple(out.notes))


def _expand(
    name: str, data: bytes, label: str, out: _Output, budget: _Budget, depth: int
) -> str | None:
    """Add what one file holds to ``out``; else say why not (inside archives).

    ``label`` names the file in messages ("a.csv in upload.zip"); ``depth`` is
    0 for an uploaded file, 1 for a member of its archive, and so on. The
    reason returned is one of ``_SKIPS``.
    """
    claim = _CLAIMS.get(posixpath.splitext(name)[1].lower())
    if data[:4] not in _ZIP_MAGIC:
        note = _text_note(data, label, claim)
        if depth and not data.strip():
            return "empty"
        if depth and not _looks_like_text(data):
            return "other"
        if note:
            out.notes.append(note)
        out.add(name, data)
        return None

    with _open_zip(data, label, claim) as archive:
        members = archive.namelist()
        _check_safe(archive, label, budget)
        if "xl/workbook.xml" in members:
            return _expand_workbook(name, data, label, out, claim, depth)
        other = _other_document(members)
        if other and depth and not other.startswith("an Excel"):
            return "other"  # a Word file beside the exports
        if other:
            raise InputFileError(
                f"{label} is {other}; save the data as .xlsx or CSV and upload that.",
                file_name=label,
            )
        if depth >= _MAX_ARCHIVE_DEPTH:
            return "deep"
        if claim and claim != "a zip archive":
            out.notes.append(
                f"{label} is a zip archive, not {claim}; the files in it were read."
            )
        return _expand_archive(archive, label, out, budget, depth)


def _expand_archive(
    archive: zipfile.ZipFile, label: str, out: _Output, budget: _Budget, depth: int
) -> str | None:
    """Add an archive's members; refuse an uploaded archive with none to read."""
    skipped: dict[str, list[str]] = {reason: [] for reason in _SKIPS}
    found = False
    try:
        for info in archive.infolist():
            base = _member_name(info)
            if base is None:
                continue
            if not _worth_reading(archive, info, base):
                skipped["other"].append(base)
                continue
            data = archive.read(info)
            if data[:4] in _ZIP_MAGIC:
                # Counted with the archive already; its contents count instead.
                budget.left += len(data)
            reason = _expand(base, data, f"{base} in {label}", out, budget, depth + 1)
            if reason:
                skipped[reason].append(base)
            found = found or reason is None
    except NotImplementedError as exc:
        raise InputFileError(
            f"{label} uses a compression method that cannot be read; zip the files "
            "again with standard compression.",
            file_name=label,
        ) from exc
    except _DAMAGED as exc:
        raise InputFileError(
            f"{label} is a damaged zip archive and cannot be opened; zip the files "
            "again.",
            file_name=label,
        ) from exc

    for reason, names in skipped.items():
        if names:
            verbs = _SKIPS[reason][len(names) > 1]
            out.notes.append(f"In {label}, {_names(names)} {verbs}.")
    if found:
        return None
    if depth:
        return "empty"
    raise InputFileError(
        f"{label} holds no CSV, TSV or Excel file to read.", file_name=label
    )


def _expand_workbook(
    name: str, data: bytes, label: str, out: _Output, claim: str | None, depth: int
) -> str | None:
    """Add one CSV per non-empty worksheet; refuse an uploaded workbook with none."""
    sheets = _workbook_sheets(data, label)
    if not sheets:
        if depth:
            return "empty"
        raise InputFileError(
            f"{label} is an Excel workbook with no data in any sheet.", file_name=label
        )

    stem = posixpath.splitext(name)[0] or name
    for title, csv_bytes in sheets:
        out.add(
            f"{stem}.csv" if len(sheets) == 1 else f"{stem} - {title}.csv", csv_bytes
        )
    if claim and claim != "an Excel workbook":
        titles = [f"'{title}'" for title, _ in sheets]
        which = (
            f"its sheet {titles[0]} was read"
            if len(titles) == 1
            else f"its sheets {_names(titles)} were read"
        )
        out.notes.append(f"{label} is an Excel workbook, not {claim}; {which}.")
    log.debug("workbook %s: %d sheets with data", label, len(sheets))
    return None


def _workbook_sheets(data: bytes, label: str) -> list[tuple[str, bytes]]:
    """Each non-empty worksheet's title and CSV bytes, in workbook order."""
    # openpyxl warns about features it drops (data validation, default styles);
    # they do not change the values read.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True
            )
            try:
                sheets = [(str(s.title), _sheet_csv(s)) for s in book.worksheets]
            finally:
                book.close()
        except _DAMAGED as exc:
            raise InputFileError(
                f"{label} is a damaged Excel workbook and cannot be opened; export "
                "it again.",
                file_name=label,
            ) from exc
    return [(title, content) for title, content in sheets if content is not None]


def _sheet_csv(sheet: Any) -> bytes | None:
    """A worksheet as CSV bytes, streamed row by row; None when it has no value."""
    # Some exporters write a wrong <dimension>; openpyxl would cut rows to it.
    sheet.reset_dimensions()
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    writer = csv.writer(text, lineterminator="\n")
    width = blank_rows = 0
    wrote = False
    for row in sheet.iter_rows(values_only=True):
        cells = [_cell_text(value) for value in row]
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            blank_rows += 1  # written only if a row with values follows
            continue

        # Rows padded to the widest so far keep the delimiter count steady for
        # the reader's sniffing; trailing blank rows and cells are dropped.
        width = max(width, len(cells))
        for _ in range(blank_rows if wrote else 0):
            writer.writerow([])
        writer.writerow(cells + [""] * (width - len(cells)))
        wrote, blank_rows = True, 0
    text.flush()
    text.detach()
    return buffer.getvalue() if wrote else None


def _cell_text(value: object) -> str:
    """A cell value as text the CSV reader parses back to the same value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        value = _round_to_second(value.replace(tzinfo=None))
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return str(value)


def _number_text(value: float) -> str:
    """A float without ``.0`` or an exponent, except past Excel's 15 digits."""
    size = abs(value)
    if value.is_integer() and size < 1e15:
        return str(int(value))
    if size >= 1e15:
        # Excel keeps 15 significant digits and shows such numbers as 1.23E+17;
        # writing them so lets the reader flag ids mangled into numbers.
        mantissa, exponent = f"{value:.14e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}E+{int(exponent)}"
    text = repr(value)
    if "e" in text and size >= 1e-12:
        text = format(Decimal(text), "f")
    return text


def _round_to_second(value: dt.datetime) -> dt.datetime:
    """Round away the float noise of Excel serials (10:29:59.999996)."""
    if value.microsecond >= 500_000 and value < dt.datetime.max - dt.timedelta(1):
        value += dt.timedelta(seconds=1)
    return value.replace(microsecond=0)


def _open_zip(data: bytes, label: str, claim: str | None) -> zipfile.ZipFile:
    """Open an archive or workbook, refusing a damaged one."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except _DAMAGED as exc:
        kind = "Excel workbook" if claim == "an Excel workbook" else "zip archive"
        raise InputFileError(
            f"{label} is a damaged {kind} and cannot be opened; export it again.",
            file_name=label,
        ) from exc


def _check_safe(archive: zipfile.ZipFile, label: str, budget: _Budget) -> None:
    """Refuse an encrypted archive, one too large, or one that looks like a bomb."""
    infos = archive.infolist()
    if any(info.flag_bits & 0x1 for info in infos):
        raise InputFileError(
            f"{label} is password-protected; remove the password and upload the "
            "files again.",
            file_name=label,
        )
    budget.left -= sum(info.file_size for info in infos)
    if budget.left < 0:
        raise InputFileError(
            f"{label} would unpack to more than {_size(budget.limit)}; upload fewer "
            "or smaller files.",
            file_name=label,
        )
    for info in infos:
        if info.file_size <= _RATIO_FLOOR_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > _MAX_RATIO:
            raise InputFileError(
                f"{label} looks like a zip bomb ({posixpath.basename(info.filename)} "
                f"would unpack to {ratio:,.0f} times its size) and was not opened.",
                file_name=label,
            )


def _other_document(members: list[str]) -> str | None:
    """What a zip that is an office document but not an .xlsx is, else None."""
    if "xl/workbook.bin" in members:
        return "an Excel binary workbook (.xlsb)"
    if "content.xml" in members and "mimetype" in members:
        return "an OpenDocument file"
    if "word/document.xml" in members:
        return "a Word document"
    if "ppt/presentation.xml" in members:
        return "a PowerPoint file"
    if "[Content_Types].xml" in members:
        return "an Excel or Office file whose workbook part is missing or damaged"
    return None


def _text_note(data: bytes, label: str, claim: str | None) -> str | None:
    """The note for a file named as a workbook or zip that is text; else None.

    Raises:
        InputFileError: the file is a password-protected workbook, or a web page
            saved with an Excel name.
    """
    if claim not in ("an Excel workbook", "a zip archive"):
        return None
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in data:
            raise InputFileError(
                f"{label} is a password-protected Excel workbook; remove the "
                "password, or save it as CSV, and upload that.",
                file_name=label,
            )
        return None  # an old .xls: the CSV reader says so
    if not data.strip() or not _looks_like_text(data):
        return None  # the CSV reader names what it is
    head = data[:4096].lower()
    if claim == "an Excel workbook" and (b"<html" in head or b"<table" in head):
        raise InputFileError(
            f"{label} is a web page (HTML), not an Excel workbook; export the "
            "report as CSV or .xlsx and upload that.",
            file_name=label,
        )
    return f"{label} is CSV text, not {claim}; it was read as CSV."


def _looks_like_text(data: bytes) -> bool:
    """Whether bytes look like delimited text rather than a binary file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16, which is full of NULs
    if data.startswith((_OLE_MAGIC, b"%PDF-")):
        return False
    sample = data[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 13))
    return controls <= len(sample) // 100


def _member_name(info: zipfile.ZipInfo) -> str | None:
    """A member's base name, or None for folders, macOS and system files."""
    path = info.filename
    if not info.flag_bits & 0x800:
        # Without the UTF-8 flag zipfile decodes names as cp437, yet Windows and
        # macOS tools write UTF-8 there too.
        try:
            path = path.encode("cp437").decode("utf-8")
        except UnicodeError:
            pass
    parts = [part for part in path.replace("\\", "/").split("/") if part]
    if info.is_dir() or not parts:
        return None
    if any(part == "__MACOSX" or part.startswith(".") for part in parts):
        return None
    base = parts[-1]
    if base.lower() in _SYSTEM_FILES or base.startswith("~$"):
        return None  # Explorer's caches and Office's lock files
    return base


def _worth_reading(archive: zipfile.ZipFile, info: zipfile.ZipInfo, base: str) -> bool:
    """Whether a member is named as data, or is a zip (workbook) whatever its name."""
    if posixpath.splitext(base)[1].lower() in _CLAIMS.keys() | _TEXT_SUFFIXES:
        return True
    with archive.open(info) as member:
        return member.read(4) in _ZIP_MAGIC


def _names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``; long lists end with how many more."""
    shown = list(names[:_NAMES_IN_NOTE])
    if len(names) > _NAMES_IN_NOTE:
        shown.append(f"{len(names) - _NAMES_IN_NOTE} more")
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _size(count: int) -> str:
    """A byte count for a message: 10 MB, 512 KB, 900 bytes."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:,.0f} MB"
    if count >= 1_000:
        return f"{count / 1_000:,.0f} KB"
    return f"{count} bytes"


def with_notes(audit: Audit, notes: Sequence[str]) -> Audit:
    """The audit with an upload's container notes added to its warnings."""
    if not notes:
        return audit
    extra = tuple(AuditWarning(code="container", message=n) for n in notes)
    return audit.model_copy(update={"warnings": extra + audit.warnings})
