"""Small helpers the detectors share: bounded match iteration, windows, word starts, hashes
and masks. No detection logic here."""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from .spans import MAX_PER_FAMILY


def word_start(text: str, i: int) -> bool:
    """Whether offset `i` starts a word (what `(?<!\\w)` means)."""
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")


def limited(matches: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    """The first `MAX_PER_FAMILY` matches."""
    for i, m in enumerate(matches):
        if i >= MAX_PER_FAMILY:
            return
        yield m


def in_windows(
    pattern: re.Pattern[str], text: str, windows: Iterable[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    """`pattern`'s matches inside each window (look-behinds see before a window; a window
    ends the text for look-aheads), at most `MAX_PER_FAMILY` in all."""
    count = 0
    for start, end in windows:
        for m in pattern.finditer(text, start, end):
            count += 1
            if count > MAX_PER_FAMILY:
                return
            yield m


def merged(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted windows with overlapping or touching ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def anchored(pattern: re.Pattern[str], text: str, offsets: list[int]) -> Iterator[re.Match[str]]:
    """`pattern`'s matches that start at one of `offsets` (word starts found by the anchor
    pass), left to right without overlaps: what `finditer` gives for the same pattern behind a
    `(?<!\\w)`, but only trying the offsets where it can match."""
    end = -1
    count = 0
    for start in sorted(set(offsets)) if len(offsets) > 1 else offsets:
        if start < end:
            continue
        m = pattern.match(text, start)
        if m:
            count += 1
            if count > MAX_PER_FAMILY:
                return
            end = m.end()
            yield m


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def mask_tail(value: str, keep: int) -> str:
    compact = re.sub(r"\W", "", value)
    return "*" * max(len(compact) - keep, 0) + compact[-keep:] if keep else "*" * len(compact)


def entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())
