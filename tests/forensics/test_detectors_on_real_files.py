"""Each cross-item detector on real files made here: office documents written by python-docx,
openpyxl and pypdf, messages signed by dkimpy with real keys, scanned by the real pipeline."""

from __future__ import annotations

import io
import json
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from contrefeu.leak.decoys import DecoySet
from contrefeu.leak.docforensics import DocFacts, doc_findings
from contrefeu.leak.docmeta import extract_metadata
from contrefeu.leak.export import export_rows
from contrefeu.leak.keys import txt_record_for
from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.org import OrgProfile, Person
from contrefeu.store import Case

ORG = OrgProfile(name="Avenir Commun", domains=("avenir-commun.fr",), timezone="Europe/Paris",
                 people=(Person("Claire Martin", ("c.martin@avenir-commun.fr",)),
                         Person("Julien Dubois", ("j.dubois@avenir-commun.fr",))))
TEXT = ("Note de synthèse sur le financement des meetings régionaux : la salle de Lyon coûte "
        "douze mille euros, celle de Marseille neuf mille, et l'équipe logistique propose de "
        "mutualiser la sonorisation entre les deux dates pour réduire la facture globale.")


def _docx(author: str, last: str, text: str = TEXT, created: datetime | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    document.core_properties.author = author
    document.core_properties.last_modified_by = last
    document.core_properties.created = created or datetime(2017, 3, 1, 9, 0)
    document.core_properties.modified = created or datetime(2017, 3, 2, 9, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx(creator: str, created: datetime) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "Budget meeting"
    book.properties.creator = creator
    book.properties.lastModifiedBy = creator
    book.properties.created = created
    book.properties.modified = created
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pdf(author: str, producer: str) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author, "/Producer": producer, "/Creator": producer,
                         "/CreationDate": "D:20170301090000+01'00'"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _facts(number: int, data: bytes, name: str) -> DocFacts:
    meta = extract_metadata(data, name)
    assert meta is not None
    return DocFacts(number, f"Docs/{name}", meta.to_dict())


def test_document_metadata_outliers_from_real_office_files():
    docs = [_facts(i, _docx("Claire Martin", "Julien Dubois"), f"note{i}.docx") for i in range(8)]
    docs.append(_facts(50, _docx("Claire Martin", "Георгий Петров"), "transfert.docx"))
    docs.append(_facts(51, _xlsx("Julien Dubois", datetime(2017, 6, 3, 12, 0)), "budget.xlsx"))
    docs.append(_facts(52, _pdf("Claire Martin", "Soft Xpansion Perfect PDF"), "scan.pdf"))
    found = doc_findings(docs, ORG, last_mail_utc="2017-05-06T18:00:00+00:00")
    assert [f.code for f in found[50]] == ["docmeta-foreign-script"]
    assert "Георгий Петров" in found[50][0].detail
    assert [f.code for f in found[51]] == ["docmeta-rare-tool", "docmeta-created-after-dump"]
    assert [f.code for f in found[52]] == ["docmeta-rare-tool"]
    assert "Soft Xpansion" in found[52][0].detail
    assert all(i not in found for i in range(8))


def test_decoy_documents_match_by_text_not_by_container_bytes(tmp_path: Path):
    folder = tmp_path / "decoys"
    folder.mkdir()
    (folder / "strategie.docx").write_bytes(_docx("Claire Martin", "Claire Martin"))
    decoys = DecoySet.from_dir(folder)
    edited = TEXT.replace("douze mille", "treize mille")
    from contrefeu.leak.doctext import extract_text

    resaved = _docx("Julien Dubois", "Julien Dubois", text=edited)
    text = extract_text(resaved, "copie.docx").text
    assert [f.code for f in decoys.match(resaved, "x", (text,), text=text)] == ["decoy-similar"]
    other_text = ("Compte rendu de la réunion des bénévoles du quartier nord : distribution de "
                  "tracts samedi matin, porte-à-porte dimanche, et point presse lundi à 11h.")
    unrelated = _docx("Claire Martin", "Claire Martin", text=other_text)
    text = extract_text(unrelated, "cr.docx").text
    assert decoys.match(unrelated, "y", (text,), text=text) == []


@pytest.fixture(scope="module")
def signing_key() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, txt_record_for(key.public_key())


def _mail(n: int, body: str, *, day: int, mailer: str = "Microsoft Outlook 16.0",
          message_id: str | None = None) -> bytes:
    when = datetime.fromisoformat(f"2017-03-{day:02d}T10:00:00+01:00")
    return (
        f"From: Paul Durand <p.durand@gazette.example>\r\nTo: c.martin@avenir-commun.fr\r\n"
        f"Subject: Question {n}\r\nDate: {format_datetime(when)}\r\n"
        f"Message-ID: {message_id or f'<{n}.press@gazette.example>'}\r\nX-Mailer: {mailer}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def _signed(raw: bytes, key: tuple[bytes, str]) -> bytes:
    return dkim.sign(raw, b"s1", b"gazette.example", key[0],
                     include_headers=[b"from", b"to", b"subject", b"date", b"message-id"]) + raw


def test_habits_and_completed_copies_in_a_real_scan(tmp_path: Path, signing_key):
    dump = tmp_path / "dump"
    (dump / "inbox").mkdir(parents=True)
    (dump / "archive").mkdir()
    bodies = [f"Bonjour, pour notre article numéro {n} sur la campagne pouvez-vous nous "
              f"confirmer les chiffres du budget des meetings et la date du débat télévisé "
              f"prévu à Lyon, ainsi que le nom de la personne à contacter {n}." for n in range(7)]
    for n, body in enumerate(bodies[:6]):
        (dump / "inbox" / f"{n}.eml").write_bytes(_signed(_mail(n, body, day=n + 1), signing_key))
    # A message in the sender's name that his mail system did not send: no signature, another
    # client. And a copy of message 2 with a sentence added and its signature removed.
    (dump / "inbox" / "9.eml").write_bytes(_mail(9, bodies[6], day=20, mailer="The Bat! 8.2"))
    completed = bodies[2] + " Nous savons que vous avez payé la salle en liquide."
    (dump / "archive" / "2-copy.eml").write_bytes(
        _mail(2, completed, day=3, message_id="<2.press@gazette.example>"))
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"s1._domainkey.gazette.example": signing_key[1]}))
    case_path = tmp_path / "case.db"
    scan([dump], case_path, ScanOptions(keys=[keys], workers=1))
    with Case.open(case_path, create=False) as case:
        rows = {r["path"]: r for r in export_rows(case)}
    forged = rows["inbox/9.eml"]
    assert {f["code"] for f in forged["findings"]} >= {"header-missing-usual-signature",
                                                       "header-unusual-mailer"}
    assert forged["verdict"] == "forged"
    copy = rows["archive/2-copy.eml"]
    assert copy["verdict"] == "altered"
    [finding] = [f for f in copy["findings"] if f["code"] == "neardup-altered-copy"]
    assert finding["related_path"] == "inbox/2.eml"
    assert "added «Nous savons que vous avez payé la salle en liquide.»" in finding["detail"]
    assert {r["verdict"] for p, r in rows.items() if p.startswith("inbox/") and p != "inbox/9.eml"} \
        == {"authentic"}


