"""The brand automaton (``automaton.KeyAutomaton``) against pyahocorasick, the library it replaced.

pyahocorasick stays a test dependency as the reference: ``KeyAutomaton.matches`` must report
exactly what ``Automaton.iter()`` reported (every overlapping hit, in the same order, with the
same payload), and the evidence finder built on it must give the same candidates as the same
finder whose automatons are pyahocorasick's. Made-up brands only.
"""

from __future__ import annotations

import pickle
from typing import Any

import ahocorasick
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.domains.automaton import KeyAutomaton
from contrefeu.domains.evidence import EvidenceFinder
from contrefeu.domains.normalise import DomainParseError, parse_observed
from contrefeu.domains.score import BrandIndex, make_brand


class ReferenceAutomaton:
    """pyahocorasick behind ``KeyAutomaton``'s interface, built as the old code built it."""

    def __init__(self, entries: dict[str, Any]) -> None:
        self._automaton = ahocorasick.Automaton()
        self._size = 0
        for key, payload in entries.items():
            self._size += bool(self._automaton.add_word(key, (key, payload)))
        if self._size:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return self._size

    def matches(self, text: str) -> list[tuple[int, int, Any]]:
        if not self._size:
            return []  # an automaton never made cannot be searched
        return [
            (end - len(key) + 1, end + 1, payload)
            for end, (key, payload) in self._automaton.iter(text)
        ]

    def contains(self, text: str) -> bool:
        return bool(self._size) and next(self._automaton.iter(text), None) is not None


def reference_finder(brands: list[Any]) -> EvidenceFinder:
    """The evidence finder with every automaton swapped for pyahocorasick's."""
    finder = EvidenceFinder(brands)
    finder._exact = ReferenceAutomaton(finder._exact._entries)  # type: ignore[assignment]
    finder._canon = ReferenceAutomaton(finder._canon._entries)  # type: ignore[assignment]
    finder._alias = ReferenceAutomaton(finder._alias._entries)  # type: ignore[assignment]
    written = finder._written
    written._automaton = ReferenceAutomaton(written._automaton._entries)  # type: ignore[assignment]
    return finder


# A small alphabet makes overlapping keys and repeated hits the rule, not the exception; the
# Cyrillic letter, the accented one, the emoji and the lone surrogate take the non-ASCII and
# not-UTF-8 paths.
ALPHABET = "abcrnm01-.\u0430\u00e9\U0001f600\ud800"
keys = st.dictionaries(
    st.text(alphabet=ALPHABET, min_size=0, max_size=6), st.integers(0, 99), max_size=12
)


@st.composite
def keys_and_text(draw: st.DrawFn) -> tuple[dict[str, int], str]:
    """Keys, and a text made of some of them, their pieces and other letters.

    Random text alone almost never holds a key twice at one end or a long key at all.
    """
    entries = draw(keys)
    pieces = st.text(alphabet=ALPHABET, max_size=3)
    if entries:
        some = st.sampled_from(sorted(entries))
        pieces = st.one_of(some, some.map(lambda k: k[1:]), some.map(lambda k: k[:-1]), pieces)
    return entries, "".join(draw(st.lists(pieces, max_size=10)))


@settings(max_examples=400, deadline=None)
@given(keys_and_text())
def test_matches_as_pyahocorasick(case):
    entries, text = case
    ours = KeyAutomaton(entries)
    reference = ReferenceAutomaton(entries)
    assert ours.matches(text) == reference.matches(text)
    assert ours.contains(text) == reference.contains(text)
    assert len(ours) == len(reference)


@settings(max_examples=150, deadline=None)
@given(keys, st.text(max_size=60))
def test_matches_as_pyahocorasick_on_any_text(entries, text):
    ours = KeyAutomaton(entries)
    assert ours.matches(text) == ReferenceAutomaton(entries).matches(text)


def test_order_at_one_end_is_longest_first():
    # Callers keep the first of several hits (``seen`` sets): the order is part of the result.
    automaton = KeyAutomaton({"b": 1, "ab": 2, "cab": 3, "ca": 4})
    assert automaton.matches("xcabx") == [(1, 3, 4), (1, 4, 3), (2, 4, 2), (3, 4, 1)]


def test_offsets_are_characters_not_bytes():
    automaton = KeyAutomaton({"bank": "b", "\u0430b": "cyr"})
    assert automaton.matches("\u00e9\U0001f600bank") == [(2, 6, "b")]
    assert automaton.matches("x\ud800\u0430bank") == [(2, 4, "cyr"), (3, 7, "b")]


def test_no_keys_and_empty_key_find_nothing():
    for automaton in (KeyAutomaton({}), KeyAutomaton({"": 1})):
        assert len(automaton) == 0
        assert automaton.matches("anything\x00") == []
        assert not automaton.contains("anything\x00")


