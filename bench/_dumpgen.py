"""A realistic generated leak for benchmarks of the cross-item phase (not a test fixture).

`generate_dump(folder, emails, seed)` writes a folder of .eml files laid out as the mailboxes of
an organisation's staff (`<login>/Inbox`, `<login>/Sent`, `<login>/Archive`), a folder of loose
documents and an org profile. What the cross-item stages learn from must be there, at the
proportions of a real dump, or the benchmark measures a case no dump has:

- about 200 senders, each with one mail client (its X-Mailer/User-Agent and Message-ID format),
  one timezone and their own outgoing relay; staff of the organisation's domain, external
  correspondents on their own domains and on a webmail provider;
- threads: about 30% of the messages answer an earlier one (In-Reply-To, References and a
  quoted block of the original);
- about 1% near-duplicate copies of earlier messages with a sentence added, and a few forged
  messages (another mail client, timezone and relay than the sender's);
- text drawn from a Zipf vocabulary of a few thousand words, so that messages share common
  words without being near-duplicates of each other;
- attachments (one for every four messages): mostly small .docx written directly as OOXML
  zips (core.xml and app.xml with author, last modifier, dates, application), some .csv and
  .txt; and about 50 loose documents, half of them copies of attachments.

Everything is drawn from one `random.Random(seed)`: the same seed gives the same bytes. The
messages are unsigned: DKIM is not what the cross-item benchmark measures.
"""

from __future__ import annotations

import base64
import io
import random
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

ORG_DOMAIN = "avenir-bench.example"
ORG_NAME = "Avenir Bench"
WEBMAIL = "webmail.example"
START = datetime(2016, 6, 1, 8, 0, tzinfo=UTC)
SPAN = timedelta(days=330)

_SYLLABLES = (
    "ca",
    "pa",
    "gne",
    "réu",
    "nion",
    "bu",
    "dget",
    "pre",
    "sse",
    "pro",
    "gram",
    "me",
    "mee",
    "ting",
    "in",
    "voi",
    "ce",
    "lo",
    "gis",
    "tic",
    "sal",
    "le",
    "tra",
    "can",
    "di",
    "dat",
    "po",
    "li",
    "cy",
    "dra",
    "ft",
    "a",
    "gen",
    "da",
    "vo",
    "lun",
    "té",
    "rs",
    "ral",
    "ly",
    "fon",
    "dé",
    "bat",
    "son",
    "ge",
    "ré",
    "gion",
    "mar",
    "che",
    "ter",
    "rain",
    "quar",
    "tier",
    "é",
    "lu",
)
_FIRST = (
    "Claire",
    "Julien",
    "Sophie",
    "Marc",
    "Nadia",
    "Thomas",
    "Emma",
    "Karim",
    "Alice",
    "Louis",
    "Camille",
    "Hugo",
    "Léa",
    "Paul",
    "Sarah",
    "Antoine",
    "Inès",
    "Mathieu",
    "Chloé",
    "Nicolas",
    "Julie",
    "Olivier",
    "Laura",
    "Pierre",
    "Manon",
    "Yanis",
    "Amélie",
    "David",
    "Lucie",
    "Rémi",
)
_LAST = (
    "Martin",
    "Dubois",
    "Lefèvre",
    "Bernard",
    "Benali",
    "Girard",
    "Roux",
    "Haddad",
    "Fournier",
    "Moreau",
    "Lambert",
    "Bonnet",
    "François",
    "Mercier",
    "Blanc",
    "Guérin",
    "Faure",
    "André",
    "Chevalier",
    "Garnier",
    "Rousseau",
    "Perrin",
    "Morel",
    "Fontaine",
    "Robin",
    "Clément",
    "Gauthier",
    "Nicolas",
    "Henry",
    "Masson",
)
_EXTERNAL_DOMAINS = (
    "gazette.example",
    "herald.example",
    "imprimerie-rapide.example",
    "palais-congres.example",
    "collectif-citoyen.example",
    "asso-quartier.example",
    "cabinet-conseil.example",
    "mairie-nord.example",
    "sondages-opinion.example",
    "traiteur-central.example",
    "radio-locale.example",
    "transports-bus.example",
    "universite-ouest.example",
    "syndicat-agri.example",
    "fondation-idees.example",
    "banque-horizon.example",
)
_ZONES = ("Europe/London", "America/New_York", "America/Montreal", "Africa/Dakar", "Europe/Berlin")
_TOPICS = (
    "budget",
    "compte-rendu",
    "note",
    "planning",
    "devis",
    "programme",
    "liste",
    "convention",
    "tract",
    "discours",
    "revue-presse",
    "agenda",
)
_CYRILLIC_NAMES = ("Георгий Петров", "Роман Жуков", "Андрей Соколов")
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class Client:
    """A mail program: the header it writes and how it makes Message-IDs."""

    header: tuple[str, str] | None
    id_style: str
    id_domain: str | None = None  # hosted systems write their own; None: the sender's domain


