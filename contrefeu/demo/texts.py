"""What the demo's mail says: French and English templates for a campaign's everyday mail.

Each function returns a `Letter` (subject and paragraphs) chosen and filled with the caller's
`random.Random`, so the same seed always gives the same words. Meeting logistics, press
requests, invoices, programme drafts, event planning and the odd joke between colleagues.
No line a template produces starts with "From " (mbox quoting would change it); the mbox
samples that need such a line add it on purpose.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contrefeu.demo.people import Person

FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
FR_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
CITIES = (
    "Lyon",
    "Lille",
    "Marseille",
    "Nantes",
    "Toulouse",
    "Bordeaux",
    "Strasbourg",
    "Rennes",
    "Dijon",
    "Clermont-Ferrand",
    "Montpellier",
    "Rouen",
)
TOPICS_FR = (
    "l'emploi des jeunes",
    "la santé de proximité",
    "la transition énergétique",
    "l'école",
    "le logement",
    "les services publics en zone rurale",
    "l'Europe",
)
TOPICS_EN = (
    "youth unemployment",
    "the energy transition",
    "the European budget",
    "rural public services",
    "housing",
    "the health reform",
)


@dataclass
class Letter:
    subject: str
    paragraphs: list[str]
    amount: str | None = None  # a figure in the body that a tampering scenario may change
    extra: dict[str, str] = field(default_factory=dict)


def fr_day(when: datetime) -> str:
    return f"{FR_DAYS[when.weekday()]} {when.day} {FR_MONTHS[when.month - 1]}"


def en_day(when: datetime) -> str:
    return when.strftime("%A %d %B").replace(" 0", " ")


def _later(rng: random.Random, when: datetime, low: int = 1, high: int = 9) -> datetime:
    return when + timedelta(days=rng.randint(low, high))


def _time(rng: random.Random, lang: str) -> str:
    hour, minute = rng.choice((8, 9, 10, 11, 14, 15, 16, 17, 18)), rng.choice((0, 0, 15, 30, 45))
    if lang == "en":
        suffix = "am" if hour < 12 else "pm"
        shown = hour if hour <= 12 else hour - 12
        return f"{shown}:{minute:02d}{suffix}" if minute else f"{shown}{suffix}"
    return f"{hour}h{minute:02d}" if minute else f"{hour}h"


def amount(rng: random.Random, low: int, high: int) -> str:
    value = rng.randint(low // 10, high // 10) * 10
    return f"{value:,}".replace(",", " ")


def _sign(sender: Person, lang: str, formal: bool) -> str:
    if lang == "en":
        closing = "Best regards," if formal else "Cheers,"
    else:
        closing = "Bien cordialement," if formal else "Bises,"
    lines = [closing, sender.name if formal else sender.first_name]
    if formal and sender.title:
        lines.append(sender.title)
    return "\n".join(lines)


def _greet(recipients: Sequence[Person], lang: str, formal: bool) -> str:
    if len(recipients) > 1:
        return "Hi all," if lang == "en" else ("Bonjour à tous," if formal else "Salut à tous,")
    first = recipients[0].first_name
    if lang == "en":
        return f"Dear {recipients[0].name}," if formal else f"Hi {first},"
    return f"Bonjour {first}," if formal else f"Salut {first},"


def finish(
    letter: Letter, sender: Person, recipients: Sequence[Person], lang: str, formal: bool
) -> Letter:
    """Add greeting and signature around the letter's paragraphs."""
    letter.paragraphs = [
        _greet(recipients, lang, formal),
        *letter.paragraphs,
        _sign(sender, lang, formal),
    ]
    return letter


# --- internal mail between staff -------------------------------------------------------------

