"""Sensitivity triage of one item's text: what in it is sensitive, how badly, and where.

`triage_text` finds personal data (email addresses, phone numbers, French NIR and a few other
national identity numbers, postal addresses, dates of birth), financial data (IBAN, BIC, card
numbers, amounts, VAT numbers), credentials (passwords written in the text, PEM private keys,
API tokens) and the content categories a campaign cares about (keyword rules in French and
English). Each find is a `Span` with character offsets; the item's level is the highest span
severity after escalation. The rules are data files in `triage_rules/`, documented in
docs/triage.md.

It is a pure function of the text (it runs in worker processes) and never raises on hostile
input. It does not extract text from documents, and it keeps no secret: a password or token
appears only as a masked preview and the SHA-256 of its value.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import phonenumbers
from stdnum import bic, iban, luhn
from stdnum.be import nn as be_nn
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.eu import vat as eu_vat
from stdnum.fr import nir as fr_nir
from stdnum.it import codicefiscale as it_cf

LEVELS: tuple[str, ...] = ("none", "low", "medium", "high", "critical")
RANK: dict[str, int] = {name: i for i, name in enumerate(LEVELS)}
# A hostile text could hold millions of candidates; past this many of one family the item is
# already as bad as it gets, so detection of that family stops (documented limit).
MAX_PER_FAMILY = 5000
_PREVIEW_CHARS = 80


@dataclass(frozen=True)
class Span:
    """One sensitive thing in the text, at `text[start:end]`."""

    start: int
    end: int
    kind: str
    category: str
    severity: str
    value_preview: str  # safe to show a reviewer: secrets and card-like numbers are masked


@dataclass(frozen=True)
class Secret:
    """A credential found in the text: only the SHA-256 of its value is kept."""

    kind: str
    secret_sha256: str
    start: int
    end: int


@dataclass(frozen=True)
class Triage:
    """The verdict of the triage on one text: a level, its categories and the evidence."""

    level: str
    categories: list[str]
    spans: list[Span]
    secrets: list[Secret]

    def to_export(self) -> dict[str, Any]:
        """The `sensitivity` field of the export contract."""
        return {"level": self.level, "categories": list(self.categories)}


# --------------------------------------------------------------------------- text folding

_NBSP = "\u00a0\u2007\u202f"


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Lower-case, accent-free, one character for one, so folded offsets are text offsets."""
    table: dict[int, str] = {}
    for cp in range(0x250):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        low = base.lower() if len(base) == 1 else ch.lower()
        if len(low) == 1 and low != ch:
            table[cp] = low
    for ch in "\u2018\u2019\u02bc\u00b4":
        table[ord(ch)] = "'"
    for ch in _NBSP:
        table[ord(ch)] = " "
    for ch in "\u2010\u2011":
        table[ord(ch)] = "-"
    return table


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


def fold(text: str) -> str:
    """`text` case- and accent-folded with the same length (so spans map back one to one)."""
    low = text.lower()  # C speed; only a few characters (U+0130) lower to two
    if text.isascii():
        return low
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    table = _fold_table()
    return _NON_ASCII_RE.sub(lambda m: m.group().translate(table), low)


def _trie_regex(phrases: Sequence[str]) -> str:
    """One regex for many folded phrases, factored as a trie: ten times faster than a flat
    alternation in Python's engine. A space matches any whitespace run, a final `*` any word
    ending; longer phrases win (greedy optional tails)."""
    trie: dict[str, Any] = {}
    for phrase in phrases:
        star = phrase.endswith("*")
        node = trie
        for ch in " ".join(fold(phrase.rstrip("*")).split()) + ("*" if star else ""):
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = []
        for ch in sorted(k for k in node if k):
            atom = r"\s+" if ch == " " else r"\w*" if ch == "*" else re.escape(ch)
            alts.append(atom + build(node[ch]))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


# End of a word, and not before an English contraction ("don't" is not "don").
_WORD_END = r"(?!\w|'[a-z]{1,2}(?!\w))"


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class TokenRule:
    name: str
    pattern: re.Pattern[str]
    prefix_chars: int
    severity: str
    hints: tuple[str, ...]  # the rule runs only when one of these substrings occurs


@dataclass
class TriageRules:
    """The compiled rules of `triage_rules/` (or of a folder with the same three files)."""

    kinds: dict[str, tuple[str, str]]  # kind -> (category, severity)
    keyword_re: re.Pattern[str]
    keyword_category: dict[str, str]  # normalised folded keyword -> category
    keyword_stems: list[tuple[str, str]]  # (folded stem, category) for `word*` keywords
    content_categories: tuple[str, ...]
    tokens: list[TokenRule]
    generic_re: re.Pattern[str]
    generic_hints: tuple[str, ...]
    generic_min_entropy: float
    generic_min_digits: int
    generic_severity: str
    password_re: re.Pattern[str]
    password_verb_re: re.Pattern[str]
    password_hints: tuple[str, ...]
    not_passwords: frozenset[str]
    category_medium: int
    personal_data_medium: int
    personal_data_high: int
    source: str = field(default="")


