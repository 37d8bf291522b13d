"""Score an observed domain or URL against the protected brands.

What it is for: the daily question "does this newly seen name imitate us?". ``BrandIndex`` is
built once from the protected domains and brand names (Aho-Corasick automatons over the
brand letters, the brand list for rapidfuzz, the set of owned names); ``BrandIndex.score``
then costs a few microseconds for the common case of a name that mentions no brand.

Evidence classes (each with a reason a reader can check):
  tld-swap     the brand's label under another suffix             en-marche.co
  hyphenation  the brand's letters with hyphens added or removed   enmarche.fr
  typo         edit distance 1-2 from the brand (label or token)   tmoblle.net
  bitsquat     one-bit flip of one character                       goofle.com
  homoglyph    ASCII look-alikes (rn/m, 0/o, vv/w, q/g)            rnicrosoft.com
  idn          Unicode confusables in a punycode label             xn--amazo-d8a.com
  combosquat   the brand plus other words, run together or not     onedrive-en-marche.fr
  subdomain    the brand left of someone else's registrable name   naver.chickenkiller.com
               or its whole domain run on into the registrable     examplebank.com-login.xyz
  path         the brand in the URL path                           example.net/microsoft/
  abused-tld   a TLD over-represented in abuse (adds, never alone)

Finding the evidence is ``evidence.py``'s job; each piece becomes features that a small
logistic model (``linear.py``, weights fitted by ``train.py`` and shipped as data) turns into
a probability. The score of a name is the best probability over its evidence, in 0..1;
``alert`` is ``score >= threshold`` (``DEFAULT_THRESHOLD``, the operating point chosen on the
development data). A name equal to, or under, a protected or allowed domain is never alerted.

What it is not for: reading feeds (``feeds.py``) or generating permutations (``permute.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from contrefeu.domains.evidence import Candidate, EvidenceFinder
from contrefeu.domains.lexicon import common_words
from contrefeu.domains.linear import LinearModel, shipped_model
from contrefeu.domains.normalise import (
    DomainParseError,
    ObservedHost,
    letters_only,
    parse_observed,
    skeleton,
)
from contrefeu.domains.suffixes import split_host

DEFAULT_THRESHOLD = 0.6
PATH_SCORE = 0.45
# Evidence within this margin of the best one for a brand is reported alongside it.
_CLASS_MARGIN = 0.05


@dataclass(frozen=True, slots=True)
class Brand:
    """One protected name: a domain (``en-marche.fr``) or a bare brand word (``macron``)."""

    domain: str | None  # protected domain, None for a bare brand name
    name: str  # the label that carries the brand: "en-marche", "nts" for nts.go.kr
    compact: str  # name without hyphens: "enmarche"
    suffix: str | None  # "fr"
    ordinary_word: bool  # the brand is an ordinary English word ("apple", "office")

    @property
    def target(self) -> str:
        return self.domain or self.name


def make_brand(text: str) -> Brand:
    """Build a ``Brand`` from ``en-marche.fr``, ``https://www.en-marche.fr/`` or ``macron``."""
    raw = text.strip().lower()
    if not raw:
        raise ValueError("empty brand")
    if "." not in raw and "/" not in raw:
        name = raw
        return Brand(None, name, letters_only(name), None, letters_only(name) in common_words())
    try:
        obs = parse_observed(raw)
    except DomainParseError as exc:
        raise ValueError(f"unusable brand domain {text!r}: {exc}") from None
    host = obs.host[4:] if obs.host.startswith("www.") else obs.host
    # The leftmost label carries the brand even when the PSL registrable name is shorter
    # (enisa.europa.eu -> "enisa", nts.go.kr -> "nts").
    name = skeleton(host.split(".")[0])
    compact = letters_only(name)
    return Brand(host, name, compact, obs.suffix, compact in common_words())


@dataclass
class DomainScore:
    """How much one observed name imitates a protected brand (the JSONL output contract)."""

    domain: str
    registrable: str | None = None
    score: float = 0.0
    alert: bool = False
    target: str | None = None
    classes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    error: str | None = None
    source: str | None = None  # where the name was seen (feed line, message path...)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "domain": self.domain,
            "registrable": self.registrable,
            "score": round(self.score, 3),
            "alert": self.alert,
            "target": self.target,
            "classes": self.classes,
            "reasons": self.reasons,
        }
        if self.error is not None:
            out["error"] = self.error
        if self.source is not None:
            out["source"] = self.source
        return out


