"""The triage's fast paths against the implementation they replaced, kept here as the
reference.

The previous implementation walked the anchors with pyahocorasick's trie, found currency
markers with one regular expression over the whole text, ran the dense-run pattern over every
text, gated token rules with a substring search per hint, ran the PEM pattern over every text,
and turned spans into dicts with `dataclasses.asdict`. Those functions are copied below as
they were (`reference_*`), and `reference_triage_text` is the previous `triage_text` built
from them and the unchanged detectors. Every test compares the package with it: the same
level, categories, spans (same order), secrets, for random texts mixing words, numbers,
phone-like and IBAN-like strings, e-mail addresses, currencies, token hints, punctuation and
accents.
"""

from __future__ import annotations

import pickle
import random
import re
from collections.abc import Sequence
from dataclasses import asdict
from operator import itemgetter
from pathlib import Path
from typing import Any

import ahocorasick
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contrefeu.leak.triage import (
    Triage,
    TriageRules,
    default_rules,
    financial,
    folding,
    load_rules,
    personal,
    secrets,
    triage_text,
)
from contrefeu.leak.triage import anchors as a
from contrefeu.leak.triage import patterns as p
from contrefeu.leak.triage.folding import fold_and_scan
from contrefeu.leak.triage.keywords import keyword_hits
from contrefeu.leak.triage.levels import Collector, assemble
from contrefeu.leak.triage.matching import in_windows, limited, merged, sha256
from contrefeu.leak.triage.spans import Secret

RULES_DIR = Path(__file__).resolve().parents[2] / "contrefeu" / "leak" / "triage" / "rules"

# ----------------------------------------------------------------------------- the reference


def reference_automaton(anchors: a.Anchors) -> ahocorasick.Automaton:
    """The previous automaton: pyahocorasick, each anchor with (length, family, payload)."""
    automaton = ahocorasick.Automaton()
    for pattern, (family, payload) in zip(anchors.patterns, anchors.targets, strict=True):
        automaton.add_word(pattern, (len(pattern), family, payload))
    automaton.make_automaton()
    return automaton


_AUTOMATA: dict[int, ahocorasick.Automaton] = {}


def reference_scan_text(text: str, rules: TriageRules) -> a.Scan:
    """The previous `anchors.scan_text` (token candidates: rule indexes)."""
    anchors = rules.anchors()
    automaton = _AUTOMATA.get(id(anchors))
    if automaton is None:
        automaton = _AUTOMATA[id(anchors)] = reference_automaton(anchors)
    folded, scan = fold_and_scan(text)
    hits = list(automaton.iter(scan))
    keywords = [(end - v[0] + 1, v[2]) for end, v in hits if v[1] == a.KEYWORD]
    candidates: list[list[Any]] = [[] for _ in range(a.FAMILIES)]
    for end, (length, family, payload) in hits:
        if family == a.KEYWORD:
            continue
        start = end - length + 1
        if family == a._MULTI:
            for fam, pay in payload:
                if fam == a.KEYWORD:
                    keywords.append((start, pay))
                else:
                    candidates[fam].append(pay if fam == a.TOKEN else start)
        else:
            candidates[family].append(payload if family == a.TOKEN else start)
    if len(keywords) > 1:
        keywords.sort(key=itemgetter(0))
    return a.Scan(text, folded, keywords, candidates)


def reference_dense_runs(text: str) -> list[tuple[int, int, int]]:
    runs = []
    for m in limited(p.DENSE_RUN_RE.finditer(text)):
        digits = sum(map(str.isdigit, m.group()))
        if digits >= p.DENSE_MIN_DIGITS:
            end = min(len(text), m.end() + 2)
            extra = sum(map(str.isdigit, text[m.end() : end]))
            runs.append((m.start(), end, digits + extra))
    return runs


def reference_currency_markers(scan: a.Scan) -> list[tuple[int, int]]:
    text = scan.text
    markers = [m.span() for m in p.CURRENCY_RE.finditer(text)]
    for after in scan.candidates[a.CURRENCY]:
        at = after - 1
        if text.startswith(("Euro", "euro"), at):
            markers.append((at, at + 4))
        elif text.startswith(("Dollar", "dollar"), at):
            markers.append((at, at + 6))
    return markers


def reference_amounts(scan: a.Scan, out: Collector) -> None:
    text = scan.text
    seps = p.AMOUNT_SEPARATORS
    n = len(text)
    windows = []
    for at, end in reference_currency_markers(scan):
        if at and text[at - 1] in "kM" and text[at] == "€":
            at -= 1
        while at > 0 and (text[at - 1] in seps or text[at - 1].isdecimal()):
            at -= 1
        while end < n and (text[end] in seps or text[end].isdecimal()):
            end += 1
        windows.append((at, min(n, end + 2)))
    for m in in_windows(p.AMOUNT_RE, text, merged(windows)):
        out.add(m.start(), m.end(), "amount", m.group())