def _read_toml(folder: Path | None, name: str) -> dict[str, Any]:
    if folder is not None:
        return tomllib.loads((folder / name).read_text(encoding="utf-8"))
    ref = resources.files("contrefeu.leak").joinpath("triage_rules", name)
    return tomllib.loads(ref.read_text(encoding="utf-8"))


def load_rules(folder: Path | None = None) -> TriageRules:
    """Compile the rule files (`keywords.toml`, `secrets.toml`, `levels.toml`) of `folder`,
    or the bundled ones. Raises `tomllib.TOMLDecodeError`, `KeyError` or `re.error` on a
    broken rule file: rules are the operator's input, not evidence."""
    keywords = _read_toml(folder, "keywords.toml")
    secrets = _read_toml(folder, "secrets.toml")
    levels = _read_toml(folder, "levels.toml")

    keyword_category: dict[str, str] = {}
    stems: list[tuple[str, str]] = []
    phrases: list[str] = []
    for category, spec in keywords["categories"].items():
        for phrase in [*spec.get("fr", []), *spec.get("en", [])]:
            key = " ".join(fold(phrase.rstrip("*")).split())
            if phrase.endswith("*"):
                stems.append((key, category))
            elif key not in keyword_category:  # the first category that lists it wins
                keyword_category[key] = category
            phrases.append(phrase)
    # No leading look-behind: it would stop the engine's fast first-character scan; the start
    # boundary is checked on each match instead.
    keyword_re = re.compile("(?:" + _trie_regex(phrases) + ")" + _WORD_END)

    pw = secrets["passwords"]
    labels = _trie_regex(pw["labels"])
    seps = "|".join(re.escape(s) for s in sorted(pw["separators"], key=len, reverse=True))
    # Label, an optional "(gmail)"-style note, a separator, then the value on this line or
    # the next. Matched on folded text; the value is read from the same offsets.
    password_re = re.compile(
        "(?:" + labels + r")(?:[ \t]*\([^)\n]{0,30}\))?[ \t]*(?:" + seps + r")"
        r"[ \t]*(?:\r?\n[ \t]*)?(?P<value>\S{1,200})"
    )
    password_verb_re = re.compile(
        "(?:" + _trie_regex(pw["verb_labels"]) + r")[ \t]+(?:"
        + _trie_regex(pw["verbs"]) + r")[ \t]*:?[ \t]*(?P<value>\S{1,200})"
    )  # fmt: skip

    tokens = [
        TokenRule(
            t["name"],
            re.compile(t["pattern"]),
            int(t["prefix_chars"]),
            t["severity"],
            tuple(t.get("hints", ())),
        )
        for t in secrets["tokens"]
    ]
    generic = secrets["generic"]
    kinds = {k: (v["category"], v["severity"]) for k, v in levels["kinds"].items()}
    esc = levels["escalation"]
    return TriageRules(
        kinds=kinds,
        keyword_re=keyword_re,
        keyword_category=keyword_category,
        keyword_stems=stems,
        content_categories=tuple(keywords["categories"]),
        tokens=tokens,
        generic_re=re.compile(generic["pattern"]),
        generic_hints=tuple(generic.get("hints", ())),
        generic_min_entropy=float(generic["min_entropy"]),
        generic_min_digits=int(generic["min_digits"]),
        generic_severity=generic["severity"],
        password_re=password_re,
        password_verb_re=password_verb_re,
        # A label's longest word must occur for the label to occur: a cheap first test.
        password_hints=tuple({max(fold(lb).split(), key=len) for lb in pw["labels"]}),
        not_passwords=frozenset(" ".join(fold(w).split()) for w in pw["not_passwords"]),
        category_medium=int(esc["category_medium"]),
        personal_data_medium=int(esc["personal_data_medium"]),
        personal_data_high=int(esc["personal_data_high"]),
        source=str(folder) if folder else "bundled",
    )


@lru_cache(maxsize=1)
def default_rules() -> TriageRules:
    """The bundled rules, compiled once per process."""
    return load_rules()


# --------------------------------------------------------------------------- patterns
#
# Python's engine scans about 30 ns per character for a pattern that starts with a character
# class or a look-behind, and much faster for one that starts with a literal. So: families
# of numbers run only inside "dense runs" (digits and capitals) found by one pass; label-led
# families run after a literal label; the rest start with literals or check the start
# boundary in Python.

