"""Word-level side-by-side diff of two item texts (an altered copy against its original).

difflib's SequenceMatcher over word, space and punctuation tokens: the result shows exactly
which words were added, removed or replaced, which is what a reviewer has to cite. Not a
line diff (mail bodies re-wrap) and not a character diff (too noisy to read).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

MAX_TOKENS = 50_000  # words per side beyond which the rest is not compared
SMALL_BLOCK = 2_000  # words: below this a changed block gets an exact (non-junk) diff
_WORD = re.compile(r"\S+\s*|\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")

Op = Literal["equal", "delete", "insert"]


@dataclass(frozen=True)
class DiffSegment:
    """A run of text that is the same on both sides, or only on one."""

    op: Op
    text: str


@dataclass
class WordDiff:
    """Both sides of the diff as segments; joining a side's texts gives that side back."""

    left: list[DiffSegment] = field(default_factory=list)
    right: list[DiffSegment] = field(default_factory=list)
    removed_words: int = 0
    added_words: int = 0
    truncated: bool = False

    @property
    def identical(self) -> bool:
        return not self.removed_words and not self.added_words


def tokens(text: str) -> list[str]:
    """Words with the whitespace that follows them (a leading run of spaces stands alone)."""
    return _WORD.findall(text)


def _units(text: str) -> list[str]:
    """Lines, and long lines cut at sentence ends: the coarse level of the two-level diff."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        if len(line) <= 300:
            out.append(line)
            continue
        pos = 0
        for match in _SENTENCE_END.finditer(line):
            out.append(line[pos : match.end()])
            pos = match.end()
        if pos < len(line):
            out.append(line[pos:])
    return out


def _append(side: list[DiffSegment], op: Op, text: str) -> None:
    if not text:
        return
    if side and side[-1].op == op:
        side[-1] = DiffSegment(op, side[-1].text + text)
    else:
        side.append(DiffSegment(op, text))


def _key(token: str) -> str:
    # Compare words without their trailing whitespace: re-wrapping is not an alteration.
    return token.rstrip() or " "


def _diff_words(out: WordDiff, a: list[str], b: list[str]) -> None:
    exact = len(a) <= SMALL_BLOCK and len(b) <= SMALL_BLOCK
    ka, kb = [_key(t) for t in a], [_key(t) for t in b]
    matcher = SequenceMatcher(None, ka, kb, autojunk=not exact)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            _append(out.left, "equal", left)
            _append(out.right, "equal", right)
            continue
        _append(out.left, "delete", left)
        _append(out.right, "insert", right)
        out.removed_words += sum(1 for t in a[i1:i2] if not t.isspace())
        out.added_words += sum(1 for t in b[j1:j2] if not t.isspace())


def word_diff(left: str, right: str, *, max_tokens: int = MAX_TOKENS) -> WordDiff:
    """Compare two texts word by word.

    Two levels keep it fast on long bodies: lines (or sentences) are matched first, as a line
    diff does, then only the blocks that differ are compared word by word.
    """
    truncated = False
    sides = []
    for text in (left, right):
        words = tokens(text)
        if len(words) > max_tokens:
            truncated = True
            text = "".join(words[:max_tokens])
        sides.append(text)
    out = WordDiff(truncated=truncated)
    ua, ub = _units(sides[0]), _units(sides[1])
    for op, i1, i2, j1, j2 in SequenceMatcher(None, ua, ub).get_opcodes():
        if op == "equal":
            text = "".join(ua[i1:i2])
            _append(out.left, "equal", text)
            _append(out.right, "equal", "".join(ub[j1:j2]))
        else:
            _diff_words(out, tokens("".join(ua[i1:i2])), tokens("".join(ub[j1:j2])))
    return out