_INTERNAL_FR = (
    (
        "Réunion d'équipe {day}",
        [
            "Petit rappel : réunion d'équipe {day} à {time} au QG, salle du fond.",
            "Ordre du jour : point sur les déplacements, retours terrain de {city}, et le planning "
            "presse de la semaine. Merci d'arriver avec vos chiffres.",
            "Si quelqu'un ne peut pas venir, dites-le moi avant ce soir.",
        ],
    ),
    (
        "Déplacement à {city}",
        [
            "Le déplacement à {city} est confirmé pour {day}. Départ en train à {time}, retour le "
            "soir même.",
            "Il faut encore caler la visite du marché et la rencontre avec les commerçants. Qui peut "
            "s'occuper des badges et de la liste des invités ?",
        ],
    ),
    (
        "Relecture programme : {topic}",
        [
            "Je t'envoie mes remarques sur le chapitre consacré à {topic_fr}. Le troisième paragraphe "
            "est trop long et les chiffres datent de 2015.",
            "On en parle {day} ? Je voudrais une version propre avant le comité de rédaction.",
        ],
    ),
    (
        "Meeting de {city} : logistique",
        [
            "Pour le meeting de {city} {day}, on attend environ {crowd} personnes. La salle est "
            "réservée, il reste la sono et les cars depuis les communes voisines.",
            "Je propose que les bénévoles soient sur place à {time} pour l'installation.",
        ],
    ),
    (
        "Tractage samedi",
        [
            "Le tractage de samedi est organisé sur trois marchés de {city}. J'ai besoin de quinze "
            "volontaires au moins.",
            "Les tracts arrivent de l'imprimerie jeudi. Pensez aux gilets et aux badges.",
        ],
    ),
    (
        "Croissants",
        [
            "Qui a encore mangé tous les croissants de la réunion de ce matin ? Il n'en restait pas "
            "un seul pour l'équipe du soir.",
            "Je propose une caisse commune, ou un tour de rôle. Ou un cadenas.",
        ],
    ),
    (
        "Pizza ce soir ?",
        [
            "On finit tard ce soir avec la préparation du débat. Je commande des pizzas pour tout le "
            "monde vers {time} ?",
            "Répondez vite, sinon ce sera une margherita pour tout le monde.",
        ],
    ),
    (
        "Vidéo pour les réseaux",
        [
            "La vidéo sur {topic} est montée. Elle dure 1 min 40, c'est encore trop long pour les "
            "réseaux.",
            "Je la mets en ligne {day} à {time} si personne ne s'y oppose. Le texte d'accompagnement "
            "est dans le document partagé.",
        ],
    ),
    (
        "Point budget de la semaine",
        [
            "Point rapide sur les dépenses : nous sommes à {pct} % du plafond autorisé. Les "
            "factures de la salle de {city} ne sont pas encore arrivées.",
            "Merci de ne plus engager de dépense sans mon accord écrit d'ici la fin du mois.",
        ],
    ),
    (
        "Comptes de campagne",
        [
            "Rappel : toute dépense doit être accompagnée d'une facture au nom du mandataire "
            "financier. La commission des comptes de campagne sera très attentive.",
            "Je passerai {day} récupérer les justificatifs du mois dernier.",
        ],
    ),
    (
        "Revue de presse du {today}",
        [
            "Dans la revue de presse ce matin : deux articles plutôt favorables sur {topic}, un "
            "papier plus critique sur le financement du programme.",
            "Il faudrait préparer des éléments de langage avant l'interview de {day}.",
        ],
    ),
    (
        "Planning des bénévoles",
        [
            "Le planning des bénévoles pour la semaine prochaine est prêt. Il manque encore du "
            "monde pour le phoning de {day} soir.",
            "Merci de relayer auprès de vos contacts à {city}.",
        ],
    ),
)