_SEP = r"[ \u00a0\u202f]"
# A dense run: digits, capitals and number separators, holding enough digits to be a phone,
# NIR, IBAN, card or identity number; every number family below runs only inside one.
_DENSE_RUN_RE = re.compile(r"[0-9A-Z+(][0-9A-Z \t\u00a0\u202f.\-/()]{6,}")
_DENSE_MIN_DIGITS = 6
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_EMAIL_DOMAIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}\.){1,8}[A-Za-z]{2,24}(?![\w\-])")
_PHONE_REGION_RE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d \t\u00a0\u202f().\-/]{6,}")
_NIR_RE = re.compile(
    r"(?<![\w])[1-478](?:[ .\u00a0]?\d{2}){2}[ .\u00a0]?(?:\d{2}|2[ABab])"
    r"(?:[ .\u00a0]?\d{3}){2}[ .\u00a0]?\d{2}(?![\w])"
)
_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:" + _SEP + r"?[A-Z0-9]){11,30}(?![A-Za-z0-9])"
)
_CARD_RE = re.compile(r"(?<![\w\-.,])\d(?:[ \-]?\d){12,18}(?![\w\-]|[.,]\d)")
_CARD_IIN_RE = re.compile(
    r"4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|3(?:0[0-5]|[689])|35"
    r"|6(?:011|5|4[4-9]|2)"
)
_CARD_GROUPS_RE = re.compile(
    r"\d{4}(?:([ \-])\d{4}(?:\1\d{4}(?:\1\d{1,7})?)?)?|\d{4}([ \-])\d{6}\2\d{4,5}"
)
_NATIONAL_IDS: tuple[tuple[str, re.Pattern[str], Callable[[str], bool]], ...] = (
    (
        "be-nn",
        re.compile(r"(?<![\w.\-])\d{2}\.?\d{2}\.?\d{2}[\-. ]?\d{3}\.?\d{2}(?![\w\-]|[.,]\d)"),
        be_nn.is_valid,
    ),
    ("es-dni", re.compile(r"(?<![\w\-])\d{8}-?[A-Z](?![\w\-])"), es_dni.is_valid),
    ("es-nie", re.compile(r"(?<![\w\-])[XYZ]-?\d{7}-?[A-Z](?![\w\-])"), es_nie.is_valid),
    (
        "it-cf",
        re.compile(
            r"(?<![\w])[A-Z]{6}[0-9LMNP-V]{2}[A-EHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]"
            r"(?![\w])"
        ),
        it_cf.is_valid,
    ),
)
# A bare 11-digit run passes the Belgian check 1 time in 97: ask for its usual punctuation or
# a label nearby.
_BE_NN_CONTEXT_RE = re.compile(
    r"\b(?:registre national|rijksregister\w*|numero national|national number|niss|insz|nn)\b"
)
_BE_NN_PUNCTUATED_RE = re.compile(r"\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}")
# BIC and VAT numbers look like ordinary capitals and digits: only after their label.
_BIC_LABEL_RE = re.compile(r"(?:bic|swift)(?![a-z])")
_BIC_AFTER_LABEL_RE = re.compile(  # right after the label: "BIC : BNPAFRPPXXX", "SWIFT/BIC BNPA..."
    r"(?:[ \t:=/\-]|code|bic)*(?P<bic>[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Za-z0-9])"
)
_VAT_LABEL_RE = re.compile(r"(?:tva|vat|ust|iva|btw|intracom)")
_VAT_RE = re.compile(
    r"(?<![\w])(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI"
    r"|SK)" + _SEP + r"?[0-9A-Z](?:[ .\u00a0]?[0-9A-Z]){7,13}(?![\w])"
)
_CURRENCY_HINTS = ("€", "EUR", "uro", "£", "$", "USD", "GBP", "ollar")
_AMOUNT_RE = re.compile(
    r"(?<![\w.,])(?:(?:€|EUR|£|\$|USD|GBP)" + _SEP + r"?\d{1,3}(?:[ \u00a0\u202f.,']?\d{3})*"
    r"(?:[.,]\d{1,2})?|\d{1,3}(?:[ \u00a0\u202f.,']?\d{3})*(?:[.,]\d{1,2})?" + _SEP + r"?"
    r"(?:€|EUR\b|[Ee]uros?\b|k€|M€|£|GBP\b|USD\b|\$|[Dd]ollars?\b))"
)
_PEM_BEGIN_RE = re.compile(r"-----BEGIN (?P<label>[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?)-----")
_PEM_BODY_RE = re.compile(r"(?:\r?\n(?!-----)[ \t]*[A-Za-z0-9+/=:,\- \t]*[A-Za-z0-9+/=:,\-])*")

