"""The demo's forensic cases, read back with plain libraries (email, python-docx, openpyxl, pypdf,
py-tlsh), never with contrefeu's own detectors: genuine senders keep one set of habits, each
forgery breaks them in the intended ways, completed copies differ from their signed original,
the planted folder's metadata points elsewhere, and only the intended items match the decoys."""

from __future__ import annotations

import difflib
import email
import email.policy
import hashlib
import io
import random
import re
import unicodedata
import zipfile
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import tlsh
from hypothesis import given
from hypothesis import strategies as st

from contrefeu.demo import DemoLeak
from contrefeu.demo.clients import (
    APPLE_MAIL,
    MAC_OUTLOOK,
    MTA,
    OUTLOOK,
    THE_BAT,
    THUNDERBIRD,
    WEBMAIL,
    MailClient,
)
from contrefeu.demo.mime import remove_header
from contrefeu.demo.people import Person

from .test_generator import FORGED, attachment_of, email_entries

DST = datetime(2017, 3, 26, 1, tzinfo=UTC)
ORG = "avenir-commun.fr"


# --- reading headers back ---------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def mailer(message: EmailMessage) -> str | None:
    value = message.get("X-Mailer") or message.get("User-Agent")
    return str(value) if value else None


def msgid_domain(message: EmailMessage) -> str:
    return str(message["Message-ID"]).strip("<>").rpartition("@")[2]


def char_classes(text: str) -> frozenset[str]:
    return frozenset(
        "9" if c.isdigit() else "A" if c.isupper() else "a" if c.islower() else c for c in text
    )


def msgid_classes(message: EmailMessage) -> frozenset[str]:
    return char_classes(str(message["Message-ID"]).strip("<>").rpartition("@")[0])


def dkim_domains(message: EmailMessage) -> list[str]:
    out = []
    for value in message.get_all("DKIM-Signature") or []:
        match = re.search(r"\bd=([^;\s]+)", str(value))
        assert match
        out.append(match.group(1))
    return out


def relays(message: EmailMessage) -> list[str]:
    return [
        m.group(1)
        for v in message.get_all("Received") or []
        if (m := re.search(r"\bby\s+([^\s;]+)", " ".join(str(v).split())))
    ]


def from_address(message: EmailMessage) -> str:
    return message["From"].addresses[0].addr_spec.lower()


def text_body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()


def genuine_by_sender(truth: dict, items: dict[str, bytes]) -> dict[str, list[EmailMessage]]:
    """Every message not fabricated (forged) or damaged (malformed), grouped by From."""
    out: dict[str, list[EmailMessage]] = defaultdict(list)
    for path, entry in email_entries(truth).items():
        if entry["scenario"] in FORGED or entry["verdict"] == "malformed":
            continue
        message = parse(items[path])
        out[from_address(message)].append(message)
    return out


# --- genuine habits ---------------------------------------------------------------------------


def test_every_genuine_sender_keeps_one_client(truth: dict, items: dict[str, bytes]) -> None:
    senders = genuine_by_sender(truth, items)
    assert len(senders["j.dubois@avenir-commun.fr"]) >= 5
    assert len(senders["presse@avenir-commun.fr"]) >= 5
    assert len(senders["p.durand@gazette.example"]) >= 4
    for sender, messages in senders.items():
        assert len({mailer(m) for m in messages}) == 1, sender
        assert len({msgid_domain(m) for m in messages}) == 1, sender
        assert len({msgid_classes(m) for m in messages}) == 1, sender


def test_staff_write_in_paris_time(truth: dict, items: dict[str, bytes]) -> None:
    checked = 0
    for sender, messages in genuine_by_sender(truth, items).items():
        if not sender.endswith("@" + ORG):
            continue
        for message in messages:
            date = message["Date"].datetime
            expected = timedelta(hours=2 if date >= DST else 1)
            assert date.utcoffset() == expected, (sender, message["Date"])
            checked += 1
    assert checked > 30


def test_signing_habits(truth: dict, items: dict[str, bytes]) -> None:
    """The senders the forgeries imitate sign every genuine message of theirs."""
    senders = genuine_by_sender(truth, items)
    for sender, domain in (
        ("presse@avenir-commun.fr", ORG),
        ("p.durand@gazette.example", "gazette.example"),
    ):
        assert all(dkim_domains(m) == [domain] for m in senders[sender]), sender


# --- forgeries ----------------------------------------------------------------------------------


