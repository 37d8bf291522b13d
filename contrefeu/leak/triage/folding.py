"""Text folding for the triage: `fold` (lower case, no accents, one character for one) and
the *scan string* that the one multi-pattern pass of `anchors.py` reads.

Both are per-character maps, so they are done with lookup tables over the code points of the
text (numpy gathers) instead of a Python call per character: `str.translate` with a dict and
`unicodedata` per character cost more than every detector together on French mail. Not for
anything but the triage: the scan string is an internal device, not a normalised text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np

_NBSP = "\u00a0\u2007\u202f"
_BMP = 0x10000
_SMALL = 0x2100
_CAPITAL_SIGMA = "\u03a3"  # lower-cased by context (final sigma): not a per-character map


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Lower-case, accent-free, one character for one, so folded offsets are text offsets."""
    table: dict[int, str] = {}
    for cp in range(0x250):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        low = base.lower() if len(base) == 1 else ch.lower()
        if len(low) == 1 and low != ch:
            table[cp] = low
    for ch in "\u2018\u2019\u02bc\u00b4":
        table[ord(ch)] = "'"
    for ch in _NBSP:
        table[ord(ch)] = " "
    for ch in "\u2010\u2011":
        table[ord(ch)] = "-"
    return table


def _fold_char(ch: str) -> str:
    """The folding of one character, as `fold` defines it (the reference for the tables)."""
    low = ch.lower()
    if len(low) != 1:  # U+0130 lowers to two characters: kept, then folded by the table
        low = ch
    return _fold_table().get(ord(low), low)


def scan_char(folded: str) -> str:
    """A folded character in the scan string: a space unless it is a word character (`\\w`);
    dotless i counts as i, as case-insensitive patterns count it."""
    if not (folded.isalnum() or folded == "_"):
        return " "
    return "i" if folded == "\u0131" else folded


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """Fold and scan lookup tables (uint16) for the Basic Multilingual Plane, built once per
    process (about 0.1 s); characters beyond it are rare and mapped one by one."""
    fold_lut = np.empty(_BMP, dtype=np.uint16)
    scan_lut = np.empty(_BMP, dtype=np.uint16)
    for cp in range(_BMP):
        f = _fold_char(chr(cp))
        fold_lut[cp] = ord(f)  # a BMP character folds to a BMP character
        scan_lut[cp] = ord(scan_char(f))
    return fold_lut, scan_lut


@lru_cache(maxsize=1)
def _small_tables() -> tuple[np.ndarray, np.ndarray]:
    """The first `_SMALL` entries of `_tables()`: Latin, Greek, Cyrillic and punctuation, the
    characters of nearly every text, in a table that stays in the processor's first cache."""
    fold_lut, scan_lut = _tables()
    return fold_lut[:_SMALL].copy(), scan_lut[:_SMALL].copy()


# Word characters of ASCII text, for the scan string of pure-ASCII texts (bytes.translate).
_ASCII_SCAN = (
    bytes(c if (chr(c).isalnum() or chr(c) == "_") else 0x20 for c in range(128)) + b" " * 128
)


def _fold_slow(text: str) -> str:
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    table = _fold_table()
    return re.sub(r"[^\x00-\x7f]+", lambda m: m.group().translate(table), low)


def _from_code_points(points: np.ndarray) -> str:
    return points.tobytes().decode("utf-32-le", "surrogatepass")


def fold_and_scan(text: str) -> tuple[str, str]:
    """`fold(text)` and the scan string: the folded text with every non-word character
    (`\\W`) as a space, padded with one space at each end (so scan offset i+1 is text
    offset i, and every word of the text is between spaces)."""
    if text.isascii():
        folded = text.lower()
        return folded, " " + folded.encode("ascii").translate(_ASCII_SCAN).decode("ascii") + " "
    if _CAPITAL_SIGMA in text:  # context-dependent lower case: the reference algorithm
        folded = _fold_slow(text)
        return folded, scan_string(folded)
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) == 2 * len(text):  # no character beyond the BMP: one code unit each
        points = np.frombuffer(units, dtype=np.uint16)
        top = int(points.max())
        if top < 0xD800 or not ((points >= 0xD800) & (points < 0xE000)).any():
            fold_lut, scan_lut = _small_tables() if top < _SMALL else _tables()
            folded = fold_lut.take(points).tobytes().decode("utf-16-le")
            scan = scan_lut.take(points).tobytes().decode("utf-16-le")
            return folded, " " + scan + " "
    # Surrogates or astral characters: code points one by one where the tables stop.
    fold_lut, scan_lut = _tables()
    wide = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    index = np.where(wide < _BMP, wide, 0)
    fpoints = fold_lut.take(index).astype(np.uint32)
    spoints = scan_lut.take(index).astype(np.uint32)
    for i in np.flatnonzero(wide >= _BMP).tolist():
        f = _fold_char(text[i])
        fpoints[i] = ord(f)
        spoints[i] = ord(scan_char(f))
    return _from_code_points(fpoints), " " + _from_code_points(spoints) + " "


def ascii_digits(text: str) -> int:
    """How many characters of `text` are ASCII digits, in one vectorised pass over its code
    units (a surrogate pair is no digit) instead of a regex or `str.count` pass per digit."""
    if text.isascii():
        units = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    return int(np.count_nonzero((units >= 0x30) & (units <= 0x39)))


def fold(text: str) -> str:
    """`text` case- and accent-folded with the same length (so spans map back one to one)."""
    if text.isascii():
        return text.lower()
    return fold_and_scan(text)[0]


def scan_string(folded: str) -> str:
    """The scan string of an already folded text (short texts: subjects, file names)."""
    return " " + "".join(scan_char(c) for c in folded) + " "
