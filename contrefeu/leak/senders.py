"""Header forensics across the dump: each sender's habits, learnt from the dump itself.

A sender writes from a few machines: one mail client, one timezone, one Message-ID format,
one signing domain, the same relays. A forged message imitates the visible headers but rarely
these habits. For every sender with enough mail, each message is compared with the *other*
messages of that sender (leave-one-out), and a habit is only used when the others agree on it,
so a sender who really uses two clients raises nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contrefeu.leak.verdict import aligned, organizational_domain
from contrefeu.model import Finding
from contrefeu.org import OrgProfile

MIN_OTHERS = 4          # fewer messages say nothing about a habit
AGREEMENT = 0.9         # share of the others that must agree before a habit counts


@dataclass
class EmailFacts:
    """What the cross-item checks need of one email (loaded from the case)."""

    item_id: int
    path: str
    from_addr: str | None
    date_utc: str | None
    offset_minutes: int | None = None
    mailer_family: str | None = None
    message_id_domain: str | None = None
    message_id_shape: str | None = None
    relay_domains: frozenset[str] = frozenset()
    passing_domains: frozenset[str] = frozenset()   # d= of DKIM signatures that pass
    signed_domains: frozenset[str] = frozenset()    # d= of every DKIM signature, valid or not
    external: bool = True       # has a recipient outside the organisation (mail that leaves)
    message_id: str | None = None
    verdict: str = "unverified"


def coarse_shape(shape: str | None) -> str | None:
    """Message-ID shapes reduced to the character classes used: random IDs keep their class."""
    if shape is None:
        return None
    classes = "".join(c for c in "Aa9" if c in shape)
    punctuation = "".join(sorted({c for c in shape if c in ".$"}))
    return classes + punctuation


def _habit(values: Counter[object], own: object, counted: bool = True) -> tuple[object, int] | None:
    """The value the sender's other messages agree on, when `own` is rare among them.

    `own` may occur a few times among the others (two forgeries from the same machine must
    not hide each other), as long as it stays under the share a habit leaves to exceptions.
    """
    others = values.copy()
    if own is not None and counted:
        others[own] -= 1
    total = sum(n for n in others.values() if n > 0)
    if total < MIN_OTHERS:
        return None
    value, count = max(((v, n) for v, n in others.items() if n > 0),
                       key=lambda p: (p[1], str(p[0])))
    if value == own or count / total < AGREEMENT:
        return None
    if others.get(own, 0) / total > 1 - AGREEMENT:
        return None
    return value, total


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_shift(offset_minutes: int | None, date_utc: str | None, timezone: str) -> int | None:
    """A Date offset relative to the organisation's zone at that date.

    Daylight saving moves every European sender's offset twice a year; measured against the
    organisation's own zone it stays constant (0 for staff in the office, -60 for London...),
    so one habit covers the whole year.
    """
    if offset_minutes is None:
        return None
    zone = _zone(timezone) if timezone else None
    if zone is None or not date_utc:
        return offset_minutes
    local = datetime.fromisoformat(date_utc).astimezone(zone).utcoffset()
    return offset_minutes - int(local.total_seconds() // 60) if local is not None else offset_minutes


def _fmt_offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def sender_findings(emails: Sequence[EmailFacts], org: OrgProfile) -> dict[int, list[Finding]]:
    """Findings per item id, from comparing each message with its sender's other mail."""
    by_sender: dict[str, list[EmailFacts]] = defaultdict(list)
    for facts in emails:
        if facts.from_addr:
            by_sender[facts.from_addr.lower()].append(facts)
    out: dict[int, list[Finding]] = defaultdict(list)
    for sender, all_mails in by_sender.items():
        # Copies of one message (same Message-ID, in several mailboxes) are one habit sample.
        mails = _distinct_messages(all_mails)
        if len(mails) < MIN_OTHERS + 1:
            continue
        shifts = {m.item_id: zone_shift(m.offset_minutes, m.date_utc, org.timezone)
                  for m in all_mails}
        counters: dict[str, Counter[object]] = {
            "zone": Counter(shifts[m.item_id] for m in mails if shifts[m.item_id] is not None),
            "mailer": Counter(m.mailer_family for m in mails if m.mailer_family),
            "msgid": Counter(m.message_id_domain for m in mails if m.message_id_domain),
            "shape": Counter(coarse_shape(m.message_id_shape) for m in mails
                             if m.message_id_shape),
        }
        relays = Counter(d for m in mails for d in m.relay_domains)
        with_relays = sum(1 for m in mails if m.relay_domains)
        sampled = {m.item_id for m in mails}
        signers = _SignerIndex(mails)
        for mail in all_mails:
            counted = mail.item_id in sampled
            out[mail.item_id].extend(
                _habit_findings(sender, mail, shifts[mail.item_id], counters, counted, mails,
                                org.timezone)
                + signers.findings(sender, mail)
                + _relay_findings(sender, mail, relays, with_relays, counted)
            )
    for facts in emails:
        out[facts.item_id].extend(_staff_signed_elsewhere(facts, org))
    return {k: v for k, v in out.items() if v}