_INTERNAL_EN = (
    (
        "Foreign press requests this week",
        [
            "Quick summary of the foreign press requests: two TV crews want to follow the campaign in "
            "{city} on {day}, and a radio wants ten minutes on {topic}.",
            "Can we decide on the TV crews by tomorrow noon? They need to book their trains.",
        ],
    ),
    (
        "Briefing notes for the interview",
        [
            "I drafted the briefing notes for the interview on {day} at {time}. The journalist will "
            "probably push on {topic}, so I added three figures we can quote safely.",
            "Please check the translation of the programme extract before I send it.",
        ],
    ),
    (
        "Coffee machine",
        [
            "The coffee machine on the second floor is broken again. I am told it is a political "
            "statement.",
            "Someone brought a French press; it is by the window. Please rinse it.",
        ],
    ),
)


def internal(
    rng: random.Random, sender: Person, recipients: Sequence[Person], when: datetime
) -> Letter:
    """An everyday message between staff, in the sender's language."""
    lang = sender.lang
    pool = _INTERNAL_EN if lang == "en" else _INTERNAL_FR
    subject, paragraphs = rng.choice(pool)
    later = _later(rng, when)
    values = {
        "day": en_day(later) if lang == "en" else fr_day(later),
        "today": fr_day(when),
        "time": _time(rng, lang),
        "city": rng.choice(CITIES),
        "topic": rng.choice(TOPICS_EN if lang == "en" else TOPICS_FR),
        "topic_fr": rng.choice(("l'emploi", "la santé", "l'énergie", "l'école", "l'Europe")),
        "crowd": str(rng.choice((800, 1200, 1500, 2000, 3500))),
        "pct": str(rng.randint(31, 78)),
    }
    letter = Letter(subject.format(**values), [p.format(**values) for p in paragraphs])
    return finish(letter, sender, recipients, lang, formal=False)


# --- press -------------------------------------------------------------------------------------


def press_request(rng: random.Random, journalist: Person, staff: Person, when: datetime) -> Letter:
    """A journalist asks the campaign for an interview or a reaction."""
    later = _later(rng, when, 1, 5)
    if journalist.lang == "en":
        topic = rng.choice(TOPICS_EN)
        subject = rng.choice(
            ("Interview request", "Request for comment: {topic}", "Campaign trip to {city}")
        ).format(topic=topic, city=rng.choice(CITIES))
        paragraphs = [
            f"I am writing a piece on the campaign's position on {topic} for our weekend edition. "
            f"Would the candidate be available for a 20-minute phone interview on {en_day(later)}?",
            "I would also welcome any figures you can share on the costing of the proposal.",
        ]
    else:
        topic = rng.choice(TOPICS_FR)
        subject = rng.choice(
            (
                "Demande d'interview",
                "Demande de réaction : {topic}",
                "Accréditation pour le meeting de {city}",
            )
        ).format(topic=topic, city=rng.choice(CITIES))
        paragraphs = [
            f"Je prépare un article sur les propositions de la campagne concernant {topic}. "
            f"Le candidat serait-il disponible pour un entretien {fr_day(later)} ?",
            "Nous aurions besoin d'une réponse avant demain midi pour caler le bouclage.",
        ]
    return finish(Letter(subject, paragraphs), journalist, [staff], journalist.lang, formal=True)


def press_reply(rng: random.Random, staff: Person, journalist: Person, when: datetime) -> Letter:
    """The campaign answers a journalist (outgoing mail)."""
    later = _later(rng, when, 1, 4)
    lang = journalist.lang
    if lang == "en":
        subject = "Re: Interview request"
        paragraphs = [
            f"Thank you for your request. The candidate can give you 20 minutes on "
            f"{en_day(later)} at {_time(rng, 'en')}, by phone.",
            "I will send you the briefing pack on the programme the day before.",
        ]
    else:
        subject = rng.choice(
            (
                "Re: Demande d'interview",
                "Communiqué de presse",
                "Invitation presse : meeting de {city}",
            )
        ).format(city=rng.choice(CITIES))
        paragraphs = [
            f"Merci pour votre message. Le candidat peut vous accorder un entretien "
            f"{fr_day(later)} à {_time(rng, 'fr')}, au QG de campagne.",
            "Vous trouverez ci-joint les éléments de contexte. Je reste à votre disposition.",
        ]
    return finish(Letter(subject, paragraphs), staff, [journalist], lang, formal=True)


