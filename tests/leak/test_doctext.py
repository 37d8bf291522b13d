"""Text extraction and format sniffing on real documents made here, and on hostile ones.

Every document is produced by the test itself: docx with python-docx, xlsx with openpyxl, PDF
with pypdf, and the formats without a writer in the environment (pptx, odt, rtf, html) as the
small zips or text files those formats are.
"""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from contrefeu.leak.docformats import DocLimits, DocProblem, SafeZip, parse_rtf, sniff_format
from contrefeu.leak.doctext import decode_text, extract_text

# ----------------------------------------------------------------------------- builders


def make_zip(members: dict[str, bytes | str], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(stored_first, members[stored_first], zipfile.ZIP_STORED)
        for name, content in members.items():
            if name != stored_first:
                archive.writestr(name, content)
    return buffer.getvalue()


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Compte rendu", level=1)
    document.add_paragraph("Réunion du comité, jeudi 2 mai.")
    paragraph = document.add_paragraph("Présents : ")
    paragraph.add_run("Claire Martin").bold = True
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Poste"
    table.cell(0, 1).text = "Montant"
    table.cell(1, 0).text = "Salle"
    table.cell(1, 1).text = "1 200 €"
    document.add_paragraph("Отчёт готов.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Factures"
    sheet.append(["Fournisseur", "Montant", "Payé"])
    sheet.append(["Imprimerie Dupont", 1250.5, True])
    sheet.append(["Traiteur", 300, False])
    other = workbook.create_sheet("Notes")
    other["B2"] = "à revoir"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_P = "http://schemas.openxmlformats.org/presentationml/2006/main"


def _slide(*paragraphs: str) -> str:
    body = "".join(f'<a:p><a:r><a:rPr lang="fr-FR"/><a:t>{p}</a:t></a:r></a:p>' for p in paragraphs)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:a="{_A}" xmlns:p="{_P}"><p:cSld>'
        f"<p:spTree><p:sp><p:txBody>{body}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
    )


def make_pptx() -> bytes:
    return make_zip({
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "ppt/presentation.xml": f'<p:presentation xmlns:p="{_P}"/>',
        "ppt/slides/slide10.xml": _slide("Dixième"),
        "ppt/slides/slide2.xml": _slide("Deuxième", "ligne deux"),
        "ppt/slides/slide1.xml": _slide("Programme 2024"),
    })  # fmt: skip


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def make_odt(content_body: str, extra: dict[str, bytes | str] | None = None) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NS}>'
        f"<office:body><office:text>{content_body}</office:text></office:body>"
        "</office:document-content>"
    )
    members: dict[str, bytes | str] = {
        "mimetype": "application/vnd.oasis.opendocument.text",
        "content.xml": content,
        **(extra or {}),
    }
    return make_zip(members, stored_first="mimetype")