def _distinct_messages(mails: list[EmailFacts]) -> list[EmailFacts]:
    """One message per Message-ID: a signed copy is preferred as the sample."""
    chosen: dict[str, EmailFacts] = {}
    distinct = []
    for mail in sorted(mails, key=lambda m: (not m.passing_domains, m.path)):
        if mail.message_id is None:
            distinct.append(mail)
        elif mail.message_id not in chosen:
            chosen[mail.message_id] = mail
            distinct.append(mail)
    return sorted(distinct, key=lambda m: m.path)


@lru_cache(maxsize=1)
def _all_zones() -> tuple[ZoneInfo, ...]:
    from zoneinfo import available_timezones

    zones = [_zone(name) for name in sorted(available_timezones())]
    return tuple(z for z in zones if z is not None)


def _explained_by_a_zone(mail: EmailFacts, samples: list[EmailFacts], habit: object,
                         timezone: str) -> bool:
    """True when one real timezone gives the sender's offset at every date, this one included.

    A New York correspondent is 6 hours behind Paris except in the weeks when the two
    switch daylight saving on different dates: that is their zone, not a sign of forgery.
    """
    # The messages that follow the habit say where the sender lives; outliers are left out.
    habitual = [m for m in samples
                if m.offset_minutes is not None and m.date_utc
                and zone_shift(m.offset_minutes, m.date_utc, timezone) == habit][:60]
    moments = [(m.offset_minutes, datetime.fromisoformat(m.date_utc))
               for m in [*habitual, mail] if m.date_utc]
    for zone in _all_zones():
        if all(_minutes(when.astimezone(zone).utcoffset()) == offset for offset, when in moments):
            return True
    return False


