"""Builders of the demo's fabricated and "completed" messages, as a hack-and-leak operation
leaves them: fakes written on the forger's own machine in the style of a real sender, a fake
reply slipped into a real thread, a staff address used through a freemail service, and genuine
signed messages copied elsewhere in the dump with their signature removed and a sentence added.

Each forgery carries at least two independent anomalies a careful reader can check by hand
(the truth note lists them); none of them is visible in the message alone, only against the
sender's other mail, which is what the scan's cross-item phase compares.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from contrefeu.demo import people, texts
from contrefeu.demo.clients import THE_BAT, THUNDERBIRD, WEBMAIL
from contrefeu.demo.context import START, BuildContext, DemoMail, Mailbox
from contrefeu.demo.conversations import quote_original
from contrefeu.demo.messages import (
    compose_mail,
    deliver,
    key_note,
    result,
    sign_mail,
    signed_inbound,
    signing_time,
)
from contrefeu.demo.mime import remove_header, split_message, wrap_paragraphs
from contrefeu.demo.people import Person
from contrefeu.demo.signing import demo_key

MOSCOW = timezone(timedelta(hours=3))
FORGER_RELAY = "smtp.hostnet.example"
OPEN_RELAY = "mail.free-relay.example"


def forged_staff_impersonation(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """A fake instruction "from the press office", written in another client on a machine set
    to UTC+3 and sent through a rented server: no campaign signature, whose server signs all
    the press office's mail."""
    sender = people.PRESS_OFFICE
    when = ctx.date()
    city = ctx.rng.choice(texts.CITIES)
    letter = texts.Letter(
        "Consignes : questions sur le financement",
        [
            "Bonjour à tous,",
            f"Suite aux questions sur le financement du meeting de {city}, merci de ne faire "
            "aucun commentaire sur les dons reçus en espèces ni sur les associations qui ont "
            "payé la salle.",
            "Les notes de frais de mars doivent être détruites avant le contrôle de la "
            "commission. Ne transférez pas ce message.",
            "Service presse Avenir Commun",
        ],
    )
    to = [box.owner, *ctx.colleagues(box.owner, 1, 2)]
    raw, message_id = compose_mail(
        ctx, sender, to, letter, when, client=THE_BAT, date=when.astimezone(MOSCOW)
    )
    raw = ctx.inbound_transport(
        raw,
        sender,
        box.owner,
        when,
        ["dkim=none (message not signed)", "spf=softfail smtp.mailfrom=avenir-commun.fr"],
        host=FORGER_RELAY,
    )
    note = (
        f"Forged press-office instruction: unsigned (the press office's mail is always signed "
        f"by {people.ORG_DOMAIN}), written with The Bat! instead of Outlook, Message-ID "
        f"{message_id} made on the forger's host, Date in UTC+3, relayed by {FORGER_RELAY}."
    )
    return result(raw, "forged-staff", "forged", note, when, False, sender, message_id)


