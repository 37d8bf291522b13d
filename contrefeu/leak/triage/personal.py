"""Personal data: email addresses, phone numbers, French NIR and other national identity
numbers, postal addresses and dates of birth. Each detector adds `Find`s to a `Collector`;
the patterns are in `patterns.py`. Not for deciding levels (`levels.py`)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import phonenumbers
from stdnum.fr import nir as fr_nir

from . import patterns as p
from .anchors import BIRTH, STREET_EN, STREET_FR, Scan
from .folding import ascii_digits
from .levels import Collector
from .matching import anchored, in_windows, limited, mask_tail, merged, word_start
from .spans import MAX_PER_FAMILY, preview

# --------------------------------------------------------------------------- emails


def _zones(folded: str) -> list[tuple[int, int]]:
    """Signature blocks and quoted reply headers, as sorted disjoint (start, end) intervals."""
    zones: list[tuple[int, int]] = []
    for m in limited(p.SIGNATURE_RE.finditer(folded)):
        end = m.end()
        for _ in range(p.SIGNATURE_LINES):
            nxt = folded.find("\n", end + 1)
            if nxt < 0:
                end = len(folded)
                break
            end = nxt
        zones.append((m.start(), end))
    zones.extend((m.start(), m.end()) for m in limited(p.QUOTED_HEADER_RE.finditer(folded)))
    return merged(zones)


class _ZoneTest:
    """Whether an offset is in a signature block or a quoted reply header.

    A signature zone runs from a signature line to the end of the `SIGNATURE_LINES`-th line
    after it, and a header zone is one header line; so for a handful of addresses it is
    cheaper to test the lines just above each one than to scan the whole text. Texts of more
    lines than the per-family limit use the whole-text zones, which apply that limit."""

    def __init__(self, folded: str) -> None:
        self.folded = folded
        self.zones: list[tuple[int, int]] | None = None
        if folded.count("\n") >= MAX_PER_FAMILY - 1:
            self.zones = _zones(folded)
        self.signature: dict[int, bool] = {}

    def _signature_at(self, line: int) -> bool:
        hit = self.signature.get(line)
        if hit is None:
            hit = self.signature[line] = p.SIGNATURE_RE.match(self.folded, line) is not None
        return hit

    def __call__(self, pos: int) -> bool:
        folded = self.folded
        if self.zones is not None:
            i = bisect_right(self.zones, (pos, 1 << 62))  # zones starting at or before pos
            return i > 0 and self.zones[i - 1][0] <= pos < self.zones[i - 1][1]
        line = folded.rfind("\n", 0, pos) + 1
        header = p.QUOTED_HEADER_RE.match(folded, line)
        if header and pos < header.end():
            return True
        for above in range(p.SIGNATURE_LINES + 1):
            if self._signature_at(line):
                # The zone of a signature ends before the newline of its tenth line below.
                return above < p.SIGNATURE_LINES or folded[pos : pos + 1] != "\n"
            if line == 0:
                return False
            line = folded.rfind("\n", 0, line - 1) + 1
        return False


def emails(scan: Scan, out: Collector, org: Sequence[str]) -> None:
    # Anchored on "@" (a fast literal search), then the local part backwards (64 characters at
    # most) and the domain forwards: no pattern can backtrack over a long run of letters.
    text = scan.text
    at = text.find("@")
    if at < 0:
        return
    in_zone = _ZoneTest(scan.folded)
    found = 0
    local_chars = p.EMAIL_LOCAL
    while at >= 0 and found < MAX_PER_FAMILY:
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in local_chars:
            start -= 1
        dm = p.EMAIL_DOMAIN_RE.match(text, at + 1)
        local_ok = start < at and (start == 0 or text[start - 1] not in local_chars)
        if dm and local_ok and not text[start] == "." and word_start(text, start):
            found += 1
            domain = dm.group().lower()
            own = any(domain == d or domain.endswith("." + d) for d in org)
            zone = in_zone(start)
            if not (own and zone):  # the organisation's own address where one is expected
                address = text[start : dm.end()]
                out.add(start, dm.end(), "email", address, counted=not (own or zone),
                        value=address.lower())  # fmt: skip
        at = text.find("@", at + 1)


# --------------------------------------------------------------------------- numbers


@lru_cache(maxsize=1)
def _french_valid_re() -> re.Pattern[str] | None:
    """The French numbering plan of phonenumbers' own metadata, as one pattern over the nine
    digits after the 0 (None if the metadata is missing). phonenumbers validates a number by
    testing these patterns one by one in Python (~40 µs); a national number written the usual
    way needs nothing else (tested against phonenumbers)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    if meta is None or meta.general_desc is None or not meta.general_desc.national_number_pattern:
        return None
    descs = [
        meta.fixed_line, meta.mobile, meta.toll_free, meta.premium_rate, meta.shared_cost,
        meta.personal_number, meta.voip, meta.pager, meta.uan, meta.voicemail,
    ]  # fmt: skip
    alts = [
        f"(?:{d.national_number_pattern})"
        for d in descs
        if d is not None
        and d.national_number_pattern
        and (not d.possible_length or 9 in d.possible_length)
    ]
    if not alts:
        return None
    general = meta.general_desc.national_number_pattern
    return re.compile(f"(?=(?:{general})$)(?:{'|'.join(alts)})$")


