"""Look-alike folding and token boundaries of domain labels.

What it is for: the text operations the evidence finder needs on every label, kept apart so
they can be tested on their own. ``canonical`` folds the characters a reader confuses
(rn/m, vv/w, cl/d, 0/o, 1/i/l, q/g, 8/b...) into one form, fast enough to run on every label
as a prefilter; ``canonical_map`` does the same and says where each folded character came
from, so that ``splice`` can rewrite only the stretch that spells a brand. ``visual_fold`` is a
coarser folding used to describe typos (c/e/o, i/l, u/v). ``tokens`` and ``boundaries`` cut a
label at hyphens and letter/digit changes.

What it is not for: Unicode confusables (``normalise.skeleton``) or deciding anything.
"""

from __future__ import annotations

# Characters whose presence makes a look-alike reading possible at all.
LOOKALIKE_CHARS = frozenset("012345789qlvnci")

_CANON_PAIRS = {"rn": "m", "vv": "w", "cl": "d", "nn": "m"}
_CANON_CHARS = {
    "0": "o",
    "1": "l",
    "i": "l",
    "2": "z",
    "3": "e",
    "4": "a",
    "5": "s",
    "6": "b",
    "7": "t",
    "8": "b",
    "9": "g",
    "q": "g",
}
_CANON = str.maketrans(_CANON_CHARS)
# The same table for bytes: ``bytes.translate`` is several times faster than ``str.translate``
# with a dict, and nearly every name is ASCII.
_CANON_BYTES = bytes.maketrans(
    "".join(_CANON_CHARS).encode(), "".join(_CANON_CHARS.values()).encode()
)


def canonical(text: str) -> str:
    """Fold look-alikes to one form (rn/m, vv/w, cl/d, 0/o, 1/i/l, q/g...): a fast prefilter."""
    for a, b in _CANON_PAIRS.items():
        if a in text:
            text = text.replace(a, b)
    if text.isascii():
        return text.encode("ascii").translate(_CANON_BYTES).decode("ascii")
    return text.translate(_CANON)


def canonical_map(text: str) -> tuple[str, list[int]]:
    """``canonical`` with, for each folded character, where it starts in ``text`` (plus end)."""
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(text)
    while i < n:
        pair = _CANON_PAIRS.get(text[i : i + 2])
        where.append(i)
        if pair is not None:
            out.append(pair)
            i += 2
        else:
            out.append(_CANON_CHARS.get(text[i], text[i]))
            i += 1
    where.append(n)
    return "".join(out), where


def splice(reading: str, start: int, end: int, letters: str) -> str:
    """``reading`` with its compact letters ``start:end`` replaced (hyphens inside dropped)."""
    out: list[str] = []
    pos = 0
    for c in reading:
        if c in "-_":
            if not start < pos < end:
                out.append(c)
            continue
        if pos == start:
            out.append(letters)
        if not start <= pos < end:
            out.append(c)
        pos += 1
    if pos == start:
        out.append(letters)
    return "".join(out)


_VISUAL = str.maketrans(
    {"c": "o", "e": "o", "i": "l", "1": "l", "j": "l", "0": "o", "q": "g", "v": "u"}
)


def visual_fold(text: str) -> str:
    """A coarser look-alike folding for typo evidence: letters an eye confuses at a glance."""
    for a, b in (("rn", "m"), ("vv", "w"), ("cl", "d")):
        if a in text:
            text = text.replace(a, b)
    return text.translate(_VISUAL)


def tokens(label: str) -> list[str]:
    """Hyphen, underscore and letter/digit boundaries: "nts-kit2" -> nts, kit, 2."""
    out: list[str] = []
    cur = ""
    for c in label:
        if c in "-_":
            if cur:
                out.append(cur)
            cur = ""
        elif cur and (c.isdigit() != cur[-1].isdigit()):
            out.append(cur)
            cur = c
        else:
            cur += c
    if cur:
        out.append(cur)
    return out


def boundaries(label: str) -> set[int]:
    """Token boundaries as positions in the label's compact (hyphen-free) form."""
    out = {0}
    pos = 0
    prev = ""
    for c in label:
        if c in "-_":
            out.add(pos)
            prev = ""
            continue
        if prev and c.isdigit() != prev.isdigit():
            out.add(pos)
        pos += 1
        prev = c
    out.add(pos)
    return out