def test_only_surrogate_keys():
    automaton = KeyAutomaton({"\udc80x": 1})
    assert automaton.matches("ax") == []
    assert automaton.matches("a\udc80x") == [(1, 3, 1)]
    assert automaton.contains("a\udc80x")


def test_pickles_by_its_keys():
    automaton = KeyAutomaton({"bank": (0,), "examplebank": (1, 2), "\ud800z": (3,)})
    again = pickle.loads(pickle.dumps(automaton))
    for text in ("examplebank-login", "\ud800zbank", "nothing"):
        assert again.matches(text) == automaton.matches(text)


def test_one_letter_brands_only():
    # No key in the letter automatons at all: the finder must still build and search.
    index = BrandIndex(["x.com", "k.ua"])
    assert index.score("xcom-login.top").alert
    assert index.score("k.ua-passport.top").alert
    assert not index.score("unrelated.org").alert


def test_bare_word_brand_with_a_surrogate_does_not_raise():
    index = BrandIndex(["exam\udc80plebank", "examplebank.com"])
    assert index.score("examplebank-login.com").alert
    assert not index.score("https://other.org/exam%ED%B2%80plebank").alert


# -- the evidence finder, both ways ----------------------------------------------------------

LETTERS = "abeilmnorst"
brand_label = st.text(alphabet=LETTERS, min_size=1, max_size=9)
brand_text = st.tuples(
    st.lists(brand_label, min_size=1, max_size=2).map("-".join),
    st.sampled_from(["", ".com", ".fr", ".co.uk", ".ua", ".gov.ua"]),
).map("".join)
# Look-alike spellings the folding and the readings act on, and a confusable.
_LOOKS = str.maketrans({"l": "1", "o": "0", "m": "rn", "a": "\u0430", "e": "3"})


@st.composite
def brands_and_names(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    brands = draw(st.lists(brand_text, min_size=1, max_size=6, unique=True))
    # A brand that ends another one ("bank", "examplebank"): two hits end at one place.
    label = draw(st.sampled_from(brands)).split(".")[0]
    cut = draw(st.integers(0, len(label) - 1))
    if label[cut:] not in brands and draw(st.booleans()):
        brands.append(label[cut:])
    pieces = draw(
        st.lists(
            st.one_of(
                st.sampled_from(brands),
                st.sampled_from(brands).map(lambda b: b.translate(_LOOKS)),
                st.sampled_from(["login", "secure", "www", "com", "verify", "x2", "co"]),
                brand_label,
            ),
            min_size=2,
            max_size=12,
        )
    )
    names: list[str] = []
    for cut in range(0, len(pieces) - 1, 2):
        host = draw(st.sampled_from([".", "-", ""])).join(pieces[cut : cut + 2])
        host += draw(st.sampled_from([".com", ".top", ".co.uk", ".duckdns.org", ".fr"]))
        path = draw(st.sampled_from(["", "/" + pieces[cut], "/x/" + "".join(pieces)]))
        names.append(host + path)
    return brands, names


def _usable(texts: list[str]) -> list[Any]:
    brands = []
    for text in texts:
        try:
            brand = make_brand(text)
        except ValueError:
            continue
        if len(brand.compact) >= 2 or (brand.suffix is not None and brand.compact):
            brands.append(brand)
    return brands


@settings(max_examples=250, deadline=None)
@given(brands_and_names())
def test_candidates_as_with_pyahocorasick(case):
    texts, names = case
    brands = _usable(texts)
    if not brands:
        return
    ours, reference = EvidenceFinder(brands), reference_finder(brands)
    for name in names:
        try:
            obs = parse_observed(name)
        except DomainParseError:
            continue
        assert ours.candidates(obs) == reference.candidates(obs), name
        assert ours._written.find(obs) == reference._written.find(obs), name


@pytest.mark.parametrize(
    "name",
    [
        "examplebank.com-login.xyz",
        "examp1ebank.com.verify.net",
        "login.ex\u0430mplebank.com-x.top",
        "rnicrosoft-examplebank-login.com",
        "secure-examplebank.co.uk-verify.info",
        "evil.top/examplebank/login/examplebank",
        "examplebankexamplebank.duckdns.org",
        "bankbank-ban.com",
    ],
)
def test_candidates_as_with_pyahocorasick_on_known_names(name):
    brands = _usable(["examplebank.com", "examplebank.co.uk", "bank", "microsoft.com", "k.ua"])
    obs = parse_observed(name)
    ours = EvidenceFinder(brands).candidates(obs)
    assert ours, name  # each of these names holds a brand: the comparison is not vacuous
    assert ours == reference_finder(brands).candidates(obs)
