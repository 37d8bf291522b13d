"""Builders of the demo's recurring genuine mail: the ones that give people their habits.

A press thread (a journalist's signed question and the press officer's signed answer, which
quotes it), the director's weekly briefing to the team (internal, unsigned) and the press
office's releases (always signed by the campaign's server). The forgeries in forgeries.py
imitate exactly these senders, so these messages are what the scan compares them with.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contrefeu.demo import people, texts
from contrefeu.demo.context import START, BuildContext, DemoMail, Mailbox, ThreadStart, paris
from contrefeu.demo.messages import (
    CAMPAIGN_KEY,
    compose_mail,
    deliver,
    key_note,
    result,
    sign_mail,
    signed_inbound,
    signing_time,
)
from contrefeu.demo.mime import quote_block, wrap_paragraphs
from contrefeu.demo.people import ORG_DOMAIN, Person
from contrefeu.demo.signing import demo_key

GAZETTE_KEY = demo_key("gazette.example", "s2017")
# The campaign's team list: the weekly briefing goes to everyone through it.
TEAM_LIST = Person("Équipe Avenir Commun", f"equipe@{ORG_DOMAIN}", "list")
_FR_MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai")


def attribution(sender: Person, when: datetime, lang: str = "fr") -> str:
    """The line a mail client writes above the quoted original."""
    if lang == "en":
        return f"On {when:%d %b %Y}, at {when:%H:%M}, {sender.name} <{sender.email}> wrote:"
    month = _FR_MONTHS_SHORT[when.month - 2] if 2 <= when.month <= 6 else f"{when:%m}"
    return f"Le {when.day} {month} 2017 à {when:%H:%M}, {sender.name} <{sender.email}> a écrit :"


def quote_original(
    letter: texts.Letter, message_id: str, author: Person, when: datetime, quoted: str
) -> list[tuple[str, str]]:
    """Quote the original under a reply (attribution line, then "> " lines) and return the
    headers that thread the reply to it."""
    letter.paragraphs += [attribution(author, paris(when)), quote_block(quoted)]
    return [("In-Reply-To", message_id), ("References", message_id)]


def press_thread(ctx: BuildContext, box: Mailbox, index: int) -> list[DemoMail]:
    """A Gazette reporter's question (signed by gazette.example) and the press officer's answer
    (signed by the campaign), which quotes the question word for word."""
    journalist = people.JOURNALISTS[0] if index < 4 else people.JOURNALISTS[1]
    officer = box.owner
    when = ctx.date()
    letter = texts.press_request(ctx.rng, journalist, officer, when)
    question = signed_inbound(ctx, officer, 0, force=(journalist, GAZETTE_KEY, letter, when, []))
    body = wrap_paragraphs(letter.paragraphs)
    ctx.threads.append(
        ThreadStart(question.message_id, when, journalist, officer, letter.subject, body)
    )
    answered = when + timedelta(minutes=ctx.rng.randint(35, 280))
    later = answered + timedelta(days=ctx.rng.randint(1, 3))
    reply = texts.finish(
        texts.Letter(
            f"Re: {letter.subject}",
            [
                f"Merci pour votre message. Le candidat peut vous accorder un entretien "
                f"{texts.fr_day(later)} à {ctx.rng.choice(('9h30', '11h', '14h', '17h30'))}, "
                "par téléphone.",
                "Je vous envoie les éléments de contexte la veille.",
            ],
        ),
        officer,
        [journalist],
        "fr",
        formal=True,
    )
    threading = quote_original(reply, question.message_id, journalist, when, body)
    raw, answer_id = compose_mail(ctx, officer, [journalist], reply, answered, extra=threading)
    raw = sign_mail(ctx, raw, CAMPAIGN_KEY, signing_time(answered))
    return [
        result(
            deliver(ctx, question),
            "press-thread",
            "authentic",
            f"A reporter's question, signed by {key_note(GAZETTE_KEY)}, key archived.",
            when,
            False,
            journalist,
            question.message_id,
        ),
        result(
            raw,
            "press-thread",
            "authentic",
            f"The press officer's answer, signed by {key_note(CAMPAIGN_KEY)}; it quotes the "
            "question it answers.",
            answered,
            True,
            officer,
            answer_id,
        ),
    ]


def _monday(index: int) -> datetime:
    # Seventeen Mondays from 6 February to 29 May; 5 is coprime with 17, so the first n
    # briefings are spread over the whole spring whatever n is.
    week = (index * 5) % 17
    start = START + timedelta(days=5 + 7 * week)
    return paris(start.replace(hour=7, tzinfo=UTC))


def weekly_briefing(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """The campaign director's Monday briefing to the team list (internal, unsigned)."""
    director = people.staff("j.dubois")
    when = _monday(index) + timedelta(minutes=ctx.rng.randint(5, 55))
    cities = ctx.rng.sample(texts.CITIES, 2)
    topic = ctx.rng.choice(texts.TOPICS_FR)
    letter = texts.Letter(
        f"Point hebdomadaire — semaine du {texts.fr_day(when)}",
        [
            "Bonjour à tous,",
            f"Les priorités de la semaine : le déplacement à {cities[0]}, la préparation du "
            f"meeting de {cities[1]} et la campagne numérique sur {topic}.",
            f"Chaque pôle m'envoie son point d'avancement avant mercredi {ctx.rng.choice(('12h', '18h'))}. "
            "Les comptes rendus de terrain vont à Karim, les demandes presse à Claire.",
            "Le planning détaillé de la semaine est en pièce jointe.",
            "Bonne semaine,",
            "Julien",
        ],
    )
    planning = ctx.attachment("planning", director, when)
    raw, message_id = compose_mail(ctx, director, [TEAM_LIST], letter, when, attachments=[planning])
    raw = ctx.internal_received(raw, when)
    return result(
        raw,
        "weekly-briefing",
        "unverified",
        "The director's weekly briefing to the team list: internal mail, never signed.",
        when,
        box.owner == director,
        director,
        message_id,
    )


def press_release(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """A press release from the press office to the newsrooms, staff in Bcc; the campaign's
    server signs everything the press office sends."""
    when = ctx.date()
    city = ctx.rng.choice(texts.CITIES)
    topic = ctx.rng.choice(texts.TOPICS_FR)
    letter = texts.Letter(
        f"Communiqué : le candidat à {city}",
        [
            "COMMUNIQUÉ DE PRESSE",
            f"Le candidat d'Avenir Commun se rendra à {city} {texts.fr_day(when + timedelta(days=2))}"
            f" pour présenter ses propositions sur {topic}.",
            "Il rencontrera les acteurs locaux avant une réunion publique à 19h. Les journalistes "
            "souhaitant suivre le déplacement doivent s'accréditer auprès du service presse.",
            "Service presse Avenir Commun",
        ],
    )
    raw, message_id = compose_mail(ctx, people.PRESS_OFFICE, people.JOURNALISTS, letter, when)
    raw = sign_mail(ctx, raw, CAMPAIGN_KEY, signing_time(when))
    raw = ctx.internal_received(raw, when)
    return result(
        raw,
        "press-release",
        "authentic",
        f"A press release of the press office, signed by {key_note(CAMPAIGN_KEY)} like all "
        "its mail; the mailbox owner was in Bcc.",
        when,
        False,
        people.PRESS_OFFICE,
        message_id,
    )
