"""Builders of the demo's genuine messages: unsigned internal mail and mail signed as it left
its sender, in every signature flavour the verifier must handle (RSA, Ed25519, sha1, expired,
weak key, two signatures, missing, recoverable or unaligned key). Nothing is changed after
signing here; see tampered.py for that.
"""

from __future__ import annotations

from contrefeu.demo import people, texts
from contrefeu.demo.context import BuildContext, DemoMail, Mailbox
from contrefeu.demo.messages import (
    CAMPAIGN_KEY,
    Signed,
    compose_mail,
    deliver,
    key_note,
    result,
    sign_mail,
    signed_header_names,
    signed_inbound,
    signed_outgoing,
    signing_time,
)
from contrefeu.demo.mime import replace_header
from contrefeu.demo.people import ORG_DOMAIN, Person
from contrefeu.demo.signing import demo_key


def unsigned_internal(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """Staff to staff through the campaign's own server: never signed, as in most real dumps."""
    outgoing = ctx.rng.random() < 0.45
    if outgoing:
        sender, to = box.owner, ctx.colleagues(box.owner)
    else:
        sender = ctx.rng.choice([p for p in people.STAFF if p != box.owner])
        to = [box.owner] + [p for p in ctx.colleagues(box.owner, 0, 1) if p != sender]
    when = ctx.date()
    letter = texts.internal(ctx.rng, sender, to, when)
    attachments = []
    if ctx.rng.random() < 0.2:
        kinds = (
            ("budget", "agenda")
            if sender.role == "finance"
            else ("programme", "volunteers", "agenda")
        )
        attachments.append(ctx.attachment(ctx.rng.choice(kinds), sender, when))
    raw, message_id = compose_mail(ctx, sender, to, letter, when, attachments=attachments)
    raw = ctx.internal_received(raw, when)
    return result(
        raw,
        "unsigned-internal",
        "unverified",
        "Internal mail between staff; the campaign does not sign internal mail.",
        when,
        outgoing,
        sender,
        message_id,
    )


def signed_ok(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """A genuine signed message, key archived, From aligned, whole body signed."""
    if ctx.rng.random() < 0.35:
        signed = signed_outgoing(ctx, box.owner)
    else:
        signed = signed_inbound(ctx, box.owner, ctx.rng.randrange(5))
    note = f"Signed by {key_note(signed.key)}, key archived; From {signed.sender.email} aligned."
    return result(
        deliver(ctx, signed),
        "signed-ok",
        "authentic",
        note,
        signed.when,
        signed.outgoing,
        signed.sender,
        signed.message_id,
    )


def signed_ed25519(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    signed = signed_outgoing(ctx, box.owner, demo_key(ORG_DOMAIN, "ed2017"))
    note = f"Only an ed25519-sha256 signature (RFC 8463), {key_note(signed.key)}, key archived."
    return result(
        signed.raw,
        "signed-ed25519",
        "authentic",
        note,
        signed.when,
        True,
        signed.sender,
        signed.message_id,
    )


def signed_sha1_old(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    when = ctx.date()
    key = demo_key("banque-horizon.example", "legacy")
    raw, message_id = compose_mail(
        ctx,
        people.BANK_LEGACY,
        [box.owner],
        texts.bank_statement(ctx.rng, when),
        when,
    )
    raw = sign_mail(ctx, raw, key, signing_time(when), algorithm="rsa-sha1")
    signed = Signed(
        raw, when, message_id, people.BANK_LEGACY, box.owner, key, False, texts.Letter("", [])
    )
    note = f"rsa-sha1 signature (weak hash, still valid) by {key_note(key)}, key archived."
    return result(
        deliver(ctx, signed),
        "signed-sha1-old",
        "authentic",
        note,
        when,
        False,
        people.BANK_LEGACY,
        message_id,
    )


def signed_expired(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """A freemail provider that sets x= a week after t=: expired now, expected for old mail."""
    when = ctx.date()
    citizen = people.CITIZENS[index % len(people.CITIZENS)]
    key = demo_key("webmail.example", "wm2017")
    raw, message_id = compose_mail(
        ctx, citizen, [box.owner], texts.citizen_message(ctx.rng, citizen, box.owner, when), when
    )
    signed_at = signing_time(when)
    raw = sign_mail(ctx, raw, key, signed_at, expire=signed_at + 7 * 86400)
    signed = Signed(raw, when, message_id, citizen, box.owner, key, False, texts.Letter("", []))
    note = f"Signed by {key_note(key)} with x= one week after t= (expired in 2017); valid."
    return result(
        deliver(ctx, signed), "signed-expired", "authentic", note, when, False, citizen, message_id
    )


def weak_key(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    when = ctx.date()
    key = demo_key("imprimerie-rapide.example", "old512")
    letter = texts.printer_quote(ctx.rng, people.PRINTER, box.owner, when)
    force = (people.PRINTER, key, letter, when, [ctx.attachment("quote", people.PRINTER, when)])
    signed = signed_inbound(ctx, box.owner, 0, force=force)
    note = f"Valid signature with a 512-bit RSA key ({key_note(key)}): weak, forgeable."
    return result(
        deliver(ctx, signed),
        "weak-key",
        "authentic",
        note,
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )


def two_sigs_one_fails(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """The campaign's newsletter: signed by the campaign (passes) and by the emailing relay over
    List-Unsubscribe, which a link-tracking gateway rewrote afterwards (relay signature fails)."""
    when = ctx.date()
    number = 10 + index
    sender = Person("Avenir Commun", f"lettre@{ORG_DOMAIN}", "newsletter")
    token = f"{ctx.rng.getrandbits(48):012x}"
    unsubscribe = ("List-Unsubscribe", f"<https://mailer-pro-relay.example/u/{token}>")
    raw, message_id = compose_mail(
        ctx,
        sender,
        [box.owner],
        texts.newsletter(ctx.rng, number, when),
        when,
        extra=[unsubscribe],
    )
    names = [n for n in signed_header_names(raw) if n != "list-unsubscribe"]
    raw = sign_mail(ctx, raw, CAMPAIGN_KEY, signing_time(when), headers=names)
    relay = demo_key("mailer-pro-relay.example", "relay1")
    raw = sign_mail(
        ctx,
        raw,
        relay,
        signing_time(when) + 1,
        headers=["from", "to", "subject", "date", "list-unsubscribe"],
    )
    new_token = f"{ctx.rng.getrandbits(48):012x}"
    raw, _ = replace_header(
        raw, "List-Unsubscribe", f"<https://links.gazette-track.example/c/{new_token}>"
    )
    signed = Signed(
        raw, when, message_id, sender, box.owner, CAMPAIGN_KEY, False, texts.Letter("", [])
    )
    note = (
        f"Aligned signature {key_note(CAMPAIGN_KEY)} passes; the relay's signature "
        f"{key_note(relay)} fails because List-Unsubscribe was rewritten after signing."
    )
    arrival = [
        f"dkim=pass header.d={ORG_DOMAIN} header.s={CAMPAIGN_KEY.selector}",
        f"dkim=fail header.d={relay.domain} header.s={relay.selector}",
    ]
    return result(
        deliver(ctx, signed, dkim_results=arrival, via=relay.domain),
        "two-sigs-one-fails",
        "authentic",
        note,
        when,
        False,
        sender,
        message_id,
    )


def missing_key(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """Signed by a (domain, selector) whose key is in no archive, used by this message only."""
    sender, selector = people.MISSING_KEY_SENDERS[index]
    key = demo_key(sender.domain, selector)
    when = ctx.date()
    letter = texts.association_message(ctx.rng, sender, box.owner, when)
    signed = signed_inbound(ctx, box.owner, 0, force=(sender, key, letter, when, []))
    note = f"Signed by {key_note(key)}, whose public key is not archived (one message only)."
    return result(
        deliver(ctx, signed),
        "missing-key",
        "unverified",
        note,
        signed.when,
        False,
        sender,
        signed.message_id,
    )


def recovered_key(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """The emailing provider's notifications, signed with a key that is not archived but can be
    recovered from its several signatures in the dump."""
    sender = people.MAILER if index % 3 else people.MAILER_BILLING
    key = demo_key("mailer-pro.example", "k1")
    when = ctx.date()
    letter = texts.mailer_notification(ctx.rng, when, 3 + index)
    signed = signed_inbound(ctx, box.owner, 0, force=(sender, key, letter, when, []))
    note = (
        f"Signed by {key_note(key)}; key not archived, recoverable from the provider's "
        "signatures in this dump (still not proof)."
    )
    return result(
        deliver(ctx, signed),
        "recovered-key",
        "unverified",
        note,
        signed.when,
        False,
        sender,
        signed.message_id,
    )


def not_aligned(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    when = ctx.date()
    sender = people.GAZETTE_NEWSLETTER
    key = demo_key("mailer-pro-relay.example", "relay1")
    letter = texts.gazette_newsletter(ctx.rng, when)
    signed = signed_inbound(ctx, box.owner, 0, force=(sender, key, letter, when, []))
    note = (
        f"From {sender.email} but only signed by {key_note(key)} (key archived, passes): "
        "not aligned with From."
    )
    return result(
        deliver(ctx, signed),
        "not-aligned",
        "unverified",
        note,
        signed.when,
        False,
        sender,
        signed.message_id,
    )
