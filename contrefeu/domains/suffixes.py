"""Registrable-domain splitting with the Public Suffix List, offline and cached.

What it is for: answering "which part of this host did somebody register?" for millions of
certificate-transparency names a day. The PSL snapshot shipped inside the publicsuffixlist
package is used with its private section (duckdns.org, azurewebsites.net...), extended by a
short list of free dynamic-DNS and free-hosting domains that the PSL does not list
(``words/hosting_suffixes.txt``): under those the attacker's choice is the label on the left,
exactly as under a private suffix. Also the list of TLDs over-represented in abuse, and what
kind a suffix is (a legacy gTLD, a country code, a one-slip neighbour of .com, a new gTLD).

The rules are read once from the package's PSL file into sets, and a host is matched by a
walk from its last label leftwards that stops as soon as no rule can be longer: a few set
look-ups per name, about twice as fast as the general-purpose matcher (which accepts
bytes, tuples and options this hot path does not need); the tests check that both agree.

What it is not for: resolving anything. The PSL is never fetched at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


def read_word_file(name: str) -> frozenset[str]:
    """Lines of a ``words/`` data file, lower-case, without comments and blanks."""
    text = resources.files("contrefeu.domains").joinpath("words", name).read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


@lru_cache(maxsize=1)
def hosting_suffixes() -> frozenset[str]:
    """Free dynamic-DNS / hosting domains treated as suffixes (beyond the PSL's own)."""
    return read_word_file("hosting_suffixes.txt")


@lru_cache(maxsize=1)
def abused_tlds() -> frozenset[str]:
    """TLDs over-represented in abuse reports (evidence that only adds to brand evidence)."""
    return read_word_file("abused_tlds.txt")


@dataclass(frozen=True)
class _Rules:
    exact: frozenset[str]  # PSL rules, ICANN and private ("co.uk", "duckdns.org")
    wild: frozenset[str]  # parents of wildcard rules ("ck" for "*.ck")
    exceptions: frozenset[str]  # exception rules without "!" ("www.ck")
    hosting: frozenset[str]  # our extra hosting suffixes (a suffix only left of another label)
    tails: frozenset[str]  # every right-hand part of every rule: where the walk may go on


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    from publicsuffixlist import PSLFILE

    exact: set[str] = set()
    wild: set[str] = set()
    exceptions: set[str] = set()
    with open(PSLFILE, encoding="utf-8") as fh:
        for line in fh:
            rule = line.strip().split(" ")[0].lower()
            if not rule or rule.startswith("//"):
                continue
            try:
                rule = rule.encode("idna").decode("ascii") if not rule.isascii() else rule
            except UnicodeError:
                continue
            if rule.startswith("!"):
                exceptions.add(rule[1:])
            elif rule.startswith("*."):
                wild.add(rule[2:])
            else:
                exact.add(rule)
    hosting = hosting_suffixes()
    tails: set[str] = set()
    for rule in (*exact, *wild, *exceptions, *hosting):
        labels = rule.split(".")
        for i in range(len(labels)):
            tails.add(".".join(labels[i:]))
    return _Rules(
        frozenset(exact), frozenset(wild), frozenset(exceptions), hosting, frozenset(tails)
    )


def _suffix_depth(labels: list[str]) -> int:
    """How many labels at the right of ``labels`` form the public (or hosting) suffix."""
    r = _rules()
    n = len(labels)
    current = labels[-1]
    best = 1  # an unknown TLD is a suffix on its own (the PSL's default rule "*")
    depth = 1
    while depth < n and current in r.tails:
        parent = current
        current = labels[-depth - 1] + "." + current
        depth += 1
        if current in r.exceptions:
            return depth - 1
        if (
            current in r.exact
            or current in r.wild  # "*.run.app" makes "run.app" public too, as the PSL linter does
            or parent in r.wild
            or (current in r.hosting and depth < n)  # "ddnsking.com" alone is a name
        ):
            best = depth
    return best


@lru_cache(maxsize=262144)
def split_host(ascii_host: str) -> tuple[str, str] | None:
    """(registrable, suffix) of a lower-case ASCII host, or None when it is only a suffix.

    Cached: certificate-transparency streams repeat the same names many times (one
    certificate lists www., mail., autodiscover. ... of the same domain).
    """
    labels = ascii_host.split(".")
    if "" in labels:
        return None
    depth = _suffix_depth(labels)
    if depth >= len(labels):
        return None
    return ".".join(labels[-depth - 1 :]), ".".join(labels[-depth:])


def is_hosting_suffix(suffix: str) -> bool:
    """True when anyone can obtain a name under ``suffix`` (free DNS, hosting, PSL private)."""
    if suffix in hosting_suffixes():
        return True
    return "." in suffix and _is_private_psl(suffix)


@lru_cache(maxsize=4096)
def _is_private_psl(suffix: str) -> bool:
    from publicsuffixlist import PublicSuffixList

    icann = _icann_psl()
    assert isinstance(icann, PublicSuffixList)
    return icann.publicsuffix("x." + suffix) != suffix


@lru_cache(maxsize=1)
def _icann_psl():  # type: ignore[no-untyped-def]
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True)


# Legacy gTLDs: brands own their name under these, defensively, more often than not.
_LEGACY_TLDS = frozenset({"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz"})
# Suffixes one key-slip away from .com: the classic "typo of the TLD" registrations.
_TYPO_TLDS = frozenset({"co", "cm", "om", "con", "cmo", "comm"})


def suffix_kind(suffix: str) -> str:
    """host | typo | legacy | cc | cc2 | new: what kind of suffix a name was registered under."""
    if is_hosting_suffix(suffix):
        return "host"
    if suffix in _TYPO_TLDS:
        return "typo"
    if "." in suffix:
        return "cc2"  # com.mx, co.uk, ne.kr: a country's second level
    if suffix in _LEGACY_TLDS:
        return "legacy"
    if len(suffix) == 2:
        return "cc"
    return "new"


def suffix_words(suffix: str) -> str:
    """A reader's explanation of the suffix, for tld-swap reasons."""
    kind = suffix_kind(suffix)
    if kind == "typo":
        return f".{suffix} is one slip away from .com"
    if kind in {"legacy", "cc", "cc2"}:
        return f".{suffix} is a common TLD that brand owners often hold themselves"
    return f".{suffix.rsplit('.', 1)[-1]} is a new generic TLD"