def make_pdf(text: str, *, encrypt: tuple[str, str] | None = None) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })  # fmt: skip
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    })  # fmt: skip
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    if encrypt:
        writer.encrypt(user_password=encrypt[0], owner_password=encrypt[1], algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------- sniffing

SNIFF_CASES = [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", None, "pdf"),
    (b"{\\rtf1\\ansi hello}", "x.doc", "rtf"),  # the bytes win over the name
    (b"<!DOCTYPE html><html><body>x</body></html>", None, "html"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.txt", "image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", None, "image"),
    (b"BM\x00\x00", "scan.bmp", "image"),
    (b"BM is a plain line of text", None, "text"),
    (b"From: a@b.fr\r\nTo: c@d.fr\r\nSubject: x\r\n\r\nbody", None, "email"),
    (b"Bonjour,\nvoici le compte rendu.\n", "notes.txt", "text"),
    (b"\x00\x01\x02\x03\x04binary\x00\x00", None, "unknown"),
    (b"", None, "text"),
]


@pytest.mark.parametrize(("data", "name", "expected"), SNIFF_CASES)
def test_sniff_format_by_magic(data: bytes, name: str | None, expected: str) -> None:
    assert sniff_format(data, name) == expected


def test_sniff_format_of_containers() -> None:
    assert sniff_format(make_docx()) == "docx"
    assert sniff_format(make_xlsx(), "renamed.bin") == "xlsx"
    assert sniff_format(make_pptx()) == "pptx"
    assert sniff_format(make_odt("<text:p>x</text:p>"), "a.docx") == "odt"
    assert sniff_format(make_zip({"a.txt": "x"})) == "zip"
    assert sniff_format(make_pdf("x")) == "pdf"


# ---------------------------------------------------------------------------------- text


def test_docx_paragraphs_and_tables() -> None:
    result = extract_text(make_docx(), "cr.docx")
    assert result.format == "docx"
    assert result.findings == []
    assert result.truncated is False
    assert result.text == (
        "Compte rendu\nRéunion du comité, jeudi 2 mai.\nPrésents : Claire Martin\n"
        "Poste\nMontant\nSalle\n1 200 €\nОтчёт готов.\n"
    )


def test_xlsx_cell_values_in_sheet_order() -> None:
    result = extract_text(make_xlsx(), "factures.xlsx")
    assert result.findings == []
    assert result.text == (
        "[Factures]\nFournisseur\tMontant\tPayé\nImprimerie Dupont\t1250.5\tTRUE\n"
        "Traiteur\t300\tFALSE\n[Notes]\nà revoir\n"
    )


def test_pptx_slides_in_numeric_order() -> None:
    result = extract_text(make_pptx())
    assert result.findings == []
    assert result.text == "Programme 2024\nDeuxième\nligne deux\nDixième\n"


def test_odt_spaces_tabs_breaks_and_spans() -> None:
    body = (
        "<text:h>Titre</text:h>"
        '<text:p>a<text:s text:c="3"/>b<text:tab/>c<text:line-break/>d '
        "<text:span>gras</text:span> fin</text:p><text:p>suite</text:p>"
    )
    result = extract_text(make_odt(body), "a.odt")
    assert result.findings == []
    assert result.text == "Titre\na   b\tc\nd gras fin\nsuite\n"


def test_pdf_text() -> None:
    result = extract_text(make_pdf("Bonjour Paul, rendez-vous jeudi"), "a.pdf")
    assert result.findings == []
    assert result.text.strip() == "Bonjour Paul, rendez-vous jeudi"


def test_pdf_encrypted_with_password_gives_finding_and_no_text() -> None:
    result = extract_text(make_pdf("secret plan", encrypt=("pw", "owner")))
    assert result.text == ""
    assert [(f.code, f.severity) for f in result.findings] == [("doc-encrypted", "medium")]


def test_pdf_encrypted_with_empty_user_password_is_read_and_flagged() -> None:
    result = extract_text(make_pdf("lisible", encrypt=("", "owner")))
    assert result.text.strip() == "lisible"
    assert [f.code for f in result.findings] == ["doc-encrypted"]
    assert "empty user password" in result.findings[0].detail


RTF = (
    rb"{\rtf1\ansi\ansicpg1251\deff0{\fonttbl{\f0\fswiss\fcharset204 Arial;}}"
    rb"{\colortbl;\red0\green0\blue0;}{\info{\title Plan}{\author Ivan}}"
    rb"{\*\generator Msftedit 5.41.21.2510;}\viewkind4\uc1\pard\lang1049\f0 "
    rb"\'cf\'f0\'e8\'e2\'e5\'f2, \u1084?\u1080?\u1088?!\par "
    rb"Caf\'e9 {\b gras}\tab fin\line {\*\unknowndest cach\'e9}\{ok\}\par}"
)


def test_rtf_text_with_codepage_unicode_and_skipped_groups() -> None:
    result = extract_text(RTF, "lettre.rtf")
    assert result.format == "rtf"
    assert result.text == "Привет, мир!\nCafй gras\tfin\n{ok}\n"


def test_rtf_fonts_with_their_own_charset() -> None:
    data = (
        rb"{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Times;}{\f1\fcharset204 Arial;}}"
        rb"\f0 caf\'e9 \f1\'e4\'e0\par}"
    )
    assert parse_rtf(data).text == "café да\n"


HTML = (
    b'<!DOCTYPE html><html lang="fr"><head><meta charset="windows-1252"><title>Note</title>'
    b"<style>p{color:red}</style><script>alert('x')</script></head><body>"
    b"<h1>Ordre du jour</h1><p>Budget &amp; presse</p><p>Caf\xe9<br>suite</p>"
    b'<img src="http://tracker.example/p.gif"><noscript>cach\xe9</noscript></body></html>'
)


def test_html_visible_text_only() -> None:
    result = extract_text(HTML, "page.html")
    assert result.format == "html"
    assert result.text == "Ordre du jour\nBudget & presse\nCafé\nsuite"


def test_plain_text_charsets() -> None:
    assert decode_text("été".encode()) == ("été", "utf-8")
    assert decode_text("été".encode("cp1252")) == ("été", "cp1252")
    assert decode_text("\ufeffété".encode("utf-16-le")) == ("été", "utf-16-le")
    assert decode_text(b"\x81\x8d") == ("\x81\x8d", "latin-1")  # undefined in cp1252
    assert extract_text("Привет\n".encode("utf-16"), "a.txt").text == "Привет\n"


def test_max_chars_truncates() -> None:
    result = extract_text(make_docx(), max_chars=20)
    assert result.text == "Compte rendu\nRéunion"
    assert result.truncated is True
    text = extract_text(b"abcdefghij" * 100, "a.txt", max_chars=15)
    assert (text.text, text.truncated) == ("abcdefghijabcde", True)


def test_legacy_formats_without_text_give_nothing() -> None:
    for data in (b"\x89PNG\r\n\x1a\n", make_zip({"a.txt": "x"}), b"From: a@b\r\nTo: c@d\r\n\r\nx"):
        result = extract_text(data)
        assert (result.text, result.findings) == ("", [])


# ----------------------------------------------------------------------------- hostile


def _docx_with_document(document_xml: bytes) -> bytes:
    original = zipfile.ZipFile(io.BytesIO(make_docx()))
    members = {name: original.read(name) for name in original.namelist()}
    members["word/document.xml"] = document_xml
    return make_zip(members)


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((c,) + (c - 1,) * 10)
               for c in range(ord("b"), ord("k")))
    + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body></w:document>"
)  # fmt: skip


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_xml_entity_attacks_give_a_finding(payload: bytes) -> None:
    result = extract_text(_docx_with_document(payload), "evil.docx")
    assert [(f.code, f.severity) for f in result.findings] == [("doc-xml-attack", "high")]
    assert "root:" not in result.text and "aaaa" not in result.text