def assert_forgeries_as_intended(truth: dict, items: dict[str, bytes]) -> None:
    """Each forgery carries at least two anomalies against its sender's genuine mail."""
    senders = genuine_by_sender(truth, items)
    by_id = {e["message_id"]: p for p, e in email_entries(truth).items() if e["message_id"]}
    seen = set()
    for path, entry in email_entries(truth).items():
        scenario = entry["scenario"]
        if scenario not in FORGED:
            continue
        seen.add(scenario)
        message = parse(items[path])
        sender = from_address(message)
        genuine = senders[sender]
        habits = {mailer(m) for m in genuine}, {msgid_domain(m) for m in genuine}
        assert len(genuine) >= 4, path
        if scenario == "forged-staff":
            assert sender.endswith("@" + ORG) and not dkim_domains(message)
            assert mailer(message) == THE_BAT.header[1] and mailer(message) not in habits[0]
            assert msgid_domain(message) not in habits[1]
            assert message["Date"].datetime.utcoffset() == timedelta(hours=3)
            assert "smtp.hostnet.example" in relays(message)
            assert not any("hostnet" in r for m in genuine for r in relays(m))
        elif scenario == "forged-external":
            assert sender.endswith("@gazette.example") and not dkim_domains(message)
            assert mailer(message) == THUNDERBIRD.header[1] and habits[0] == {OUTLOOK.header[1]}
            assert msgid_classes(message) != msgid_classes(genuine[0])
            assert "mail.free-relay.example" in relays(message)
        elif scenario == "forged-reply":
            parent_path = by_id[str(message["In-Reply-To"])]
            assert truth[parent_path]["scenario"] == "press-thread"
            parent = parse(items[parent_path])
            assert message["Date"].datetime < parent["Date"].datetime - timedelta(hours=12)
            quoted = " ".join(
                line.lstrip("> ") for line in text_body(message).splitlines() if line[:1] == ">"
            )
            original = " ".join(text_body(parent).split())
            assert len(quoted.split()) >= 25
            assert "deux millions" in quoted and "deux millions" not in original
        elif scenario == "forged-freemail":
            assert sender.endswith("@" + ORG)
            assert dkim_domains(message) == ["webmail.example"]
            assert mailer(message) is None and None not in habits[0]
            assert msgid_domain(message) == "mail.webmail.example" not in habits[1]
            assert "smtp.webmail.example" in relays(message)
    assert seen == FORGED


def test_forged_mails_break_their_senders_habits(truth: dict, items: dict[str, bytes]) -> None:
    assert_forgeries_as_intended(truth, items)


def test_completed_copies_are_signed_originals_with_words_added(
    truth: dict, items: dict[str, bytes]
) -> None:
    originals = {e["message_id"]: p for p, e in truth.items() if e["scenario"] == "copied-original"}
    copies = {p: e for p, e in truth.items() if e["scenario"] == "completed-copy"}
    assert len(copies) >= 2
    for path, entry in copies.items():
        original_path = originals[entry["message_id"]]
        assert original_path.split("/")[0].split("!")[0] != path.split("/")[0].split("!")[0]
        original, copy = parse(items[original_path]), parse(items[path])
        assert len(dkim_domains(original)) == 1 and not dkim_domains(copy)
        stripped, removed = remove_header(items[original_path], "DKIM-Signature")
        assert removed == 1
        head = items[path].split(b"\n\n", 1)[0]
        assert stripped.split(b"\n\n", 1)[0] == head  # same headers, signature aside
        before, after = text_body(original).split(), text_body(copy).split()
        opcodes = difflib.SequenceMatcher(a=before, b=after).get_opcodes()
        changes = [op for op in opcodes if op[0] != "equal"]
        assert changes and all(op[0] in ("insert", "replace") for op in changes)
        # a completion stays a near-duplicate of its original
        assert difflib.SequenceMatcher(a=before, b=after).ratio() > 0.8


# --- documents ----------------------------------------------------------------------------------


def _is_cyrillic(text: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(c, "") for c in text if c.isalpha())