def _minutes(delta: object) -> int | None:
    return int(delta.total_seconds() // 60) if delta is not None else None  # type: ignore[attr-defined]


def _habit_findings(sender: str, mail: EmailFacts, shift: int | None,
                    counters: dict[str, Counter[object]], counted: bool,
                    samples: list[EmailFacts], timezone: str) -> list[Finding]:
    findings = []
    zone = _habit(counters["zone"], shift, counted) if shift is not None else None
    if zone and mail.offset_minutes is not None \
            and not _explained_by_a_zone(mail, samples, zone[0], timezone):
        expected = mail.offset_minutes - (shift or 0) + int(zone[0])  # type: ignore[call-overload]
        findings.append(Finding(
            "header-unusual-timezone", "medium",
            f"This message's Date is in timezone {_fmt_offset(mail.offset_minutes)}; at that "
            f"date the {zone[1]} other messages from {sender} would show "
            f"{_fmt_offset(expected)}."))
    mailer = _habit(counters["mailer"], mail.mailer_family, counted)
    if mailer:
        own = mail.mailer_family or "no X-Mailer/User-Agent"
        findings.append(Finding(
            "header-unusual-mailer", "medium",
            f"This message was written with {own!r}; {mailer[1]} other messages from {sender} "
            f"were written with {mailer[0]!r}."))
    msgid = _habit(counters["msgid"], mail.message_id_domain, counted)
    if msgid:
        findings.append(Finding(
            "header-unusual-message-id", "medium",
            f"This message's Message-ID ends in @{mail.message_id_domain or '(none)'}; "
            f"{msgid[1]} other messages from {sender} have Message-IDs @{msgid[0]}, made by "
            "their mail system."))
    elif mail.message_id_shape:
        shape = _habit(counters["shape"], coarse_shape(mail.message_id_shape), counted)
        if shape:
            findings.append(Finding(
                "header-unusual-message-id", "low",
                f"This message's Message-ID has another format than the {shape[1]} other "
                f"messages from {sender}: another mail client made it."))
    return findings


class _SignerIndex:
    """How many of a sender's distinct messages, sent each way, carry each valid signature.

    Counted once per sender, so that leaving one message out is a subtraction, not a new
    pass over the sender's mail (a press address with 50,000 messages must stay linear).
    """

    def __init__(self, samples: list[EmailFacts]) -> None:
        self.groups: dict[bool, tuple[int, Counter[str]]] = {}
        for external in (True, False):
            group = [m for m in samples if m.external == external]
            self.groups[external] = (len(group), Counter(d for m in group for d in m.passing_domains))
        self.by_item = {m.item_id: m for m in samples}
        self.by_message_id = {m.message_id: m for m in samples if m.message_id is not None}

    def findings(self, sender: str, mail: EmailFacts) -> list[Finding]:
        # Organisations often sign only the mail that leaves through their gateway, so internal
        # and outgoing mail are judged apart.
        total, signers = self.groups[mail.external]
        own = self.by_item.get(mail.item_id) or (
            self.by_message_id.get(mail.message_id) if mail.message_id is not None else None)
        left_out = own.passing_domains if own is not None and own.external == mail.external \
            else None
        others = total - (left_out is not None)
        if others < MIN_OTHERS:
            return []
        findings = []
        for domain, count in sorted(signers.items()):
            count -= bool(left_out and domain in left_out)
            # A message that carries the signature, even a failing one, is not missing it:
            # the failure is judged by the DKIM check itself.
            if count and count / others >= AGREEMENT and domain not in mail.signed_domains:
                findings.append(Finding(
                    "header-missing-usual-signature", "high",
                    f"{count} of the {others} other messages from {sender} carry a valid DKIM "
                    f"signature of {domain}; this one does not. The sender's mail system signs "
                    "every such message, so this one did not come from it."))
        return findings


def _relay_findings(sender: str, mail: EmailFacts, relays: Counter[str],
                    with_relays: int, counted: bool) -> list[Finding]:
    own = 1 if counted else 0
    if not mail.relay_domains or with_relays - own < MIN_OTHERS:
        return []
    unseen = sorted(d for d in mail.relay_domains if relays[d] <= own)
    if not unseen:
        return []
    return [Finding(
        "header-unusual-relay", "medium",
        f"This message went through {', '.join(unseen)}, a relay that none of the "
        f"{with_relays - own} other relayed messages from {sender} shows.")]


def _staff_signed_elsewhere(mail: EmailFacts, org: OrgProfile) -> list[Finding]:
    if not mail.from_addr or not mail.passing_domains or not org.domains:
        return []
    domain = mail.from_addr.rpartition("@")[2].lower()
    if not org.owns_domain(domain):
        return []
    if any(aligned(d, domain) for d in mail.passing_domains):
        return []
    signers = ", ".join(sorted(mail.passing_domains))
    return [Finding(
        "header-staff-signed-elsewhere", "medium",
        f"This message claims a staff address ({mail.from_addr}) but is signed only by "
        f"{signers}, not by the organisation's domain: it was sent from another mail system.")]


def relay_domains(hops: Iterable[dict[str, object]]) -> frozenset[str]:
    """Registrable domains of the relays that handled a message."""
    out = set()
    for hop in hops:
        by = hop.get("by")
        if isinstance(by, str) and "." in by and not by.replace(".", "").isdigit():
            out.add(organizational_domain(by.strip("[]")))
    return frozenset(out)
