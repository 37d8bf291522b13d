"""Making the demo's messages: compose, sign with a demo key, add transport headers.

The scenario builders (genuine.py, tampered.py) call these to get a signed message before they
decide what happens to it. Nothing here tampers with anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from contrefeu.demo import people, texts
from contrefeu.demo.clients import MailClient
from contrefeu.demo.context import SIGNABLE, BuildContext, DemoMail
from contrefeu.demo.mime import Attachment, compose, split_message, wrap_paragraphs
from contrefeu.demo.people import ORG_DOMAIN, Person
from contrefeu.demo.signing import DemoKey, demo_key, sign


def signed_header_names(raw: bytes) -> list[str]:
    head, _ = split_message(raw)
    names = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") or b":" not in line:
            continue
        name = line.split(b":", 1)[0].decode("ascii").lower()
        if name in SIGNABLE:
            names.append(name)
    return names


def pick_canonicalization(ctx: BuildContext) -> tuple[str, str]:
    return ctx.rng.choices(
        (("relaxed", "relaxed"), ("relaxed", "simple"), ("simple", "simple")), weights=(7, 2, 1)
    )[0]


def sign_mail(
    ctx: BuildContext, raw: bytes, key: DemoKey, when_ts: int, **options: object
) -> bytes:
    options.setdefault("canonicalize", pick_canonicalization(ctx))
    headers = options.pop("headers", None) or signed_header_names(raw)
    return sign(raw, key, timestamp=when_ts, headers=headers, **options)


def signing_time(when: datetime) -> int:
    return int(when.timestamp()) + 2  # the signing MTA stamps t= just after Date


def compose_mail(
    ctx: BuildContext,
    sender: Person,
    to: Sequence[Person],
    letter: texts.Letter,
    when: datetime,
    *,
    attachments: Sequence[Attachment] = (),
    extra: Sequence[tuple[str, str]] = (),
    cc: Sequence[Person] = (),
    client: MailClient | None = None,
    date: datetime | None = None,
) -> tuple[bytes, str]:
    """The composed message and its Message-ID, as the sender's client (or `client`) writes
    it; `date` overrides the sender's clock in Date."""
    headers = ctx.headers(
        sender, to, when, letter.subject, cc=cc, extra=extra, client=client, date=date
    )
    message_id = dict(headers)["Message-ID"]
    boundary = ctx.boundary() if attachments else ""
    raw = compose(headers, wrap_paragraphs(letter.paragraphs), attachments, boundary=boundary)
    return raw, message_id


def result(
    raw: bytes,
    scenario: str,
    verdict: str,
    note: str,
    when: datetime,
    outgoing: bool,
    sender: Person,
    message_id: str | None,
) -> DemoMail:
    return DemoMail(raw, scenario, verdict, note, when, outgoing, sender.email, message_id)


def key_note(key: DemoKey) -> str:
    size = "Ed25519" if key.algorithm == "ed25519" else f"RSA-{key.bits}"
    return f"d={key.domain} s={key.selector} ({size})"


CAMPAIGN_KEY = demo_key(ORG_DOMAIN, "mail2017")


@dataclass(frozen=True)
class Signed:
    """An external or outgoing message signed by its sender's domain, before any tampering."""

    raw: bytes
    when: datetime
    message_id: str
    sender: Person
    recipient: Person
    key: DemoKey
    outgoing: bool
    letter: texts.Letter


Inbound = tuple[Person, DemoKey, texts.Letter, datetime, list[Attachment]]


def inbound_letter(ctx: BuildContext, owner: Person, variant: int) -> Inbound:
    """One of the usual signed messages from outside, addressed to `owner`."""
    when = ctx.date()
    variant %= 5
    if variant == 0:
        sender = ctx.rng.choice(people.JOURNALISTS)
        selector = "s2017" if sender.domain == "gazette.example" else "sel1"
        letter = texts.press_request(ctx.rng, sender, owner, when)
        attachments: list[Attachment] = []
    elif variant == 1:
        sender = people.BANK[0]
        selector, letter, attachments = (
            "bh2017",
            texts.bank_message(ctx.rng, sender, owner, when),
            [],
        )
    elif variant == 2:
        # From a subdomain of the signing domain: still aligned (relaxed alignment).
        sender = people.BANK_ALERTS
        letter = texts.bank_statement(ctx.rng, when)
        return sender, demo_key("banque-horizon.example", "bh2017"), letter, when, []
    elif variant == 3:
        sender = people.VENUE
        letter = texts.venue_booking(ctx.rng, sender, owner, when)
        selector, attachments = "key2017", [ctx.attachment("tech-sheet", sender, when)]
    else:
        sender = ctx.rng.choice(people.JOURNALISTS)
        selector = "s2017" if sender.domain == "gazette.example" else "sel1"
        letter = texts.press_request(ctx.rng, sender, owner, when)
        attachments = []
    return sender, demo_key(sender.domain, selector), letter, when, attachments


def signed_inbound(
    ctx: BuildContext,
    owner: Person,
    variant: int,
    *,
    length: bool = False,
    force: Inbound | None = None,
) -> Signed:
    sender, key, letter, when, attachments = force or inbound_letter(ctx, owner, variant)
    raw, message_id = compose_mail(ctx, sender, [owner], letter, when, attachments=attachments)
    raw = sign_mail(ctx, raw, key, signing_time(when), length=length)
    return Signed(raw, when, message_id, sender, owner, key, False, letter)


def signed_outgoing(ctx: BuildContext, owner: Person, key: DemoKey = CAMPAIGN_KEY) -> Signed:
    when = ctx.date()
    if ctx.rng.random() < 0.6:
        other = ctx.rng.choice(people.JOURNALISTS)
        letter = texts.press_reply(ctx.rng, owner, other, when)
        attachments = [ctx.attachment("press-kit", owner, when)] if ctx.rng.random() < 0.4 else []
    else:
        other = ctx.rng.choice((people.PRINTER, people.VENUE))
        letter = texts.supplier_order(ctx.rng, owner, other, when)
        attachments = []
    raw, message_id = compose_mail(ctx, owner, [other], letter, when, attachments=attachments)
    raw = sign_mail(ctx, raw, key, signing_time(when))
    return Signed(raw, when, message_id, owner, other, key, True, letter)


def deliver(
    ctx: BuildContext,
    signed: Signed,
    raw: bytes | None = None,
    *,
    dkim_results: Sequence[str] | None = None,
    via: str | None = None,
) -> bytes:
    """The bytes as stored in the mailbox: inbound mail gets the MX's transport headers, whose
    Authentication-Results say what the MX saw on arrival (by default: the signature passed)."""
    raw = signed.raw if raw is None else raw
    if signed.outgoing:
        return raw
    if dkim_results is None:
        dkim_results = [f"dkim=pass header.d={signed.key.domain} header.s={signed.key.selector}"]
    return ctx.inbound_transport(
        raw, signed.sender, signed.recipient, signed.when, dkim_results, via=via
    )
