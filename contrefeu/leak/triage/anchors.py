"""One Aho-Corasick pass over an item's scan string finds where every word-led detector may
match: keywords, password labels, date-of-birth labels, BIC and VAT labels, street types,
spelled currencies and currency codes, PEM key headers; and where the hints of token rules
occur.

The scan string (`folding.fold_and_scan`) is the folded text with non-word characters as
spaces, so an anchor " word " occurs exactly where a folded word starts (after a non-word
character) and ends. Anchors are a superset: each detector still confirms a candidate with
its own regular expression (or the text as written) at that offset, so anchors decide only
where to look, never what is found. Not for number families (see `personal.py`, dense runs)
nor symbols (`€`, `@`).

The automaton is ahocorasick_rs's DFA: it walks the scan string about four times faster than
pyahocorasick's trie (whose per-character child search was the largest cost of the triage).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import ahocorasick_rs

from .folding import fold_and_scan, scan_char

# Detector families fed by the anchors. TOKEN, GENERIC, CURRENCY, CURRENCY_CODE and PEM
# anchors are not words: they match anywhere (their candidate is the text offset plus one, as
# they have no leading space; a TOKEN candidate is (rule index, that offset)).
(KEYWORD, PASSWORD, BIRTH, BIC, VAT, STREET_FR, STREET_EN, TOKEN, GENERIC, CURRENCY,
 CURRENCY_CODE, PEM) = range(12)  # fmt: skip
FAMILIES = 12
_MULTI = -1  # an anchor shared by several families: payload is a tuple of (family, payload)

# Fixed anchors of the built-in patterns of `patterns.py` (the regular expressions there are
# the reference; these only need to cover every place they can match, at a word start).
BIRTH_ANCHORS = (
    " ne ", " nee ", " date ", " ddn ", " born ", " birth", " dob ", " d ob ", " do b ",
    " d o b ",
)  # fmt: skip
BIC_ANCHORS = (" bic", " swift")
VAT_ANCHORS = (" tva", " vat", " ust", " iva", " btw", " intracom")
STREET_FR_WORDS = (
    "rue", "avenue", "av", "bd", "boulevard", "place", "pl", "allee", "chemin", "impasse",
    "quai", "route", "rte", "cours", "square", "passage", "villa", "faubourg", "fbg", "voie",
    "sentier", "esplanade", "promenade", "parvis", "rond point", "cite", "residence",
    "hameau", "lieu dit", "montee", "traverse", "domaine", "lotissement", "zac", "za", "zi",
)  # fmt: skip
STREET_EN_WORDS = (
    "street", "st", "road", "rd", "avenue", "ave", "lane", "ln", "drive", "dr", "boulevard",
    "blvd", "way", "court", "ct", "place", "pl", "square", "sq", "terrace", "close",
    "crescent", "gardens", "row", "mews", "parkway", "highway",
)  # fmt: skip


# Spelled currencies of the amount pattern ("Euro", "euro", "Dollar", "dollar" as written),
# and its currency codes ("EUR", "GBP", "USD" as written): `patterns.CURRENCY_RE` without
# the symbols, which are found with `str.find`.
CURRENCY_WORDS = ("euro", "dollar")
CURRENCY_CODES = ("eur", "gbp", "usd")
# Every `patterns.PEM_BEGIN_RE` match holds "PRIVATE KEY": the PEM scan runs only then.
PEM_ANCHOR = "private key"


def scan_form(folded: str) -> str:
    """A folded phrase as it appears in the scan string."""
    return "".join(scan_char(c) for c in folded)


def phrase_anchor(key: str, *, open_end: bool) -> str:
    """The anchor of a folded phrase (words separated by single spaces): its first word in
    scan form between spaces; `open_end` when the phrase may go on with word characters (a
    `*` stem, a password label followed by any separator)."""
    first = key.split(" ", 1)[0]
    closed = not open_end or " " in key
    return " " + scan_form(first) + (" " if closed else "")


def hint_anchor(hint: str) -> str | None:
    """The scan form of a token hint (a substring of the text as written), or None when the
    scan string cannot stand for it (non-ASCII: fold and scan may differ by context)."""
    if not hint.isascii() or not hint:
        return None
    return scan_form(hint.lower())


def _joined(one: Any, other: Any) -> Any:
    """The payload of a keyword anchor shared by two keywords: the same word (alone a keyword
    if either is), or None (the regex decides)."""
    if one is None or other is None or one[0] != other[0]:
        return None
    return (one[0], one[1] or other[1], one[2], one[3])


class Anchors:
    """The anchors of every family and their automaton: pattern `i` is `patterns[i]`, and
    `targets[i]` its (family, payload), or (`_MULTI`, ((family, payload), ...)) for an anchor
    shared by several families. Pickles without the automata (rebuilt on load: about 2 ms),
    since ahocorasick_rs automata do not pickle."""

    def __init__(self, entries: Iterable[tuple[str, int, object]]) -> None:
        by_anchor: dict[str, list[tuple[int, object]]] = {}
        for anchor, family, payload in entries:
            slot = by_anchor.setdefault(anchor, [])
            if family == TOKEN:  # hints of several rules may coincide
                if (family, payload) not in slot:
                    slot.append((family, payload))
            elif all(f != family for f, _ in slot):
                slot.append((family, payload))
            elif family == KEYWORD:
                slot[:] = [(f, _joined(p, payload) if f == KEYWORD else p) for f, p in slot]
        self.patterns = tuple(by_anchor)
        self.targets: tuple[tuple[int, Any], ...] = tuple(
            slot[0] if len(slot) == 1 else (_MULTI, tuple(slot)) for slot in by_anchor.values()
        )
        self._build()

    def _build(self) -> None:
        dfa = ahocorasick_rs.Implementation.DFA
        self._automaton = ahocorasick_rs.AhoCorasick(self.patterns, implementation=dfa)
        # The same patterns over bytes, for the usual all-ASCII scan string (accented Latin
        # letters fold to ASCII): its offsets are character offsets, and it skips the str
        # automaton's mapping of UTF-8 offsets back to characters (a quarter of its time). A
        # pattern beyond ASCII cannot match ASCII bytes, so every match is the same.
        self._ascii = ahocorasick_rs.BytesAhoCorasick(
            [pattern.encode("utf-8") for pattern in self.patterns], implementation=dfa
        )

    def __len__(self) -> int:
        return len(self.patterns)

    def __getstate__(self) -> tuple[tuple[str, ...], tuple[tuple[int, Any], ...]]:
        return self.patterns, self.targets

    def __setstate__(self, state: tuple[tuple[str, ...], tuple[tuple[int, Any], ...]]) -> None:
        self.patterns, self.targets = state
        self._build()

    def matches(self, scan: str) -> list[tuple[int, int, int]]:
        """Every (pattern index, start, end) in `scan`, overlapping ones included."""
        if scan.isascii():
            return self._ascii.find_matches_as_indexes(scan.encode("ascii"), overlapping=True)
        return self._automaton.find_matches_as_indexes(scan, overlapping=True)


def build_automaton(entries: Iterable[tuple[str, int, object]]) -> Anchors:
    """The anchors of (anchor, family, payload) entries; an anchor may serve several
    families."""
    return Anchors(entries)


def fixed_anchors() -> list[tuple[str, int, object]]:
    """The anchors of the built-in (not rule-file) detectors."""
    entries: list[tuple[str, int, object]] = []
    entries += [(a, BIRTH, None) for a in BIRTH_ANCHORS]
    entries += [(a, BIC, None) for a in BIC_ANCHORS]
    entries += [(a, VAT, None) for a in VAT_ANCHORS]
    entries += [(f" {w} ", STREET_FR, None) for w in STREET_FR_WORDS]
    entries += [(f" {w} ", STREET_EN, None) for w in STREET_EN_WORDS]
    entries += [(w, CURRENCY, None) for w in CURRENCY_WORDS]
    entries += [(w, CURRENCY_CODE, None) for w in CURRENCY_CODES]
    entries.append((PEM_ANCHOR, PEM, None))
    return entries


@dataclass
class Scan:
    """One text, folded, with the word-start candidates of each anchored family.

    `keywords` holds (offset, payload) pairs: the payload of a one-word keyword (see
    `ruleset._keyword_anchors`), or None when the keyword regex must confirm the match. The
    other families hold offsets (text offsets of word starts; see the families above for the
    anchors that match anywhere)."""

    text: str
    folded: str
    keywords: list[tuple[int, Any]]
    candidates: list[list[Any]]


def scan_text(text: str, anchors: Anchors) -> Scan:
    """Fold `text` and collect the candidates of every anchored family in one pass."""
    folded, scan = fold_and_scan(text)
    # An anchor starts on the space before its word: scan offset s is text offset s - 1, so
    # the word starts at text offset s.
    targets = anchors.targets
    keywords: list[tuple[int, Any]] = []
    shared: list[tuple[int, Any]] = []  # keyword candidates of anchors of several families
    candidates: list[list[Any]] = [[] for _ in range(FAMILIES)]
    for index, start, _ in anchors.matches(scan):
        family, payload = targets[index]
        if family == KEYWORD:
            keywords.append((start, payload))
        elif family == _MULTI:
            for fam, pay in payload:
                if fam == KEYWORD:
                    shared.append((start, pay))
                elif fam == TOKEN:
                    candidates[TOKEN].append((pay, start))
                else:
                    candidates[fam].append(start)
        elif family == TOKEN:
            candidates[TOKEN].append((payload, start))
        else:
            candidates[family].append(start)
    # Matches come in the order of their ends (the automaton walks the text), so after this
    # stable sort, candidates of one start are the shortest first, shared anchors last: the
    # order `keywords.keyword_hits` reads them in since the first implementation.
    keywords += shared
    if len(keywords) > 1:
        keywords.sort(key=itemgetter(0))
    return Scan(text, folded, keywords, candidates)
