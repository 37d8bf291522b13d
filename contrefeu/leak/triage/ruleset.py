"""The rule files of the triage (`rules/keywords.toml`, `secrets.toml`, `levels.toml`),
compiled once per process into `TriageRules`: regular expressions, lookup tables and the
anchor automaton of `anchors.py`. Not the detectors themselves (sibling modules)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from . import anchors
from .anchors import Anchors
from .folding import fold


def trie_regex(phrases: list[str]) -> str:
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
WORD_END = r"(?!\w|'[a-z]{1,2}(?!\w))"
DEFAULT_KEYWORD_SPANS = 5


@dataclass(frozen=True)
class TokenRule:
    name: str
    pattern: re.Pattern[str]
    prefix_chars: int
    severity: str
    hints: tuple[str, ...]  # the rule runs only when one of these substrings occurs


@dataclass
class TriageRules:
    """The compiled rules of `rules/` (or of a folder with the same three files)."""

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
    # Keyword spans kept per category and item (every hit still counts; levels.toml [spans]).
    keyword_spans_per_category: int = DEFAULT_KEYWORD_SPANS
    # Indexes of the token rules (and -1 for the generic rule) whose hints are all anchors:
    # they run only when the anchor pass saw one of their hints.
    hinted_tokens: frozenset[int] = frozenset()
    # Anchors of every word-led detector (anchors.py), built from these rules.
    automaton: Anchors | None = field(default=None, repr=False, compare=False)

    def anchors(self) -> Anchors:
        """The anchor automaton (built by `load_rules`)."""
        if self.automaton is None:
            raise ValueError("rules without an anchor automaton: build them with load_rules()")
        return self.automaton


def _read_toml(folder: Path | None, name: str) -> dict[str, Any]:
    if folder is not None:
        return tomllib.loads((folder / name).read_text(encoding="utf-8"))
    ref = resources.files(__package__).joinpath("rules", name)
    return tomllib.loads(ref.read_text(encoding="utf-8"))


def _is_word(text: str) -> bool:
    return all(c.isalnum() or c == "_" for c in text)


def _keyword_anchors(keys: list[tuple[str, bool]]) -> list[tuple[str, int, object]]:
    """Anchors of the keywords (folded key, is a `*` stem). When the anchor is a whole word
    its payload is (word, the word alone is a keyword, first letters of the words that
    continue a phrase after it, other characters that continue one): `keywords.keyword_hits`
    then needs the regex only when the text goes on as a phrase may. Other anchors (stems,
    words with punctuation) are always confirmed by the regex (payload None)."""
    spaced: dict[str, set[str]] = {}
    joined: dict[str, set[str]] = {}
    for key, _ in keys:
        for i, ch in enumerate(key):
            if i and not (ch.isalnum() or ch == "_"):
                if ch == " ":
                    spaced.setdefault(key[:i], set()).add(key[i + 1])
                else:
                    joined.setdefault(key[:i], set()).add(ch)
    entries: list[tuple[str, int, object]] = []
    for key, star in keys:
        anchor = anchors.phrase_anchor(key, open_end=star)
        word = key.split(" ", 1)[0]
        payload = None
        if not star and _is_word(word):
            follow = "".join(sorted(spaced.get(word, ())))
            payload = (word, word == key, follow, "".join(sorted(joined.get(word, ()))))
        entries.append((anchor, anchors.KEYWORD, payload))
    return entries


def _hint_anchors(
    tokens: list[TokenRule], generic_hints: list[str], entries: list[tuple[str, int, object]]
) -> frozenset[int]:
    """Add the hints of the token rules to the anchors; return the rules fully covered."""
    gated = set()
    for index, hints in [*enumerate(t.hints for t in tokens), (-1, tuple(generic_hints))]:
        forms = [anchors.hint_anchor(h) for h in hints]
        if hints and all(forms):
            gated.add(index)
            family = anchors.GENERIC if index < 0 else anchors.TOKEN
            entries.extend((form, family, index) for form in forms if form)
    return frozenset(gated)


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
    keys: list[tuple[str, bool]] = []
    for category, spec in keywords["categories"].items():
        for phrase in [*spec.get("fr", []), *spec.get("en", [])]:
            key = " ".join(fold(phrase.rstrip("*")).split())
            if phrase.endswith("*"):
                stems.append((key, category))
            elif key not in keyword_category:  # the first category that lists it wins
                keyword_category[key] = category
            phrases.append(phrase)
            if key:
                keys.append((key, phrase.endswith("*")))
    # No leading look-behind: it would stop the engine's fast first-character scan; the start
    # boundary is checked on each match instead.
    keyword_re = re.compile("(?:" + trie_regex(phrases) + ")" + WORD_END)

    pw = secrets["passwords"]
    labels = trie_regex(pw["labels"])
    seps = "|".join(re.escape(s) for s in sorted(pw["separators"], key=len, reverse=True))
    # Label, an optional "(gmail)"-style note, a separator, then the value on this line or
    # the next. Matched on folded text; the value is read from the same offsets.
    password_re = re.compile(
        "(?:" + labels + r")(?:[ \t]*\([^)\n]{0,30}\))?[ \t]*(?:" + seps + r")"
        r"[ \t]*(?:\r?\n[ \t]*)?(?P<value>\S{1,200})"
    )
    password_verb_re = re.compile(
        "(?:" + trie_regex(pw["verb_labels"]) + r")[ \t]+(?:"
        + trie_regex(pw["verbs"]) + r")[ \t]*:?[ \t]*(?P<value>\S{1,200})"
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

    entries = _keyword_anchors(keys) + anchors.fixed_anchors()
    gated = _hint_anchors(tokens, generic.get("hints", ()), entries)
    for label in [*pw["labels"], *pw["verb_labels"]]:
        key = " ".join(fold(label).split())
        if key:
            entries.append((anchors.phrase_anchor(key, open_end=True), anchors.PASSWORD, None))
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
        keyword_spans_per_category=int(
            levels.get("spans", {}).get("keyword_spans_per_category", DEFAULT_KEYWORD_SPANS)
        ),
        automaton=anchors.build_automaton(entries),
        hinted_tokens=gated,
    )


@lru_cache(maxsize=1)
def default_rules() -> TriageRules:
    """The bundled rules, compiled once per process."""
    return load_rules()
