"""Credentials: PEM private keys, API tokens (the shapes of `rules/secrets.toml`), generic
"api_key = ..." values that look random, and passwords written after a label. Only masked
previews and SHA-256 digests leave this module (`Secret`), never a value."""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import patterns as p
from .anchors import GENERIC, PASSWORD, PEM, TOKEN, Scan
from .folding import fold
from .levels import Collector
from .matching import anchored, entropy, limited, sha256
from .spans import Secret


def private_keys(scan: Scan, out: Collector) -> None:
    if not scan.candidates[PEM]:  # no "private key" anywhere: no BEGIN line can match
        return
    text = scan.text
    next_end: dict[str, int] = {}  # label -> next END line seen, so the scan stays linear
    for m in limited(p.PEM_BEGIN_RE.finditer(text)):
        end_marker = f"-----END {m.group('label')}-----"
        end = next_end.get(end_marker, 0)
        if 0 <= end < m.end():
            end = next_end[end_marker] = text.find(end_marker, m.end())
        if 0 <= end <= m.end() + 65536:
            end += len(end_marker)
        else:  # a truncated key still exposes its first lines: take the base64 lines
            body = p.PEM_BODY_RE.match(text, m.end())
            end = body.end() if body else m.end()
            if end - m.end() < 16:
                continue  # a lone BEGIN line holds no key material
        value = text[m.start() : end]
        shown = f"-----BEGIN {m.group('label')}----- … ({len(value)} chars)"
        out.add(m.start(), end, "private-key", shown,
                secret=Secret("private-key", sha256(value), m.start(), end))  # fmt: skip


def _token_find(
    out: Collector, text: str, m: re.Match[str], name: str, prefix: int, severity: str
) -> None:
    s, e = m.span("secret") if "secret" in m.re.groupindex else m.span()
    value = text[s:e]
    shown = value[:prefix] + "…" if prefix else "…"
    out.add(s, e, "api-token", f"{shown} ({len(value)} chars)", severity=severity,
            secret=Secret(name, sha256(value), s, e))  # fmt: skip


def _written_at(text: str, hints: tuple[str, ...], offsets: Iterable[int]) -> bool:
    """Whether one of `hints` occurs in `text` at one of `offsets`."""
    return any(text.startswith(hints, at) for at in offsets)


def tokens(scan: Scan, out: Collector) -> None:
    text, folded = scan.text, scan.folded
    rules = out.rules
    # A rule whose hints are all anchors runs only where the anchor pass saw one of them
    # (lower-cased, a superset) and the hint as written is there; each hint occurrence is an
    # anchor hit, so this is `any(h in text for h in rule.hints)` without a search per hint.
    seen: dict[int, list[int]] = {}
    for index, after in scan.candidates[TOKEN]:
        seen.setdefault(index, []).append(after - 1)
    for index, rule in enumerate(rules.tokens):
        if index in rules.hinted_tokens:
            if not _written_at(text, rule.hints, seen.get(index, ())):
                continue
        elif rule.hints and not any(h in text for h in rule.hints):
            continue
        for m in limited(rule.pattern.finditer(text)):
            _token_find(out, text, m, rule.name, rule.prefix_chars, rule.severity)
    if -1 in rules.hinted_tokens:
        generic_at = [after - 1 for after in scan.candidates[GENERIC]]
        if not _written_at(folded, rules.generic_hints, generic_at):
            return
    elif rules.generic_hints and not any(h in folded for h in rules.generic_hints):
        return
    for m in limited(rules.generic_re.finditer(folded)):
        s, e = m.span("secret")
        value = text[s:e]
        digits = sum(c.isdigit() for c in value)
        if digits >= rules.generic_min_digits and entropy(value) >= rules.generic_min_entropy:
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


def password_find(out: Collector, text: str, m: re.Match[str], strict: bool) -> None:
    """A password after a label match `m` (on the folded text), unless its value is a word
    that is not a password; `strict` for "the password is X" (X must look like one)."""
    s, e = _password_value(text, *m.span("value"))
    value = text[s:e]
    if not value or " ".join(fold(value).split()) in out.rules.not_passwords:
        return
    if set(value) <= set("*•●xX.") or "://" in value:
        return
    if strict and not _looks_like_password(value):
        return
    out.add(s, e, "password", f"******** ({len(value)} chars)",
            secret=Secret("password", sha256(value), s, e))  # fmt: skip


def passwords(scan: Scan, out: Collector) -> None:
    rules = out.rules
    offsets = scan.candidates[PASSWORD]
    if not offsets:
        return
    for pattern, strict in ((rules.password_re, False), (rules.password_verb_re, True)):
        for m in anchored(pattern, scan.folded, offsets):
            password_find(out, scan.text, m, strict)
