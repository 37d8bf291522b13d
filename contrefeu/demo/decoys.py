"""The campaign's decoys: bait files it fed to phishers, and where the bait shows up in the dump.

The decoys folder (written beside the dump, as the campaign would hand it to the desk) holds a
confidential-looking financing note (PDF), a fake donors file (CSV) and fake extranet
credentials, plus `canaries.txt`. In the dump: the campaign's own signed answer to a phishing
request, carrying the donors file (the bait leaving); a journalist quoting a canary (the bait
coming back); and an edited copy of the note among the loose documents.
Every name and figure in them is invented, like the rest of the demo.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from contrefeu.demo import documents, people, texts
from contrefeu.demo.context import BuildContext, DemoMail, LooseFile, Mailbox, paris
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
from contrefeu.demo.mime import Attachment
from contrefeu.demo.signing import demo_key

FOLDER = "decoys"
CANARIES = ("OPALE-7731-KESTREL", "BRUME-4410-FAUCON")
NOTE = "note-financement-confidentielle.pdf"
DONORS = "fichier-donateurs-2017.csv"
ACCESS = "acces-extranet-tresorerie.txt"
EDITED_NOTE_PATH = "Documents/note-financement-v2.pdf"

_FIRST = ("Alain", "Brigitte", "Cédric", "Danielle", "Étienne", "Françoise", "Gilles", "Hélène")
_LAST = ("Morel", "Fontaine", "Chevalier", "Robin", "Gauthier", "Perrin", "Marchand", "Blanc")


def _note(edited: bool) -> bytes:
    first = (
        "Montant prévu : 480 000 euros sur trois mois."
        if not edited
        else ("Montant prévu : 620 000 euros sur trois mois.")
    )
    lines = [
        "Diffusion restreinte — direction de campagne",
        "Objet : financement complémentaire des meetings du mois d'avril",
        first,
        "Origine des fonds : prêts de personnes physiques, conventions signées en mars.",
        "Calendrier : versements les 3, 10 et 17 avril sur le compte du mandataire.",
        "Salles concernées : Lyon, Lille, Marseille, Nantes, Toulouse, Bordeaux.",
        "Prestataire technique : contrat-cadre, facturation mensuelle.",
        "Points d'attention : plafond des dépenses, justificatifs, délais de la commission.",
        "Chaque versement est accompagné d'une convention de prêt signée des deux parties.",
        "Les remboursements commencent après le remboursement forfaitaire de l'État.",
        "Le mandataire tient un registre des prêts, consultable par le trésorier.",
        "Réunion de suivi chaque lundi à 9h avec le directeur de campagne.",
        "Contact : Marc Bernard, mandataire financier.",
    ]
    if edited:
        lines.insert(5, "Un complément en espèces est prévu pour les frais de sécurité.")
    return documents.make_pdf(
        "Note confidentielle — financement",
        lines,
        author="Marc Bernard",
        created=paris(datetime(2017, 3, 20, 15, tzinfo=UTC)),
        when=paris(datetime(2017, 4, 12 if edited else 3, 18 if edited else 20, tzinfo=UTC)),
    )


def _donors() -> bytes:
    picker = random.Random(1731)  # fixed: the decoy must be the same file in every build
    rows: list[list[object]] = [["Réf.", CANARIES[0], ""], ["nom", "ville", "montant (EUR)"]]
    for _ in range(36):
        name = f"{picker.choice(_FIRST)} {picker.choice(_LAST)}"
        rows.append([name, picker.choice(texts.CITIES), picker.randrange(5, 76) * 100])
    return documents.make_csv(rows)


def _access() -> bytes:
    return documents.make_text(
        [
            "Extranet trésorerie — accès provisoire",
            "",
            "Adresse : https://extranet.avenir-commun.fr/tresorerie",
            "Identifiant : m.bernard",
            f"Mot de passe : {CANARIES[1]}",
            "",
            "Ne pas transférer. Accès valable jusqu'au 30 avril.",
        ]
    )


def decoy_files() -> dict[str, bytes]:
    """The decoys folder: file name -> bytes (canaries.txt included)."""
    canaries = "# Canary strings planted in the campaign's decoys (one per line)\n"
    canaries += "".join(f"{c}\n" for c in CANARIES)
    return {
        NOTE: _note(edited=False),
        DONORS: _donors(),
        ACCESS: _access(),
        "canaries.txt": canaries.encode(),
    }


def edited_note() -> LooseFile:
    """A lightly edited copy of the decoy note, dropped among the loose documents."""
    when = paris(datetime(2017, 4, 12, 18, tzinfo=UTC))
    return LooseFile(
        EDITED_NOTE_PATH,
        _note(edited=True),
        when,
        "decoy-edited-copy",
        "decoy",
        f"An edited copy of the decoy {NOTE}: one figure changed and one line added "
        "(close to the decoy by fuzzy hash).",
    )


def decoy_attachment(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """The campaign answers a phishing request posing as the auditors with the decoy donors
    file: a genuine message, signed by the campaign, whose attachment is bait."""
    sender = box.owner
    when = ctx.date()
    letter = texts.finish(
        texts.Letter(
            "Re: Contrôle des comptes de campagne — pièces demandées",
            [
                "Comme demandé par votre cellule de contrôle, veuillez trouver ci-joint le "
                "fichier des donateurs arrêté à ce jour.",
                "Je reste à votre disposition pour tout justificatif complémentaire.",
            ],
        ),
        sender,
        [people.PHISHER],
        "fr",
        formal=True,
    )
    attachment = Attachment(DONORS, "text/csv", _donors())
    raw, message_id = compose_mail(
        ctx, sender, [people.PHISHER], letter, when, attachments=[attachment]
    )
    raw = sign_mail(ctx, raw, CAMPAIGN_KEY, signing_time(when))
    mail = result(
        raw,
        "decoy-attachment",
        "decoy",
        f"Signed by {key_note(CAMPAIGN_KEY)} (valid), sent to a phishing address posing as the "
        f"auditors; it carries the decoy {DONORS} byte for byte.",
        when,
        True,
        sender,
        message_id,
    )
    mail.attachment_truth = ((1, DONORS, "decoy", f"The decoy file {DONORS}, byte for byte."),)
    return mail


def decoy_canary_mail(ctx: BuildContext, box: Mailbox, index: int) -> DemoMail:
    """A reporter asks about a donors file that was sent to them: the file is the decoy, and
    the reporter quotes its reference, a canary string."""
    reporter = people.JOURNALISTS[2 + index % 2]
    when = ctx.date()
    letter = texts.finish(
        texts.Letter(
            "Request for comment: list of donors",
            [
                "We have been sent a spreadsheet presented as the list of your campaign's "
                f"donors. Its first line carries the reference {CANARIES[0]}.",
                "Can you confirm whether this document is genuine before we consider "
                "publishing anything about it?",
            ],
        ),
        reporter,
        [box.owner],
        "en",
        formal=True,
    )
    key = demo_key("herald.example", "sel1")
    signed = signed_inbound(ctx, box.owner, 0, force=(reporter, key, letter, when, []))
    return result(
        deliver(ctx, signed),
        "decoy-canary",
        "decoy",
        f"Signed by {key_note(key)} (valid); its body quotes the canary {CANARIES[0]} of "
        "the decoy donors file: the bait coming back.",
        when,
        False,
        reporter,
        signed.message_id,
    )
