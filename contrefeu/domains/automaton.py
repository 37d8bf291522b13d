"""Every occurrence of a set of keys in a text: one Aho-Corasick automaton, used by the domain
evidence (``evidence.py``) and the written-domain finder (``written.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

import ahocorasick_rs

T = TypeVar("T")


class KeyAutomaton(Generic[T]):
    """Every occurrence of a set of keys in a text, each with the payload of its key.

    One ahocorasick_rs DFA over the keys. ``matches`` reports every occurrence, overlapping
    ones included, as (start, end, payload) in character offsets, in the order pyahocorasick's
    ``iter()`` gave them (by end, and at one end the longest key first): callers that keep the
    first of several hits depend on that order. An empty key is dropped (it matches nowhere,
    as pyahocorasick refused it), and no keys at all is a valid automaton that finds nothing.

    The str automaton needs UTF-8, which a lone surrogate is not: a text or key holding one
    (a host never does, a brand given as a bare word might) goes through a bytes automaton
    over the "surrogatepass" encoding, built on first use, so that nothing raises and the
    matches stay those of a character-by-character search. Pickles by its keys (the Rust
    automata do not pickle; rebuilding takes about a millisecond).
    """

    def __init__(self, entries: Mapping[str, T]) -> None:
        self._entries = {key: payload for key, payload in entries.items() if key}
        self._build()

    def _build(self) -> None:
        self._keys = tuple(self._entries)
        self._payloads = tuple(self._entries.values())
        usable = [i for i, key in enumerate(self._keys) if _utf8(key)]
        self._text_payloads = tuple(self._payloads[i] for i in usable)
        # Short haystacks (a label, a host): the str automaton is faster than encoding to
        # bytes first, unlike the long scan strings of the triage. Most calls find nothing,
        # so the search method is bound once and an empty answer returned as it comes: the
        # Python around the Rust call would otherwise cost as much as the search.
        self._find: Callable[[str, bool], list[tuple[int, int, int]]] = _nothing_in_utf8
        if usable:
            self._find = ahocorasick_rs.AhoCorasick(
                [self._keys[i] for i in usable],
                matchkind=ahocorasick_rs.MatchKind.Standard,
                implementation=ahocorasick_rs.Implementation.DFA,
            ).find_matches_as_indexes
        self._raw: ahocorasick_rs.BytesAhoCorasick | None = None

    def __len__(self) -> int:
        return len(self._keys)

    def __getstate__(self) -> dict[str, T]:
        return self._entries

    def __setstate__(self, state: dict[str, T]) -> None:
        self._entries = state
        self._build()

    def matches(self, text: str) -> list[tuple[int, int, T]]:
        """Every occurrence of a key in ``text``: (start, end, payload), end exclusive."""
        try:
            hits = self._find(text, True)
        except UnicodeEncodeError:
            return self._raw_matches(text)
        if not hits:
            return []
        payloads = self._text_payloads
        return [(start, end, payloads[i]) for i, start, end in hits]

    def contains(self, text: str) -> bool:
        """True when some key occurs in ``text`` (cheaper than ``matches``)."""
        try:
            return bool(self._find(text, False))
        except UnicodeEncodeError:
            return bool(self._raw_matches(text))

    def _raw_matches(self, text: str) -> list[tuple[int, int, T]]:
        """``matches`` for text that is not UTF-8, over bytes, mapped back to characters."""
        if self._raw is None:
            self._raw = ahocorasick_rs.BytesAhoCorasick(
                [key.encode("utf-8", "surrogatepass") for key in self._keys],
                matchkind=ahocorasick_rs.MatchKind.Standard,
            )
        data = text.encode("utf-8", "surrogatepass")
        # Every code point has one fixed encoding and a key starts and ends on whole code
        # points, so each byte match is a character match: map its offsets back.
        char_at: dict[int, int] = {}
        offset = 0
        for i, c in enumerate(text):
            char_at[offset] = i
            offset += len(c.encode("utf-8", "surrogatepass"))
        char_at[offset] = len(text)
        payloads = self._payloads
        return [
            (char_at[start], char_at[end], payloads[i])
            for i, start, end in self._raw.find_matches_as_indexes(data, overlapping=True)
        ]


def _nothing_in_utf8(text: str, overlapping: bool = False) -> list[tuple[int, int, int]]:
    """The search of an automaton without UTF-8 keys: it raises where a key could match."""
    text.encode("utf-8")
    return []


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
