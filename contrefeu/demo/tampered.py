"""Builders of the demo's changed or damaged messages: headers added or altered after signing,
bodies altered or extended past l=, mbox quoting that can or cannot be undone, broken files.
"""

from __future__ import annotations

from datetime import timedelta

from contrefeu.demo import people, texts
from contrefeu.demo.context import BuildContext, DemoMail, Mailbox
from contrefeu.demo.messages import Signed, compose_mail, deliver, key_note, result, signed_inbound
from contrefeu.demo.mime import address, insert_header_after, replace_header, split_message
from contrefeu.demo.people import Person
from contrefeu.demo.signing import demo_key


def unsigned_cc_added(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    signed = signed_inbound(ctx, box.owner, index % 2)  # press request or bank message
    added = people.JOURNALISTS[(index + 1) % len(people.JOURNALISTS)]
    raw = insert_header_after(signed.raw, "To", f"Cc: {address(added)}")
    note = (
        f"Signed by {key_note(signed.key)}; a Cc: header ({added.email}) was added after "
        "signing and is not covered by h= (cc)."
    )
    return result(
        deliver(ctx, signed, raw),
        "unsigned-cc-added",
        "authentic",
        note,
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )


def body_altered(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    signed = signed_inbound(ctx, box.owner, 1 if index % 2 == 0 else 3)  # bank or venue
    original = signed.letter.amount
    assert original is not None
    changed = original.replace(" ", "", 1)
    changed = f"{int(changed) * 10:,}".replace(",", " ")
    head, body = split_message(signed.raw)
    if original.encode() not in body:
        raise AssertionError("the amount to alter is not in the body")
    raw = head + body.replace(original.encode(), changed.encode(), 1)
    note = (
        f"Signed by {key_note(signed.key)}; after signing the amount {original} was changed "
        f"to {changed} in the body (body hash mismatch)."
    )
    return result(
        deliver(ctx, signed, raw),
        "body-altered",
        "altered",
        note,
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )


def header_altered(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    # A Herald reporter's request. (The Gazette reporters' mail stays uniformly signed: it is
    # the habit the forged Gazette mail of forgeries.py breaks.)
    reporter = people.JOURNALISTS[2 + index % 2]
    when = ctx.date()
    letter = texts.press_request(ctx.rng, reporter, box.owner, when)
    key = demo_key("herald.example", "sel1")
    signed = signed_inbound(ctx, box.owner, 0, force=(reporter, key, letter, when, []))
    head, _ = split_message(signed.raw)
    subject_line = [line for line in head.split(b"\n") if line.startswith(b"Subject: ")][0]
    folded = head.split(subject_line + b"\n", 1)[1][:1] in (b" ", b"\t")
    if index % 2 == 0 and not folded:
        raw, old = replace_header(signed.raw, "Subject", "Entretien annulé — merci de rappeler")
        what = f"Subject changed after signing (was {old.decode()!r})"
    else:
        backdated = signed.when - timedelta(days=9)
        raw, old = replace_header(
            signed.raw, "Date", backdated.strftime("%a, %d %b %Y %H:%M:%S %z")
        )
        what = f"Date moved nine days back after signing (was {old.decode()!r})"
    note = f"Signed by {key_note(signed.key)}; {what}: header signature fails."
    return result(
        deliver(ctx, signed, raw),
        "header-altered",
        "altered",
        note,
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )


def body_length_appended(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    signed = signed_inbound(ctx, box.owner, 1 if index % 2 == 0 else 2, length=True)
    appended = (
        "\nPS : suite à un changement de banque, merci de verser désormais les paiements "
        "sur le compte\nIBAN FR76 3000 4000 0500 0012 3456 789 (urgent).\n"
    )
    raw = signed.raw + appended.encode()
    note = (
        f"Signed by {key_note(signed.key)} with l= (body length); a paragraph asking for "
        "payments to a new IBAN was appended after the signed length."
    )
    return result(
        deliver(ctx, signed, raw),
        "body-length-appended",
        "altered",
        note,
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )


def _herald_letter(ctx: BuildContext, owner: Person, ambiguous: bool) -> texts.Letter:
    topic = ctx.rng.choice(texts.TOPICS_EN)
    if ambiguous:
        paragraphs = [
            "Thanks for the figures. One more question on the costing note you sent:",
            f">From the costing note: the measure on {topic} costs 2.1 billion a year.",
            "From what I understand, that figure excludes the regional share.\nCan you confirm "
            "before Thursday?",
        ]
        subject = "Re: Costing note"
    else:
        paragraphs = [
            f"Our piece on {topic} runs on Saturday. We would like a quote from the candidate.",
            "From our side, the deadline is Friday 6pm Paris time.\nAfter that the page goes to "
            "print.",
        ]
        subject = f"Quote for Saturday's piece on {topic}"
    letter = texts.Letter(subject, paragraphs)
    return texts.finish(letter, people.JOURNALISTS[2], [owner], "en", formal=True)


def _mbox_case(ctx: BuildContext, box: Mailbox, ambiguous: bool) -> Signed:
    when = ctx.date()
    letter = _herald_letter(ctx, box.owner, ambiguous)
    key = demo_key("herald.example", "sel1")
    return signed_inbound(ctx, box.owner, 0, force=(people.JOURNALISTS[2], key, letter, when, []))


def mbox_quoted_ok(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    signed = _mbox_case(ctx, box, ambiguous=False)
    note = (
        f"Signed by {key_note(signed.key)}; its body has a line starting 'From ', written "
        "'>From ' in the mboxo file: valid once unquoted."
    )
    return result(
        deliver(ctx, signed),
        "mbox-quoted-ok",
        "authentic",
        note,
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )


def mbox_ambiguous(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    signed = _mbox_case(ctx, box, ambiguous=True)
    note = (
        f"Signed by {key_note(signed.key)}; the body had both a '>From ' line and a 'From ' "
        "line, both '>From ' in the mboxo file: cannot be undone (possible mbox artefact)."
    )
    return result(
        deliver(ctx, signed),
        "mbox-ambiguous",
        "unverified",
        note,
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )


def malformed(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """Broken files: truncated MIME, binary junk named .eml, no header/body separator."""
    when = ctx.date()
    sender = ctx.rng.choice([p for p in people.STAFF if p != box.owner])
    variant = index % 3
    message_id: str | None = None
    if variant == 0:
        letter = texts.internal(ctx.rng, sender, [box.owner], when)
        attachment = ctx.attachment("quote", sender, when)
        raw, message_id = compose_mail(
            ctx, sender, [box.owner], letter, when, attachments=[attachment]
        )
        cut = raw.index(b'Content-Disposition: attachment; filename="') + 48
        raw = raw[:cut]
        note = "Truncated MIME: multipart without closing boundary, cut in a part's header."
    elif variant == 1:
        raw = b"\x00\xff\xfePK\x03\x04" + ctx.rng.randbytes(1500 + ctx.rng.randrange(1000))
        note = "Binary junk in a file named .eml: not a message."
    else:
        letter = texts.internal(ctx.rng, sender, [box.owner], when)
        raw, message_id = compose_mail(ctx, sender, [box.owner], letter, when)
        head, body = split_message(raw)
        raw = head[:-1] + body  # drop the blank line: the body runs into the header block
        note = "No blank line between header and body: the first body line is not a header."
    return result(raw, "malformed", "malformed", note, when, False, sender, message_id)
