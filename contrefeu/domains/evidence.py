"""Find the evidence that an observed name imitates a protected brand, as model features.

What it is for: the candidate generation half of the scorer. ``EvidenceFinder`` holds the
protected brands in two Aho-Corasick automatons (the brand letters, and the same letters
folded to a look-alike canonical form), so one pass over a label finds every brand it
contains; look-alike readings and edit-distance searches only run when they can matter.
Each piece of evidence becomes a ``Candidate``: the brand, the classes and a reason a reader
can check, and a few features (how the brand sits in the label, which words surround it,
what kind of suffix the name uses). ``linear.py`` turns the features into a probability.

Evidence kinds (the prefix of every feature name):
  label    the brand's letters are the whole label: tld-swap, hyphenation, look-alike
  contain  the brand plus other letters in the registrable label: combosquat
  typo     the label, or one of its hyphen tokens, is 1-2 edits from the brand
  sub      the brand in a label left of someone else's registrable name
  path     the brand in the URL path

What it is not for: deciding (``score.py`` applies the model and the threshold), parsing
(``normalise.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import OSA

from contrefeu.domains.keyboards import describe_edit
from contrefeu.domains.lexicon import (
    common_words,
    context_words,
    covered_by_word,
    dictionary,
    lure_words,
    segment,
)
from contrefeu.domains.normalise import ObservedHost, ascii_variants, letters_only, skeleton
from contrefeu.domains.suffixes import abused_tlds, is_hosting_suffix

if TYPE_CHECKING:
    from contrefeu.domains.score import Brand

# Labels so common left of a registrable domain that they say nothing about the brand.
_NEUTRAL_SUBDOMAINS = frozenset({"www", "m", "mobile", "en", "fr", "de", "es", "it", "us"})
# Legacy gTLDs: brands own their name under these, defensively, more often than not.
_LEGACY_TLDS = frozenset({"com", "net", "org", "edu", "gov", "mil", "int", "info", "biz"})
# Suffixes one key-slip away from .com: the classic "typo of the TLD" registrations.
_TYPO_TLDS = frozenset({"co", "cm", "om", "con", "cmo", "comm"})
# Tokens that make a label read like a domain name ("google-com-login", "mofa-gov").
_TLD_TOKENS = frozenset({"com", "net", "org", "gov", "edu", "mil", "int"})
_VISUAL_PAIRS = ("il", "l1", "i1", "o0", "ce", "co", "uv", "gq", "nm", "ao", "ea", "mn", "bd")
_LOOKALIKE_CHARS = frozenset("0134578qlvnci")


@dataclass(slots=True)
class Candidate:
    """One piece of evidence about one brand (index into the brand list)."""

    brand: int
    classes: list[str]
    reason: str
    features: dict[str, float]


def canonical(text: str) -> str:
    """Fold look-alikes to one form (rn/m, vv/w, cl/d, 0/o, 1/i/l, q/g...) for a prefilter."""
    for a, b in (("rn", "m"), ("vv", "w"), ("cl", "d"), ("nn", "m")):
        if a in text:
            text = text.replace(a, b)
    return text.translate(_CANON)


_CANON = str.maketrans(
    {"0": "o", "1": "l", "i": "l", "3": "e", "4": "a", "5": "s", "7": "t", "q": "g"}
)


def tokens(label: str) -> list[str]:
    """Hyphen, underscore and letter/digit boundaries: "nts-kit2" -> nts, kit, 2."""
    out: list[str] = []
    cur = ""
    for c in label:
        if c in "-_":
            if cur:
                out.append(cur)
            cur = ""
        elif cur and (c.isdigit() != cur[-1].isdigit()):
            out.append(cur)
            cur = c
        else:
            cur += c
    if cur:
        out.append(cur)
    return out


def _boundaries(label: str) -> set[int]:
    """Token boundaries as positions in the label's compact (hyphen-free) form."""
    out = {0}
    pos = 0
    prev = ""
    for c in label:
        if c in "-_":
            out.add(pos)
            prev = ""
            continue
        if prev and c.isdigit() != prev.isdigit():
            out.add(pos)
        pos += 1
        prev = c
    out.add(pos)
    return out


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