CLIENTS = (
    Client(("X-Mailer", "Microsoft Outlook 16.0"), "outlook"),
    Client(
        (
            "User-Agent",
            "Mozilla/5.0 (Windows NT 10.0; WOW64; rv:45.0) Gecko/20100101 Thunderbird/45.8.0",
        ),
        "uuid",
    ),
    Client(("X-Mailer", "Apple Mail (2.3273)"), "UUID"),
    Client(("X-Mailer", "iPhone Mail (14D27)"), "UUID"),
    Client(("User-Agent", "Microsoft-MacOutlook/14.7.2.170228"), "macoutlook"),
)
WEBMAIL_CLIENT = Client(None, "webmail", "mail.webmail.example")
FORGER_CLIENT = Client(
    ("X-Mailer", "The Bat! (v8.0.12) Professional"), "thebat", "vps-4412.hostnet.example"
)
FORGER_RELAY = "vps-4412.hostnet.example"
FORGER_ZONE = "Europe/Moscow"
OFFICE_TOOLS = (
    ("Microsoft Office Word", "16.0000"),
    ("Microsoft Office Word", "15.0000"),
    ("LibreOffice/5.2.3.3$Windows_X86_64 LibreOffice_project/d54a8868f0", ""),
)


@dataclass
class Person:
    name: str
    address: str
    client: Client
    zone: str
    relay: str  # the outgoing server of the sender's mail system
    office: tuple[str, str]
    staff: bool

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    @property
    def login(self) -> str:
        return self.address.partition("@")[0]


@dataclass
class Message:
    n: int
    sender: Person
    to: list[Person]
    when: datetime
    subject: str
    message_id: str
    body: str
    references: list[str] = field(default_factory=list)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, data


@dataclass
class DumpInfo:
    """What was generated, for the benchmark's report."""

    folder: Path
    org_profile: Path
    emails: int = 0
    replies: int = 0
    copies: int = 0
    forged: int = 0
    attachments: int = 0
    loose_documents: int = 0
    bytes: int = 0


class _Text:
    """Sentences from a Zipf vocabulary: shared common words, no two texts alike."""

    def __init__(self, rng: random.Random, size: int = 4000) -> None:
        vocab_rng = random.Random(5)  # the vocabulary is the language: the same for every seed
        words: set[str] = set()
        while len(words) < size:
            words.add("".join(vocab_rng.choices(_SYLLABLES, k=vocab_rng.randint(1, 4))))
        self.words = sorted(words)
        vocab_rng.shuffle(self.words)
        total, cumulative = 0.0, []
        for rank in range(len(self.words)):
            total += 1 / (rank + 1)
            cumulative.append(total)
        self.cumulative = cumulative
        self.rng = rng

    def sentence(self) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=self.rng.randint(6, 18))
        return " ".join(words).capitalize() + "."

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def words_line(self, k: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=k))


def _wrap(text: str, width: int = 12) -> list[str]:
    words = text.split()
    return [" ".join(words[i : i + width]) for i in range(0, len(words), width)]