_STREET_FR = (
    r"rue|avenue|av\.|bd|boulevard|place|pl\.|all[ée]e|chemin|impasse|quai|route|rte|cours"
    r"|square|passage|villa|faubourg|fbg|voie|sentier|esplanade|promenade|parvis|rond-point"
    r"|cit[ée]|r[ée]sidence|hameau|lieu-dit|mont[ée]e|traverse|domaine|lotissement|zac|za|zi"
)
_CITY = r"[A-ZÀ-ÖØ-Þ][\w'’\-]*(?:[ \-][A-ZÀ-ÖØ-Þ][\w'’\-]*){0,3}"
# Both address patterns start with the house number's digit (then check what precedes it),
# so that the engine's first-character scan applies.
_ADDRESS_FR_RE = re.compile(
    r"\d(?<![\w,.]\d)\d{0,3}(?:[ ]?(?i:bis|ter|quater|[a-d]))?,?[ \t]+(?i:" + _STREET_FR + r")\b"
    r"[^\n]{2,60}?[, \t]*(?:\r?\n[ \t]*)?(?:(?i:bp|cs|tsa)[ \t]?\d{1,6}[, \t]*(?:\r?\n[ \t]*)?)?"
    r"(?<!\d)(?:0[1-9]|[1-8]\d|9[0-8])[ ]?\d{3}[ \t]+" + _CITY
    + r"(?:[ \t]+(?i:cedex)(?:[ \t]+\d{1,2})?)?"
)  # fmt: skip
_STREET_EN = (
    r"street|st\.?|road|rd\.?|avenue|ave\.?|lane|ln\.?|drive|dr\.?|boulevard|blvd\.?|way|court"
    r"|ct\.?|place|pl\.?|square|sq\.?|terrace|close|crescent|gardens|row|mews|parkway|highway"
)
_ADDRESS_EN_RE = re.compile(
    r"\d(?<![\w,.]\d)\d{0,4}[A-Za-z]?[ \t]+(?:[A-Z][\w'’.\-]*[ \t]+){1,4}(?i:" + _STREET_EN + r")"
    r"(?![\w])[^\n]{0,60}?(?:(?<![\w])[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}"
    r"|,?[ \t]*(?<![\w])[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?)(?![\w])"
)
_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "decembre": 12, "january": 1, "jan": 1, "february": 2,
    "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6,
    "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DOB_RE = re.compile(  # on folded text; the start boundary is checked in Python
    r"(?:ne\(e\)|nee?|date\s+de\s+naissance|ddn|born|date\s+of\s+birth|birth\s*date"
    r"|d\.?o\.?b\.?)(?!\w)[ \t]*(?:a\s+[^\n,:]{1,40}?\s+)?(?:le|on|:|,)?[ \t]*"
    r"(?P<date>(?P<d1>\d{1,2})[/.\-](?P<m1>\d{1,2})[/.\-](?P<y1>(?:19|20)?\d{2})"
    r"|(?P<y2>(?:19|20)\d{2})-(?P<m2>\d{2})-(?P<d2>\d{2})"
    r"|(?P<d3>\d{1,2})(?:er|st|nd|rd|th)?\s+(?P<m3>" + _MONTH + r"),?\s+(?P<y3>(?:19|20)\d{2})"
    r"|(?P<m4>" + _MONTH + r")\s+(?P<d4>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y4>(?:19|20)\d{2}))"
    r"(?![\w])"
)
# Zones where the organisation's own addresses are expected (a signature block, a quoted reply
# header); matched on folded text.
_SIGNATURE_RE = re.compile(
    r"(?m)^[ \t>]*(?:--[ \t]*|_{3,}[ \t]*|(?:bien |tres |tres bien |bien a vous,? )?cordialement"
    r"|bien a vous|amities|amicalement|bises|bonne (?:journee|soiree)|(?:best|kind|warm)? ?regards"
    r"|best|cheers|thanks|thank you|merci|sincerely|yours sincerely|envoye de mon|sent from my)"
    r"\b[^\n]{0,60}$"
)
_QUOTED_HEADER_RE = re.compile(
    r"(?m)^[ \t>]*(?:(?:de|from|a|to|cc|cci|bcc|envoye|sent|date|objet|subject|reply-to"
    r"|repondre a)[ \t]*:[^\n]*|(?:le|on)\b[^\n]{0,200}(?:a ecrit|wrote)[ \t]*:)"
)
_SIGNATURE_LINES = 10


# --------------------------------------------------------------------------- helpers


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _PREVIEW_CHARS else flat[: _PREVIEW_CHARS - 1] + "…"


def _mask_tail(value: str, keep: int) -> str:
    compact = re.sub(r"\W", "", value)
    return "*" * max(len(compact) - keep, 0) + compact[-keep:] if keep else "*" * len(compact)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _limited(matches: Iterator[re.Match[str]]) -> Iterator[re.Match[str]]:
    for i, m in enumerate(matches):
        if i >= MAX_PER_FAMILY:
            return
        yield m


@dataclass
class _Find:
    """A candidate span before overlap resolution and escalation."""

    start: int
    end: int
    kind: str
    category: str
    severity: str
    preview: str
    rank: int  # overlap priority: lower wins
    counted: bool = True  # counts towards the personal-data escalation
    value: str = ""  # normalised value, for distinct counts
    secret: Secret | None = None