class BrandIndex:
    """The protected brands, indexed for fast scoring of many names."""

    def __init__(
        self,
        brands: Iterable[str | Brand],
        allow: Iterable[str] = (),
        threshold: float = DEFAULT_THRESHOLD,
        model: LinearModel | None = None,
    ) -> None:
        self.brands: list[Brand] = []
        seen: set[tuple[str | None, str]] = set()
        for b in brands:
            brand = b if isinstance(b, Brand) else make_brand(b)
            # A one-letter label (x.com, i.ua) is only searched run together with its suffix.
            usable = len(brand.compact) >= 2 or (brand.suffix is not None and brand.compact)
            if (brand.domain, brand.compact) not in seen and usable:
                seen.add((brand.domain, brand.compact))
                self.brands.append(brand)
        if not self.brands:
            raise ValueError("no usable protected brand")
        self.threshold = threshold
        self.model = model if model is not None else shipped_model()
        self.owned: frozenset[str] = frozenset(
            {b.domain for b in self.brands if b.domain}
            | {a.strip().lower().removeprefix("www.") for a in allow if a.strip()}
        )
        # The registrable domains the owned names sit in: most names share none, one look-up.
        self._owned_registrables = frozenset(
            (registrable_domain(o) or o) for o in self.owned if o.isascii()
        ) | frozenset(o for o in self.owned if not o.isascii())
        self.finder = EvidenceFinder(self.brands)

    # -- public ------------------------------------------------------------------------------

    def score(self, text: str, source: str | None = None) -> DomainScore:
        """Score one bare domain or URL. Never raises on bad input: ``error`` is set instead."""
        try:
            obs = parse_observed(text)
        except DomainParseError as exc:
            return DomainScore(domain=text.strip()[:300], error=str(exc), source=source)
        return self.score_host(obs, source)

    def score_host(self, obs: ObservedHost, source: str | None = None) -> DomainScore:
        """Score an already parsed host."""
        result = DomainScore(domain=obs.host, registrable=obs.registrable, source=source)
        if self._is_owned(obs):
            result.reasons.append("protected or allowed domain")
            return result
        found = self.finder.candidates(obs)
        if not found:
            return result
        scored = [(self._probability(c), c) for c in found]
        best_p, best = max(scored, key=lambda pc: pc[0])
        classes: list[str] = []
        reasons: list[str] = []
        for p, c in sorted(scored, key=lambda pc: -pc[0]):
            if c.brand != best.brand or p < best_p - _CLASS_MARGIN:
                continue
            classes.extend(x for x in c.classes if x not in classes)
            if c.reason not in reasons:
                reasons.append(c.reason)
        if best.features.get("s:abused") and best_p >= 0.4:
            tld = obs.suffix.rsplit(".", 1)[-1]
            classes.append("abused-tld")
            reasons.append(f".{tld} is a TLD over-represented in abuse reports")
        # Rounded down, so that a shown score of 0.6 always means the 0.6 threshold was reached.
        result.score = math.floor(min(1.0, best_p) * 1000) / 1000
        result.alert = result.score >= self.threshold
        result.target = self.brands[best.brand].target
        result.classes = classes
        result.reasons = reasons
        return result

    def _probability(self, c: Candidate) -> float:
        if c.kind == "path":
            # No labelled name has a path (the evaluation data are host names), so nothing
            # could be fitted: a brand in the path is reported, never alerted on its own.
            return PATH_SCORE
        return self.model.probability(c.features)

    def score_many(self, texts: Iterable[str]) -> Iterable[DomainScore]:
        for text in texts:
            yield self.score(text)

    def candidates(self, text: str) -> list[Candidate]:
        """The raw evidence for one name (empty for owned names and bad input): for fitting."""
        try:
            obs = parse_observed(text)
        except DomainParseError:
            return []
        if self._is_owned(obs):
            return []
        return self.finder.candidates(obs)

    def _is_owned(self, obs: ObservedHost) -> bool:
        if obs.registrable not in self._owned_registrables and obs.host.isascii():
            return False
        owned = self.owned
        host = obs.host
        if host in owned or obs.ascii_host in owned:
            return True
        parts = host.split(".")
        return any(".".join(parts[i:]) in owned for i in range(1, len(parts) - 1))


def registrable_domain(host: str) -> str | None:
    """The registrable domain of an ASCII host (PSL, private suffixes included)."""
    split = split_host(host.lower().rstrip("."))
    return split[0] if split else None
