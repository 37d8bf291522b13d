"""Find a brand's whole domain written at the start of a host, hidden from the registrable name.

What it is for: one attacker habit that the label-by-label evidence misses. The phisher
writes the brand's complete domain first and carries on, so that a reader who looks at the
start of the host sees the real name while the registered domain is the attacker's:

  examplebank.com-login.xyz      registrable com-login.xyz     (hyphen after the suffix)
  ab.fr-secure.top               registrable fr-secure.top     (a short brand: "ab" + "fr")
  examplebank.co.uk-verify.info  registrable uk-verify.info    (a two-label suffix)
  examplebank.com.verify.net     registrable verify.net        (dot after the suffix)
  examplebank.comlogin.xyz       registrable comlogin.xyz      (run together)

``WrittenDomainFinder`` holds every protected domain in one Aho-Corasick automaton
(``automaton.KeyAutomaton``) over the look-alike canonical form
(``folding.canonical``), so one pass over the host finds the brand
written as is, with ASCII look-alikes (``examp1ebank.com-...``) or, after the Unicode
skeleton, with confusables. A hit counts only when the brand starts left of the registrable
domain (otherwise it is an ordinary label or combosquat, which ``evidence.py`` handles), starts
at the host's start or after a dot or hyphen, and something follows the brand's suffix. A
suffix that is only the start of a word ("com" in "community") is no evidence.

What it is not for: features and reasons (``evidence.py`` turns each ``WrittenDomain`` into a
candidate for the model) or parsing (``normalise.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from contrefeu.domains.automaton import KeyAutomaton
from contrefeu.domains.folding import canonical, canonical_map, tokens
from contrefeu.domains.lexicon import segment
from contrefeu.domains.normalise import ObservedHost, skeleton

if TYPE_CHECKING:
    from contrefeu.domains.score import Brand

_SEPARATORS = frozenset("-_")


@dataclass(frozen=True, slots=True)
class WrittenDomain:
    """One protected domain written at the start of an observed host."""

    brand: int  # index into the brand list
    written: str  # the text as it stands in the host ("examp1ebank.com")
    start: str  # what precedes it: "host" (nothing), "dot" (labels), "hyphen" (a word)
    joint: str  # what follows the brand's suffix: "hyphen", "dot" or "run" (letters/digits)
    crosses: bool  # the brand's suffix runs into the registrable label
    depth: int  # subdomain labels from the brand's first one to the registrable name (1: next)
    follows: str  # what follows the brand's suffix in its label ("-login", "login", "")
    rest: tuple[str, ...]  # tokens between the brand and the public suffix ("login")
    look: str  # "raw", "idn" (Unicode confusables), "homoglyph" (digits) or "letters"


class WrittenDomainFinder:
    """Every protected domain written at the start of a host (see the module docstring)."""

    def __init__(self, brands: list[Brand]) -> None:
        self._brands = brands
        self._domains: dict[int, str] = {}
        by_key: dict[str, list[int]] = {}
        for i, brand in enumerate(brands):
            if brand.domain is None or "." not in brand.domain:
                continue
            domain = ".".join(skeleton(part) for part in brand.domain.split("."))
            self._domains[i] = domain
            by_key.setdefault(canonical(domain), []).append(i)
        self._automaton = KeyAutomaton({key: tuple(idxs) for key, idxs in by_key.items()})
        self._empty = not by_key

    def find(self, obs: ObservedHost) -> list[WrittenDomain]:
        """The protected domains written left of (or across) the registrable name of ``obs``."""
        if self._empty or not obs.subdomains:
            return []  # the brand must start left of the registrable name: a subdomain exists
        idn = not obs.host.isascii()
        if idn:
            labels = [skeleton(part).replace(".", "") for part in obs.host.split(".")]
            text = ".".join(labels)
            n_reg = obs.registrable.count(".") + 1
            reg_start = len(text) - len(".".join(labels[-n_reg:]))
            suffix_start = len(text) - len(".".join(labels[-(obs.suffix.count(".") + 1) :]))
        else:
            text = obs.host
            reg_start = len(text) - len(obs.registrable)
            suffix_start = len(text) - len(obs.suffix)
        folded = canonical(text)
        same = folded == text
        where: list[int] | None = None  # positions in ``text``, only needed after a fold
        found: list[WrittenDomain] = []
        seen: set[int] = set()
        for a, b, idxs in self._automaton.matches(folded):
            if not same:
                if where is None:
                    where = canonical_map(text)[1]
                a, b = where[a], where[b]
            if a >= reg_start or b >= len(text):
                continue  # an ordinary label, or nothing after the brand's suffix
            before = text[a - 1] if a else ""
            if before and before != "." and before not in _SEPARATORS:
                continue  # run into other letters: "myexamplebank.com-..." reads as another name
            after = text[b]
            if after == ".":
                joint = "dot"
            elif after in _SEPARATORS:
                joint = "hyphen"
            else:
                joint = "run"
                if _suffix_starts_a_word(text, a, b):
                    continue  # "examplebank.community": the suffix is the start of a word
            written = text[a:b]
            stop = text.find(".", b)
            follows = text[b : stop if stop >= 0 else len(text)]
            for i in idxs:
                if i in seen:
                    continue
                seen.add(i)
                found.append(
                    WrittenDomain(
                        brand=i,
                        written=written,
                        start="host" if not before else "dot" if before == "." else "hyphen",
                        joint=joint,
                        crosses=b > reg_start,
                        depth=text.count(".", a, reg_start),
                        follows=follows,
                        rest=tuple(tokens(text[b:suffix_start].replace(".", "-"))),
                        look=_look(written, self._domains[i], idn and written not in obs.host),
                    )
                )
        return found


def _suffix_starts_a_word(text: str, a: int, b: int) -> bool:
    """True when the brand's last suffix label is read as the start of a longer word.

    "examplebank.community" and "examplebank.comments" are words after the brand's name;
    "examplebank.comlogin" reads com + login.
    """
    label_start = text.rfind(".", a, b) + 1
    stop = b
    while stop < len(text) and text[stop].isalnum():
        stop += 1
    return segment(text[label_start:stop])[0] != text[label_start:b]


def _look(written: str, domain: str, idn: bool) -> str:
    if written == domain:
        return "idn" if idn else "raw"
    if idn:
        return "idn"
    return "homoglyph" if any(c.isdigit() for c in written) else "letters"