def _people(rng: random.Random) -> list[Person]:
    names = [f"{f} {last}" for last in _LAST for f in _FIRST]
    rng.shuffle(names)
    people: list[Person] = []
    seen: set[str] = set()
    for index, name in enumerate(names[:200]):
        first, last = name.split(" ", 1)
        login = (first[0] + "." + last).lower()
        login = login.translate(str.maketrans("éèêëàçïî", "eeeeacii")).replace(" ", "")
        staff = index < 70
        if staff:
            domain, client = ORG_DOMAIN, rng.choice(CLIENTS)
            zone, relay = "Europe/Paris", f"smtp.{ORG_DOMAIN}"
        elif index < 100:
            domain, client, relay = WEBMAIL, WEBMAIL_CLIENT, f"smtp.{WEBMAIL}"
            zone = "Europe/Paris" if rng.random() < 0.7 else rng.choice(_ZONES)
        else:
            domain = rng.choice(_EXTERNAL_DOMAINS)
            client, relay = rng.choice(CLIENTS), f"smtp.{domain}"
            zone = "Europe/Paris" if rng.random() < 0.7 else rng.choice(_ZONES)
        address = f"{login}@{domain}"
        while address in seen:
            address = f"{login}{len(seen) % 10}@{domain}"
        seen.add(address)
        office = OFFICE_TOOLS[0] if rng.random() < 0.7 else rng.choice(OFFICE_TOOLS[1:])
        people.append(Person(name, address, client, zone, relay, office, staff))
    return people


def _message_id(client: Client, rng: random.Random, when: datetime, sender: Person) -> str:
    domain = client.id_domain or sender.domain
    style = client.id_style
    if style == "outlook":
        local = (
            f"{rng.getrandbits(16):04x}01d2{rng.getrandbits(16):04x}"
            f"${rng.getrandbits(32):08x}${rng.getrandbits(32):08x}$"
        )
    elif style in ("uuid", "UUID"):
        local = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        local = local.upper() if style == "UUID" else local
    elif style == "webmail":
        body = "".join(rng.choices(_ALNUM, k=40))
        local = f"CA{body[:2]}{rng.randrange(10)}{body[2:12]}+{body[12:20]}=k{body[20:]}"
    elif style == "macoutlook":
        local = f"D5{rng.getrandbits(24):06X}.{rng.getrandbits(20):05X}%{sender.login}"
    else:  # thebat
        local = f"{rng.randrange(10**9, 10**10)}.{when.strftime('%Y%m%d%H%M%S')}"
    return f"<{local}@{domain}>"