def office_metadata(data: bytes, name: str) -> dict[str, object]:
    """Author, last modifier, tool, languages and dates, read with python-docx/openpyxl/pypdf."""
    if name.endswith(".pdf"):
        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(data))
        info = reader.metadata
        return {
            "people": [info.author],
            "tool": info.creator or info.producer,
            "languages": [str(reader.trailer["/Root"].get("/Lang"))],
            "created": info.creation_date,
            "modified": info.modification_date,
        }
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        app = package.read("docProps/app.xml").decode()
        styles = package.read("word/styles.xml").decode() if name.endswith(".docx") else ""
    tool = re.search(r"<Application>([^<]*)</Application>", app)
    if name.endswith(".docx"):
        import docx

        props = docx.Document(io.BytesIO(data)).core_properties
        people, created, modified = (
            [props.author, props.last_modified_by],
            props.created,
            props.modified,
        )
        languages = re.findall(r'<w:lang w:val="([^"]+)"', styles) + [props.language or ""]
    else:
        import openpyxl

        props = openpyxl.load_workbook(io.BytesIO(data)).properties
        people, created, modified = (
            [props.creator, props.lastModifiedBy],
            props.created,
            props.modified,
        )
        languages = [props.language or ""]
    return {
        "people": people,
        "tool": tool.group(1) if tool else None,
        "languages": [t for t in languages if t],
        "created": created.replace(tzinfo=UTC) if created.tzinfo is None else created,
        "modified": modified.replace(tzinfo=UTC) if modified.tzinfo is None else modified,
    }


def _last_mail(truth: dict, items: dict[str, bytes]) -> datetime:
    return max(
        parse(items[p])["Date"].datetime
        for p, e in email_entries(truth).items()
        if e["verdict"] != "malformed"
    )


def _attachments(truth: dict, items: dict[str, bytes]) -> list[tuple[str, str, bytes, datetime]]:
    """(email path, filename, bytes, email Date) of every attachment in the dump."""
    out = []
    for path, entry in email_entries(truth).items():
        if entry["verdict"] == "malformed":
            continue
        message = parse(items[path])
        for part in message.iter_attachments():
            data = part.get_payload(decode=True)
            out.append((path, part.get_filename(), data, message["Date"].datetime))
    return out


def test_planted_folder_points_elsewhere(truth: dict, items: dict[str, bytes]) -> None:
    planted = {p: e for p, e in truth.items() if e["scenario"] == "planted-folder"}
    assert len(planted) >= 4 and all(e["verdict"] == "planted" for e in planted.values())
    assert {p.rpartition("/")[0] for p in planted} == {"j.dubois/Transfert"}
    assert {p.rsplit(".", 1)[1] for p in planted} == {"docx", "xlsx", "pdf"}
    attached = {hashlib.sha256(a[2]).digest() for a in _attachments(truth, items)}
    last_mail = _last_mail(truth, items)
    for path in planted:
        data = items[path]
        assert hashlib.sha256(data).digest() not in attached  # no email carries it
        meta = office_metadata(data, path)
        assert any(_is_cyrillic(str(p or "")) for p in meta["people"]), path
        assert "LibreOffice" in str(meta["tool"]) or meta["tool"] == "Writer"
        assert "ru-RU" in meta["languages"], path
        assert meta["created"] > last_mail


def test_genuine_documents_look_like_the_campaigns(truth: dict, items: dict[str, bytes]) -> None:
    last_mail = _last_mail(truth, items)
    docs = [(p, p, items[p], None) for p, e in truth.items() if e["scenario"] == "loose-document"]
    docs += [
        (path, name, data, sent)
        for path, name, data, sent in _attachments(truth, items)
        if truth[path]["scenario"] not in FORGED
    ]
    checked = 0
    for path, name, data, sent in docs:
        if not name.endswith((".docx", ".xlsx", ".pdf")):
            continue
        meta = office_metadata(data, name)
        assert not any(_is_cyrillic(str(p or "")) for p in meta["people"]), path
        assert str(meta["tool"]).startswith("Microsoft"), (path, meta["tool"])
        assert set(meta["languages"]) <= {"fr-FR"}, path
        assert meta["created"] <= meta["modified"] <= last_mail
        if sent is not None:  # never saved after the mail that carries it was sent
            assert meta["modified"] <= sent, (path, name)
        checked += 1
    assert checked >= 10


# --- decoys -------------------------------------------------------------------------------------


