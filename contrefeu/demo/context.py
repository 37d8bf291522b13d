"""Shared state and helpers of the demo's scenario builders: the seeded random source, dates in
Paris time, message ids, standard headers, transport headers and attachments.

Everything random comes from one `random.Random(seed)` owned by `BuildContext`, so a build is a
pure function of (seed, size). Not used outside the demo generator.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from contrefeu.demo import documents
from contrefeu.demo.clients import MailClient, client_of, outgoing_host
from contrefeu.demo.mime import Attachment, address, addresses, date_header
from contrefeu.demo.people import ORG_DOMAIN, STAFF, Person

START = datetime(2017, 2, 1, tzinfo=UTC)
DAYS = 120  # 1 February to 31 May 2017
# Summer time began in France on 26 March 2017 at 01:00 UTC. The demo only spans spring 2017, so
# a fixed rule avoids depending on the machine's time-zone database.
_DST_START = datetime(2017, 3, 26, 1, 0, tzinfo=UTC)
CET, CEST = timezone(timedelta(hours=1)), timezone(timedelta(hours=2))
BST = CET  # UTC+1, London's summer time

# Headers a signer of the demo covers when they are present, in the order they appear.
SIGNABLE = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "reply-to",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "list-unsubscribe",
)


def paris(moment: datetime) -> datetime:
    """`moment` shown in Paris local time for spring 2017 (CET, then CEST from 26 March)."""
    return moment.astimezone(CEST if moment >= _DST_START else CET)


def london(moment: datetime) -> datetime:
    """`moment` in London time for spring 2017: GMT, then BST from the same instant as Paris."""
    return moment.astimezone(BST if moment >= _DST_START else UTC)


def local_time(person: Person, moment: datetime) -> datetime:
    """`moment` on `person`'s own clock, as their mail client writes it in Date."""
    return london(moment) if person.zone == "london" else paris(moment)


_PLANNING = (
    "réunion d'équipe et point presse",
    "déplacement du candidat",
    "phoning des bénévoles",
    "préparation du meeting",
    "tractage sur les marchés",
    "rendez-vous avec les élus locaux",
    "enregistrement de la vidéo de la semaine",
)

MAILBOXES = ("maildir", "zip-nested", "mbox", "eml", "zip-outer")


@dataclass(frozen=True)
class Mailbox:
    """Where a message will be stored (one of MAILBOXES) and whose mailbox it is."""

    key: str
    owner: Person


@dataclass
class DemoMail:
    """One message the generator made, with what it is meant to be."""

    raw: bytes
    scenario: str
    verdict: str
    note: str
    when: datetime
    outgoing: bool  # written by the mailbox owner (goes to a Sent folder)
    envelope_from: str
    message_id: str | None = None
    box: str | None = None  # a mailbox (one of MAILBOXES) the builder chose; None: the scenario's
    # Attachments whose verdict is not simply their email's: (number, filename, verdict, note).
    attachment_truth: tuple[tuple[int, str, str, str], ...] = ()


@dataclass(frozen=True)
class LooseFile:
    """A file of the dump that is not mail (a loose document), with its ground truth."""

    path: str  # relative to the dump
    data: bytes
    when: datetime  # its modification time on disk
    scenario: str
    verdict: str
    note: str


@dataclass(frozen=True)
class ThreadStart:
    """A genuine message that later messages (genuine replies or forgeries) answer."""

    message_id: str
    when: datetime
    sender: Person
    recipient: Person
    subject: str
    body: str  # the body text as sent (wrapped), for quoting


