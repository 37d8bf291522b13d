"""Financial data: IBAN, card numbers, BIC and VAT numbers after their labels, amounts with
a currency. Each detector adds `Find`s to a `Collector`; the patterns are in `patterns.py`."""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum import bic, iban, luhn
from stdnum.eu import vat as eu_vat

from . import patterns as p
from .anchors import BIC, CURRENCY, CURRENCY_CODE, VAT, Scan
from .levels import Collector
from .matching import anchored, in_windows, merged
from .personal import windows_with


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


def ibans(text: str, runs: list[tuple[int, int, int]], out: Collector) -> None:
    for m in in_windows(p.IBAN_RE, text, windows_with(runs, 2)):
        n = _shrink(m.group(), iban.is_valid, 15)
        if n:
            compact = re.sub(r"\s", "", m.group()[:n])
            shown = f"{compact[:4]} **** **** {compact[-4:]}"
            out.add(m.start(), m.start() + n, "iban", shown, value=compact)


def cards(text: str, runs: list[tuple[int, int, int]], out: Collector) -> None:
    for m in in_windows(p.CARD_RE, text, windows_with(runs, 13)):
        raw = m.group()
        digits = re.sub(r"\D", "", raw)
        plausible = 13 <= len(digits) <= 19 and p.CARD_IIN_RE.match(digits)
        grouped = raw.isdigit() or p.CARD_GROUPS_RE.fullmatch(raw)
        if plausible and grouped and luhn.is_valid(digits):
            out.add(m.start(), m.end(), "card", "**** **** **** " + digits[-4:], value=digits)


def bics(scan: Scan, out: Collector) -> None:
    text, folded = scan.text, scan.folded
    for label in anchored(p.BIC_LABEL_RE, folded, scan.candidates[BIC]):
        m = p.BIC_AFTER_LABEL_RE.match(text, label.end(), label.end() + 40)
        if m and bic.is_valid(m.group("bic")):
            out.add(m.start("bic"), m.end("bic"), "bic", m.group("bic"))


def vat_numbers(scan: Scan, out: Collector) -> None:
    text, folded = scan.text, scan.folded
    # One window per label, as the labels come (a number after two labels is found twice;
    # overlap resolution keeps one).
    labels = [(m.start(), min(len(folded), m.end() + 80))
              for m in anchored(p.VAT_LABEL_RE, folded, scan.candidates[VAT])]  # fmt: skip
    for m in in_windows(p.VAT_RE, text, labels):
        n = _shrink(m.group(), eu_vat.is_valid, 8)
        if n:
            out.add(m.start(), m.start() + n, "vat-number", m.group()[:n])


def _currency_markers(scan: Scan) -> list[tuple[int, int]]:
    """(start, end) of every currency sign, code and spelled currency of the text, in no
    particular order (the windows are sorted). The signs are single characters, found with
    `str.find`; the codes and words are confirmed where the anchor pass saw them. No two
    markers overlap, so this is the set of `CURRENCY_RE` matches and spelled currencies."""
    text = scan.text
    markers = []
    for sign in p.CURRENCY_SIGNS:
        at = text.find(sign)
        while at >= 0:
            markers.append((at, at + 1))
            at = text.find(sign, at + 1)
    for after in scan.candidates[CURRENCY_CODE]:  # the anchor's text offset plus one
        if text.startswith(p.CURRENCY_CODES, after - 1):
            markers.append((after - 1, after + 2))
    for after in scan.candidates[CURRENCY]:
        at = after - 1
        if text.startswith(("Euro", "euro"), at):
            markers.append((at, at + 4))
        elif text.startswith(("Dollar", "dollar"), at):
            markers.append((at, at + 6))
    return markers


def _amount_windows(scan: Scan) -> list[tuple[int, int]]:
    """Around each currency marker, the run of number characters before and after it (and
    a `k`/`M` before `€`): every amount lies in one, whole."""
    text = scan.text
    seps = p.AMOUNT_SEPARATORS
    n = len(text)
    windows = []
    for at, end in _currency_markers(scan):
        if at and text[at - 1] in "kM" and text[at] == "€":
            at -= 1  # k€, M€
        while at > 0 and (text[at - 1] in seps or text[at - 1].isdecimal()):
            at -= 1
        while end < n and (text[end] in seps or text[end].isdecimal()):
            end += 1
        windows.append((at, min(n, end + 2)))  # "euros", and a look-ahead's character
    return merged(windows)


def amounts(scan: Scan, out: Collector) -> None:
    for m in in_windows(p.AMOUNT_RE, scan.text, _amount_windows(scan)):
        out.add(m.start(), m.end(), "amount", m.group())
