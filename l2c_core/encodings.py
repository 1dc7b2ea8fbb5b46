"""Tell what a file's bytes are: a delimited text, in which encoding."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter

import charset_normalizer

from l2c_core.errors import InputFileError

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
# Codecs in which every character of CSV structure (quote, delimiters, line
# breaks) is one byte of the same value, and no other byte holds that value.
SINGLE_BYTE = frozenset(
    {
        *(codecs.lookup(c).name for c in CODE_PAGES),
        codecs.lookup("latin-1").name,
        codecs.lookup("ascii").name,
    }
)
UTF8 = codecs.lookup("utf-8").name
UTF8_SIG = codecs.lookup("utf-8-sig").name
_SNIFF_BYTES = 256 * 1024
_ENCODING_SAMPLE = 64 * 1024
_CHUNK = 8 << 20
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_FOREIGN = re.compile(r"[^\x00-\x7f]")
# A word (letters only) holding at least one non-ASCII character.
_FOREIGN_WORD = re.compile(r"[^\W\d_]*[^\x00-\x7f\W\d_][^\W\d_]*")
# Characters a Windows page has but CRM text almost never uses.
_RARE = set("¤¦¨¯´¸¹²³¼½¾×÷þÞðÐ¬µ·¶§¢")
_TYPOGRAPHIC = set("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u20ac")


def sniff_format(data: bytes, name: str) -> None:
    """Refuse what is not delimited text, naming what it looks like instead.

    Raises:
        InputFileError: the bytes are empty, a workbook, an archive, a PDF or
            another binary file.
    """
    if not data[:_SNIFF_BYTES].strip() and not data.strip():
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
    codec = detect_encoding(data, name, encoding)
    return data.decode(codec), codec


def _decodes(data: bytes, codec: str) -> bool:
    """Whether the bytes decode in a codec, checked in chunks (no whole copy)."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    view = memoryview(data)
    try:
        for start in range(0, len(view), _CHUNK):
            decoder.decode(view[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, ValueError, TypeError):
        return False
    return True


def detect_encoding(data: bytes, name: str, encoding: str | None = None) -> str:
    """The codec the bytes are written in: UTF-8 strictly, else a code page.

    Args:
        data: the file's bytes.
        name: the file name, used in messages.
        encoding: a codec the user chose, checked rather than detected.

    Returns:
        A Python codec name (``utf-8-sig`` when the bytes open with a BOM).

    Raises:
        InputFileError: the bytes decode in none of the candidate encodings, or
            not in the one the user asked for.
    """
    if encoding:
        try:
            if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):
                raise LookupError(f"{encoding!r} is not a text encoding")
            if not _decodes(data, encoding):
                data.decode(encoding)  # raises, naming the position
        except (LookupError, ValueError) as exc:
            raise InputFileError(
                f"{name} cannot be read as {encoding}: {exc}.", file_name=name
            ) from exc
        return encoding
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"{name} starts like UTF-16 text but is not: {exc}.", file_name=name
            ) from exc
        return "utf-16"
    if _decodes(data, "utf-8"):
        return "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    for codec in _ranked_code_pages(data):
        if _decodes(data, codec):
            return codec
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
