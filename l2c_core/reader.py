"""Read a CRM export's bytes into a table of text: encoding, delimiter, structure."""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import statistics
import unicodedata
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
_ENCODING_SAMPLE = 64 * 1024
# Words that open a totals or notice line below the data (not "TotalEnergies").
_FOOTER_WORDS = re.compile(
    r"^\s*(?:grand\s+totals?|totals?|sub-?totals?|sum|count|average|copyright|"
    r"confidential|©|\(c\)|page\s+\d|generated|report\s+generated|printed|"
    r"exported|run\s+(?:on|by)|powered\s+by)(?![a-z])",
    re.IGNORECASE,
)
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_FOREIGN = re.compile(r"[^\x00-\x7f]")
# A word (letters only) holding at least one non-ASCII character.
_FOREIGN_WORD = re.compile(r"[^\W\d_]*[^\x00-\x7f\W\d_][^\W\d_]*")
# Characters a Windows page has but CRM text almost never uses.
_RARE = set("¤¦¨¯´¸¹²³¼½¾×÷þÞðÐ¬µ·¶§¢")
_TYPOGRAPHIC = set("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u20ac")


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
    for codec in _ranked_code_pages(data):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        f"{name} is not text in UTF-8 or a Windows code page; export it again as "
        "UTF-8 CSV.",
        file_name=name,
    )


def _ranked_code_pages(data: bytes) -> list[str]:
    """Code pages that decode the bytes, most plausible first.

    The lines holding non-ASCII bytes are decoded in every candidate page and
    ranked by ``implausibility`` first, then by the detector's chaos and
    language coherence: on a short export the detector alone often takes
    Cyrillic for cp1252 or curly quotes for Mac Roman. Pages that give the
    same text (the bytes of
    "Gestión" mean the same in cp1250 and cp1252) keep the order of
    ``CODE_PAGES``, most common first.
    """
    sample = _non_ascii_sample(data)
    matches = charset_normalizer.from_bytes(sample, cp_isolation=list(CODE_PAGES))
    detected = {m.encoding: (m.chaos, -m.coherence) for m in matches}
    decoded: dict[str, str] = {}
    for codec in CODE_PAGES:
        try:
            decoded[codec] = sample.decode(codec)
        except UnicodeDecodeError:
            continue
    # The detector reports one page per distinct decoding; share its measure.
    chaos = {
        text: min(
            (detected[c] for c, t in decoded.items() if t == text and c in detected),
            default=(1.0, 0.0),
        )
        for text in set(decoded.values())
    }
    scores = {text: implausibility(text) for text in chaos}
    return sorted(
        decoded,
        key=lambda codec: (
            round(scores[decoded[codec]], 2),
            round(chaos[decoded[codec]][0], 3),
            round(chaos[decoded[codec]][1], 2),
            CODE_PAGES.index(codec),
        ),
    )


def _non_ascii_sample(data: bytes) -> bytes:
    """The lines that carry non-ASCII bytes (up to about 64 KB of them)."""
    lines: list[bytes] = []
    size = 0
    position = 0
    while size < _ENCODING_SAMPLE:
        match = _NON_ASCII.search(data, position)
        if match is None:
            break
        start = data.rfind(b"\n", 0, match.start()) + 1
        end = data.find(b"\n", match.end())
        end = len(data) if end < 0 else end
        lines.append(data[start:end])
        size += end - start
        position = end + 1
    return b"\n".join(lines)


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "?"


def implausibility(text: str) -> float:
    """How unlike real text a decoding is (0 is plausible; higher is worse).

    A wrong single-byte code page leaves tell-tale words: Cyrillic read as
    cp1252 gives words made mostly of accented Latin letters (``Äîãîâîð``),
    Latin read as cp1251 mixes scripts inside one word (``Mьllerhof``), and
    bytes a page maps to control characters or rare symbols show up as such.
    Typographic punctuation (curly quotes, dashes) counts in a decoding's
    favour: Windows exports are full of it, and other pages turn it into
    letters (``Customerís``).
    """
    score = 0.0
    for word in _FOREIGN_WORD.findall(text):
        foreign = len(_FOREIGN.findall(word))
        scripts = {_script(c) for c in word}
        if len(scripts) > 1 and scripts != {"LATIN"}:
            score += 1
        elif scripts == {"LATIN"} and len(word) >= 2 and foreign * 2 > len(word):
            score += 1
        elif scripts == {"LATIN"} and len(word) == 1:
            score += 0.5
    for char, count in Counter(_FOREIGN.findall(text)).items():
        if unicodedata.category(char).startswith("C"):
            score += count
        elif unicodedata.category(char) in ("So", "Sk", "Sm") or char in _RARE:
            score += 0.5 * count
        elif char in _TYPOGRAPHIC:
            score -= 0.25 * count
    return score


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


def _filled(row: Sequence[str]) -> int:
    return sum(1 for cell in row if cell.strip())


def _footer_worded(row: Sequence[str]) -> bool:
    """Whether a cell of the row opens with a totals or notice word."""
    return any(_FOOTER_WORDS.match(cell) for cell in row if cell.strip())


def _footer_start(body: Sequence[Sequence[str]]) -> int:
    """Index of the first row of the block below the data (totals, notices).

    Found on parsed records: the trailing rows that are blank, hold a single
    cell, or open with a totals/notice word while filling fewer cells than a
    record does; and a block below a fully blank row in which no row fills as
    many cells as a record does. A record that merely starts with such a word
    ("TotalEnergies", "Summit Outdoor") keeps its place.
    """
    typical = [
        _filled(r) for r in body[:2000] if _filled(r) > 1 and not _footer_worded(r)
    ]
    least = max(2, math.ceil(statistics.median(typical) / 2)) if typical else 2

    def sparse(row: Sequence[str]) -> bool:
        return _filled(row) < least

    end = len(body)
    while end and (
        _filled(body[end - 1]) <= 1
        or (_footer_worded(body[end - 1]) and sparse(body[end - 1]))
    ):
        end -= 1
    cut = end
    for index in range(end - 1, -1, -1):
        row = body[index]
        if _is_blank(row):
            cut = index
        elif not (sparse(row) or _footer_worded(row)):
            break
    while cut and _is_blank(body[cut - 1]):
        cut -= 1
    return cut


def _find_header(
    rows: Sequence[Sequence[str]], is_header: Callable[[Sequence[str]], bool]
) -> int:
    """Index of the header: the first row naming the fields, else the first wide row."""
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

    # Footer: totals and notices below the data, found on parsed records.
    end = _footer_start(body)
    footer = [r for r in body[end:] if not _is_blank(r)]
    # Rows of bare delimiters at the end are empty rows, not a footer.
    trailing_empty = sum(1 for r in body[end:] if _is_blank(r) and len(r) > 1)
    if footer:
        warnings.append(
            AuditWarning(
                code="footer",
                message=f"{name}: footer: {len(footer)} non-data lines ignored.",
                count=len(footer),
            )
        )
    blank_rows = sum(1 for r in body[:end] if _is_blank(r)) + trailing_empty
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
