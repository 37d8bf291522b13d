"""Header forensics, per item: the facts a forger gets wrong, and the checks one message allows.

A forged email usually comes from another machine than the sender's: another mail client
(X-Mailer, Message-ID format), another timezone, another relay path. None of that can be judged
from one message alone, so this module only *extracts* the facts (kept with the item) and runs
the checks that need no comparison: the order of the Received timestamps and the Date against
the first relay. Comparison with the sender's other mail happens in `leak/senders.py`.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from contrefeu.model import Finding

_RECEIVED_BY = re.compile(r"\bby\s+([^\s;()]+)", re.IGNORECASE)
_RECEIVED_FROM = re.compile(r"\bfrom\s+([^\s;()]+)", re.IGNORECASE)
_MSGID = re.compile(r"<?([^<>@\s]+)@([^<>\s]+?)>?$")
_MAILER_VERSION = re.compile(r"[\s/(]*v?\d[\w.\-]*.*$")
_ID_LIST = re.compile(r"<[^<>\s]+>")

CLOCK_SKEW_SECONDS = 15 * 60  # relays' clocks drift; a quarter hour is no evidence
DATE_BEFORE_RELAY_SECONDS = 2 * 86400  # drafts sent later keep their old Date


@dataclass
class Hop:
    by: str | None
    from_host: str | None
    when: str | None  # ISO 8601 UTC


@dataclass
class HeaderFacts:
    date_offset_minutes: int | None = None
    mailer: str | None = None  # X-Mailer or User-Agent, as written
    mailer_family: str | None = None  # without version numbers, lower-case
    message_id_domain: str | None = None
    message_id_shape: str | None = None  # the local part's character-class pattern
    return_path_domain: str | None = None
    hops: list[Hop] = field(default_factory=list)  # top (last relay) first, as in the message
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, built by hand (asdict deep-copies field by field)."""
        return {
            "date_offset_minutes": self.date_offset_minutes,
            "mailer": self.mailer,
            "mailer_family": self.mailer_family,
            "message_id_domain": self.message_id_domain,
            "message_id_shape": self.message_id_shape,
            "return_path_domain": self.return_path_domain,
            "hops": [{"by": h.by, "from_host": h.from_host, "when": h.when} for h in self.hops],
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HeaderFacts:
        hops = [Hop(**h) for h in data.get("hops", [])]
        return cls(**{**data, "hops": hops})


def id_shape(local: str) -> str:
    """'CAF3x9+q=Ab1@...' -> 'Aa9+a=Aa9': classes of characters with runs collapsed.

    Mail clients build Message-IDs in recognisable shapes (Outlook's long upper-case hex,
    Gmail's CA+base64, Thunderbird's UUID-like): a shape the sender never produces is a sign
    of another client.
    """
    out: list[str] = []
    for ch in local[:80]:
        cls = "9" if ch.isdigit() else "A" if ch.isupper() else "a" if ch.islower() else ch
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)


def _mailer_family(mailer: str) -> str:
    family = _MAILER_VERSION.sub("", mailer.strip()).strip().lower()
    return family or mailer.strip().lower()


def _utc(value: str) -> str | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC).isoformat()


def _hop(value: str) -> Hop:
    text = " ".join(value.split())
    stamp = text.rsplit(";", 1)[1] if ";" in text else ""
    by = _RECEIVED_BY.search(text)
    source = _RECEIVED_FROM.search(text)
    return Hop(
        by=by.group(1).lower() if by else None,
        from_host=source.group(1).lower() if source else None,
        when=_utc(stamp) if stamp else None,
    )


def extract_header_facts(msg: Message) -> HeaderFacts:
    facts = HeaderFacts()
    date = msg.get("Date")
    if date:
        try:
            parsed = email.utils.parsedate_to_datetime(str(date))
            offset = parsed.utcoffset()
            facts.date_offset_minutes = (
                int(offset.total_seconds() // 60) if offset is not None else None
            )
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    mailer = msg.get("X-Mailer") or msg.get("User-Agent")
    if mailer:
        facts.mailer = " ".join(str(mailer).split())[:200]
        facts.mailer_family = _mailer_family(facts.mailer)
    mid = msg.get("Message-ID")
    if mid:
        match = _MSGID.search(" ".join(str(mid).split()))
        if match:
            facts.message_id_shape = id_shape(match.group(1))
            facts.message_id_domain = match.group(2).lower().rstrip(">")
    return_path = msg.get("Return-Path")
    if return_path:
        _, addr = email.utils.parseaddr(str(return_path))
        facts.return_path_domain = addr.rpartition("@")[2].lower() or None
    facts.hops = [_hop(str(v)) for v in (msg.get_all("Received") or [])[:50]]
    reply = msg.get("In-Reply-To")
    if reply:
        ids = _ID_LIST.findall(str(reply))
        facts.in_reply_to = ids[0] if ids else None
    facts.references = _ID_LIST.findall(str(msg.get("References") or ""))[:200]
    return facts


def check_header_facts(facts: HeaderFacts, date_utc: str | None) -> list[Finding]:
    """The checks one message allows on its own: relay timestamps and Date."""
    findings: list[Finding] = []
    stamps = [datetime.fromisoformat(h.when) for h in facts.hops if h.when]
    # Received headers are prepended: read bottom-up, each relay is later than the previous.
    chronological = list(reversed(stamps))
    for earlier, later in zip(chronological, chronological[1:], strict=False):
        if (earlier - later).total_seconds() > CLOCK_SKEW_SECONDS:
            findings.append(
                Finding(
                    "header-received-order",
                    "medium",
                    f"The Received headers are out of order: a relay stamped {later.isoformat()} "
                    f"comes after one stamped {earlier.isoformat()}. Relays add these headers in "
                    "order, so the chain was edited or assembled by hand.",
                )
            )
            break
    if date_utc and chronological:
        date = datetime.fromisoformat(date_utc)
        first = chronological[0]
        if (date - first).total_seconds() > CLOCK_SKEW_SECONDS:
            findings.append(
                Finding(
                    "header-date-after-relay",
                    "medium",
                    f"The Date ({date.isoformat()}) is later than the first relay's timestamp "
                    f"({first.isoformat()}): a message cannot be relayed before it is written.",
                )
            )
        elif (first - date).total_seconds() > DATE_BEFORE_RELAY_SECONDS:
            findings.append(
                Finding(
                    "header-date-long-before-relay",
                    "low",
                    f"The Date ({date.isoformat()}) is more than two days before the first relay "
                    f"({first.isoformat()}); drafts sent late do this, and so do back-dated fakes.",
                )
            )
    return findings
