"""Generate the lookalike names an attacker could register for a protected domain.

What it is for: ``domains generate`` — a ranked list of candidate names to pre-register,
block, or watch. It covers dnstwist's classes (omission, repetition, transposition, keyboard
replacement and insertion on qwerty/azerty/qwertz, bitsquat, homoglyph, hyphenation, vowel
swap, TLD swap) and the combinations that real attackers use and dnstwist lacks: typo x TLD
swap, brand + lure word (French and English) x TLD, and the brand as a subdomain of free-DNS
and hosting suffixes.

Ranking: each name carries a likelihood prior per class (from how often each class shows up
in public threat reports: combosquats dominate, then brand-in-subdomain, typos, TLD swaps)
refined by the scorer's own score of the name, so the list reads best-first.

What it is not for: deciding whether an observed name is malicious (``score.py``). Lookups
(DNS) happen only in ``resolve``, which the CLI calls only with ``--dns``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from contrefeu.domains.keyboards import is_bitflip, layouts, neighbours
from contrefeu.domains.lexicon import lure_words
from contrefeu.domains.normalise import parse_observed
from contrefeu.domains.suffixes import abused_tlds, hosting_suffixes

# Priors per class, in the order a reader should look at them.
_PRIOR = {
    "combosquat": 0.9,
    "subdomain": 0.8,
    "tld-swap": 0.75,
    "hyphenation": 0.7,
    "typo": 0.65,
    "homoglyph": 0.65,
    "typo+tld": 0.55,
    "combosquat+tld": 0.6,
    "bitsquat": 0.4,
    "idn": 0.5,
}
_COMMON_TLDS = ("com", "net", "org", "co", "info", "online", "site", "app", "eu", "fr")
_TOP_LURES = (
    "login",
    "secure",
    "account",
    "verify",
    "support",
    "portal",
    "mail",
    "webmail",
    "sso",
    "auth",
    "update",
    "security",
    "connexion",
    "compte",
    "securite",
    "messagerie",
    "docs",
    "drive",
    "share",
    "my",
    "online",
    "services",
    "cloud",
    "id",
    "help",
)
_ASCII_LOOKALIKES = {
    "m": ("rn", "nn"),
    "w": ("vv",),
    "o": ("0",),
    "l": ("1", "i"),
    "i": ("1", "l"),
    "e": ("3",),
    "g": ("q",),
    "d": ("cl",),
    "a": ("4",),
    "s": ("5",),
}
_UNICODE_LOOKALIKES = {
    "a": "а",
    "c": "с",
    "e": "е",
    "o": "о",
    "p": "р",
    "x": "х",
    "y": "у",
    "i": "і",
    "j": "ј",
    "s": "ѕ",
    "h": "һ",
    "l": "ӏ",
    "d": "ԁ",
    "q": "ԛ",
}


@dataclass(frozen=True)
class Permutation:
    """One generated candidate name."""

    domain: str
    kind: str  # class of the permutation
    likelihood: float  # 0..1, for ranking
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _label_typos(label: str) -> Iterator[tuple[str, str]]:
    n = len(label)
    for i in range(n):
        yield label[:i] + label[i + 1 :], f"'{label[i]}' left out"
        yield label[:i] + label[i] + label[i:], f"'{label[i]}' doubled"
        if i + 1 < n and label[i] != label[i + 1]:
            yield label[:i] + label[i + 1] + label[i] + label[i + 2 :], "two letters swapped"
        for layout in layouts():
            for near in sorted(neighbours(layout).get(label[i], ())):
                yield label[:i] + near + label[i + 1 :], f"'{label[i]}'->'{near}' ({layout})"
                yield label[:i] + near + label[i:], f"'{near}' slipped in ({layout})"
        if label[i] in "aeiou":
            for v in "aeiou":
                if v != label[i]:
                    yield label[:i] + v + label[i + 1 :], "vowel swapped"


def _bitsquats(label: str) -> Iterator[str]:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-")
    for i, c in enumerate(label):
        for bit in range(7):
            flipped = chr(ord(c) ^ (1 << bit))
            if flipped in allowed and is_bitflip(c, flipped):
                yield label[:i] + flipped + label[i + 1 :]


def _homoglyphs(label: str) -> Iterator[tuple[str, bool]]:
    for i, c in enumerate(label):
        for look in _ASCII_LOOKALIKES.get(c, ()):
            yield label[:i] + look + label[i + 1 :], False
        if c in _UNICODE_LOOKALIKES:
            yield label[:i] + _UNICODE_LOOKALIKES[c] + label[i + 1 :], True


def _valid_label(label: str) -> bool:
    return 0 < len(label) <= 63 and not label.startswith("-") and not label.endswith("-")


def generate(
    domain: str,
    lures: Iterable[str] | None = None,
    tlds: Iterable[str] | None = None,
    limit: int | None = None,
) -> list[Permutation]:
    """Ranked lookalike candidates for ``domain`` (bare domain or URL)."""
    obs = parse_observed(domain)
    label, suffix = obs.label, obs.suffix
    if obs.subdomains and obs.subdomains[-1] != "www":
        label = obs.subdomains[0]  # enisa.europa.eu: the leftmost label carries the brand
    lure_list = list(lures) if lures is not None else list(_TOP_LURES)
    tld_list = (
        list(tlds)
        if tlds is not None
        else list(_COMMON_TLDS) + sorted(abused_tlds() - set(_COMMON_TLDS))
    )
    out: dict[str, Permutation] = {}

    def add(name_label: str, sfx: str, kind: str, reason: str, rank: float = 0.0) -> None:
        if not _valid_label(
            name_label.encode("idna").decode() if not name_label.isascii() else name_label
        ):
            return
        name = f"{name_label}.{sfx}"
        if name == f"{label}.{suffix}" or name in out:
            return
        # rank in 0..1 lowers the prior a little: earlier (likelier) lure words first.
        out[name] = Permutation(name, kind, round(_PRIOR[kind] * (1 - 0.3 * rank), 3), reason)

    # Combosquats: lure before/after, with and without hyphen, on the brand's suffix.
    for i, word in enumerate(lure_list):
        rank = i / max(1, len(lure_list))
        for j, cand in enumerate(
            (f"{label}-{word}", f"{word}-{label}", f"{label}{word}", f"{word}{label}")
        ):
            add(cand, suffix, "combosquat", f"'{label}' with lure word '{word}'", rank + 0.01 * j)
    # Brand in a subdomain of free DNS / hosting suffixes (dnstwist never generates these).
    for host in sorted(hosting_suffixes()):
        add(label, host, "subdomain", f"'{label}' as a free subdomain of {host}")
    # Brand on other TLDs; hyphenation.
    for tld in tld_list:
        if tld != suffix:
            rank = 0.0 if tld in abused_tlds() else 0.2
            add(label, tld, "tld-swap", f"'{label}' under .{tld}", rank)
    for i in range(1, len(label)):
        if label[i - 1] != "-" and label[i] != "-":
            add(label[:i] + "-" + label[i:], suffix, "hyphenation", "hyphen added")
    if "-" in label:
        add(label.replace("-", ""), suffix, "hyphenation", "hyphens removed")
    # Typos, bitsquats, homoglyphs on the brand's suffix; typos also across TLDs.
    typos = list(_label_typos(label))
    for cand, reason in typos:
        add(cand, suffix, "typo", reason)
    for cand in _bitsquats(label):
        add(cand, suffix, "bitsquat", "one bit flipped")
    for cand, unicode in _homoglyphs(label):
        add(cand, suffix, "idn" if unicode else "homoglyph", "look-alike character")
    for tld in tld_list[:12]:
        if tld == suffix:
            continue
        for cand, reason in typos:
            add(cand, tld, "typo+tld", f"{reason}, under .{tld}")
        for word in lure_list[:8]:
            add(f"{label}-{word}", tld, "combosquat+tld", f"lure '{word}', under .{tld}")
            add(f"{word}-{label}", tld, "combosquat+tld", f"lure '{word}', under .{tld}")
    ranked = sorted(out.values(), key=lambda p: (-p.likelihood, p.domain))
    return ranked[:limit] if limit else ranked


def all_lures() -> list[str]:
    """The full lure vocabulary (for exhaustive generation)."""
    return sorted(lure_words())


def resolve(names: Iterable[str], timeout: float = 2.0) -> Iterator[tuple[str, list[str]]]:
    """(name, addresses) via live DNS (A and MX); only called with ``--dns``."""
    import dns.exception
    import dns.resolver

    res = dns.resolver.Resolver()
    res.lifetime = timeout
    for name in names:
        found: list[str] = []
        for rtype in ("A", "MX"):
            try:
                answer = res.resolve(name.encode("idna").decode(), rtype)
                found.extend(f"{rtype} {r.to_text()}" for r in answer)
            except (dns.exception.DNSException, UnicodeError):
                continue
        yield name, found
