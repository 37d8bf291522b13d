"""Generation: every class, the combinations dnstwist lacks, ranking, and scorer agreement."""

from __future__ import annotations

from collections import Counter

from contrefeu.domains.permute import generate
from contrefeu.domains.score import BrandIndex


def test_every_class_is_generated():
    perms = generate("en-marche.fr")
    kinds = Counter(p.kind for p in perms)
    for kind in (
        "combosquat",
        "subdomain",
        "tld-swap",
        "hyphenation",
        "typo",
        "bitsquat",
        "homoglyph",
        "idn",
        "typo+tld",
        "combosquat+tld",
    ):
        assert kinds[kind] > 0, kind
    names = {p.domain for p in perms}
    # Combinations real attackers used and plain permutation tools miss.
    assert "mail-en-marche.fr" in names
    assert "en-marche.co" in names
    assert "en-marche.duckdns.org" in names
    assert "en-marche-login.online" in names
    assert "en-march.co" in names  # typo x TLD swap
    assert "en-marche.fr" not in names


def test_ranked_best_first_and_limit():
    perms = generate("examplebank.com", limit=50)
    assert len(perms) == 50
    assert [p.likelihood for p in perms] == sorted((p.likelihood for p in perms), reverse=True)
    assert perms[0].kind == "combosquat"


def test_generated_names_are_alerted_by_the_scorer():
    index = BrandIndex(["examplebank.com"])
    perms = [p for p in generate("examplebank.com") if p.kind != "bitsquat"]
    missed = [p.domain for p in perms if not index.score(p.domain).alert]
    # Most look-alikes we generate must also be caught when they show up in a feed.
    assert len(missed) / len(perms) < 0.1, missed[:20]