def reference_private_keys(text: str, out: Collector) -> None:
    next_end: dict[str, int] = {}
    for m in limited(p.PEM_BEGIN_RE.finditer(text)):
        end_marker = f"-----END {m.group('label')}-----"
        end = next_end.get(end_marker, 0)
        if 0 <= end < m.end():
            end = next_end[end_marker] = text.find(end_marker, m.end())
        if 0 <= end <= m.end() + 65536:
            end += len(end_marker)
        else:
            body = p.PEM_BODY_RE.match(text, m.end())
            end = body.end() if body else m.end()
            if end - m.end() < 16:
                continue
        value = text[m.start() : end]
        shown = f"-----BEGIN {m.group('label')}----- … ({len(value)} chars)"
        out.add(m.start(), end, "private-key", shown,
                secret=Secret("private-key", sha256(value), m.start(), end))  # fmt: skip


def reference_tokens(scan: a.Scan, out: Collector) -> None:
    text, folded = scan.text, scan.folded
    rules = out.rules
    seen = scan.candidates[a.TOKEN]
    for index, rule in enumerate(rules.tokens):
        if index in rules.hinted_tokens and index not in seen:
            continue
        if rule.hints and not any(h in text for h in rule.hints):
            continue
        for m in limited(rule.pattern.finditer(text)):
            secrets._token_find(out, text, m, rule.name, rule.prefix_chars, rule.severity)
    if -1 in rules.hinted_tokens and not scan.candidates[a.GENERIC]:
        return
    if rules.generic_hints and not any(h in folded for h in rules.generic_hints):
        return
    for m in limited(rules.generic_re.finditer(folded)):
        s, e = m.span("secret")
        value = text[s:e]
        digits = sum(c.isdigit() for c in value)
        if (
            digits >= rules.generic_min_digits
            and secrets.entropy(value) >= rules.generic_min_entropy
        ):
            secrets._token_find(out, text, m, "generic-secret", 0, rules.generic_severity)


def reference_context_hits(rules: TriageRules, *texts: str | None) -> dict[str, set[str]]:
    hits: dict[str, set[str]] = {}
    for raw in texts:
        if not raw:
            continue
        scan = reference_scan_text(re.sub(r"[_\-.+]+", " ", raw[:2000]), rules)
        for _, _, key, category in keyword_hits(scan, rules):
            hits.setdefault(category, set()).add(key)
    return hits


def reference_triage_text(
    text: str,
    *,
    subject: str | None = None,
    filename: str | None = None,
    org_domains: Sequence[str] = (),
    rules: TriageRules | None = None,
) -> Triage:
    """The previous `triage_text`."""
    rules = rules or default_rules()
    scan = reference_scan_text(text, rules)
    org = tuple(d.strip().lower().strip(".") for d in org_domains if d and d.strip())
    out = Collector(rules)
    personal.emails(scan, out, org)
    runs = reference_dense_runs(text)
    if runs:
        personal.phones(text, runs, out)
        personal.nirs(text, runs, out)
        personal.national_ids(scan, runs, out)
        financial.ibans(text, runs, out)
        financial.cards(text, runs, out)
    financial.bics(scan, out)
    financial.vat_numbers(scan, out)
    reference_amounts(scan, out)
    personal.addresses(scan, out)
    personal.dates_of_birth(scan, out)
    reference_private_keys(text, out)
    reference_tokens(scan, out)
    secrets.passwords(scan, out)
    hits = keyword_hits(scan, rules)
    context = reference_context_hits(rules, subject, filename)
    return assemble(text, out.finds, hits, context, rules)


