"""The fast paths of the triage find exactly what the plain patterns find.

Each detector that runs only at anchors, windows or candidate offsets is compared with the
straightforward scan it replaces (its regular expression over the whole text, behind a
`(?<!\\w)` where matches must start a word), on random texts made of the fragments those
patterns care about. Also: the fold tables against the per-character definition, the French
phone fast path against phonenumbers, and the keyword span cap.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrefeu.leak.triage import (
    default_rules,
    financial,
    fold,
    folding,
    keywords,
    load_rules,
    personal,
    secrets,
    triage_text,
)
from contrefeu.leak.triage import patterns as p
from contrefeu.leak.triage.anchors import scan_text
from contrefeu.leak.triage.levels import Collector

RULES_DIR = Path(__file__).resolve().parents[2] / "contrefeu" / "leak" / "triage" / "rules"

WORDS = (
    "12 3 bis 1600 10 221B 75002 SW1A 2AA DC 20500 69007 Paris Lyon London Washington High "
    "Downing Baker rue avenue av. bd place allée Rue AVENUE Street St St. Road Avenue NW Lane "
    "Way Close Cedex BP cs de la Paix 1 250,00 € EUR euros Euro dollars $ £ GBP USD k€ M€ "
    "000 12.50 3,5 née né le 3 mars 1985 12/03/1985 DOB: 1990-07-14 born on March date de "
    "naissance : BIC BNPAFRPPXXX SWIFT TVA FR40303265045 VAT mot de passe mdp: password is "
    "Soleil2017 don't don facture devis HT TTC meeting de en off the record rendez-vous "
    "porte-à-porte n° super PAC press release c'est d'échéance Cordialement -- Merci Bien à "
    "vous De : From: Le a écrit jean@example.org c.martin@avenir-commun.fr > 06 12 34 56 78 "
    "key token x ı İ ’ « ( ) ; . , : ' - é É œ ١٢ 😀"
).split(" ")
# Whole shapes, so that random texts hold real matches (and near misses, once cut and joined).
SHAPES = [
    "12 rue de la Paix, 75002 Paris", "3 bis avenue Jean Jaurès\n69007 Lyon",
    "8, allée des Roses\nBP 12\n13001 Marseille CEDEX 1", "10 Downing Street, London SW1A 2AA",
    "1600 Pennsylvania Avenue NW, Washington, DC 20500", "221B Baker Street London NW1 6XE",
    "1 250,00 €", "12 345 euros", "EUR 1 000", "$1,000.50", "3 k€", "1 000 000 dollars",
    "£ 12", "12 USD", "née le 3 mars 1985", "Né le 12/03/1985", "DOB: 1990-07-14", "mot de passe : Soleil2017",
    "the password is Xk9#mR2q", "BIC : BNPAFRPPXXX", "TVA FR 40 303 265 045",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\n\n", ", ", ". ", "", "\u00a0", "-", "'"]

texts = st.lists(
    st.tuples(st.sampled_from(WORDS + SHAPES), st.sampled_from(SEPARATORS)), max_size=60
).map(lambda parts: "".join(w + s for w, s in parts))
mixed = st.one_of(texts, st.text(max_size=300))
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def spans(finds: list) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.kind) for f in finds]


def word_led(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The plain scan an anchored detector stands for: matches that start a word."""
    return re.compile(r"(?<!\w)(?:" + pattern.pattern + ")", pattern.flags)


# ----------------------------------------------------------------------------- folding


def test_fold_tables_match_the_definition_on_every_bmp_character() -> None:
    every = "".join(chr(cp) for cp in range(0x10000))
    assert fold(every) == folding._fold_slow(every)


@FAST
@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=200))
def test_fold_and_scan_string(text: str) -> None:
    folded, scan = folding.fold_and_scan(text)
    assert folded == folding._fold_slow(text)  # surrogates, astral, final sigma included
    assert scan == folding.scan_string(folded) and len(scan) == len(text) + 2
    for i, ch in enumerate(folded):
        assert (scan[i + 1] == " ") == (re.fullmatch(r"\w", ch) is None)


# ----------------------------------------------------------------------------- word-led families


def check_keywords(text: str) -> None:
    rules = default_rules()
    folded = fold(text)
    expected = []
    for m in word_led(rules.keyword_re).finditer(folded):
        hit = keywords.keyword_category(rules, m.group())
        if hit:
            expected.append((m.start(), m.end(), *hit))
    assert keywords.keyword_hits(scan_text(text, rules.anchors()), rules) == expected


def check_labelled(text: str) -> None:
    rules = default_rules()
    scan = scan_text(text, rules.anchors())
    folded = scan.folded

    out = Collector(rules)
    personal.dates_of_birth(scan, out)
    expected = [
        (*m.span("date"), "date-of-birth")
        for m in word_led(p.DOB_RE).finditer(folded)
        if personal._valid_date(m)
    ]
    assert spans(out.finds) == expected

    out = Collector(rules)
    financial.bics(scan, out)
    labels = [m.end() for m in word_led(p.BIC_LABEL_RE).finditer(folded)]
    after = [p.BIC_AFTER_LABEL_RE.match(text, end, end + 40) for end in labels]
    expected = [(*m.span("bic"), "bic") for m in after if m and financial.bic.is_valid(m["bic"])]
    assert spans(out.finds) == expected

    out, reference = Collector(rules), Collector(rules)
    secrets.passwords(scan, out)
    for pattern, strict in ((rules.password_re, False), (rules.password_verb_re, True)):
        for m in word_led(pattern).finditer(folded):
            secrets.password_find(reference, text, m, strict)
    assert spans(out.finds) == spans(reference.finds)


