"""One Aho-Corasick pass over an item's scan string finds where every word-led detector may
match: keywords, password labels, date-of-birth labels, BIC and VAT labels, street types,
spelled currencies; and whether the hints of token rules occur at all.

The scan string (`folding.fold_and_scan`) is the folded text with non-word characters as
spaces, so an anchor " word " occurs exactly where a folded word starts (after a non-word
character) and ends. Anchors are a superset: each detector still confirms a candidate with
its own regular expression at that offset, so anchors decide only where to look, never what
is found. Not for number families (see `personal.py`, dense runs) nor symbols (`€`, `@`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import ahocorasick

from .folding import fold_and_scan, scan_char

# Detector families fed by the anchors. TOKEN, GENERIC and CURRENCY anchors are not words:
# they match anywhere (a token rule's payload is its index; a CURRENCY candidate is the text
# offset plus one, as it has no leading space).
KEYWORD, PASSWORD, BIRTH, BIC, VAT, STREET_FR, STREET_EN, TOKEN, GENERIC, CURRENCY = range(10)
FAMILIES = 10
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


# Spelled currencies of the amount pattern ("Euro", "euro", "Dollar", "dollar" as written).
CURRENCY_WORDS = ("euro", "dollar")


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


def build_automaton(entries: Iterable[tuple[str, int, object]]) -> ahocorasick.Automaton:
    """An automaton of (anchor, family, payload) entries; an anchor may serve several
    families."""
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
    automaton = ahocorasick.Automaton()
    for anchor, slot in by_anchor.items():
        if len(slot) == 1:
            automaton.add_word(anchor, (len(anchor), slot[0][0], slot[0][1]))
        else:
            automaton.add_word(anchor, (len(anchor), _MULTI, tuple(slot)))
    automaton.make_automaton()
    return automaton


def fixed_anchors() -> list[tuple[str, int, object]]:
    """The anchors of the built-in (not rule-file) detectors."""
    entries: list[tuple[str, int, object]] = []
    entries += [(a, BIRTH, None) for a in BIRTH_ANCHORS]
    entries += [(a, BIC, None) for a in BIC_ANCHORS]
    entries += [(a, VAT, None) for a in VAT_ANCHORS]
    entries += [(f" {w} ", STREET_FR, None) for w in STREET_FR_WORDS]
    entries += [(f" {w} ", STREET_EN, None) for w in STREET_EN_WORDS]
    entries += [(w, CURRENCY, None) for w in CURRENCY_WORDS]
    return entries


@dataclass
class Scan:
    """One text, folded, with the word-start candidates of each anchored family.

    `keywords` holds (offset, payload) pairs: the payload of a one-word keyword (see
    `ruleset._keyword_anchors`), or None when the keyword regex must confirm the match. The other families hold offsets (text offsets of word starts), except TOKEN:
    the indexes of the token rules whose hints occur."""

    text: str
    folded: str
    keywords: list[tuple[int, Any]]
    candidates: list[list[Any]]


def scan_text(text: str, automaton: ahocorasick.Automaton) -> Scan:
    """Fold `text` and collect the candidates of every anchored family in one pass."""
    folded, scan = fold_and_scan(text)
    # An anchor starts on the space before its word: scan offset s is text offset s - 1, so
    # the word starts at text offset end - length + 1.
    hits = list(automaton.iter(scan))
    keywords = [(end - v[0] + 1, v[2]) for end, v in hits if v[1] == KEYWORD]
    candidates: list[list[Any]] = [[] for _ in range(FAMILIES)]
    for end, (length, family, payload) in hits:
        if family == KEYWORD:
            continue
        start = end - length + 1
        if family == _MULTI:
            for fam, pay in payload:
                if fam == KEYWORD:
                    keywords.append((start, pay))
                else:
                    candidates[fam].append(pay if fam == TOKEN else start)
        else:
            candidates[family].append(payload if family == TOKEN else start)
    if len(keywords) > 1:
        keywords.sort(key=itemgetter(0))
    return Scan(text, folded, keywords, candidates)