def reference_export(tr: Triage) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The previous `analyse._sensitivity` fields."""
    sensitivity = tr.to_export() | {"spans": [asdict(span) for span in tr.spans]}
    return sensitivity, [asdict(secret) for secret in tr.secrets]


# ----------------------------------------------------------------------------- the texts

WORDS = (
    "Bonjour réunion budget meeting presse facture devis TTC HT sondage mot de passe "
    "password passwd mdp pwd login identifiant born née né le date de naissance DOB BIC "
    "SWIFT TVA VAT rue avenue Street Road euro Euro euros dollar Dollars EUR GBP USD eur usd "
    "EURO LEUR leur pour Europe europe private key PRIVATE KEY aws AWS Aws akia AKIA ANPA "
    "anpa ghp_ gho_ github_pat_ xox hooks.slack.com AIza k_live_ api_key token secret key "
    "off the record rendez-vous porte-à-porte œuvre Straße İstanbul ıi ΣΑΣ Ωμέγα Москва "
    "東京 😀 é É à ç ’ « » – —"
).split(" ")
SHAPES = [
    "06 12 34 56 78", "+33 6 12 34 56 78", "01.23.45.67.89", "+44 20 7946 0958",
    "FR76 3000 6000 0112 3456 7890 189", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000",
    "4970 1000 0000 0014", "4111111111111111", "1 85 05 78 006 084 91", "85.07.30-033.61",
    "12345678Z", "X1234567L", "RSSMRA85T10A562S", "jean.dupont@example.org",
    "c.martin@avenir-commun.fr", "staff@campaign.example", "1 250,00 €", "12 345 euros",
    "EUR 1 000", "$1,000.50", "3 k€", "£ 12", "12 USD", "5 GBP", "née le 3 mars 1985",
    "DOB: 1990-07-14", "mot de passe : Soleil2017", "the password is Xk9#mR2q",
    "BIC : BNPAFRPPXXX", "TVA FR 40 303 265 045", "12 rue de la Paix, 75002 Paris",
    "10 Downing Street, London SW1A 2AA", "AKIAIOSFODNN7EXAMPLE",
    "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "api_key = q8F3kLm9Qz2Xw7Rt5Yp1",
    "ASIAIOSFODNN7EXAMPLE", "gho_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "AWS_SECRET_ACCESS_KEY = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "xoxb-1234567890-abcdefABCDEF", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "https://hooks.slack.com/services/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",
    "sk_live_a1B2c3D4e5F6g7H8i9J0k1L2m3", "github_pat_" + "a1B2c3D4e5" * 8 + "Zz",
    "porte-à-porte", "door knocking", "date de naissance", "Road",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA75v3\nQ2x4dGFsZQ==\n"
    "-----END RSA PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n",
    "Cordialement,\n-- \nJean Dupont\n06 12 34 56 78", "Le 3 avr. 2017, Jean a écrit :",
    "De : Claire <claire@avenir-commun.fr>", "2017", "42", "123456", "9h30", "07/05/2017",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", "\n", "\r\n", "\t", ", ", ". ", "", "\u00a0", "-", "'", ": ", "="]

texts = st.lists(
    st.tuples(st.sampled_from(WORDS + SHAPES), st.sampled_from(SEPARATORS)), max_size=60
).map(lambda parts: "".join(w + s for w, s in parts))
any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=400)  # surrogates too
mixed = st.one_of(texts, texts, any_text)
optional = st.one_of(st.none(), st.sampled_from(WORDS + SHAPES), st.text(max_size=40))
EXAMPLES = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORG = ("avenir-commun.fr", "campaign.example")


def same_triage(text: str, subject: str | None = None, filename: str | None = None) -> None:
    new = triage_text(text, subject=subject, filename=filename, org_domains=ORG)
    old = reference_triage_text(text, subject=subject, filename=filename, org_domains=ORG)
    assert new == old
    sensitivity = new.to_export() | {"spans": [span.to_dict() for span in new.spans]}
    assert (sensitivity, [secret.to_dict() for secret in new.secrets]) == reference_export(old)


# ----------------------------------------------------------------------------- the comparisons


@EXAMPLES
@given(mixed, optional, optional)
@example("\ud800 réunion \udfff😀 budget 1 250 € \U0001d400\u03a3", "\udc80 presse", "Σ.txt")
def test_triage_equals_the_reference(text: str, subject: str | None, filename: str | None) -> None:
    same_triage(text, subject, filename)


def test_corpus_equals_the_reference() -> None:
    """Long texts too (the dense-run count starts at 1,000 characters): a seeded corpus."""
    rng = random.Random(20170507)
    for _ in range(60):
        parts = [rng.choice(SHAPES) if rng.random() < 0.2 else rng.choice(WORDS)
                 for _ in range(rng.randint(1, 800))]  # fmt: skip
        text = "".join(part + rng.choice(SEPARATORS) for part in parts)
        same_triage(text, rng.choice(WORDS), rng.choice([None, "budget_2017.xlsx"]))


def test_long_texts_without_enough_digits_equal_the_reference() -> None:
    base = "réunion budget Europe leur euro PRIVATE KEY ghp_ aws " * 40
    for digits in ("", "1", "12345", "123456", "1 2 3 4 5 6", "06 12 34 56 78", "١٢٣٤٥٦٧"):
        text = base + digits + base
        same_triage(text)
        assert personal.dense_runs(text) == reference_dense_runs(text)
        # "123456" ends against a letter: six characters, one short of a run.
        assert (personal.dense_runs(text) == []) == (
            digits in ("", "1", "12345", "123456", "١٢٣٤٥٦٧")
        )


# Anchors that share a start (a keyword and a longer phrase, an anchor of several families)
# and every token rule's shape: where the order of candidates and the hint gates matter.
TIES = "porte-à-porte, door knocking, date de naissance : Road, mot de passe : x, PORTE A PORTE"
TOKENS = " ".join(
    s for s in SHAPES if any(h in s for h in ("_", "AKIA", "ASIA", "xox", "AIza", "hooks"))
)


@EXAMPLES
@given(mixed)
@example(TIES)
@example(TOKENS)
def test_scan_equals_the_reference(text: str) -> None:
    rules = default_rules()
    new = a.scan_text(text, rules.anchors())
    old = reference_scan_text(text, rules)
    assert new.folded == old.folded and new.keywords == old.keywords
    for family in range(a.FAMILIES):
        if family == a.TOKEN:
            assert {i for i, _ in new.candidates[family]} == set(old.candidates[family])
        else:
            assert sorted(new.candidates[family]) == sorted(old.candidates[family])


@EXAMPLES
@given(mixed)
@example(TOKENS)
@example(TOKENS.lower())
def test_detectors_equal_the_reference(text: str) -> None:
    rules = default_rules()
    scan = a.scan_text(text, rules.anchors())
    assert personal.dense_runs(text) == reference_dense_runs(text)
    assert sorted(financial._currency_markers(scan)) == sorted(reference_currency_markers(scan))
    for detector, reference in (
        (secrets.tokens, reference_tokens),
        (secrets.private_keys, lambda s, out: reference_private_keys(s.text, out)),
    ):
        out, ref = Collector(rules), Collector(rules)
        detector(scan, out)
        reference(reference_scan_text(text, rules), ref)
        assert out.finds == ref.finds


@EXAMPLES
@given(st.text(max_size=300))
def test_ascii_digits_counts_ascii_digits(text: str) -> None:
    assert folding.ascii_digits(text) == sum(c in "0123456789" for c in text)


def test_rules_with_non_ascii_anchors_equal_the_reference(tmp_path: Path) -> None:
    """Anchors beyond ASCII and astral characters before a match: offsets stay characters."""
    for name in ("secrets.toml", "levels.toml"):
        (tmp_path / name).write_text((RULES_DIR / name).read_text(encoding="utf-8"))
    keywords = (RULES_DIR / "keywords.toml").read_text(encoding="utf-8")
    # "dat*" shares its start with " date ", an anchor of two families: their order matters.
    extra = '"Москва", "東京 tower", "ωμέγα*", "œuvre", "dat*", '
    keywords = keywords.replace("fr = [", "fr = [" + extra, 1)
    (tmp_path / "keywords.toml").write_text(keywords, encoding="utf-8")
    rules = load_rules(tmp_path)
    assert not all(pattern.isascii() for pattern in rules.anchors().patterns)
    rng = random.Random(7)
    for _ in range(200):
        text = "".join(rng.choice(WORDS + SHAPES) + rng.choice(SEPARATORS) for _ in range(30))
        subject = rng.choice(WORDS)
        new = triage_text(text, subject=subject, rules=rules)
        assert new == reference_triage_text(text, subject=subject, rules=rules)
        scan = a.scan_text(text, rules.anchors())
        assert scan.keywords == reference_scan_text(text, rules).keywords
    text = "😀😀 Москва, 東京 tower, ΩΜΈΓΑΣ"
    found = [text[s.start : s.end] for s in triage_text(text, rules=rules).spans]
    assert found == ["Москва", "東京 tower", "ΩΜΈΓΑΣ"]
    assert triage_text(text, rules=rules) == reference_triage_text(text, rules=rules)


def test_rules_pickle_with_their_anchors() -> None:
    rules = default_rules()
    copy = pickle.loads(pickle.dumps(rules))
    text = "Réunion budget : mot de passe Soleil2017, 1 250,00 € à régler, ghp_ et aws."
    assert triage_text(text, rules=copy) == triage_text(text)
    assert copy.anchors().patterns == rules.anchors().patterns


def test_span_and_secret_dicts_equal_asdict() -> None:
    text = "mot de passe : Soleil2017, IBAN FR76 3000 6000 0112 3456 7890 189, facture"
    tr = triage_text(text)
    assert tr.spans and tr.secrets
    assert [span.to_dict() for span in tr.spans] == [asdict(span) for span in tr.spans]
    assert [list(s.to_dict()) for s in tr.secrets] == [list(asdict(s)) for s in tr.secrets]
    assert [secret.to_dict() for secret in tr.secrets] == [asdict(s) for s in tr.secrets]