# Overlap priority (lower wins): a phone number inside an IBAN is part of the IBAN.
_RANK = {
    "private-key": 0, "api-token": 1, "password": 2, "card": 3, "iban": 4, "nir": 5,
    "national-id": 6, "vat-number": 7, "bic": 8, "amount": 9, "date-of-birth": 10,
    "email": 11, "postal-address": 12, "phone": 13, "keyword": 14,
}  # fmt: skip


class _Collector:
    """Builds `_Find`s with the category and severity the rules give each kind."""

    def __init__(self, rules: TriageRules) -> None:
        self.rules = rules
        self.finds: list[_Find] = []

    def add(self, start: int, end: int, kind: str, preview: str, **kw: Any) -> None:
        family = kind.split(":", 1)[0]
        category, severity = self.rules.kinds.get(family, ("personal-data", "low"))
        kw.setdefault("value", preview)
        self.finds.append(
            _Find(start, end, kind, kw.pop("category", category),
                  kw.pop("severity", severity), _preview(preview), _RANK[family], **kw)
        )  # fmt: skip


# --------------------------------------------------------------------------- detectors


def _word_start(text: str, i: int) -> bool:
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")


def _zones(folded: str) -> list[tuple[int, int]]:
    """Signature blocks and quoted reply headers, as sorted disjoint (start, end) intervals."""
    zones: list[tuple[int, int]] = []
    for m in _limited(_SIGNATURE_RE.finditer(folded)):
        end = m.end()
        for _ in range(_SIGNATURE_LINES):
            nxt = folded.find("\n", end + 1)
            if nxt < 0:
                end = len(folded)
                break
            end = nxt
        zones.append((m.start(), end))
    zones.extend((m.start(), m.end()) for m in _limited(_QUOTED_HEADER_RE.finditer(folded)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(zones):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _in_zones(zones: list[tuple[int, int]], pos: int) -> bool:
    """Whether `pos` is inside one of the disjoint, sorted `zones`."""
    i = bisect_right(zones, (pos, 1 << 62))  # zones starting at or before pos
    return i > 0 and zones[i - 1][0] <= pos < zones[i - 1][1]


def _emails(text: str, folded: str, out: _Collector, org: Sequence[str]) -> None:
    # Anchored on "@" (a fast literal search), then the local part backwards (64 characters at
    # most) and the domain forwards: no pattern can backtrack over a long run of letters.
    if "@" not in text:
        return
    zones = _zones(folded)
    at = text.find("@")
    found = 0
    while at >= 0 and found < MAX_PER_FAMILY:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        dm = _EMAIL_DOMAIN_RE.match(text, at + 1)
        local_ok = start < at and (start == 0 or text[start - 1] not in _EMAIL_LOCAL)
        if dm and local_ok and not text[start] == "." and _word_start(text, start):
            found += 1
            domain = dm.group().lower()
            own = any(domain == d or domain.endswith("." + d) for d in org)
            in_zone = _in_zones(zones, start)
            if not (own and in_zone):  # the organisation's own address where one is expected
                address = text[start : dm.end()]
                out.add(start, dm.end(), "email", address, counted=not (own or in_zone),
                        value=address.lower())  # fmt: skip
        at = text.find("@", at + 1)


@lru_cache(maxsize=65536)
def _phone_matches(region: str) -> tuple[tuple[int, int, str], ...]:
    # phonenumbers is slow (~0.2 ms a call): only candidate regions reach it, and the same
    # signature numbers recur across a mailbox, hence the cache.
    found = []
    try:
        for m in phonenumbers.PhoneNumberMatcher(region, "FR"):
            e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            found.append((m.start, m.end, e164))
    except Exception:  # noqa: S110 - a parser failure on hostile text means "no number"
        pass
    return tuple(found)


def _dense_runs(text: str) -> list[tuple[int, int]]:
    """Windows where a number family may match: runs of digits, capitals and separators with
    enough digits, each extended by two characters so that end look-aheads see the text."""
    runs = []
    for m in _limited(_DENSE_RUN_RE.finditer(text)):
        if sum(c.isdigit() for c in m.group()) >= _DENSE_MIN_DIGITS:
            runs.append((m.start(), min(len(text), m.end() + 2)))
    return runs


def _in_windows(
    pattern: re.Pattern[str], text: str, windows: list[tuple[int, int]]
) -> Iterator[re.Match[str]]:
    count = 0
    for start, end in windows:
        for m in pattern.finditer(text, start, end):
            count += 1
            if count > MAX_PER_FAMILY:
                return
            yield m


def _label_windows(label: re.Pattern[str], folded: str, after: int) -> list[tuple[int, int]]:
    return [
        (m.start(), min(len(folded), m.end() + after))
        for m in _limited(label.finditer(folded))
        if _word_start(folded, m.start())
    ]


def _phones(text: str, runs: list[tuple[int, int]], out: _Collector) -> None:
    for m in _in_windows(_PHONE_REGION_RE, text, runs):
        region = m.group().rstrip(" \t\u00a0\u202f.-/(")
        if sum(c.isdigit() for c in region) < 8:
            continue
        for start, end, e164 in _phone_matches(region[:2000]):
            s = m.start() + start
            out.add(s, m.start() + end, "phone", text[s : m.start() + end], value=e164)


def _shrink(candidate: str, valid: Callable[[str], bool], min_len: int) -> int:
    """Length of the longest run of whole space-separated groups of `candidate` that is valid
    (0 if none): a greedy pattern may have swallowed the next word."""
    cuts = [m.start() for m in re.finditer(r"\s+", candidate)] + [len(candidate)]
    for cut in reversed(cuts):
        compact = re.sub(r"\s", "", candidate[:cut])
        if len(compact) < min_len:
            break
        if valid(compact):
            return cut
    return 0


def _ibans(text: str, runs: list[tuple[int, int]], out: _Collector) -> None:
    for m in _in_windows(_IBAN_RE, text, runs):
        n = _shrink(m.group(), iban.is_valid, 15)
        if n:
            compact = re.sub(r"\s", "", m.group()[:n])
            preview = f"{compact[:4]} **** **** {compact[-4:]}"
            out.add(m.start(), m.start() + n, "iban", preview, value=compact)


def _cards(text: str, runs: list[tuple[int, int]], out: _Collector) -> None:
    for m in _in_windows(_CARD_RE, text, runs):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        plausible = 13 <= len(digits) <= 19 and _CARD_IIN_RE.match(digits)
        grouped = raw.isdigit() or _CARD_GROUPS_RE.fullmatch(raw)
        if plausible and grouped and luhn.is_valid(digits):
            out.add(m.start(), m.end(), "card", "**** **** **** " + digits[-4:], value=digits)


def _nirs(text: str, runs: list[tuple[int, int]], out: _Collector) -> None:
    for m in _in_windows(_NIR_RE, text, runs):
        compact = re.sub(r"[\s.]", "", m.group()).upper()
        if fr_nir.is_valid(compact):
            out.add(m.start(), m.end(), "nir", _mask_tail(compact, 2), value=compact)


def _national_ids(text: str, folded: str, runs: list[tuple[int, int]], out: _Collector) -> None:
    for scheme, pattern, valid in _NATIONAL_IDS:
        for m in _in_windows(pattern, text, runs):
            compact = re.sub(r"[\s.\-]", "", m.group())
            if not valid(compact):
                continue
            if scheme == "be-nn" and not _BE_NN_PUNCTUATED_RE.fullmatch(m.group()):
                if not _BE_NN_CONTEXT_RE.search(folded[max(0, m.start() - 40) : m.start()]):
                    continue
            out.add(m.start(), m.end(), f"national-id:{scheme}", _mask_tail(compact, 2),
                    value=compact)  # fmt: skip


def _bics(text: str, folded: str, out: _Collector) -> None:
    for label in _limited(_BIC_LABEL_RE.finditer(folded)):
        m = _BIC_AFTER_LABEL_RE.match(text, label.end(), label.end() + 40)
        if m and _word_start(folded, label.start()) and bic.is_valid(m.group("bic")):
            out.add(m.start("bic"), m.end("bic"), "bic", m.group("bic"))


def _vat_numbers(text: str, folded: str, out: _Collector) -> None:
    for m in _in_windows(_VAT_RE, text, _label_windows(_VAT_LABEL_RE, folded, 80)):
        n = _shrink(m.group(), eu_vat.is_valid, 8)
        if n:
            out.add(m.start(), m.start() + n, "vat-number", m.group()[:n])


def _amounts(text: str, out: _Collector) -> None:
    if any(h in text for h in _CURRENCY_HINTS):
        for m in _limited(_AMOUNT_RE.finditer(text)):
            out.add(m.start(), m.end(), "amount", m.group())


def _addresses(text: str, out: _Collector) -> None:
    for pattern in (_ADDRESS_FR_RE, _ADDRESS_EN_RE):
        for m in _limited(pattern.finditer(text)):
            out.add(m.start(), m.end(), "postal-address", m.group(), value=_preview(m.group()))


def _valid_date(m: re.Match[str]) -> bool:
    for i in "1234":
        if m.group("d" + i):
            day, month, year = m.group("d" + i), m.group("m" + i), m.group("y" + i)
            break
    else:
        return False
    month_no = int(month) if month.isdigit() else _MONTHS.get(month.rstrip("."), 0)
    year_no = int(year) + (1900 if len(year) == 2 else 0)
    try:
        return date(year_no, month_no, int(day)) <= date.today()
    except ValueError:
        return False


def _dates_of_birth(text: str, folded: str, out: _Collector) -> None:
    for m in _limited(_DOB_RE.finditer(folded)):
        if _word_start(folded, m.start()) and _valid_date(m):
            s, e = m.span("date")
            out.add(s, e, "date-of-birth", text[s:e])


def _private_keys(text: str, out: _Collector) -> None:
    next_end: dict[str, int] = {}  # label -> next END line seen, so the scan stays linear
    for m in _limited(_PEM_BEGIN_RE.finditer(text)):
        end_marker = f"-----END {m.group('label')}-----"
        end = next_end.get(end_marker, 0)
        if 0 <= end < m.end():
            end = next_end[end_marker] = text.find(end_marker, m.end())
        if 0 <= end <= m.end() + 65536:
            end += len(end_marker)
        else:  # a truncated key still exposes its first lines: take the base64 lines
            body = _PEM_BODY_RE.match(text, m.end())
            end = body.end() if body else m.end()
            if end - m.end() < 16:
                continue  # a lone BEGIN line holds no key material
        value = text[m.start() : end]
        preview = f"-----BEGIN {m.group('label')}----- … ({len(value)} chars)"
        out.add(m.start(), end, "private-key", preview,
                secret=Secret("private-key", _sha256(value), m.start(), end))  # fmt: skip


def _token_find(
    out: _Collector, text: str, m: re.Match[str], name: str, prefix: int, severity: str
) -> None:
    s, e = m.span("secret") if "secret" in m.re.groupindex else m.span()
    value = text[s:e]
    shown = value[:prefix] + "…" if prefix else "…"
    out.add(s, e, "api-token", f"{shown} ({len(value)} chars)", severity=severity,
            secret=Secret(name, _sha256(value), s, e))  # fmt: skip


def _tokens(text: str, folded: str, out: _Collector) -> None:
    rules = out.rules
    for rule in rules.tokens:
        if rule.hints and not any(h in text for h in rule.hints):
            continue
        for m in _limited(rule.pattern.finditer(text)):
            _token_find(out, text, m, rule.name, rule.prefix_chars, rule.severity)
    if rules.generic_hints and not any(h in folded for h in rules.generic_hints):
        return
    for m in _limited(rules.generic_re.finditer(folded)):
        s, e = m.span("secret")
        value = text[s:e]
        digits = sum(c.isdigit() for c in value)
        if digits >= rules.generic_min_digits and _entropy(value) >= rules.generic_min_entropy:
            _token_find(out, text, m, "generic-secret", 0, rules.generic_severity)


_TRAILING = ".,;"
_CLOSERS = {")": "(", "]": "[", "}": "{", "»": "«", "”": "“"}
_QUOTES = {'"': '"', "'": "'", "«": "»", "“": "”", "`": "`"}


def _password_value(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim a label's value to the password: inside its quotes, or without the sentence's
    trailing punctuation and unmatched closing brackets."""
    raw = text[start:end]
    close = _QUOTES.get(raw[0])
    if close is not None:
        line_end = text.find("\n", start + 1)
        q = text.find(close, start + 1, line_end if line_end >= 0 else len(text))
        return (start + 1, q) if q > start + 1 else (start, start)
    while raw and (raw[-1] in _TRAILING or (raw[-1] in _CLOSERS and _CLOSERS[raw[-1]] not in raw)):
        raw = raw[:-1]
    return start, start + len(raw)


def _looks_like_password(value: str) -> bool:
    has_upper_lower = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return len(value) >= 4 and (
        any(c.isdigit() for c in value) or not value.isalnum() or has_upper_lower
    )


def _passwords(text: str, folded: str, out: _Collector) -> None:
    rules = out.rules
    if not any(h in folded for h in rules.password_hints):
        return
    for pattern, strict in ((rules.password_re, False), (rules.password_verb_re, True)):
        for m in _limited(pattern.finditer(folded)):
            if not _word_start(folded, m.start()):
                continue
            s, e = _password_value(text, *m.span("value"))
            value = text[s:e]
            if not value or " ".join(fold(value).split()) in rules.not_passwords:
                continue
            if set(value) <= set("*•●xX.") or "://" in value:
                continue
            if strict and not _looks_like_password(value):
                continue
            out.add(s, e, "password", f"******** ({len(value)} chars)",
                    secret=Secret("password", _sha256(value), s, e))  # fmt: skip


def _keyword_category(rules: TriageRules, matched: str) -> tuple[str, str] | None:
    key = " ".join(matched.split())
    category = rules.keyword_category.get(key)
    if category is None:
        category = next((c for stem, c in rules.keyword_stems if key.startswith(stem)), None)
    return (key, category) if category else None


def _keywords(folded: str, text: str, out: _Collector) -> None:
    # The most frequent finds of all: built directly, with one category lookup per word.
    seen: dict[str, tuple[str, str] | None] = {}
    rank = _RANK["keyword"]
    for m in _limited(out.rules.keyword_re.finditer(folded)):
        start, end = m.span()
        if not _word_start(folded, start):
            continue
        word = m.group()
        if word not in seen:
            seen[word] = _keyword_category(out.rules, word)
        hit = seen[word]
        if hit:
            key, category = hit
            shown = text[start:end]
            if len(shown) > _PREVIEW_CHARS or not shown.isprintable():
                shown = _preview(shown)
            out.finds.append(_Find(start, end, "keyword:" + category, category, "low", shown,
                                   rank, value=key))  # fmt: skip


def context_hits(rules: TriageRules, *texts: str | None) -> dict[str, set[str]]:
    """Keywords of each content category in a subject or file name (no spans: they are not in
    the text). Separators of file names count as spaces."""
    hits: dict[str, set[str]] = {}
    for raw in texts:
        if not raw:
            continue
        folded = fold(re.sub(r"[_\-.+]+", " ", raw[:2000]))
        for m in rules.keyword_re.finditer(folded):
            hit = _keyword_category(rules, m.group()) if _word_start(folded, m.start()) else None
            if hit:
                hits.setdefault(hit[1], set()).add(hit[0])
    return hits


# --------------------------------------------------------------------------- assembly


def _resolve_overlaps(finds: list[_Find]) -> list[_Find]:
    """Keep the highest-priority find where finds overlap (interval list, O(n log n))."""
    starts: list[int] = []
    ends: list[int] = []
    kept: list[_Find] = []
    for f in sorted(finds, key=lambda f: (f.rank, f.start, -f.end)):
        if f.end <= f.start:
            continue
        i = bisect_left(starts, f.start)
        if (i > 0 and ends[i - 1] > f.start) or (i < len(starts) and starts[i] < f.end):
            continue
        starts.insert(i, f.start)
        ends.insert(i, f.end)
        kept.append(f)
    return kept


def _escalate(finds: list[_Find], rules: TriageRules, context: dict[str, set[str]]) -> None:
    # A content category with enough distinct hits (in the text, subject and file name)
    # raises its low spans to medium.
    distinct: dict[str, set[str]] = {c: set(v) for c, v in context.items()}
    for f in finds:
        if f.severity == "low" and f.category in rules.content_categories:
            distinct.setdefault(f.category, set()).add(f"{f.kind}:{f.value}")
    for f in finds:
        if (
            f.severity == "low"
            and f.category in rules.content_categories
            and len(distinct[f.category]) >= rules.category_medium
        ):
            f.severity = "medium"
    # Many distinct personal-data values make the item a list of people.
    people = [f for f in finds if f.category == "personal-data" and f.counted]
    count = len({(f.kind, f.value) for f in people})
    floor = (
        "high" if count >= rules.personal_data_high
        else "medium" if count >= rules.personal_data_medium
        else "low"
    )  # fmt: skip
    for f in people:
        if RANK[f.severity] < RANK[floor]:
            f.severity = floor


def triage_text(
    text: str,
    *,
    subject: str | None = None,
    filename: str | None = None,
    org_domains: Sequence[str] = (),
    rules: TriageRules | None = None,
) -> Triage:
    """Find what is sensitive in `text` (an item's body or attachment text).

    `subject` and `filename` add content categories (keywords only). Addresses of
    `org_domains` count less: ignored in signature blocks and quoted reply headers, and never
    counted as a list of people. `rules` defaults to the bundled rules.
    """
    rules = rules or default_rules()
    text = text if isinstance(text, str) else str(text)
    folded = fold(text)
    org = tuple(d.strip().lower().strip(".") for d in org_domains if d and d.strip())
    out = _Collector(rules)
    _emails(text, folded, out, org)
    runs = _dense_runs(text)
    _phones(text, runs, out)
    _nirs(text, runs, out)
    _national_ids(text, folded, runs, out)
    _ibans(text, runs, out)
    _cards(text, runs, out)
    _bics(text, folded, out)
    _vat_numbers(text, folded, out)
    _amounts(text, out)
    _addresses(text, out)
    _dates_of_birth(text, folded, out)
    _private_keys(text, out)
    _tokens(text, folded, out)
    _passwords(text, folded, out)
    _keywords(folded, text, out)

    finds = _resolve_overlaps(out.finds)
    context = context_hits(rules, subject, filename)
    _escalate(finds, rules, context)
    finds.sort(key=lambda f: (f.start, f.end, f.kind))
    spans = [Span(f.start, f.end, f.kind, f.category, f.severity, f.preview) for f in finds]
    secrets = [f.secret for f in finds if f.secret is not None]
    categories = sorted({s.category for s in spans} | set(context))
    if spans:
        level = max((s.severity for s in spans), key=RANK.__getitem__)
    else:
        level = "low" if context else "none"
    return Triage(level=level, categories=categories, spans=spans, secrets=secrets)


__all__ = [
    "LEVELS",
    "Secret",
    "Span",
    "Triage",
    "TriageRules",
    "context_hits",
    "default_rules",
    "fold",
    "load_rules",
    "triage_text",
]