# --- suppliers, bank, providers ----------------------------------------------------------------


def printer_quote(rng: random.Random, printer: Person, staff: Person, when: datetime) -> Letter:
    """The printer sends a quote (with an amount a forger would like to change)."""
    total = amount(rng, 1200, 9800)
    copies = rng.choice(("50 000", "80 000", "120 000", "200 000"))
    item = rng.choice(("tracts A5 recto-verso", "affiches 120 x 176", "programmes 16 pages"))
    paragraphs = [
        f"Suite à votre demande, voici notre devis pour {copies} {item}, papier recyclé.",
        f"Montant total : {total} euros TTC, livraison comprise au QG sous 72 heures après "
        "validation du bon à tirer.",
        "Le devis est valable quinze jours. Merci de nous retourner le document signé.",
    ]
    letter = Letter(f"Devis {item}", paragraphs, amount=total)
    return finish(letter, printer, [staff], "fr", formal=True)


def venue_booking(rng: random.Random, venue: Person, staff: Person, when: datetime) -> Letter:
    later = _later(rng, when, 10, 25)
    total = amount(rng, 3000, 15000)
    paragraphs = [
        f"Nous confirmons la réservation de la grande salle pour le {fr_day(later)}, de 18h à "
        "23h, pour une jauge de 2 500 personnes.",
        f"Le montant de la location s'élève à {total} euros, acompte de 30 % à la signature. "
        "La fiche technique (son, lumière, sécurité) est jointe.",
    ]
    letter = Letter(f"Confirmation de réservation du {fr_day(later)}", paragraphs, amount=total)
    return finish(letter, venue, [staff], "fr", formal=True)


def bank_message(rng: random.Random, banker: Person, staff: Person, when: datetime) -> Letter:
    total = amount(rng, 2000, 40000)
    subject, paragraphs = rng.choice(
        (
            (
                "Virement reçu sur le compte de campagne",
                [
                    f"Nous vous informons de la réception d'un virement de {total} euros sur le compte "
                    "de campagne ouvert au nom de votre mandataire financier.",
                    "Le relevé détaillé sera disponible dans votre espace client.",
                ],
            ),
            (
                "Rendez-vous : compte de campagne",
                [
                    f"Je vous propose un rendez-vous {fr_day(_later(rng, when))} à {_time(rng, 'fr')} "
                    "pour faire le point sur le compte de campagne.",
                    f"Le solde disponible à ce jour est de {total} euros. Merci d'apporter les "
                    "justificatifs des dernières dépenses.",
                ],
            ),
        )
    )
    letter = Letter(subject, paragraphs, amount=total)
    return finish(letter, banker, [staff], "fr", formal=True)


def bank_statement(rng: random.Random, when: datetime) -> Letter:
    total = amount(rng, 5000, 60000)
    month = FR_MONTHS[(when.month - 2) % 12]  # the statement of the month just ended
    paragraphs = [
        "Bonjour,",
        f"Votre relevé de compte du mois de {month} est disponible. "
        f"Solde au dernier jour du mois : {total} euros.",
        "Ce message est envoyé automatiquement, merci de ne pas y répondre.",
        "Banque Horizon",
    ]
    return Letter(f"Relevé de compte {month} 2017", paragraphs, amount=total)