def _staff_mail(path: Path, n: int, when: str, body: str, *, reply_to: str | None = None,
                sender: str = "c.martin@avenir-commun.fr") -> None:
    headers = (f"From: {sender}\r\nTo: j.dubois@avenir-commun.fr\r\nSubject: Salle {n}\r\n"
               f"Date: {format_datetime(datetime.fromisoformat(when))}\r\n"
               f"Message-ID: <{n}@avenir-commun.fr>\r\n")
    if reply_to:
        headers += f"In-Reply-To: {reply_to}\r\nReferences: {reply_to}\r\n"
    path.write_bytes((headers + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
                      + "\r\n").encode())


def test_threads_and_a_planted_folder_in_a_real_scan(tmp_path: Path):
    dump = tmp_path / "dump"
    for folder in ("c.martin", "j.dubois", "Transfert"):
        (dump / folder).mkdir(parents=True)
    original = ("Pouvez-vous confirmer la réservation de la salle Gaveau pour le 12 avril, avec "
                "la sonorisation et deux cents chaises, avant vendredi midi s'il vous plaît")
    _staff_mail(dump / "c.martin" / "1.eml", 1, "2017-04-03T10:00:00+02:00", original)
    quoted = "\r\n".join("> " + line for line in original.split(", "))
    _staff_mail(dump / "j.dubois" / "2.eml", 2, "2017-04-03T11:00:00+02:00",
                "C'est confirmé.\r\n\r\n" + quoted, reply_to="<1@avenir-commun.fr>",
                sender="j.dubois@avenir-commun.fr")
    invented = ("> Merci de virer les fonds sur le compte offshore comme convenu avec le "
                "trésorier et de ne rien dire au comité de campagne avant lundi")
    _staff_mail(dump / "j.dubois" / "3.eml", 3, "2017-04-02T09:00:00+02:00",
                "Bien reçu.\r\n\r\n" + invented, reply_to="<1@avenir-commun.fr>",
                sender="j.dubois@avenir-commun.fr")
    for n in range(3):
        (dump / "Transfert" / f"note{n}.docx").write_bytes(_docx(
            "Claire Martin", "Георгий Петров", text=f"{TEXT} Version {n}.",
            created=datetime(2017, 6, 2, 10, 0)))
    org = tmp_path / "org.toml"
    org.write_text('[org]\nname = "Avenir Commun"\ndomains = ["avenir-commun.fr"]\n'
                   'timezone = "Europe/Paris"\n[[people]]\nname = "Claire Martin"\n'
                   'emails = ["c.martin@avenir-commun.fr"]\n[[people]]\nname = "Julien Dubois"\n'
                   'emails = ["j.dubois@avenir-commun.fr"]\n')
    case_path = tmp_path / "case.db"
    scan([dump], case_path, ScanOptions(org=org, workers=1))
    with Case.open(case_path, create=False) as case:
        rows = {r["path"]: r for r in export_rows(case)}
    fake = rows["j.dubois/3.eml"]
    assert [f["code"] for f in fake["findings"] if f["code"].startswith("thread-")] == [
        "thread-reply-before-original", "thread-quote-mismatch"]
    assert fake["verdict"] == "forged"
    genuine = rows["j.dubois/2.eml"]
    assert not [f for f in genuine["findings"] if f["code"].startswith("thread-")]
    assert genuine["verdict"] == "unverified"
    for n in range(3):
        planted = rows[f"Transfert/note{n}.docx"]
        codes = [f["code"] for f in planted["findings"]]
        assert "structure-planted-folder" in codes and "docmeta-foreign-script" in codes
        assert planted["verdict"] == "planted"
