"""Find the evidence that an observed name imitates a protected brand, as model features.

What it is for: the candidate generation half of the scorer. ``EvidenceFinder`` holds the
protected brands in two Aho-Corasick automatons (``automaton.KeyAutomaton``: the brand
letters, and the same letters folded to a look-alike canonical form), so one pass over a label
finds every brand it contains; look-alike readings and edit-distance searches only run when
they can matter.
Each piece of evidence becomes a ``Candidate``: the brand, the classes and a reason a reader
can check, and a few features (how the brand sits in the label, which words surround it,
what kind of suffix the name uses). ``linear.py`` turns the features into a probability.

Evidence kinds (the prefix of every feature name):
  label    the brand's letters are the whole label: tld-swap, hyphenation, look-alike
  contain  the brand plus other letters in the registrable label: combosquat
  typo     the label, or one of its hyphen tokens, is 1-2 edits from the brand
  sub      the brand in a label left of someone else's registrable name, including the
           brand's whole domain written at the start of the host and continued, so that the
           registrable name hides it: "examplebank.com-login.xyz" (``written.py``)
  path     the brand in the URL path

What it is not for: deciding (``score.py`` applies the model and the threshold), parsing
(``normalise.py``), folding text (``folding.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import OSA

from contrefeu.domains.automaton import KeyAutomaton
from contrefeu.domains.folding import (
    LOOKALIKE_CHARS,
    boundaries,
    canonical,
    canonical_map,
    splice,
    tokens,
    visual_fold,
)
from contrefeu.domains.keyboards import describe_edit
from contrefeu.domains.lexicon import (
    common_words,
    context_words,
    covered_by_word,
    dictionary,
    lure_words,
    segment,
)
from contrefeu.domains.normalise import ObservedHost, letters_only, skeleton
from contrefeu.domains.suffixes import abused_tlds, is_hosting_suffix, suffix_kind, suffix_words
from contrefeu.domains.written import WrittenDomainFinder

if TYPE_CHECKING:
    from contrefeu.domains.score import Brand

# Labels so common left of a registrable domain that they say nothing about the brand.
_NEUTRAL_SUBDOMAINS = frozenset({"www", "m", "mobile", "en", "fr", "de", "es", "it", "us"})
# Tokens that make a label read like a domain name ("google-com-login", "mofa-gov").
_TLD_TOKENS = frozenset({"com", "net", "org", "gov", "edu", "mil", "int"})
_VISUAL_PAIRS = ("il", "l1", "i1", "o0", "ce", "co", "uv", "gq", "nm", "ao", "ea", "mn", "bd")
_LURE_FOLD = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})


@dataclass(slots=True)
class Candidate:
    """One piece of evidence about one brand (index into the brand list)."""

    brand: int
    kind: str  # label | contain | typo | sub | path (the prefix of its own features)
    classes: list[str]
    reason: str
    features: dict[str, float]


class EvidenceFinder:
    """Every candidate of every protected brand for one observed name."""

    def __init__(self, brands: list[Brand]) -> None:
        self.brands = brands
        by_compact: dict[str, list[int]] = {}
        by_canon: dict[str, list[int]] = {}
        for i, brand in enumerate(brands):
            if len(brand.compact) < 2:
                continue  # one letter is everywhere: only its run-together alias is searched
            by_compact.setdefault(brand.compact, []).append(i)
            by_canon.setdefault(canonical(brand.compact), []).append(i)
        # No keys at all (every brand one letter) is a valid automaton that finds nothing.
        self._exact = KeyAutomaton({key: tuple(idxs) for key, idxs in by_compact.items()})
        self._canon = KeyAutomaton({key: tuple(idxs) for key, idxs in by_canon.items()})
        self._alias = KeyAutomaton({key: tuple(e) for key, e in _aliases(brands).items()})
        self._has_alias = len(self._alias) > 0
        # Only brands of 4+ letters take part in typo search; the model weighs the rest.
        # Bucketed by the length a typo of each brand can have, so that a label is only
        # compared with the few brands of about its own length.
        self._typo_by_length: dict[int, dict[int, str]] = {}
        for i, b in enumerate(brands):
            size = len(b.compact)
            if size < 4:
                continue
            reach = 2 if size >= 6 else 1
            for n in range(size - reach, size + reach + 1):
                self._typo_by_length.setdefault(n, {})[i] = b.compact
        self._written = WrittenDomainFinder(brands)
        self._suffix_cache: dict[str, dict[str, float]] = {}
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
        if found and obs.subdomains and self._lure_in(obs.subdomains):
            # "login.brand-docs.com": a lure word left of the registrable name.
            for c in found:
                c.features["lure-left"] = 1.0
                c.features[f"{c.kind}:lure-left"] = 1.0
        return found

    # -- readings -----------------------------------------------------------------------------

    def _readings(self, label: str) -> list[tuple[str, str]]:
        """The label as written plus its confusable and look-alike readings, with their kind.

        A look-alike reading replaces only the stretch that folds to a brand ("twiiio" ->
        "twilio", "rnicrosoft-login" -> "microsoft-login"), so the words around it stay.
        """
        readings = [(label, "raw")]
        base = label
        idn = False
        if not label.isascii():
            base = skeleton(label)
            if base == label or not base.isascii():
                return readings
            readings.append((base, "idn"))
            idn = True
        if LOOKALIKE_CHARS.isdisjoint(base):
            return readings
        compact = letters_only(base)
        if not self._canon.contains(canonical(compact)):
            return readings  # nothing folds to a brand: the common case
        folded, where = canonical_map(compact)
        seen = {r for r, _ in readings}
        for start, end, idxs in self._canon.matches(folded):
            a, b = where[start], where[end]
            original = compact[a:b]
            for i in idxs:
                letters = self.brands[i].compact
                if original == letters:
                    continue  # written as is: the raw reading has it
                reading = splice(base, a, b, letters)
                if reading in seen:
                    continue
                seen.add(reading)
                if idn:
                    kind = "idn"
                elif any(c.isdigit() for c in original):
                    kind = "homoglyph"
                else:
                    kind = "letters"
                readings.append((reading, kind))
        return readings

    # -- registrable label --------------------------------------------------------------------

    def _registrable(self, obs: ObservedHost, base: dict[str, float], out: list[Candidate]) -> None:
        for reading, kind in self._readings(obs.label):
            compact = letters_only(reading)
            for start, end, idxs in self._exact.matches(compact):
                for i in idxs:
                    if start == 0 and end == len(compact):
                        self._whole_label(obs, reading, kind, i, base, out)
                    else:
                        self._contained(obs, reading, compact, start, end, kind, i, base, out)
            if (kind == "raw" and reading.isascii()) or kind == "idn":
                self._typos(obs, reading, compact, kind, base, out)
            if kind == "raw" and self._has_alias:
                for start, end, entries in self._alias.matches(compact):
                    for i, alias in entries:
                        self._contained(
                            obs, reading, compact, start, end, kind, i, base, out, alias
                        )

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
            f[f"look:{kind}"] = 1.0
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
        out.append(Candidate(i, "label", classes, "; ".join(reasons), f))

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
        alias: str | None = None,
    ) -> None:
        brand = self.brands[i]
        bounds = boundaries(reading)
        aligned = start in bounds and end in bounds
        if end - start <= 3 and not aligned:
            return  # "att" inside "attack" is no evidence
        if not aligned and covered_by_word(compact, start, end):
            return  # "intel" inside "intelligence"
        toks = tokens(reading)
        rest = [p for p in (compact[:start], compact[end:]) if p]
        pieces = [w for p in rest for w in _words_of(p)]
        lures, context = self._lure_pieces(pieces, toks)
        f = self._features("contain", brand, obs.suffix, base)
        if alias is not None:
            f[f"contain:alias:{alias}"] = 1.0
        if aligned:
            f["contain:aligned"] = 1.0
        f[
            "contain:prefix"
            if start == 0
            else "contain:suffix"
            if end == len(compact)
            else "contain:middle"
        ] = 1.0
        if lures:
            f["contain:lure"] = 1.0
        elif context:
            f["contain:context"] = 1.0
        elif not pieces:
            pass  # an alias that is the whole label
        elif all(p.isdigit() for p in pieces):
            f["contain:digits"] = 1.0
        elif all(p in self._words or p.isdigit() for p in pieces):
            f["contain:words"] = 1.0
        else:
            f["contain:unknown"] = 1.0
        extra = len(compact) - (end - start)
        f["contain:extra"] = min(extra, 20) / 10
        if extra <= 2 and pieces and not any(p.isdigit() for p in pieces):
            f["contain:few"] = 1.0  # "youtubes", "brandx": a slip more than a second word
        if any(t in _TLD_TOKENS for t in toks):
            f["contain:tldword"] = 1.0
        if kind != "raw":
            f["look"] = 1.0
            f[f"look:{kind}"] = 1.0
        classes = ["combosquat"] + _look_classes(kind)
        if is_hosting_suffix(obs.suffix):
            classes = ["subdomain"] + classes
        elif brand.suffix is not None and obs.suffix != brand.suffix:
            classes.append("tld-swap")
        shown = lures or context
        words = f" with lure words {', '.join(shown[:4])}" if shown else ""
        shown_brand = f"brand '{brand.name}'"
        if alias == "tld":
            shown_brand = f"brand '{brand.target}' run together as '{compact[start:end]}'"
        reason = f"{shown_brand} inside '{obs.label}'{words}"
        if kind != "raw":
            reason += f" ({_look_words(kind)})"
        out.append(Candidate(i, "contain", classes, reason, f))

    def _typos(
        self,
        obs: ObservedHost,
        reading: str,
        compact: str,
        kind: str,
        base: dict[str, float],
        out: list[Candidate],
    ) -> None:
        by_length = self._typo_by_length
        # Whole label first, then each hyphen-separated token (typo-combo: "accounts-googlc").
        parts = [compact] if len(compact) in by_length else []
        if "-" in reading:
            parts.extend(t for t in reading.split("-") if len(t) in by_length and t != compact)
        for part in parts:
            if len(part) < 4:
                continue
            on_token = part is not compact
            for _, dist, i in process.extract(
                part, by_length[len(part)], scorer=OSA.distance, score_cutoff=2, limit=3
            ):
                brand = self.brands[i]
                size = len(brand.compact)
                if dist == 0 or part in brand.compact:
                    continue  # exact, or a piece of the brand: the other kinds handle it
                if canonical(part) == canonical(brand.compact):
                    continue  # "examp1ebank": a look-alike, which the readings report
                if dist == 2 and size < 6:
                    continue  # two edits leave too little of a short brand
                edit = describe_edit(part, brand.compact)
                natural = edit is not None and _natural_edit(edit)
                f = self._features("typo", brand, obs.suffix, base)
                f["typo:dist2" if dist == 2 else "typo:dist1"] = 1.0
                f["typo:rel"] = dist / size
                if part[0] != brand.compact[0]:
                    # Readers anchor on the first letter: a slip there rarely fools anyone,
                    # and unrelated names ("pcloud", "bitrix") differ there most often.
                    f["typo:first"] = 1.0
                if brand.compact in part:
                    if not part.replace(brand.compact, "", 1).isalpha():
                        continue  # "brand1": digits added are a combosquat, not a slip
                    f["typo:added"] = 1.0  # "youtubee": the brand with letters added
                if natural:
                    f["typo:natural"] = 1.0
                if part in self._common:
                    f["typo:common"] = 1.0  # "never" is a word before it is a typo of "naver"
                elif part in self._words:
                    f["typo:word"] = 1.0
                elif self._is_compound(part):
                    f["typo:compound"] = 1.0  # "exitgames": real words, not a slip
                seen = OSA.distance(visual_fold(part), visual_fold(brand.compact))
                if seen < dist:
                    f["typo:visual"] = float(dist - seen)  # "sharcpointe": c/e, i/l look alike
                classes = ["typo"]
                if edit and edit[0] == "bitsquat":
                    classes = ["bitsquat"]
                    f["typo:bitflip"] = 1.0
                classes += _look_classes(kind)
                if kind != "raw":
                    f["look"] = 1.0
                    f[f"look:{kind}"] = 1.0
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
                out.append(Candidate(i, "typo", classes, reason, f))

    # -- subdomains and path --------------------------------------------------------------------

    def _subdomains(self, obs: ObservedHost, base: dict[str, float], out: list[Candidate]) -> None:
        hosted = is_hosting_suffix(obs.suffix)
        # What the registrable part looks like decides how suspicious a brand left of it is.
        reg_tokens = tokens(obs.label)
        reg_pieces = [w for t in reg_tokens for w in segment(t)]
        reg_lure = bool(self._lure_pieces(reg_pieces, reg_tokens)[0])
        reg_tld = any(t in _TLD_TOKENS for t in obs.label.split("-"))
        n_sub = len(obs.subdomains)
        # A country or generic TLD as a label on the left: "google.com.evil.xyz".
        tld_left = any(s in _TLD_TOKENS or s in {"co", "ne", "go", "or"} for s in obs.subdomains)
        shared = {"sub:reglure": reg_lure, "sub:regtld": reg_tld, "sub:tldleft": tld_left}
        shared["sub:many"] = n_sub >= 3
        # The brand's whole domain written on the left explains every other sighting of the
        # brand in the subdomains, with more precise features: those brands are not repeated.
        written = self._written_domains(obs, base, shared, out)
        for depth, sub in enumerate(reversed(obs.subdomains), 1):
            if sub in _NEUTRAL_SUBDOMAINS:
                continue
            for reading, kind in self._readings(sub):
                compact = letters_only(reading)
                bounds = boundaries(reading)
                for start, end, idxs in self._exact.matches(compact):
                    whole = start == 0 and end == len(compact)
                    aligned = start in bounds and end in bounds
                    if not aligned and (end - start < 5 or covered_by_word(compact, start, end)):
                        continue
                    for i in idxs:
                        if i in written:
                            continue
                        brand = self.brands[i]
                        f = self._features("sub", brand, obs.suffix, base)
                        f["sub:whole" if whole else "sub:aligned" if aligned else "sub:inside"] = 1
                        if reg_lure:
                            f["sub:reglure"] = 1.0
                        if reg_tld:
                            f["sub:regtld"] = 1.0
                        if tld_left:
                            f["sub:tldleft"] = 1.0
                        after = obs.subdomains[n_sub - depth + 1 :]
                        if brand.suffix and ".".join(after[: brand.suffix.count(".") + 1]) == (
                            brand.suffix
                        ):
                            f["sub:fulldomain"] = 1.0  # "brand.com.verify-login.net"
                        if depth > 1:
                            f["sub:deep"] = 1.0
                        if n_sub >= 3:
                            f["sub:many"] = 1.0
                        if kind != "raw":
                            f["look"] = 1.0
                            f[f"look:{kind}"] = 1.0
                        where = " (free DNS / hosting)" if hosted else ""
                        reason = (
                            f"brand '{brand.name}' in subdomain '{sub}' of {obs.registrable}"
                            + where
                        )
                        out.append(
                            Candidate(i, "sub", ["subdomain"] + _look_classes(kind), reason, f)
                        )

    def _written_domains(
        self,
        obs: ObservedHost,
        base: dict[str, float],
        shared: dict[str, bool],
        out: list[Candidate],
    ) -> set[int]:
        """Subdomain evidence for a brand's whole domain written at the start of the host.

        "examplebank.com-login.xyz", "ab.fr-secure.top", "examplebank.com.verify.net": the
        features are those of any brand left of someone else's name, plus ``sub:fulldomain``
        (the whole domain is written) and ``sub:cross`` (its suffix runs into the registrable
        label, so the registrable name itself hides the brand). How the suffix is continued
        (hyphen, dot, letters run together) is in the reason only: no development name
        continues it with letters, so a weight for that could not be fitted.
        """
        brands: set[int] = set()
        for w in self._written.find(obs):
            brands.add(w.brand)
            brand = self.brands[w.brand]
            f = self._features("sub", brand, obs.suffix, base)
            # The brand's name fills its label unless a hyphenated word comes first.
            f["sub:aligned" if w.start == "hyphen" else "sub:whole"] = 1.0
            f.update((name, 1.0) for name, on in shared.items() if on)
            f["sub:fulldomain"] = 1.0
            if w.crosses:
                f["sub:cross"] = 1.0
            if w.depth > 1:
                f["sub:deep"] = 1.0
            if w.look != "raw":
                f["look"] = 1.0
                f[f"look:{w.look}"] = 1.0
            pieces = [p for t in w.rest for p in (segment(t) if t.isalpha() else (t,))]
            shown = [p for group in self._lure_pieces(pieces, list(w.rest)) for p in group]
            words = f", with lure words {', '.join(shown[:4])}" if shown else ""
            where = "at the start of the host" if w.start == "host" else "inside the host"
            if w.look in {"homoglyph", "letters"}:
                where += f" as '{w.written}'"
            if w.follows:
                how = f"and continued with '{w.follows}'"
                if w.crosses:
                    how += f", so that the registrable domain is {obs.registrable}"
            elif w.crosses:
                how = f"so that the registrable domain is {obs.registrable}"
            else:
                how = f"as subdomains of {obs.registrable}"
            hosted = " (free DNS / hosting)" if is_hosting_suffix(obs.suffix) else ""
            reason = f"brand domain '{brand.target}' written {where} {how}{words}{hosted}"
            if w.look != "raw":
                reason += f" ({_look_words(w.look)})"
            classes = ["subdomain"] + _look_classes(w.look)
            out.append(Candidate(w.brand, "sub", classes, reason, f))
        return brands

    def _path(self, obs: ObservedHost, base: dict[str, float], out: list[Candidate]) -> None:
        path = obs.path.lower()[:512]
        compact = "".join(c for c in path if c.isalnum())
        for start, end, idxs in self._exact.matches(compact):
            if end - start < 5:
                continue
            for i in idxs:
                brand = self.brands[i]
                f = self._features("path", brand, obs.suffix, base)
                reason = f"brand '{brand.name}' in the URL path"
                out.append(Candidate(i, "path", ["path"], reason, f))

    # -- features -----------------------------------------------------------------------------

    def _suffix_features(self, suffix: str) -> dict[str, float]:
        """Features of the observed suffix alone (shared by every candidate of the name)."""
        f = self._suffix_cache.get(suffix)
        if f is None:
            f = {f"s:{suffix_kind(suffix)}": 1.0}
            if suffix.rsplit(".", 1)[-1] in self._abused:
                f["s:abused"] = 1.0
            if len(self._suffix_cache) > 65536:
                self._suffix_cache.clear()
            self._suffix_cache[suffix] = f
        return f

    def _features(
        self, kind: str, brand: Brand, suffix: str, base: dict[str, float]
    ) -> dict[str, float]:
        """Features every kind shares: the kind, the brand's shape, the suffix (also per kind)."""
        f = {f"{kind}:bias": 1.0}
        size = len(brand.compact)
        f["b:len"] = (min(size, 14) - 6) / 4
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

    def _is_compound(self, part: str) -> bool:
        """True when the letters split into known words of 3+ letters ("exit" + "games")."""
        pieces = segment(part)
        return len(pieces) >= 2 and all(len(p) >= 3 and p in self._words for p in pieces)

    def _lure_in(self, labels: tuple[str, ...]) -> bool:
        """True when a lure word is one of the labels or of their tokens or segments."""
        for label in labels:
            toks = tokens(label)
            pieces = [w for t in toks for w in segment(t)] if len(label) <= 40 else toks
            if self._lure_pieces(pieces, toks)[0]:
                return True
        return False

    def _lure_pieces(self, pieces: list[str], toks: list[str]) -> tuple[list[str], list[str]]:
        """(lure words, context words) among the pieces; two-letter words only as tokens."""
        lures: list[str] = []
        context: list[str] = []
        for w in pieces:
            if len(w) < 3 and w not in toks:
                continue
            if not w.isalpha() and not w.isdigit():
                w = w.translate(_LURE_FOLD)  # "l0gin", "acc0unt": a look-alike lure is a lure
            elif "q" in w and w not in self._words:
                w = w.replace("q", "g")  # "loqin"
            if w in self._lures:
                lures.append(w)
            elif w in self._context:
                context.append(w)
        return lures, context


def _words_of(text: str) -> tuple[str, ...]:
    """``segment``, reading look-alike digits inside letters as letters ("l0gin" -> login)."""
    if not text.isalnum() or text.isalpha() or text.isdigit():
        return segment(text)
    folded = text.translate(_LURE_FOLD)
    return segment(folded) if folded.isalpha() else segment(text)


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
    if kind in {"homoglyph", "letters"}:
        return ["homoglyph"]
    return []


def _look_words(kind: str) -> str:
    return "Unicode confusables" if kind == "idn" else "ASCII look-alike characters"


def _aliases(brands: list[Brand]) -> dict[str, list[tuple[int, str]]]:
    """Other spellings of a brand that attackers use, by letters.

    tld   a short brand run together with its own suffix ("osf.am" -> "osfam", "x.com" ->
          "xcom"): alone, three letters are too common to count, with the suffix they are not.
    """
    out: dict[str, list[tuple[int, str]]] = {}
    taken = {b.compact for b in brands}
    for i, b in enumerate(brands):
        if b.suffix and len(b.compact) <= 4:
            key = b.compact + b.suffix.replace(".", "")
            if key not in taken:
                out.setdefault(key, []).append((i, "tld"))
    return out