# "06 12 34 56 78", "06.12.34.56.78", "0612345678": ten digits, pairs, one separator kind.
_FRENCH_NATIONAL_RE = re.compile(r"0[1-9](?:([ .\-]?)\d\d)(?:\1\d\d){3}")


@lru_cache(maxsize=65536)
def _phone_matches(region: str) -> tuple[tuple[int, int, str], ...]:
    # phonenumbers is slow (~0.2 ms a call): only candidate regions reach it, and the same
    # signature numbers recur across a mailbox, hence the cache.
    valid = _french_valid_re()
    if valid is not None and _FRENCH_NATIONAL_RE.fullmatch(region):
        digits = re.sub(r"\D", "", region)
        if valid.match(digits[1:]):
            return ((0, len(region), "+33" + digits[1:]),)
        return ()
    found = []
    try:
        for m in phonenumbers.PhoneNumberMatcher(region, "FR"):
            e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
            found.append((m.start, m.end, e164))
    except Exception:  # noqa: S110 - a parser failure on hostile text means "no number"
        pass
    return tuple(found)


# Below this length the dense-run pattern costs less than counting digits first.
_COUNT_DIGITS_FROM = 1000


def dense_runs(text: str) -> list[tuple[int, int, int]]:
    """Windows where a number family may match: runs of digits, capitals and separators with
    enough digits, each extended by two characters so that end look-aheads see the text;
    with the number of digits in each window."""
    # A run's digits are ASCII ones: a long text with too few of them holds no run, which a
    # vectorised count tells at a tenth of the cost of the pattern's pass (that starts with a
    # character class, so the engine tries it at every character).
    if len(text) >= _COUNT_DIGITS_FROM and ascii_digits(text) < p.DENSE_MIN_DIGITS:
        return []
    runs = []
    for m in limited(p.DENSE_RUN_RE.finditer(text)):
        digits = sum(map(str.isdigit, m.group()))
        if digits >= p.DENSE_MIN_DIGITS:
            end = min(len(text), m.end() + 2)
            extra = sum(map(str.isdigit, text[m.end() : end]))
            runs.append((m.start(), end, digits + extra))
    return runs


def windows_with(runs: list[tuple[int, int, int]], min_digits: int) -> list[tuple[int, int]]:
    """The dense runs that hold at least `min_digits` digits: a family that needs more
    digits than a run holds cannot match in it."""
    return [(s, e) for s, e, d in runs if d >= min_digits]


def phones(text: str, runs: list[tuple[int, int, int]], out: Collector) -> None:
    for m in in_windows(p.PHONE_REGION_RE, text, windows_with(runs, 8)):
        region = m.group().rstrip(" \t\u00a0\u202f.-/(")
        if sum(map(str.isdigit, region)) < 8:
            continue
        for start, end, e164 in _phone_matches(region[:2000]):
            s = m.start() + start
            out.add(s, m.start() + end, "phone", text[s : m.start() + end], value=e164)


def nirs(text: str, runs: list[tuple[int, int, int]], out: Collector) -> None:
    for m in in_windows(p.NIR_RE, text, windows_with(runs, 12)):
        compact = re.sub(r"[\s.]", "", m.group()).upper()
        if fr_nir.is_valid(compact):
            out.add(m.start(), m.end(), "nir", mask_tail(compact, 2), value=compact)


# Fewest digits each national identity number holds (the Italian code may hold none).
_ID_MIN_DIGITS = {"be-nn": 11, "es-dni": 8, "es-nie": 7, "it-cf": 0}