def test_decoys_folder_and_where_the_bait_shows(
    small: DemoLeak, truth: dict, items: dict[str, bytes]
) -> None:
    folder = small.decoys
    assert folder.parent == small.dump.parent and folder.name == "decoys"
    assert not any(p.name == "canaries.txt" for p in small.dump.rglob("*"))
    canaries = [
        line
        for line in (folder / "canaries.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert len(canaries) >= 2 and all(len(c) >= 6 for c in canaries)
    decoys = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "canaries.txt"}
    assert 2 <= len(decoys) <= 3
    # The bait leaving: a signed message of the campaign carrying a decoy byte for byte.
    [attachment] = [p for p in truth if "#" in p]
    assert truth[attachment.rpartition("#")[0]]["scenario"] == "decoy-attachment"
    assert dkim_domains(parse(items[attachment.rpartition("#")[0]])) == [ORG]
    assert attachment_of(items, attachment) in decoys.values()
    # The bait coming back: a signed reporter's message quoting a canary.
    for path, entry in truth.items():
        if entry["scenario"] == "decoy-canary":
            assert any(c in text_body(parse(items[path])) for c in canaries)
            assert dkim_domains(parse(items[path])) == ["herald.example"]
    # Every item of the dump (and every attachment) is far from every decoy and holds no
    # canary, except the intended ones: the scan's fuzzy match must not hit genuine files.
    digests = {name: tlsh.hash(data) for name, data in decoys.items()}
    everything = [(p, d) for p, d in items.items()] + [
        (f"{p}#{n}", d) for p, n, d, _ in _attachments(truth, items)
    ]
    intended = {p for p, e in truth.items() if e["verdict"] == "decoy"}
    close = set()
    for path, data in everything:
        digest = tlsh.hash(data) if len(data) >= 50 else "TNULL"
        near = digest != "TNULL" and any(tlsh.diff(digest, d) <= 80 for d in digests.values())
        canary = any(c.encode() in data for c in canaries)
        if near or canary:
            close.add(path.split("#")[0] if "#" in path else path)
    assert close <= intended
    assert "Documents/note-financement-v2.pdf" in close
    edited = items["Documents/note-financement-v2.pdf"]
    note = decoys["note-financement-confidentielle.pdf"]
    assert edited != note and tlsh.diff(tlsh.hash(edited), tlsh.hash(note)) <= 80


# --- properties ---------------------------------------------------------------------------------

_SENDER = Person("Claire Martin", "c.martin@avenir-commun.fr", "press")
_CLIENTS = (OUTLOOK, THUNDERBIRD, APPLE_MAIL, MAC_OUTLOOK, WEBMAIL, MTA, THE_BAT)


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=0, max_value=119 * 86400))
def test_message_ids_keep_their_clients_shape(seed: int, offset: int) -> None:
    """Whatever the random draw, a client's Message-IDs use the same character classes: a
    genuine sender's ids never look like another program's."""
    when = datetime(2017, 2, 1, tzinfo=UTC) + timedelta(seconds=offset)
    for client in _CLIENTS:
        reference = client.message_id(random.Random(0), when, _SENDER)
        made = client.message_id(random.Random(seed), when, _SENDER)
        assert re.fullmatch(r"<[^<>@\s]+@[a-z0-9.-]+>", made), made
        assert char_classes(made.split("@")[0]) == char_classes(reference.split("@")[0])
        assert made.split("@")[1] == reference.split("@")[1]


_NAMES = st.sampled_from(["DKIM-Signature", "Received", "X-Mailer", "Subject"])
_VALUES = st.text(alphabet="abc =;:-", min_size=1, max_size=20)


@given(st.lists(st.tuples(_NAMES, _VALUES, st.booleans()), max_size=8), _NAMES)
def test_remove_header_drops_only_that_header(
    headers: list[tuple[str, str, bool]], name: str
) -> None:
    lines = []
    for header, value, folded in headers:
        lines.append(f"{header}: {value}" + (f"\n\t{value}" if folded else ""))
    raw = ("\n".join(["From: a@b.example", *lines]) + "\n\nbody\n").encode()
    out, removed = remove_header(raw, name)
    assert removed == sum(1 for h, _, _ in headers if h == name)
    kept = [h for h, _, _ in headers if h != name]
    assert re.findall(rb"(?m)^([A-Za-z-]+):", out.split(b"\n\n")[0]) == [
        b"From",
        *(h.encode() for h in kept),
    ]
    assert out.endswith(b"\n\nbody\n")


def test_client_of_every_demo_person_is_fixed() -> None:
    from contrefeu.demo import people
    from contrefeu.demo.clients import client_of

    everyone = [*people.STAFF, people.PRESS_OFFICE, *people.JOURNALISTS, *people.BANK]
    assert all(isinstance(client_of(p), MailClient) for p in everyone)
    assert client_of(people.staff("k.haddad")) is client_of(people.staff("k.haddad"))
    assert client_of(people.JOURNALISTS[0]) is OUTLOOK
