"""Read a CRM export's bytes into a table of text: encoding, delimiter, header, footer."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import charset_normalizer
import pandas as pd

from l2c_core.audit import AuditWarning
from l2c_core.errors import InputFileError

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
# The code pages a CRM export saved outside UTF-8 realistically uses. cp1252 is
# not a blind fallback: it decodes almost any bytes and would garble cp1251.
CODE_PAGES = (
    "cp1252",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1257",
    "iso8859_2",
    "iso8859_15",
    "mac_roman",
)
HEADER_SEARCH_ROWS = 30
_SNIFF_BYTES = 256 * 1024
_FOOTER_WORDS = re.compile(
    r"^\s*(grand\s+totals?|totals?|subtotals?|sum|copyright|confidential|©|page\s+\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Table:
    """One file read as text: every cell a string, blank cells empty strings."""

    name: str
    frame: pd.DataFrame
    encoding: str
    delimiter: str
    header_row: int
    preamble: tuple[str, ...] = ()
    warnings: tuple[AuditWarning, ...] = field(default=())


def _sniff_format(data: bytes, name: str) -> None:
    """Refuse what is not delimited text, naming what it looks like instead."""
    if not data.strip():
        raise InputFileError(f"{name} is empty.", file_name=name)
    if data[:4] == b"PK\x03\x04":
        kind = "an Excel workbook" if b"xl/" in data[:4096] else "a zip archive"
        raise InputFileError(
            f"{name} is {kind}, not a CSV; export or save it as CSV and upload that.",
            file_name=name,
        )
    if data[:5] == b"%PDF-":
        raise InputFileError(
            f"{name} is a PDF; export the opportunities as CSV instead.", file_name=name
        )
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputFileError(
            f"{name} is an old Excel (.xls) file; save it as CSV and upload that.",
            file_name=name,
        )
    sample = data[:_SNIFF_BYTES]
    controls = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 13))
    # Real exports carry the odd NUL inside a text field; binaries are full of them.
    if controls > len(sample) // 100 and not sample.startswith(
        (b"\xff\xfe", b"\xfe\xff")
    ):
        raise InputFileError(
            f"{name} is a binary file, not a CSV export of opportunities.",
            file_name=name,
        )


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode bytes: UTF-8 (with or without BOM) strictly, else a detected code page.

    Returns:
        The text and the Python codec name used.

    Raises:
        InputFileError: the bytes decode in none of the candidate encodings, or
            not in the one the user asked for.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputFileError(
                f"{name} cannot be read as {encoding}: {exc}.", file_name=name
            ) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    for sample in (data[:_SNIFF_BYTES], data):
        for codec in _ranked_code_pages(sample):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                continue
    raise InputFileError(
        f"{name} is not text in UTF-8 or a Windows code page; export it again as "
        "UTF-8 CSV.",
        file_name=name,
    )


def _ranked_code_pages(sample: bytes) -> list[str]:
    """Code pages the detector finds plausible, most plausible first.

    The detector often cannot tell cp1250 from cp1252 (the bytes of "Gestión"
    mean the same in both); among equally plausible pages the order of
    ``CODE_PAGES`` decides, which puts the most common Windows page first.
    """
    matches = charset_normalizer.from_bytes(sample, cp_isolation=list(CODE_PAGES))
    ranked = sorted(
        matches,
        key=lambda m: (
            round(m.chaos, 3),
            -round(m.coherence, 2),
            CODE_PAGES.index(m.encoding) if m.encoding in CODE_PAGES else 99,
        ),
    )
    return [m.encoding for m in ranked]


def _parse(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _sniff_delimiter(text: str) -> str:
    """Pick the delimiter whose parsed records have the most consistent width > 1."""
    sample = text[: 64 * 1024]
    cut = sample.rfind("\n")
    if cut > 0 and len(text) > len(sample):
        sample = sample[:cut]
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            rows = _parse(sample, delimiter)
        except csv.Error:
            continue
        widths = Counter(len(r) for r in rows if any(c.strip() for c in r))
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        score = (count if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _clean_header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().strip('"').strip()


def _is_blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _is_footer(row: Sequence[str]) -> bool:
    filled = [cell for cell in row if cell.strip()]
    return len(filled) <= 1 or bool(_FOOTER_WORDS.match(row[0] if row else ""))


def _find_header(
    rows: Sequence[Sequence[str]], is_header: Callable[[Sequence[str]], bool]
) -> int:
    """Index of the header: the first row that names the fields, else the first wide row."""
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for index in range(limit):
        if is_header([_clean_header(c) for c in rows[index]]):
            return index
    widths = Counter(len(r) for r in rows[:200] if not _is_blank(r))
    modal = max(widths.items(), key=lambda item: (item[1], item[0]))[0] if widths else 0
    for index in range(limit):
        filled = sum(1 for c in rows[index] if c.strip())
        if filled >= max(2, modal // 2):
            return index
    return 0


def read_table(
    data: bytes,
    name: str,
    *,
    is_header: Callable[[Sequence[str]], bool] = lambda row: False,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Read one delimited file into a table of text.

    Structure is found on parsed records, never on raw lines, so quoted fields
    with line breaks survive: report titles and filters above the header,
    Excel's ``sep=`` hint, totals and notices below the data, trailing
    delimiters, empty trailing columns and rows, and duplicated header names
    (kept apart and warned about).

    Args:
        data: the file's bytes.
        name: the file name, used in messages.
        is_header: tells whether a row of cleaned cells is the header row.
        encoding: a codec overriding detection.
        delimiter: a delimiter overriding sniffing.

    Returns:
        The table; its frame has unique column names and only string cells.

    Raises:
        InputFileError: the file is not delimited text, is empty, or has no rows.
    """
    _sniff_format(data, name)
    text, used_encoding = decode(data, name, encoding)
    warnings: list[AuditWarning] = []

    if "\x00" in text:
        nuls = text.count("\x00")
        text = text.replace("\x00", "")
        warnings.append(
            AuditWarning(
                code="nul_characters",
                message=f"{name}: {nuls} NUL characters removed from text fields.",
                count=nuls,
            )
        )
    first_line, _, rest = text.partition("\n")
    hint = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip("\ufeff"))
    if hint:
        text, delimiter = rest, delimiter or hint[1]
    used_delimiter = delimiter or _sniff_delimiter(text)
    try:
        rows = _parse(text, used_delimiter)
    except csv.Error as exc:
        raise InputFileError(
            f"{name} is not a readable CSV: {exc}.", file_name=name
        ) from exc

    header_index = _find_header(rows, is_header)
    preamble = tuple(
        " ".join(c.strip() for c in row if c.strip())
        for row in rows[:header_index]
        if not _is_blank(row)
    )
    if preamble:
        warnings.append(
            AuditWarning(
                code="preamble",
                message=f"{name}: {len(preamble)} report lines above the header "
                "ignored.",
                count=len(preamble),
            )
        )
    header = [_clean_header(c) for c in rows[header_index]] if rows else []
    body = rows[header_index + 1 :]

    # Footer: the trailing run of blank, single-cell or totals rows.
    end = len(body)
    while end and (_is_blank(body[end - 1]) or _is_footer(body[end - 1])):
        end -= 1
    footer = [r for r in body[end:] if not _is_blank(r)]
    if footer:
        warnings.append(
            AuditWarning(
                code="footer",
                message=f"{name}: footer: {len(footer)} non-data lines ignored.",
                count=len(footer),
            )
        )
    blank_rows = sum(1 for r in body[:end] if _is_blank(r))
    body = [r for r in body[:end] if not _is_blank(r)]
    if blank_rows:
        warnings.append(
            AuditWarning(
                code="empty_rows",
                message=f"{name}: {blank_rows} empty rows dropped.",
                count=blank_rows,
            )
        )
    if not header:
        raise InputFileError(f"{name} has no header row.", file_name=name)

    # Widen the header for extra cells, then drop unnamed columns that are empty.
    width = max([len(header), *(len(r) for r in body)])
    header += [""] * (width - len(header))
    padded = [r + [""] * (width - len(r)) for r in body]
    columns = list(zip(*padded, strict=True)) if padded else [()] * width
    keep = [i for i in range(width) if header[i] or any(c.strip() for c in columns[i])]
    dropped = width - len(keep)
    if dropped and width > len(rows[header_index]):
        pass  # trailing delimiters on data rows only: nothing to report
    elif dropped:
        warnings.append(
            AuditWarning(
                code="empty_columns",
                message=f"{name}: {dropped} unnamed empty columns dropped.",
                count=dropped,
            )
        )
    names: list[str] = []
    positions: dict[str, list[int]] = {}
    for i in keep:
        label = header[i] or f"Column {i + 1}"
        positions.setdefault(label, []).append(i + 1)
        names.append(
            label
            if len(positions[label]) == 1
            else f"{label} ({len(positions[label])})"
        )
    for label, where in positions.items():
        if len(where) > 1:
            warnings.append(
                AuditWarning(
                    code="duplicate_column",
                    message=f"{name}: duplicate column `{label}` (positions "
                    f"{' and '.join(map(str, where))}); the first is used.",
                    count=len(where),
                )
            )
    frame = pd.DataFrame(
        {
            label: pd.Series([c.replace("\r\n", "\n") for c in columns[i]], dtype="str")
            for label, i in zip(names, keep, strict=True)
        }
    )
    log.debug(
        "read %s: %d rows, %s, delimiter %r",
        name,
        len(frame),
        used_encoding,
        used_delimiter,
    )
    return Table(
        name=name,
        frame=frame,
        encoding=used_encoding,
        delimiter=used_delimiter,
        header_row=header_index + 1,
        preamble=preamble,
        warnings=tuple(warnings),
    )
