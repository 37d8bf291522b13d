"""Keyboard neighbours (qwerty, azerty, qwertz) and single-edit descriptions.

What it is for: naming a one-character typo the way a reader would ("o -> p, adjacent on
qwerty") and generating fat-finger permutations. Only letters and digits of the main block;
domain labels hold nothing else.
"""

from __future__ import annotations

from functools import cache

_LAYOUTS: dict[str, tuple[str, ...]] = {
    "qwerty": ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "azerty": ("1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn"),
    "qwertz": ("1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm"),
}


@cache
def neighbours(layout: str) -> dict[str, frozenset[str]]:
    """Keys next to each key (same row and the rows above/below, offset by half a key)."""
    rows = _LAYOUTS[layout]
    out: dict[str, set[str]] = {}
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            near = out.setdefault(key, set())
            for dr in (-1, 0, 1):
                rr = r + dr
                if not 0 <= rr < len(rows):
                    continue
                for dc in (-1, 0, 1):
                    cc = c + dc
                    if (dr, dc) != (0, 0) and 0 <= cc < len(rows[rr]):
                        near.add(rows[rr][cc])
    return {k: frozenset(v) for k, v in out.items()}


def layouts() -> tuple[str, ...]:
    return tuple(_LAYOUTS)


def adjacent_layouts(a: str, b: str) -> list[str]:
    """Layouts on which key ``a`` sits next to key ``b``."""
    return [name for name in _LAYOUTS if b in neighbours(name).get(a, ())]


def is_bitflip(a: str, b: str) -> bool:
    """True when the two characters differ by exactly one bit (a memory error, not a typo)."""
    x = ord(a) ^ ord(b)
    return x != 0 and x & (x - 1) == 0


def describe_edit(observed: str, brand: str) -> tuple[str, str] | None:
    """(kind, words) for a single edit turning ``brand`` into ``observed``; None otherwise.

    kind is one of substitution, bitsquat, omission, insertion, repetition, transposition.
    """
    lo, lb = len(observed), len(brand)
    if lo == lb:
        diff = [i for i in range(lo) if observed[i] != brand[i]]
        if len(diff) == 1:
            i = diff[0]
            a, b = brand[i], observed[i]
            if is_bitflip(a, b):
                return "bitsquat", f"'{a}' -> '{b}' is a one-bit flip"
            near = adjacent_layouts(a, b)
            if near:
                return "substitution", f"'{a}' -> '{b}', adjacent keys on {'/'.join(near)}"
            return "substitution", f"'{a}' -> '{b}'"
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            i = diff[0]
            if observed[i] == brand[i + 1] and observed[i + 1] == brand[i]:
                return "transposition", f"'{brand[i : i + 2]}' -> '{observed[i : i + 2]}'"
        return None
    if lo == lb - 1:
        for i in range(lb):
            if brand[:i] + brand[i + 1 :] == observed:
                return "omission", f"'{brand[i]}' left out"
        return None
    if lo == lb + 1:
        for i in range(lo):
            if observed[:i] + observed[i + 1 :] == brand:
                c = observed[i]
                if (i > 0 and observed[i - 1] == c) or (i + 1 < lo and observed[i + 1] == c):
                    return "repetition", f"'{c}' doubled"
                return "insertion", f"'{c}' inserted"
        return None
    return None