def mailer_notification(rng: random.Random, when: datetime, number: int) -> Letter:
    """An automatic message from the emailing provider."""
    sent = rng.randint(12000, 48000)
    opened = rng.randint(18, 41)
    subject, paragraphs = rng.choice(
        (
            (
                f"Votre campagne « Lettre n°{number} » a été envoyée",
                [
                    "Bonjour,",
                    f"Votre campagne « Lettre n°{number} » a été envoyée à {sent} destinataires.",
                    f"Taux d'ouverture après 24 heures : {opened} %. Le rapport complet est disponible "
                    "dans votre tableau de bord.",
                    "L'équipe Mailer Pro",
                ],
            ),
            (
                f"Facture Mailer Pro n°MP-2017-{number:04d}",
                [
                    "Bonjour,",
                    f"Votre facture du mois est disponible : {amount(rng, 200, 900)} euros HT pour "
                    f"{sent} envois.",
                    "Le prélèvement sera effectué dans cinq jours ouvrés.",
                    "L'équipe Mailer Pro",
                ],
            ),
        )
    )
    return Letter(subject, paragraphs)


def citizen_message(rng: random.Random, citizen: Person, staff: Person, when: datetime) -> Letter:
    topic = rng.choice(TOPICS_FR)
    subject, paragraphs = rng.choice(
        (
            (
                "Question sur le programme",
                [
                    f"J'ai lu votre programme sur {topic} et j'ai une question : comment sera-t-il "
                    "financé concrètement ?",
                    "Merci d'avance pour votre réponse.",
                ],
            ),
            (
                "Je souhaite devenir bénévole",
                [
                    f"J'habite à {rng.choice(CITIES)} et je voudrais aider pendant la campagne, surtout "
                    "le week-end.",
                    "Je peux distribuer des tracts ou aider à l'organisation des réunions publiques.",
                ],
            ),
        )
    )
    return finish(Letter(subject, paragraphs), citizen, [staff], "fr", formal=True)


def association_message(
    rng: random.Random, sender: Person, staff: Person, when: datetime
) -> Letter:
    later = _later(rng, when, 3, 12)
    paragraphs = [
        f"Notre association organise un débat public {fr_day(later)} sur "
        f"{rng.choice(TOPICS_FR)}. Nous invitons tous les candidats à y envoyer un "
        "représentant.",
        "Merci de nous indiquer le nom de la personne qui viendra.",
    ]
    return finish(
        Letter("Invitation à un débat public", paragraphs), sender, [staff], "fr", formal=True
    )


def newsletter(rng: random.Random, number: int, when: datetime) -> Letter:
    """The campaign's own newsletter (outgoing, sent through an emailing relay)."""
    later = _later(rng, when, 2, 10)
    paragraphs = [
        "Chères amies, chers amis,",
        f"Cette semaine, le candidat sera à {rng.choice(CITIES)} {fr_day(later)} pour un débat sur "
        f"{rng.choice(TOPICS_FR)}. Venez nombreux !",
        "Pour nous aider, partagez cette lettre et rejoignez une équipe de bénévoles près de "
        "chez vous.",
        "L'équipe Avenir Commun",
    ]
    return Letter(f"Lettre d'Avenir Commun n°{number}", paragraphs)


def gazette_newsletter(rng: random.Random, when: datetime) -> Letter:
    paragraphs = [
        "Bonjour,",
        f"Au sommaire de la lettre politique de la Gazette : les meetings du week-end, un "
        f"entretien sur {rng.choice(TOPICS_FR)} et notre sondage de la semaine.",
        "Bonne lecture,",
        "La rédaction",
    ]
    return Letter(f"La lettre politique du {fr_day(when)}", paragraphs)


def supplier_order(rng: random.Random, staff: Person, supplier: Person, when: datetime) -> Letter:
    """The campaign writes to a supplier (outgoing)."""
    later = _later(rng, when, 2, 6)
    paragraphs = [
        f"Je vous confirme notre commande. La livraison doit impérativement avoir lieu avant "
        f"{fr_day(later)}, au QG de campagne.",
        "La facture doit être établie au nom de notre mandataire financier, M. Marc Bernard.",
    ]
    return finish(
        Letter("Confirmation de commande", paragraphs), staff, [supplier], "fr", formal=True
    )