def national_ids(scan: Scan, runs: list[tuple[int, int, int]], out: Collector) -> None:
    text, folded = scan.text, scan.folded
    for scheme, pattern, valid in p.NATIONAL_IDS:
        for m in in_windows(pattern, text, windows_with(runs, _ID_MIN_DIGITS[scheme])):
            compact = re.sub(r"[\s.\-]", "", m.group())
            if not valid(compact):
                continue
            if scheme == "be-nn" and not p.BE_NN_PUNCTUATED_RE.fullmatch(m.group()):
                if not p.BE_NN_CONTEXT_RE.search(folded[max(0, m.start() - 40) : m.start()]):
                    continue
            out.add(m.start(), m.end(), f"national-id:{scheme}", mask_tail(compact, 2),
                    value=compact)  # fmt: skip


# --------------------------------------------------------------------------- addresses


# Longest number part before a street's spaces: "9999 quater," in French, "99999A" in English.
_NUMBER_FR = 12
_NUMBER_EN = 6


def _spaces_before(text: str, i: int) -> int:
    """Start of the run of spaces and tabs that ends at `i`."""
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    return i


def _word_before(text: str, end: int) -> int:
    """Start of the run of non-blank characters (no space, tab or newline) ending at `end`.
    Searched back in short steps: lines are long and words short."""
    low = end
    while True:
        low = max(0, low - 32)
        cut = max(text.rfind(" ", low, end), text.rfind("\t", low, end), text.rfind("\n", low, end))
        if cut >= 0:
            return cut + 1
        if low == 0:
            return 0


# Where both address patterns may start: a digit that no word character, comma or dot
# precedes (their own first step).
_NUMBER_START_RE = re.compile(r"\d(?<![\w,.]\d)")


def _french_starts(text: str, street: int, out: list[int]) -> None:
    # "<number>[ bis][,] <street type>": the number ends just before the street's spaces, on
    # the same line.
    run = _spaces_before(text, street)
    low = max(0, run - _NUMBER_FR, text.rfind("\n", max(0, run - _NUMBER_FR), run) + 1)
    out.extend(m.start() for m in _NUMBER_START_RE.finditer(text, low, run))


def _english_starts(text: str, street: int, out: list[int]) -> None:
    # "<number> <Word> [<Word>...<4>] <street type>": the number ends one to four words (runs
    # of non-blank characters) before the street, on its line.
    end = _spaces_before(text, street)
    for back in range(5):
        if end == 0 or text[end - 1] == "\n":
            return
        start = _word_before(text, end)
        if back:
            found = _NUMBER_START_RE.finditer(text, max(start, end - _NUMBER_EN), end)
            out.extend(m.start() for m in found)
        end = _spaces_before(text, start)
        if end == start:
            return


def addresses(scan: Scan, out: Collector) -> None:
    # Every address holds a street type after spaces (an anchor), and its house number right
    # before (French) or a few words before (English), on the same line: the patterns are
    # tried only at those numbers, as a full scan would try them.
    text = scan.text
    for pattern, family, starts in (
        (p.ADDRESS_FR_RE, STREET_FR, _french_starts),
        (p.ADDRESS_EN_RE, STREET_EN, _english_starts),
    ):
        offsets: list[int] = []
        for street in scan.candidates[family]:
            starts(text, street, offsets)
        for m in anchored(pattern, text, offsets):
            out.add(m.start(), m.end(), "postal-address", m.group(), value=preview(m.group()))


# --------------------------------------------------------------------------- dates of birth


def _valid_date(m: re.Match[str]) -> bool:
    for i in "1234":
        if m.group("d" + i):
            day, month, year = m.group("d" + i), m.group("m" + i), m.group("y" + i)
            break
    else:
        return False
    month_no = int(month) if month.isdigit() else p.MONTHS.get(month.rstrip("."), 0)
    year_no = int(year) + (1900 if len(year) == 2 else 0)
    try:
        return date(year_no, month_no, int(day)) <= date.today()
    except ValueError:
        return False


def dates_of_birth(scan: Scan, out: Collector) -> None:
    text, folded = scan.text, scan.folded
    for m in anchored(p.DOB_RE, folded, scan.candidates[BIRTH]):
        if _valid_date(m):
            s, e = m.span("date")
            out.add(s, e, "date-of-birth", text[s:e])