def test_zip_bomb_part_is_not_read() -> None:
    bomb = b'<w:document xmlns:w="x"><w:body>' + b" " * (8 * 1024 * 1024)
    result = extract_text(_docx_with_document(bomb), "bomb.docx")
    assert [(f.code, f.severity) for f in result.findings] == [("doc-zip-bomb", "high")]
    assert "ratio" in result.findings[0].detail


def test_safe_zip_caps_total_and_part_even_when_headers_are_honest() -> None:
    data = make_zip({"a.xml": b"x" * 5000, "b.xml": b"y" * 5000})
    small = DocLimits(max_part=6000, max_total=8000, ratio_floor=10**9)
    archive = SafeZip(data, small)
    assert archive.read("a.xml") == b"x" * 5000
    with pytest.raises(DocProblem) as caught:
        archive.read("b.xml")
    assert caught.value.finding.code == "doc-zip-bomb"
    with pytest.raises(DocProblem) as caught:
        SafeZip(data, DocLimits(max_part=100)).read("a.xml")
    assert caught.value.finding.code == "doc-part-too-large"


def test_zip_header_that_lies_about_size_is_corrupt_not_fatal() -> None:
    data = bytearray(make_zip({"word/document.xml": b"<a>" + b"z" * 2000 + b"</a>"}))
    # shrink the declared size in both headers: zipfile stops there and the CRC fails
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = bytes(data).find(signature)
        data[at + offset : at + offset + 4] = (100).to_bytes(4, "little")
    result = extract_text(bytes(data), "x.docx")
    assert [f.code for f in result.findings] == ["doc-corrupt"]


