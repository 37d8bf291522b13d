"""Sensitivity triage of one item's text: what in it is sensitive, how badly, and where.

`triage_text` finds personal data (email addresses, phone numbers, French NIR and a few other
national identity numbers, postal addresses, dates of birth), financial data (IBAN, BIC, card
numbers, amounts, VAT numbers), credentials (passwords written in the text, PEM private keys,
API tokens) and the content categories a campaign cares about (keyword rules in French and
English). Each find is a `Span` with character offsets; the item's level is the highest span
severity after escalation. The rules are data files in `rules/`, documented in docs/triage.md.

It is a pure function of the text (it runs in worker processes) and never raises on hostile
input. It does not extract text from documents, and it keeps no secret: a password or token
appears only as a masked preview and the SHA-256 of its value.

The package: `folding` (fold, scan string), `anchors` (one Aho-Corasick pass for every
word-led detector), `ruleset` (rule files), `patterns` (the built-in regular expressions),
`personal`, `financial`, `secrets` and `keywords` (detectors), `levels` (overlaps, escalation,
the result).
"""

from __future__ import annotations

from collections.abc import Sequence

from . import financial, personal, secrets
from .anchors import scan_text
from .folding import fold
from .keywords import context_hits, keyword_hits
from .levels import Collector, assemble
from .ruleset import TriageRules, default_rules, load_rules
from .spans import LEVELS, Secret, Span, Triage


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
    scan = scan_text(text, rules.anchors())
    org = tuple(d.strip().lower().strip(".") for d in org_domains if d and d.strip())
    out = Collector(rules)
    personal.emails(scan, out, org)
    runs = personal.dense_runs(text)
    if runs:
        personal.phones(text, runs, out)
        personal.nirs(text, runs, out)
        personal.national_ids(scan, runs, out)
        financial.ibans(text, runs, out)
        financial.cards(text, runs, out)
    financial.bics(scan, out)
    financial.vat_numbers(scan, out)
    financial.amounts(scan, out)
    personal.addresses(scan, out)
    personal.dates_of_birth(scan, out)
    secrets.private_keys(scan, out)
    secrets.tokens(scan, out)
    secrets.passwords(scan, out)
    hits = keyword_hits(scan, rules)
    context = context_hits(rules, subject, filename)
    return assemble(text, out.finds, hits, context, rules)


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