def check_addresses_and_amounts(text: str) -> None:
    rules = default_rules()
    scan = scan_text(text, rules.anchors())
    out = Collector(rules)
    personal.addresses(scan, out)
    expected = []
    for pattern in (p.ADDRESS_FR_RE, p.ADDRESS_EN_RE):
        expected += [(*m.span(), "postal-address") for m in pattern.finditer(text)]
    assert spans(out.finds) == expected

    out = Collector(rules)
    financial.amounts(scan, out)
    assert spans(out.finds) == [(*m.span(), "amount") for m in p.AMOUNT_RE.finditer(text)]


CHECKS = (check_keywords, check_labelled, check_addresses_and_amounts)


@FAST
@given(mixed)
def test_random_texts_equal_the_plain_scans(text: str) -> None:
    for check in CHECKS:
        check(text)


def test_corpus_equals_the_plain_scans() -> None:
    rng = random.Random(1789)
    for _ in range(400):
        parts = [rng.choice(SHAPES) if rng.random() < 0.3 else rng.choice(WORDS)
                 for _ in range(rng.randint(1, 30))]  # fmt: skip
        text = "".join(part + rng.choice(SEPARATORS) for part in parts)
        for check in CHECKS:
            check(text)


@FAST
@given(st.lists(st.sampled_from(["Cordialement,", "De : x", "-- ", "Le 3 avr. a écrit :", "a@b.fr",
                                 "texte", "> merci", "", "Best regards"]), max_size=40))  # fmt: skip
def test_zone_test_equals_the_whole_text_zones(lines: list[str]) -> None:
    folded = fold("\n".join(lines))
    zones = personal._zones(folded)
    in_zone = personal._ZoneTest(folded)
    for pos in range(len(folded)):
        assert in_zone(pos) == any(a <= pos < b for a, b in zones), pos


def test_token_rules_still_run_on_their_hints_only() -> None:
    rules = default_rules()
    text = "clé AKIAIOSFODNN7EXAMPLE et ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    out = Collector(rules)
    secrets.tokens(scan_text(text, rules.anchors()), out)
    assert [s.kind for s in (f.secret for f in out.finds) if s] == [
        "aws-access-key-id",
        "github-token",
    ]
    out = Collector(rules)
    secrets.tokens(scan_text(text.lower(), rules.anchors()), out)  # hints are case-sensitive
    assert [s.kind for s in (f.secret for f in out.finds) if s] == ["github-token"]
    out = Collector(rules)
    secrets.tokens(scan_text(text.replace("ghp_", "ghx_"), rules.anchors()), out)
    assert [s.kind for s in (f.secret for f in out.finds) if s] == ["aws-access-key-id"]


# ----------------------------------------------------------------------------- phones


def test_french_phone_fast_path_agrees_with_phonenumbers() -> None:
    rng = random.Random(20170507)
    for _ in range(300):
        digits = "0" + str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        sep = rng.choice(["", " ", ".", "-"])
        region = digits[:2] + "".join(sep + digits[i : i + 2] for i in range(2, 10, 2))
        expected = tuple(
            (
                m.start,
                m.end,
                phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164),
            )
            for m in phonenumbers.PhoneNumberMatcher(region, "FR")
        )
        assert personal._phone_matches.__wrapped__(region) == expected, region


# ----------------------------------------------------------------------------- span cap and fixes


def test_keyword_spans_are_capped_but_every_hit_counts() -> None:
    text = "facture " * 20 + "devis TTC"  # the distinct keywords come after the cap
    tr = triage_text(text)
    financial_spans = [s for s in tr.spans if s.kind == "keyword:financial"]
    assert len(financial_spans) == default_rules().keyword_spans_per_category == 5
    assert [s.start for s in financial_spans] == [8 * i for i in range(5)]
    assert {s.severity for s in financial_spans} == {"medium"}  # facture, devis, TTC
    assert tr.level == "medium" and tr.categories == ["financial"]


def test_keyword_span_cap_is_a_rule(tmp_path: Path) -> None:
    for name in ("keywords.toml", "secrets.toml"):
        (tmp_path / name).write_text((RULES_DIR / name).read_text(encoding="utf-8"))
    levels = (RULES_DIR / "levels.toml").read_text(encoding="utf-8")
    (tmp_path / "levels.toml").write_text(
        levels.replace("keyword_spans_per_category = 5", "keyword_spans_per_category = 1")
    )
    tr = triage_text("budget budget facture facture", rules=load_rules(tmp_path))
    assert [(s.start, s.kind) for s in tr.spans] == [(0, "keyword:finance"),
                                                     (14, "keyword:financial")]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        # A match starting inside a word ("campagNE à 9h ... née le ...") no longer hides the
        # real one after it.
        (
            "On se retrouve au local de campagne à 9h pour le tractage du marché. "
            "Née le 12/03/1985 à Rouen.",
            "12/03/1985",
            "date-of-birth",
        ),
        ("C'est bien off the record.", "off the record", "keyword:press"),
        ("Le 189password: x puis mdp: Azerty123", "Azerty123", "password"),
    ],
)
def test_matches_inside_words_hide_nothing(text: str, value: str, kind: str) -> None:
    start = text.index(value)
    assert (start, start + len(value), kind) in [(s.start, s.end, s.kind)
                                                 for s in triage_text(text).spans]  # fmt: skip