def test_truncated_and_garbage_files_give_findings() -> None:
    pdf = make_pdf("Bonjour")
    assert [f.code for f in extract_text(pdf[: len(pdf) // 3], "a.pdf").findings] != []
    broken = extract_text(make_docx()[:2000], "a.docx")
    assert [f.code for f in broken.findings] == ["doc-corrupt"]
    assert extract_text(b"PK\x03\x04garbage", "a.xlsx").findings[0].code == "doc-corrupt"
    missing = extract_text(make_zip({"word/document.xml": b"<a/>"})[:-30] + b"\x00" * 30)
    assert missing.text == ""


def test_encrypted_zip_member() -> None:
    data = bytearray(make_odt("<text:p>x</text:p>"))
    # set the "encrypted" flag on content.xml in the central directory
    at = bytes(data).find(b"content.xml", bytes(data).find(b"PK\x01\x02")) - 46
    data[at + 8] |= 1
    result = extract_text(bytes(data), "a.odt")
    assert [f.code for f in result.findings] == ["doc-encrypted"]


def test_deeply_nested_xml_does_not_crash() -> None:
    deep = b'<w:document xmlns:w="x"><w:body><w:p>' + b"<w:r>" * 50_000 + b"<w:t>x</w:t>"
    deep += b"</w:r>" * 50_000 + b"</w:p></w:body></w:document>"
    result = extract_text(_docx_with_document(deep), "deep.docx")
    assert (result.text, result.findings) == ("x\n", [])


# ------------------------------------------------------------------------------ properties

_NAMES = [
    "[Content_Types].xml", "word/document.xml", "xl/workbook.xml", "xl/sharedStrings.xml",
    "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml", "ppt/presentation.xml",
    "ppt/slides/slide1.xml", "mimetype", "content.xml", "meta.xml", "docProps/core.xml",
    "docProps/app.xml", "META-INF/manifest.xml", "word/vbaProject.bin", "../evil",
]  # fmt: skip
_XMLISH = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.sampled_from([
        b"<a>", b'<w:t xmlns:w="x">t</w:t>', b"<?xml version='1.0'?><r><s t='s'><v>9</v></s></r>",
        b"application/vnd.oasis.opendocument.text", XXE, b"<c t='s'><v>-1</v></c>",
    ]),
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from([None, "a.docx", "a.pdf", "a.rtf", "a.html"]))
def test_random_bytes_never_raise(data: bytes, name: str | None) -> None:
    result = extract_text(data, name, max_chars=500)
    assert len(result.text) <= 500
    sniff_format(data, name)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_NAMES), _XMLISH, min_size=1, max_size=6))
def test_random_zips_never_raise(members: dict[str, bytes]) -> None:
    data = make_zip(dict(members))
    result = extract_text(data, "a.docx")
    assert isinstance(result.text, str)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_documents_never_raise(data: st.DataObject) -> None:
    seeds = [_SEEDS["docx"], _SEEDS["pdf"], RTF, HTML, _SEEDS["odt"]]
    blob = bytearray(data.draw(st.sampled_from(seeds)))
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(blob) - 1))
        blob[position] = data.draw(st.integers(0, 255))
    extract_text(bytes(blob))


@given(st.binary(max_size=2000))
@settings(max_examples=200, deadline=None)
def test_rtf_parser_never_raises(tail: bytes) -> None:
    parse_rtf(b"{\\rtf1 " + tail)


_SEEDS = {
    "docx": make_docx(),
    "pdf": make_pdf("Bonjour"),
    "odt": make_odt("<text:p>a<text:s/>b</text:p>"),
}