class EvidenceFinder:
    """Every candidate of every protected brand for one observed name."""

    def __init__(self, brands: list[Brand]) -> None:
        import ahocorasick

        self.brands = brands
        self._exact = ahocorasick.Automaton()
        self._canon = ahocorasick.Automaton()
        by_compact: dict[str, list[int]] = {}
        by_canon: dict[str, list[int]] = {}
        for i, brand in enumerate(brands):
            by_compact.setdefault(brand.compact, []).append(i)
            by_canon.setdefault(canonical(brand.compact), []).append(i)
        for compact, idxs in by_compact.items():
            self._exact.add_word(compact, (compact, tuple(idxs)))
        for canon, idxs in by_canon.items():
            self._canon.add_word(canon, tuple(idxs))
        self._exact.make_automaton()
        self._canon.make_automaton()
        # Only brands of 4+ letters take part in typo search; the model weighs the rest.
        self._typo_choices = {i: b.compact for i, b in enumerate(brands) if len(b.compact) >= 4}
        self._typo_lengths = frozenset(
            len(c) + d for c in self._typo_choices.values() for d in range(-2, 3)
        )
        self._lures = lure_words()
        self._context = context_words()
        self._abused = abused_tlds()
        self._words = dictionary()
        self._common = common_words()

    # -- entry point ------------------------------------------------------------------------

    def candidates(self, obs: ObservedHost) -> list[Candidate]:
        found: list[Candidate] = []
        base = self._suffix_features(obs.suffix)
        self._registrable(obs, base, found)
        if obs.subdomains:
            self._subdomains(obs, base, found)
        if obs.path:
            self._path(obs, base, found)
        return found

    # -- readings -----------------------------------------------------------------------------

    def _readings(self, label: str) -> list[tuple[str, str]]:
        """The label as written plus its confusable and look-alike readings, with their kind."""
        readings = [(label, "raw")]
        base = label
        kind = "homoglyph"
        if not label.isascii():
            base = skeleton(label)
            if base == label or not base.isascii():
                return readings
            readings.append((base, "idn"))
            kind = "idn"
        if not _LOOKALIKE_CHARS.isdisjoint(base):
            # Only spell out the variants when the folded label holds some brand at all.
            if next(self._canon.iter(canonical(letters_only(base))), None) is not None:
                readings.extend((v, kind) for v in ascii_variants(base))
        return readings

    # -- registrable label --------------------------------------------------------------------

    def _registrable(self, obs: ObservedHost, base: dict[str, float], out: list[Candidate]) -> None:
        for reading, kind in self._readings(obs.label):
            compact = letters_only(reading)
            for end, (bc, idxs) in self._exact.iter(compact):
                start = end - len(bc) + 1
                for i in idxs:
                    if start == 0 and end + 1 == len(compact):
                        self._whole_label(obs, reading, kind, i, base, out)
                    else:
                        self._contained(obs, reading, compact, start, end + 1, kind, i, base, out)
            if kind == "raw" or len(compact) >= 5:
                self._typos(obs, reading, compact, kind, base, out)

    def _whole_label(
        self,
        obs: ObservedHost,
        reading: str,
        kind: str,
        i: int,
        base: dict[str, float],
        out: list[Candidate],
    ) -> None:
        brand = self.brands[i]
        classes: list[str] = []
        reasons: list[str] = []
        f = self._features("label", brand, obs.suffix, base)
        if kind != "raw":
            f["look"] = 1.0
        if is_hosting_suffix(obs.suffix):
            # The brand is the attacker's free pick under a dynamic-DNS or hosting name.
            classes = ["subdomain"] + _look_classes(kind)
            reasons = [f"brand label '{brand.name}' as a free name under {obs.suffix}"]
        elif kind != "raw":
            classes = _look_classes(kind)
            reasons = [f"'{obs.label}' reads as '{brand.name}' ({_look_words(kind)})"]
            if brand.suffix is not None and obs.suffix != brand.suffix:
                classes.append("tld-swap")
        else:
            if reading != brand.name:
                classes.append("hyphenation")
                reasons.append(f"'{reading}' is '{brand.name}' with hyphens changed")
                f["label:hyph"] = 1.0
            if brand.suffix is not None and obs.suffix != brand.suffix:
                classes.append("tld-swap")
                reasons.append(f"brand label '{brand.name}' under .{obs.suffix}")
                reasons.append(suffix_words(obs.suffix))
        if not classes:  # same label, same suffix, other registrable: not possible
            return
        out.append(Candidate(i, classes, "; ".join(reasons), f))

    def _contained(
        self,
        obs: ObservedHost,
        reading: str,
        compact: str,
        start: int,
        end: int,
        kind: str,
        i: int,
        base: dict[str, float],
        out: list[Candidate],
    ) -> None:
        brand = self.brands[i]
        bounds = _boundaries(reading)
        aligned = start in bounds and end in bounds
        if len(brand.compact) <= 3 and not aligned:
            return  # "att" inside "attack" is no evidence
        if not aligned and covered_by_word(compact, start, end):
            return  # "intel" inside "intelligence"
        toks = tokens(reading)
        rest = [p for p in (compact[:start], compact[end:]) if p]
        pieces = [w for p in rest for w in segment(p)]
        lures, context = self._lure_pieces(pieces, toks)
        f = self._features("contain", brand, obs.suffix, base)
        if aligned:
            f["contain:aligned"] = 1.0
        f["contain:prefix" if start == 0 else "contain:suffix" if end == len(compact) else "contain:middle"] = 1.0
        if lures:
            f["contain:lure"] = 1.0
        elif context:
            f["contain:context"] = 1.0
        elif all(p.isdigit() for p in pieces):
            f["contain:digits"] = 1.0
        elif all(p in self._words or p.isdigit() for p in pieces):
            f["contain:words"] = 1.0
        else:
            f["contain:unknown"] = 1.0
        extra = len(compact) - len(brand.compact)
        f["contain:extra"] = min(extra, 20) / 10
        if any(t in _TLD_TOKENS for t in toks):
            f["contain:tldword"] = 1.0
        if kind != "raw":
            f["look"] = 1.0
        classes = ["combosquat"] + _look_classes(kind)
        if is_hosting_suffix(obs.suffix):
            classes = ["subdomain"] + classes
        elif brand.suffix is not None and obs.suffix != brand.suffix:
            classes.append("tld-swap")
        shown = lures or context
        words = f" with lure words {', '.join(shown[:4])}" if shown else ""
        reason = f"brand '{brand.name}' inside '{obs.label}'{words}"
        if kind != "raw":
            reason += f" ({_look_words(kind)})"
        out.append(Candidate(i, classes, reason, f))

    def _typos(
        self,
        obs: ObservedHost,
        reading: str,
        compact: str,
        kind: str,
        base: dict[str, float],
        out: list[Candidate],
    ) -> None:
        lengths = self._typo_lengths
        # Whole label first, then each hyphen-separated token (typo-combo: "accounts-googlc").
        parts = [compact] if len(compact) in lengths else []
        if "-" in reading:
            parts.extend(t for t in reading.split("-") if len(t) in lengths and t != compact)
        for n, part in enumerate(parts):
            if len(part) < 4:
                continue
            on_token = part is not compact
            for _, dist, i in process.extract(
                part, self._typo_choices, scorer=OSA.distance, score_cutoff=2, limit=3
            ):
                brand = self.brands[i]
                size = len(brand.compact)
                if dist == 0 or brand.compact in part or part in brand.compact:
                    continue  # exact or contained: the other kinds handle it
                if dist == 2 and size < 6:
                    continue  # two edits leave too little of a short brand
                edit = describe_edit(part, brand.compact)
                natural = edit is not None and _natural_edit(edit)
                f = self._features("typo", brand, obs.suffix, base)
                f["typo:dist2" if dist == 2 else "typo:dist1"] = 1.0
                f["typo:rel"] = dist / size
                if natural:
                    f["typo:natural"] = 1.0
                if part in self._common:
                    f["typo:common"] = 1.0  # "never" is a word before it is a typo of "naver"
                elif part in self._words:
                    f["typo:word"] = 1.0
                classes = ["typo"]
                if edit and edit[0] == "bitsquat":
                    classes = ["bitsquat"]
                    f["typo:bitflip"] = 1.0
                classes += _look_classes(kind)
                if kind != "raw":
                    f["look"] = 1.0
                if on_token:
                    f["typo:token"] = 1.0
                    classes.append("combosquat")
                    others = [t for t in reading.split("-") if t != part]
                    pieces = [w for t in others for w in segment(letters_only(t))]
                    lures, context = self._lure_pieces(pieces, others)
                    if lures:
                        f["typo:lure"] = 1.0
                    elif context:
                        f["typo:context"] = 1.0
                if is_hosting_suffix(obs.suffix):
                    classes.insert(0, "subdomain")
                elif brand.suffix is not None and obs.suffix != brand.suffix:
                    classes.append("tld-swap")
                how = f": {edit[1]}" if edit else ""
                reason = f"'{part}' is {dist} edit(s) from '{brand.compact}'{how}"
                out.append(Candidate(i, classes, reason, f))

    # -- subdomains and path --------------------------------------------------------------------

    def _subdomains(self, obs: ObservedHost, base: dict[str, float], out: list[Candidate]) -> None:
        hosted = is_hosting_suffix(obs.suffix)
        # What the registrable part looks like decides how suspicious a brand left of it is.
        reg_tokens = tokens(obs.label)
        reg_pieces = [w for t in reg_tokens for w in segment(t)]
        reg_lure = bool(self._lure_pieces(reg_pieces, reg_tokens)[0])
        reg_tld = any(t in _TLD_TOKENS for t in obs.label.split("-"))
        n_sub = len(obs.subdomains)
        for depth, sub in enumerate(reversed(obs.subdomains), 1):
            if sub in _NEUTRAL_SUBDOMAINS:
                continue
            for reading, kind in self._readings(sub):
                compact = letters_only(reading)
                bounds = _boundaries(reading)
                for end, (bc, idxs) in self._exact.iter(compact):
                    start = end - len(bc) + 1
                    whole = start == 0 and end + 1 == len(compact)
                    aligned = start in bounds and end + 1 in bounds
                    if not aligned and (len(bc) < 5 or covered_by_word(compact, start, end + 1)):
                        continue
                    for i in idxs:
                        brand = self.brands[i]
                        f = self._features("sub", brand, obs.suffix, base)
                        f["sub:whole" if whole else "sub:aligned" if aligned else "sub:inside"] = 1
                        if reg_lure:
                            f["sub:reglure"] = 1.0
                        if reg_tld:
                            f["sub:regtld"] = 1.0
                        if depth > 1:
                            f["sub:deep"] = 1.0
                        if n_sub >= 3:
                            f["sub:many"] = 1.0
                        if kind != "raw":
                            f["look"] = 1.0
                        where = " (free DNS / hosting)" if hosted else ""
                        reason = (
                            f"brand '{brand.name}' in subdomain '{sub}' of {obs.registrable}"
                            + where
                        )
                        out.append(Candidate(i, ["subdomain"] + _look_classes(kind), reason, f))

    def _path(self, obs: ObservedHost, base: dict[str, float], out: list[Candidate]) -> None:
        path = obs.path.lower()[:512]
        compact = "".join(c for c in path if c.isalnum())
        for _end, (bc, idxs) in self._exact.iter(compact):
            if len(bc) < 5:
                continue
            for i in idxs:
                brand = self.brands[i]
                f = self._features("path", brand, obs.suffix, base)
                reason = f"brand '{brand.name}' in the URL path"
                out.append(Candidate(i, ["path"], reason, f))

    # -- features -----------------------------------------------------------------------------

    def _suffix_features(self, suffix: str) -> dict[str, float]:
        """Features of the observed suffix alone (shared by every candidate of the name)."""
        kind = suffix_kind(suffix)
        f = {f"s:{kind}": 1.0}
        if suffix.rsplit(".", 1)[-1] in self._abused:
            f["s:abused"] = 1.0
        return f

    def _features(
        self, kind: str, brand: Brand, suffix: str, base: dict[str, float]
    ) -> dict[str, float]:
        """Features every kind shares: the kind, the brand's shape, the suffix (also per kind)."""
        f = {f"{kind}:bias": 1.0}
        size = len(brand.compact)
        if size <= 3:
            f["b:short"] = 1.0
            f[f"{kind}:b:short"] = 1.0
        elif size == 4:
            f["b:four"] = 1.0
        elif size >= 8:
            f["b:long"] = 1.0
        if brand.ordinary_word:
            f["b:word"] = 1.0
            f[f"{kind}:b:word"] = 1.0
        for name in base:
            f[name] = 1.0
            f[f"{kind}:{name}"] = 1.0
        if brand.suffix is not None and suffix == brand.suffix:
            f["s:same"] = 1.0
            f[f"{kind}:s:same"] = 1.0
        return f

    def _lure_pieces(self, pieces: list[str], toks: list[str]) -> tuple[list[str], list[str]]:
        """(lure words, context words) among the pieces; two-letter words only as tokens."""
        lures: list[str] = []
        context: list[str] = []
        for w in pieces:
            if len(w) < 3 and w not in toks:
                continue
            if w in self._lures:
                lures.append(w)
            elif w in self._context:
                context.append(w)
        return lures, context


def _natural_edit(edit: tuple[str, str]) -> bool:
    """Edits a hand or an eye makes: neighbouring keys, look-alikes, doubled or dropped letters."""
    kind, words = edit
    if kind in {"omission", "repetition", "transposition", "bitsquat"}:
        return True
    if kind == "substitution":
        if "adjacent" in words:
            return True
        pair = {words[1], words[8]} if len(words) > 8 else set()
        return any(pair == set(p) for p in _VISUAL_PAIRS)
    return False


def _look_classes(kind: str) -> list[str]:
    if kind == "idn":
        return ["homoglyph", "idn"]
    if kind == "homoglyph":
        return ["homoglyph"]
    return []


def _look_words(kind: str) -> str:
    return "Unicode confusables" if kind == "idn" else "ASCII look-alike characters"
