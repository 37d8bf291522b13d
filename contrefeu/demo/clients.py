"""Who writes with what: the mail program of every sender of the demo, and the systems their mail
leaves through.

Real people have habits: one mail client (its X-Mailer or User-Agent, its Message-ID format), one
clock, one outgoing server. The cross-item checks learn those habits from the dump and flag the
message that breaks them, so the genuine mail of the demo must keep them: every staff member
and regular correspondent has exactly one client here. The forgers' programs are here too, so
a forged message differs from the genuine ones only where a real forger's would.
Not a catalogue of real clients' exact formats: close enough to be recognisable.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from contrefeu.demo.people import ORG_DOMAIN, Person

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class MailClient:
    """A mail program: the header it writes (if any) and how it builds Message-IDs."""

    name: str
    header: tuple[str, str] | None  # ("X-Mailer", "...") or None for programs that write none
    id_style: str  # outlook | uuid | UUID | webmail | macoutlook | mta | thebat
    id_domain: str | None = None  # a fixed right-hand side (hosted systems); None: From domain

    def message_id(self, rng: random.Random, when: datetime, sender: Person) -> str:
        domain = self.id_domain or sender.domain
        return f"<{_local_part(self.id_style, rng, when, sender)}@{domain}>"


def _local_part(style: str, rng: random.Random, when: datetime, sender: Person) -> str:
    # Every style below always contains the same character classes (upper, lower, digit, '.',
    # '$'): a random id that happened to lack letters would look like another program's.
    if style == "outlook":
        # Outlook with a POP/IMAP account: FILETIME-based, "01d2" is the 2017 high word.
        return (
            f"{rng.getrandbits(16):04x}01d2{rng.getrandbits(16):04x}"
            f"${rng.getrandbits(32):08x}${rng.getrandbits(32):08x}$"
        )
    if style in ("uuid", "UUID"):
        text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        return text.upper() if style == "UUID" else text
    if style == "webmail":
        # Gmail-like: "CA" then URL-safe base64 with a '+' and a '='.
        body = "".join(rng.choice(_ALNUM) for _ in range(40))
        return f"CA{body[:2]}{rng.randrange(10)}{body[2:12]}+{body[12:20]}=k{body[20:]}"
    if style == "macoutlook":
        return f"D5{rng.getrandbits(24):06X}.{rng.getrandbits(20):05X}%{sender.email.split('@')[0]}"
    if style == "mta":
        stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        return f"{stamp}.{rng.randrange(10**6):06d}.JavaMail.srvmail"
    if style == "thebat":
        stamp = when.strftime("%Y%m%d%H%M%S")
        return f"{rng.randrange(10**9, 10**10)}.{stamp}"
    raise ValueError(f"unknown Message-ID style {style!r}")


OUTLOOK = MailClient("Outlook 2016", ("X-Mailer", "Microsoft Outlook 16.0"), "outlook")
THUNDERBIRD = MailClient(
    "Thunderbird",
    (
        "User-Agent",
        "Mozilla/5.0 (Windows NT 10.0; WOW64; rv:45.0) Gecko/20100101 Thunderbird/45.8.0",
    ),
    "uuid",
)
APPLE_MAIL = MailClient("Apple Mail", ("X-Mailer", "Apple Mail (2.3273)"), "UUID")
IPHONE_MAIL = MailClient("iPhone Mail", ("X-Mailer", "iPhone Mail (14D27)"), "UUID")
MAC_OUTLOOK = MailClient(
    "Outlook for Mac", ("User-Agent", "Microsoft-MacOutlook/14.7.2.170228"), "macoutlook"
)
WEBMAIL = MailClient("webmail.example", None, "webmail", "mail.webmail.example")
MTA = MailClient("automatic mailer", None, "mta")  # banks' and providers' systems: no client
# A forger's desktop client: a different program, Message-IDs made on the forger's own host.
THE_BAT = MailClient(
    "The Bat!",
    ("X-Mailer", "The Bat! (v8.0.12) Professional"),
    "thebat",
    "vps-4412.hostnet.example",
)

_STAFF_CLIENTS = {
    "c.martin": APPLE_MAIL,
    "j.dubois": OUTLOOK,
    "s.lefevre": OUTLOOK,
    "m.bernard": THUNDERBIRD,
    "n.benali": THUNDERBIRD,
    "t.girard": OUTLOOK,
    "e.roux": APPLE_MAIL,
    "k.haddad": IPHONE_MAIL,
    "a.fournier": OUTLOOK,
    "e.wilson": APPLE_MAIL,
    "l.moreau": THUNDERBIRD,
    "presse": OUTLOOK,
    "lettre": MTA,
}
_DOMAIN_CLIENTS = {
    "gazette.example": OUTLOOK,
    "herald.example": MAC_OUTLOOK,
    "webmail.example": WEBMAIL,
    "imprimerie-rapide.example": THUNDERBIRD,
    "palais-congres.example": OUTLOOK,
    "collectif-citoyen.example": THUNDERBIRD,
    "asso-quartier.example": APPLE_MAIL,
}
# People of an automatic domain who write by hand.
_PERSON_CLIENTS = {"m.garnier@banque-horizon.example": OUTLOOK}


def client_of(person: Person) -> MailClient:
    """The one mail program `person` writes with."""
    if person.email in _PERSON_CLIENTS:
        return _PERSON_CLIENTS[person.email]
    login, _, domain = person.email.partition("@")
    if domain == ORG_DOMAIN:
        return _STAFF_CLIENTS.get(login, THUNDERBIRD)
    return _DOMAIN_CLIENTS.get(domain, MTA)


def outgoing_host(person: Person) -> str:
    """The server a correspondent's mail leaves through (its first Received hop's `by`)."""
    domain = person.domain
    parts = domain.split(".")
    if len(parts) > 2:  # info.banque-horizon.example leaves through the bank's servers
        domain = ".".join(parts[-2:])
    return f"smtp.{domain}"