def forged_external(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """A fake message from a Gazette reporter: the Gazette signs all its mail and writes with
    Outlook; this one is unsigned, from Thunderbird, and came through an open relay."""
    reporter = people.JOURNALISTS[index % 2]  # p.durand, then l.petit
    when = ctx.date()
    letter = texts.finish(
        texts.Letter(
            "Article de demain : dons en espèces",
            [
                "Suite à notre conversation téléphonique, je vous confirme que La Gazette publie "
                "demain les documents montrant que le trésorier a accepté des dons en espèces "
                "au-delà du plafond légal.",
                "Vous m'avez dit que M. Bernard était au courant depuis février ; je vous cite "
                "sauf objection écrite de votre part avant 18h.",
            ],
        ),
        reporter,
        [box.owner],
        "fr",
        formal=True,
    )
    raw, message_id = compose_mail(ctx, reporter, [box.owner], letter, when, client=THUNDERBIRD)
    raw = ctx.inbound_transport(
        raw, reporter, box.owner, when, ["dkim=none (message not signed)"], host=OPEN_RELAY
    )
    note = (
        f"Forged Gazette mail: unsigned (gazette.example signs all {reporter.email}'s mail), "
        f"Thunderbird instead of Outlook (Message-ID format), relayed by {OPEN_RELAY}."
    )
    return result(raw, "forged-external", "forged", note, when, False, reporter, message_id)


def forged_reply(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """A fake answer of the press officer to a real Gazette question: In-Reply-To the real
    question, but dated before it and quoting a question the reporter never asked."""
    early = [t for t in ctx.threads if t.when - timedelta(days=3) > START]
    if not early:
        raise AssertionError("forged replies need press threads built before them")
    thread = early[index % len(early)]
    officer, reporter = thread.recipient, thread.sender
    when = thread.when - timedelta(days=1 + index % 2, hours=ctx.rng.randint(1, 5))
    invented = (
        "Pouvez-vous nous confirmer que le candidat a reçu un prêt personnel de deux millions "
        "d'euros de la Banque Horizon pour financer sa campagne, sans le déclarer à la "
        "commission des comptes ?"
    )
    quoted = wrap_paragraphs([f"Bonjour {officer.first_name},", invented, reporter.first_name])
    letter = texts.finish(
        texts.Letter(
            f"Re: {thread.subject}",
            [
                "Je vous le confirme, mais cette information ne doit pas sortir avant le second "
                "tour. Le prêt sera remboursé par les dons des associations.",
            ],
        ),
        officer,
        [reporter],
        "fr",
        formal=True,
    )
    threading = quote_original(letter, thread.message_id, reporter, when, quoted)
    raw, message_id = compose_mail(
        ctx, officer, [reporter], letter, when, cc=[box.owner], extra=threading
    )
    raw = ctx.internal_received(raw, when)
    note = (
        f"Forged reply to the real message {thread.message_id}: dated {when:%Y-%m-%d %H:%M}, "
        f"before that message ({thread.when:%Y-%m-%d %H:%M}), and quoting a question it does "
        "not contain. Headers imitate the press officer's client."
    )
    return result(raw, "forged-reply", "forged", note, when, False, officer, message_id)


def forged_freemail(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """A staff address sent through the freemail provider, asking the finance team for an
    urgent transfer: signed by webmail.example only, webmail Message-ID, no mail client."""
    sender = (people.staff("j.dubois"), people.staff("s.lefevre"))[index % 2]
    when = ctx.date()
    amount = texts.amount(ctx.rng, 30000, 60000)
    letter = texts.finish(
        texts.Letter(
            "Virement urgent",
            [
                "Je suis en réunion toute la journée et je n'ai pas accès à la messagerie du QG.",
                f"Peux-tu faire aujourd'hui un virement de {amount} euros au prestataire "
                "ci-dessous ? C'est pour le meeting, je t'expliquerai. IBAN FR76 1027 8060 "
                "3100 0205 3470 143.",
                "Merci de ne pas en parler à l'équipe pour l'instant.",
            ],
        ),
        sender,
        [box.owner],
        "fr",
        formal=False,
    )
    key = demo_key("webmail.example", "wm2017")
    raw, message_id = compose_mail(ctx, sender, [box.owner], letter, when, client=WEBMAIL)
    signed_at = signing_time(when)
    raw = sign_mail(ctx, raw, key, signed_at, expire=signed_at + 7 * 86400)
    account = f"{sender.first_name.lower()}.{sender.email.split('.')[1].split('@')[0]}75"
    raw = ctx.inbound_transport(
        raw,
        sender,
        box.owner,
        when,
        [
            f"dkim=pass header.d={key.domain} header.s={key.selector}",
            f"dmarc=fail header.from={people.ORG_DOMAIN}",
        ],
        host="smtp.webmail.example",
        return_path=f"{account}@webmail.example",
    )
    note = (
        f"Forged: staff address {sender.email} sent through webmail.example (valid signature "
        f"{key_note(key)} only, not the campaign's), webmail Message-ID, no mail client, "
        "relayed by smtp.webmail.example."
    )
    return result(raw, "forged-freemail", "forged", note, when, False, sender, message_id)


# --- completed copies ------------------------------------------------------------------------

# What each completed copy adds (None: the copy only changes the amount). Kept short, as a
# real "completion" is: a clause that changes the meaning, not a new letter.
_ADDED: tuple[tuple[str, str] | None, ...] = (
    None,
    ("Best regards,", "Off the record, your treasurer confirmed the Lyon rally was paid in cash."),
    (
        "Bien cordialement,",
        "Facture à établir au nom de l'association de soutien, comme demandé.",
    ),
)
_COPY_BOXES = ("mbox", "zip-outer", "mbox")


def _copied_letter(
    ctx: BuildContext, box: Mailbox, variant: int, when: datetime
) -> tuple[Person, str, texts.Letter]:
    """The genuine message a completed copy is made of: (sender, DKIM selector, letter)."""
    later = texts.fr_day(when + timedelta(days=ctx.rng.randint(3, 9)))
    amount = texts.amount(ctx.rng, 20000, 90000)
    if variant == 0:
        banker = people.BANK[0]
        paragraphs = [
            f"Suite à notre entretien, je vous confirme l'accord de principe de la banque pour "
            f"une avance de trésorerie de {amount} euros au bénéfice du compte de campagne.",
            "Cette avance est remboursable au plus tard trois mois après le scrutin. Les "
            "documents à signer par votre mandataire financier vous parviendront "
            f"{later} par courrier.",
        ]
        letter = texts.Letter("Avance de trésorerie", paragraphs, amount=amount)
        return banker, "bh2017", texts.finish(letter, banker, [box.owner], "fr", formal=True)
    if variant == 1:
        reporter = people.JOURNALISTS[2]
        paragraphs = [
            "Following our call, three questions for the piece on the campaign's finances. "
            "How many individual donors has the campaign had since January?",
            "Has any rally been paid for by a third party, such as a supporting association? "
            "And will the candidate publish the final accounts before the second round?",
        ]
        letter = texts.Letter("Questions on the campaign's finances", paragraphs)
        return reporter, "sel1", texts.finish(letter, reporter, [box.owner], "en", formal=True)
    venue = people.VENUE
    paragraphs = [
        f"Nous vous confirmons la privatisation de l'auditorium pour la soirée du {later}, "
        "avec accueil du public à partir de 18h30.",
        f"Le devis révisé s'élève à {amount} euros, incluant la régie son et lumière, la "
        "sécurité et le nettoyage. Merci de nous retourner le bon pour accord signé.",
    ]
    letter = texts.Letter("Privatisation de l'auditorium", paragraphs, amount=amount)
    return venue, "key2017", texts.finish(letter, venue, [box.owner], "fr", formal=True)


def completed_copy(ctx: BuildContext, box: Mailbox, index: int) -> list[DemoMail]:
    """A genuine signed message (kept where it was received) and a copy of it placed in another
    mailbox: same Message-ID, DKIM-Signature removed, and the bank's amount multiplied by ten,
    a sentence added to a reporter's request, or both to a venue's booking."""
    variant = index % 3
    when = ctx.date()
    sender, selector, letter = _copied_letter(ctx, box, variant, when)
    key = demo_key(sender.domain, selector)
    signed = signed_inbound(ctx, box.owner, 0, force=(sender, key, letter, when, []))
    original = deliver(ctx, signed)
    copy, removed = remove_header(original, "DKIM-Signature")
    assert removed == 1
    head, body = split_message(copy)
    changes = []
    addition = _ADDED[variant]
    if addition is not None:
        closing, sentence = addition
        marker = f"\n\n{closing}\n".encode()
        if marker not in body:
            raise AssertionError("no closing line to add a sentence before")
        added = wrap_paragraphs([sentence]).rstrip("\n").encode()
        body = body.replace(marker, b"\n\n" + added + marker, 1)
        changes.append(f"added «{sentence}»")
    amount = signed.letter.amount
    if amount is not None and variant != 1:
        bigger = f"{int(amount.replace(' ', '')) * 10:,}".replace(",", " ")
        body = body.replace(amount.encode(), bigger.encode(), 1)
        changes.append(f"changed the amount {amount} to {bigger}")
    what = " and ".join(changes)
    copy = head + body
    authentic = result(
        original,
        "copied-original",
        "authentic",
        f"Signed by {key_note(signed.key)}, key archived; a completed copy of it sits in the "
        f"{_COPY_BOXES[index % 3]} mailbox.",
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )
    altered = result(
        copy,
        "completed-copy",
        "altered",
        f"Copy of the authentic message {signed.message_id} (in the {box.key} mailbox) with "
        f"its DKIM-Signature removed; the copy {what}.",
        signed.when,
        False,
        signed.sender,
        signed.message_id,
    )
    altered.box = _COPY_BOXES[index % 3]
    return [authentic, altered]