def _ip(rng: random.Random) -> str:
    return (
        f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def _received(msg: Message, relay: str, zone: str, rng: random.Random) -> list[str]:
    """Received headers of a copy delivered to the organisation, top (last relay) first."""
    submitted = msg.when + timedelta(seconds=rng.randint(1, 40))
    delivered = submitted + timedelta(seconds=rng.randint(1, 90))
    queue = "".join(rng.choices("0123456789ABCDEF", k=10))
    return [
        f"Received: from {relay} ({relay} [{_ip(rng)}])\n\tby mx.{ORG_DOMAIN} (Postfix) with "
        f"ESMTPS id {queue}\n\tfor <{msg.to[0].address}>; "
        f"{format_datetime(delivered.astimezone(ZoneInfo('Europe/Paris')))}",
        f"Received: from [192.168.{rng.randint(0, 9)}.{rng.randint(2, 250)}] (unknown "
        f"[{_ip(rng)}])\n\tby {relay} (Postfix) with ESMTPSA id {queue[::-1]};\n\t"
        f"{format_datetime(submitted.astimezone(ZoneInfo(zone)))}",
    ]


def _docx(
    text: _Text,
    rng: random.Random,
    title: str,
    author: str,
    modifier: str,
    created: datetime,
    modified: datetime,
    office: tuple[str, str],
) -> bytes:
    """A small Word document written as OOXML directly (python-docx per file is too slow)."""
    paragraphs = "".join(
        f'<w:p><w:r><w:rPr><w:lang w:val="fr-FR"/></w:rPr><w:t>{escape(text.paragraph(n))}'
        "</w:t></w:r></w:p>"
        for n in (rng.randint(1, 5) for _ in range(rng.randint(2, 8)))
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="'
        'http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
        f"{escape(title)}</w:t></w:r></w:p>{paragraphs}</w:body></w:document>"
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp='
        '"http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc='
        '"http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>"
        f"<cp:lastModifiedBy>{escape(modifier)}</cp:lastModifiedBy>"
        f"<cp:revision>{rng.randint(1, 12)}</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created:%Y-%m-%dT%H:%M:%SZ}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{modified:%Y-%m-%dT%H:%M:%SZ}'
        "</dcterms:modified></cp:coreProperties>"
    )
    version = f"<AppVersion>{office[1]}</AppVersion>" if office[1] else ""
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
        'schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Template>'
        f"Normal.dotm</Template><TotalTime>{rng.randint(1, 300)}</TotalTime><Pages>1</Pages>"
        f"<Application>{escape(office[0])}</Application><DocSecurity>0</DocSecurity>{version}"
        "</Properties>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", document),
            ("docProps/core.xml", core),
            ("docProps/app.xml", app),
        ):
            # Word dates every entry 1980-01-01; deflated like any real package.
            archive.writestr(
                zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED
            )
    return buffer.getvalue()


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
    'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType='
    '"application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type='
    '"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"'
    ' Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.'
    'org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class _Generator:
    def __init__(self, emails: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.text = _Text(self.rng)
        self.people = _people(self.rng)
        self.staff = [p for p in self.people if p.staff]
        self.emails = emails
        # A few people write most of the mail, as in any organisation.
        self.weights = [1 / (rank + 1) ** 0.7 for rank in range(len(self.people))]
        self.messages: list[Message] = []

    def attachment(self, n: int, author: Person, when: datetime) -> tuple[str, str, bytes]:
        rng, roll = self.rng, self.rng.random()
        topic = rng.choice(_TOPICS)
        if roll < 0.7:
            colleagues = [p for p in self.people if p.domain == author.domain] or [author]
            writer = author if rng.random() < 0.7 else rng.choice(colleagues)
            modified = when - timedelta(minutes=rng.randint(5, 2 * 24 * 60))
            created = modified - timedelta(hours=rng.randint(1, 30 * 24))
            data = _docx(
                self.text,
                rng,
                f"{topic} {self.text.words_line(3)}",
                writer.name,
                author.name,
                created,
                modified,
                author.office,
            )
            return f"{topic}_{n}.docx", _DOCX_TYPE, data
        if roll < 0.85:
            day = when.date()
            rows = ["date;libellé;montant"] + [
                f"{day - timedelta(days=rng.randint(0, 90))};{self.text.words_line(3)};"
                f"{rng.randint(10, 90000) / 100:.2f}"
                for _ in range(rng.randint(5, 30))
            ]
            return f"{topic}_{n}.csv", "text/csv; charset=utf-8", "\n".join(rows).encode()
        lines = _wrap(self.text.paragraph(rng.randint(3, 12)))
        return f"{topic}_{n}.txt", "text/plain; charset=utf-8", "\n".join(lines).encode()

    def recipients(self, sender: Person) -> list[Person]:
        rng = self.rng
        pool = self.staff if (not sender.staff or rng.random() < 0.6) else self.people
        chosen = [p for p in rng.sample(pool, rng.randint(1, 3)) if p is not sender]
        return chosen or [rng.choice([p for p in self.staff if p is not sender])]

    def new_message(self, n: int, when: datetime) -> Message:
        rng = self.rng
        recent = self.messages[-400:]
        if recent and rng.random() < 0.3:
            parent = rng.choice(recent)
            sender = rng.choice(parent.to)
            if sender is not parent.sender:
                return self.reply(n, when, sender, parent)
        sender = rng.choices(self.people, weights=self.weights)[0]
        body = self.body(sender)
        subject = self.text.words_line(rng.randint(2, 6)).capitalize()
        return Message(
            n,
            sender,
            self.recipients(sender),
            when,
            subject,
            _message_id(sender.client, rng, when, sender),
            body,
        )

    def body(self, sender: Person) -> str:
        rng = self.rng
        paragraphs = [self.text.paragraph(rng.randint(1, 5)) for _ in range(rng.randint(1, 4))]
        lines = ["Bonjour,", ""]
        for paragraph in paragraphs:
            lines += [*_wrap(paragraph), ""]
        return "\n".join([*lines, "Cordialement,", sender.name])

    def reply(self, n: int, when: datetime, sender: Person, parent: Message) -> Message:
        rng = self.rng
        quoted = [f"> {line}" if line else ">" for line in parent.body.split("\n")[:60]]
        header = (
            f"Le {format_datetime(parent.when)}, {parent.sender.name} "
            f"<{parent.sender.address}> a écrit :"
        )
        body = "\n".join([self.body(sender), "", header, *quoted])
        subject = parent.subject if parent.subject.startswith("Re: ") else f"Re: {parent.subject}"
        refs = [*parent.references[-9:], parent.message_id]
        return Message(
            n,
            sender,
            [parent.sender],
            when,
            subject,
            _message_id(sender.client, rng, when, sender),
            body,
            refs,
        )

    def copy_of(self, n: int, original: Message) -> Message:
        """A "completed" copy: the same message with a sentence added."""
        lines = original.body.split("\n")
        cut = self.rng.randint(2, max(2, min(len(lines) - 2, 8)))
        body = "\n".join([*lines[:cut], self.text.sentence(), *lines[cut:]])
        return Message(
            n,
            original.sender,
            original.to,
            original.when,
            original.subject,
            original.message_id,
            body,
            original.references,
            original.attachments,
        )

    def forged(self, n: int, when: datetime) -> Message:
        """A message in the name of a frequent sender, from another machine."""
        sender = self.rng.choice(self.people[:20])
        message = Message(
            n,
            sender,
            self.recipients(sender),
            when,
            self.text.words_line(4).capitalize(),
            _message_id(FORGER_CLIENT, self.rng, when, sender),
            self.body(sender),
        )
        message.to = [p for p in message.to if p.staff] or [self.staff[0]]
        return message


def _encoded(text: str) -> str:
    """A header value as mail clients write it: RFC 2047 words when it is not ASCII."""
    return text if text.isascii() else Header(text, "utf-8").encode()


def _address(person: Person) -> str:
    return formataddr((person.name, person.address), charset="utf-8")


def render(msg: Message, rng: random.Random, forged: bool = False) -> bytes:
    client = FORGER_CLIENT if forged else msg.sender.client
    zone = FORGER_ZONE if forged else msg.sender.zone
    relay = FORGER_RELAY if forged else msg.sender.relay
    headers = _received(msg, relay, zone, rng) if any(p.staff for p in msg.to) else []
    headers += [
        f"From: {_address(msg.sender)}",
        "To: " + ", ".join(_address(p) for p in msg.to),
        f"Subject: {_encoded(msg.subject)}",
        f"Date: {format_datetime(msg.when.astimezone(ZoneInfo(zone)))}",
        f"Message-ID: {msg.message_id}",
    ]
    if msg.references:
        headers += [
            f"In-Reply-To: {msg.references[-1]}",
            "References: " + "\n ".join(msg.references),
        ]
    if client.header:
        headers.append(f"{client.header[0]}: {client.header[1]}")
    headers.append("MIME-Version: 1.0")
    text_part = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    if not msg.attachments:
        return ("\n".join(headers) + "\n" + text_part + msg.body + "\n").encode()
    boundary = f"----=_Part_{msg.n}_{rng.getrandbits(32):08x}"
    parts = [
        f'Content-Type: multipart/mixed; boundary="{boundary}"\n',
        f"--{boundary}",
        text_part + msg.body,
    ]
    for name, ctype, data in msg.attachments:
        parts += [
            f"--{boundary}",
            f'Content-Type: {ctype}; name="{name}"\nContent-Transfer-Encoding: base64\n'
            f'Content-Disposition: attachment; filename="{name}"\n\n'
            + base64.encodebytes(data).decode(),
        ]
    parts.append(f"--{boundary}--\n")
    return ("\n".join(headers) + "\n" + "\n".join(parts)).encode()


def _folder_for(msg: Message, kind: str) -> str:
    staff_to = [p for p in msg.to if p.staff]
    if kind == "copy":
        owner = staff_to[-1] if staff_to else msg.sender
        return f"{owner.login}/Archive"
    if staff_to:
        return f"{staff_to[0].login}/Inbox"
    return f"{msg.sender.login}/Sent"


def write_org_profile(path: Path, staff: list[Person]) -> None:
    lines = [
        "[org]",
        f'name = "{ORG_NAME}"',
        f'domains = ["{ORG_DOMAIN}"]',
        'timezone = "Europe/Paris"',
        "",
    ]
    for person in staff:
        lines += ["[[people]]", f'name = "{person.name}"', f'emails = ["{person.address}"]', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def generate_dump(folder: Path, emails: int, seed: int = 1) -> DumpInfo:
    """Write a dump of `emails` messages (about emails/4 attachments) into `folder`."""
    gen = _Generator(emails, seed)
    rng = gen.rng
    dump = folder / "dump"
    dump.mkdir(parents=True, exist_ok=True)
    info = DumpInfo(dump, folder / "org.toml")
    write_org_profile(info.org_profile, gen.staff)
    forged_at = set(rng.sample(range(emails // 10, emails), max(3, emails // 2000)))
    gap = SPAN / emails
    attachments: list[bytes] = []
    for n in range(emails):
        # Monotonic dates: each message is in its own slot of the timeline, so replies follow.
        when = START + gap * n + timedelta(seconds=rng.uniform(0, gap.total_seconds() * 0.9))
        when = when.replace(microsecond=0)
        kind = "mail"
        if n in forged_at:
            msg, kind = gen.forged(n, when), "forged"
        elif gen.messages and rng.random() < 0.01:
            msg, kind = gen.copy_of(n, rng.choice(gen.messages[-2000:])), "copy"
        else:
            msg = gen.new_message(n, when)
            roll = rng.random()
            count = 2 if roll < 0.04 else 1 if roll < 0.21 else 0
            msg.attachments = [gen.attachment(n * 10 + i, msg.sender, when) for i in range(count)]
            gen.messages.append(msg)
        data = render(msg, rng, forged=kind == "forged")
        target = dump / _folder_for(msg, kind) / f"{n:06d}.eml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        info.emails += 1
        info.bytes += len(data)
        info.replies += bool(msg.references) and kind == "mail"
        info.copies += kind == "copy"
        info.forged += kind == "forged"
        info.attachments += len(msg.attachments)
        attachments += [a[2] for a in msg.attachments if a[0].endswith(".docx")]
    info.loose_documents = _loose_documents(gen, dump / "Documents", attachments)
    return info


def _loose_documents(gen: _Generator, folder: Path, attached: list[bytes]) -> int:
    """About 50 documents: half copies of attachments, half never mailed (three of them last
    saved by a Cyrillic name, as in MacronLeaks)."""
    rng = gen.rng
    folder.mkdir(parents=True, exist_ok=True)
    copies = rng.sample(attached, min(25, len(attached)))
    for index, data in enumerate(copies):
        (folder / f"document_{index:03d}.docx").write_bytes(data)
    end = START + SPAN
    for index in range(25):
        author = rng.choice(gen.staff)
        modifier = _CYRILLIC_NAMES[index % 3] if index < 3 else author.name
        modified = end - timedelta(days=rng.randint(1, 300), minutes=rng.randint(0, 1440))
        created = modified - timedelta(days=rng.randint(0, 20), hours=rng.randint(1, 20))
        data = _docx(
            gen.text,
            rng,
            f"{rng.choice(_TOPICS)} {gen.text.words_line(3)}",
            author.name,
            modifier,
            created,
            modified,
            author.office,
        )
        (folder / f"{rng.choice(_TOPICS)}_{index:03d}.docx").write_bytes(data)
    return len(copies) + 25