@dataclass
class BuildContext:
    rng: random.Random
    _docs: dict[str, bytes] = field(default_factory=dict)
    _serial: int = 0
    threads: list[ThreadStart] = field(default_factory=list)  # press questions, in build order

    def date(self) -> datetime:
        """A plausible sending time: more mail as the election nears, mostly office hours."""
        weights = [1 + day / 30 for day in range(DAYS)]
        day = self.rng.choices(range(DAYS), weights=weights)[0]
        hour = self.rng.choices(
            range(7, 24), weights=[1, 4, 6, 6, 5, 3, 5, 6, 6, 5, 4, 3, 2, 2, 1, 1, 1]
        )[0]
        moment = START + timedelta(
            days=day, hours=hour - 1, minutes=self.rng.randrange(60), seconds=self.rng.randrange(60)
        )
        return paris(moment)

    def serial(self) -> int:
        self._serial += 1
        return self._serial

    def boundary(self) -> str:
        return f"=_ac{self.rng.getrandbits(64):016x}"

    def colleagues(self, owner: Person, low: int = 1, high: int = 2) -> list[Person]:
        others = [p for p in STAFF if p != owner]
        return self.rng.sample(others, self.rng.randint(low, high))

    def headers(
        self,
        sender: Person,
        to: Sequence[Person],
        when: datetime,
        subject: str,
        *,
        cc: Sequence[Person] = (),
        client: MailClient | None = None,
        extra: Sequence[tuple[str, str]] = (),
        date: datetime | None = None,
    ) -> list[tuple[str, str]]:
        """The usual header block (From, To, Cc, Subject, Date, Message-ID...) as the sender's
        mail client writes it: its Message-ID format, its X-Mailer/User-Agent, the sender's
        clock in Date (`date` overrides the clock, for forgers)."""
        client = client or client_of(sender)
        out = [("From", address(sender)), ("To", addresses(to))]
        if cc:
            out.append(("Cc", addresses(cc)))
        out += [
            ("Subject", subject),
            ("Date", date_header(date or local_time(sender, when))),
            ("Message-ID", client.message_id(self.rng, when, sender)),
        ]
        out += list(extra)
        if client.header:
            out.append(client.header)
        return out

    def ip(self) -> str:
        """An address from the documentation ranges (RFC 5737): never a real host."""
        prefix = self.rng.choice(("192.0.2", "198.51.100", "203.0.113"))
        return f"{prefix}.{self.rng.randint(2, 250)}"

    def internal_received(self, raw: bytes, when: datetime) -> bytes:
        """Prepend the Received header the campaign's own server adds on submission."""
        delivered = paris(when + timedelta(seconds=self.rng.randint(1, 4)))
        line = (
            f"Received: from laptop (unknown [{self.ip()}])\n"
            f"\tby mail.{ORG_DOMAIN} (Postfix) with ESMTPSA id {self.rng.getrandbits(36):09X};"
            f"\n\t{date_header(delivered)}\n"
        )
        return line.encode() + raw

    def inbound_transport(
        self,
        raw: bytes,
        sender: Person,
        recipient: Person,
        when: datetime,
        dkim_results: Sequence[str],
        via: str | None = None,
        *,
        host: str | None = None,
        return_path: str | None = None,
    ) -> bytes:
        """Prepend what the campaign's MX adds to incoming mail: Return-Path, Received and an
        Authentication-Results header. The latter records what the MX saw on arrival, before
        any tampering: a verifier must never trust it. Below them, the hop of the sender's own
        outgoing server (`via`: the relaying domain, if any; `host`: that server's name, when
        it is not the sender's usual one; `return_path`: the envelope sender)."""
        submitted = paris(when + timedelta(seconds=self.rng.randint(1, 3)))
        delivered = paris(when + timedelta(seconds=self.rng.randint(5, 40)))
        results = ";\n\t".join(dkim_results) or "dkim=none"
        first = host or (f"smtp.{via}" if via else outgoing_host(sender))
        lines = (
            f"Return-Path: <{return_path or sender.email}>\n"
            f"Authentication-Results: mx.{ORG_DOMAIN};\n\t{results}\n"
            f"Received: from {first} ({first} [{self.ip()}])\n"
            f"\tby mx.{ORG_DOMAIN} (Postfix) with ESMTPS id {self.rng.getrandbits(36):09X}\n"
            f"\tfor <{recipient.email}>; {date_header(delivered)}\n"
            f"Received: from [{self.ip()}] (helo=client)\n"
            f"\tby {first} with ESMTPSA id {self.rng.getrandbits(40):010x};\n"
            f"\t{date_header(submitted)}\n"
        )
        return lines.encode() + raw

    # --- attachments ----------------------------------------------------------------------

    def _cached(self, key: str, make: object) -> bytes:
        if key not in self._docs:
            self._docs[key] = make()  # type: ignore[operator]
        return self._docs[key]

    def attachment(self, kind: str, author: Person, when: datetime) -> Attachment:
        """A small generated file of the given kind, as staff and suppliers attach them.

        A file is never dated after the mail that carries it: shared files (programme, press
        kit, technical sheet) exist in versions made before, and the latest one is attached.
        """
        if kind == "programme":
            return self._programme(when)
        if kind == "volunteers":
            rows = [["nom", "ville", "disponibilite"]] + [
                [n, c, d]
                for n, c, d in (
                    ("A. Roy", "Lyon", "samedi"),
                    ("B. Klein", "Lille", "dimanche"),
                    ("C. Meyer", "Nantes", "soirs"),
                )
            ]
            return Attachment("benevoles.csv", "text/csv", documents.make_csv(rows))
        if kind == "agenda":
            data = documents.make_text(
                [
                    "Ordre du jour",
                    "",
                    "1. Déplacements de la semaine",
                    "2. Retours terrain",
                    "3. Planning presse",
                ]
            )
            return Attachment("ordre-du-jour.txt", "text/plain", data)
        if kind == "press-kit":
            data = self._cached(
                "press-kit",
                lambda: documents.make_pdf(
                    "Dossier de presse — Avenir Commun",
                    [
                        "Le candidat, son parcours, ses propositions.",
                        "Contact presse : Claire Martin",
                    ],
                    author="Claire Martin",
                    when=paris(datetime(2017, 1, 30, 10, tzinfo=UTC)),
                ),
            )
            return Attachment("dossier-presse.pdf", "application/pdf", data)
        if kind == "quote":
            number = self.serial()
            made = when - timedelta(minutes=self.rng.randint(20, 180))
            data = documents.make_pdf(
                f"Devis n°2017-{number:03d}",
                ["Imprimerie Rapide", "Conditions : paiement à 30 jours."],
                author=author.name,
                when=made,
                tool=documents.office_of("Imprimerie Rapide"),
            )
            return Attachment(f"devis-2017-{number:03d}.pdf", "application/pdf", data)
        if kind == "tech-sheet":
            data = self._cached(
                "tech-sheet",
                lambda: documents.make_pdf(
                    "Fiche technique — grande salle",
                    ["Jauge : 2 500 places", "Son : 2 x 4 kW", "Sécurité : 12"],
                    author=author.name,
                    when=paris(datetime(2017, 1, 16, 15, tzinfo=UTC)),
                    tool=documents.office_of("Palais des Congrès"),
                ),
            )
            return Attachment("fiche-technique.pdf", "application/pdf", data)
        if kind == "budget":
            made = when - timedelta(minutes=self.rng.randint(15, 240))
            spent = [self.rng.randint(20, 95) * 1000 for _ in range(4)]
            data = documents.make_xlsx(
                "Suivi budget",
                [
                    ["Poste", "Prévu (EUR)", "Engagé (EUR)"],
                    ["Salles", 180000, spent[0] * 2],
                    ["Impression", 95000, spent[1]],
                    ["Déplacements", 60000, spent[2] // 2],
                    ["Numérique", 45000, spent[3] // 3],
                ],
                author="Sophie Lefèvre",
                modified_by=author.name,
                when=made,
                created=paris(datetime(2017, 1, 27, 9, tzinfo=UTC)),
            )
            return Attachment(
                f"suivi-budget-{made:%Y-%m-%d}.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                data,
            )
        if kind == "planning":
            made = when - timedelta(minutes=self.rng.randint(30, 600))
            days = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi")
            data = documents.make_docx(
                f"Planning de la semaine du {made:%d/%m}",
                [f"{day} : {self.rng.choice(_PLANNING)}" for day in days],
                author=author.name,
                created=made - timedelta(hours=2),
                when=made,
            )
            return Attachment(
                f"planning-{made:%Y-%m-%d}.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                data,
            )
        raise KeyError(kind)

    def _programme(self, when: datetime) -> Attachment:
        """The latest version of the programme draft written before `when`."""
        versions = (
            (1, datetime(2017, 1, 24, 17, tzinfo=UTC), "version de travail"),
            (2, datetime(2017, 3, 6, 9, 30, tzinfo=UTC), "version de travail"),
            (3, datetime(2017, 4, 10, 8, tzinfo=UTC), "version quasi définitive"),
        )
        number, made, label = [v for v in versions if v[1] < when][-1]
        data = self._cached(
            f"programme-{number}",
            lambda: documents.make_docx(
                f"Programme — {label}",
                [
                    "1. Emploi des jeunes : un contrat d'avenir pour 300 000 jeunes.",
                    "2. Santé : 500 maisons de santé de proximité d'ici 2022.",
                    "3. Énergie : rénovation de 1 million de logements par an.",
                ][: number + 1],
                author="Élodie Roux",
                modified_by="Julien Dubois" if number == 2 else None,
                created=paris(datetime(2017, 1, 9, 10, tzinfo=UTC)),
                when=paris(made),
                revision=4 * number,
            ),
        )
        return Attachment(
            f"programme-v{number}.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            data,
        )
