"""Small, byte-reproducible office documents for the demo leak: PDF, DOCX, XLSX, CSV, text.

The demo must produce the same bytes on every run, but python-docx and openpyxl stamp the current
time into the zip entries and into docProps/core.xml. `_freeze_ooxml` rewrites both to the
document's own fixed date. Not a general document writer: one page of text, one sheet.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from contrefeu.demo.people import ORG_NAME


@dataclass(frozen=True)
class OfficeTool:
    """The office suite a document was written with, as its metadata shows it."""

    word: str  # docx app.xml <Application>
    excel: str  # xlsx app.xml <Application>
    version: str | None  # app.xml <AppVersion> (LibreOffice writes none)
    pdf_creator: str
    pdf_producer: str
    language: str  # BCP 47 tag of the text
    company: str = ""
    core_language: bool = False  # dc:language in core.xml (LibreOffice writes it, Word does not)


# What the campaign (and its French suppliers) write with: Office 2016 in French.
ORG_OFFICE = OfficeTool(
    word="Microsoft Office Word",
    excel="Microsoft Excel",
    version="16.0000",
    pdf_creator="Microsoft® Word 2016",
    pdf_producer="Microsoft® Word 2016",
    language="fr-FR",
    company=ORG_NAME,
)
# A Russian-language LibreOffice install: what the planted files were last saved with.
FOREIGN_OFFICE = OfficeTool(
    word="LibreOffice/5.3.1.2$Windows_X86_64 LibreOffice_project/e80a0e0fd1875e1696614d24c32df0",
    excel="LibreOffice/5.3.1.2$Windows_X86_64 LibreOffice_project/e80a0e0fd1875e1696614d24c32df0",
    version=None,
    pdf_creator="Writer",
    pdf_producer="LibreOffice 5.3",
    language="ru-RU",
    core_language=True,
)


def office_of(company: str) -> OfficeTool:
    """The usual Office install, registered to another company (a supplier, the bank)."""
    return replace(ORG_OFFICE, company=company)


def _pdf_text(value: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (the font's encoding), escaped."""
    raw = value.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_info_text(value: str) -> bytes:
    """A PDF text string for the Info dictionary (UTF-16BE with BOM, as a hex string)."""
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode() + b">"


def _pdf_date(when: datetime) -> bytes:
    return when.astimezone(UTC).strftime("(D:%Y%m%d%H%M%SZ)").encode()


def make_pdf(
    title: str,
    lines: Sequence[str],
    *,
    author: str,
    when: datetime,
    created: datetime | None = None,
    tool: OfficeTool = ORG_OFFICE,
) -> bytes:
    """A valid one-page PDF 1.4 with `title` and `lines` in Helvetica, written by hand.

    `when` is the modification date, `created` defaults to it; Creator, Producer and the
    catalogue's /Lang come from `tool`. Hand-written because the installed PDF libraries read
    PDFs; writing this one page needs no dependency and keeps every byte under our control.
    """
    ops = [
        b"BT",
        b"/F1 16 Tf",
        b"50 790 Td",
        b"20 TL",
        _pdf_text(title) + b" Tj",
        b"/F1 11 Tf",
        b"16 TL",
        b"T*",
    ]
    for line in lines:
        ops.append(_pdf_text(line) + b" '")
    ops.append(b"ET")
    content = b"\n".join(ops) + b"\n"
    info = (
        b"<< /Title "
        + _pdf_info_text(title)
        + b" /Author "
        + _pdf_info_text(author)
        + b" /Creator "
        + _pdf_info_text(tool.pdf_creator)
        + b" /Producer "
        + _pdf_info_text(tool.pdf_producer)
        + b" /CreationDate "
        + _pdf_date(created or when)
        + b" /ModDate "
        + _pdf_date(when)
        + b" >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang " + _pdf_text(tool.language) + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"endstream",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


_DCTERMS_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
_LANG_TAGS = re.compile(rb'(<w:(?:lang|themeFontLang) w:val=")[^"]*(")')
_APP_NS = (
    'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"'
)


def _stamp(when: datetime) -> bytes:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ").encode()


def _app_xml(application: str, tool: OfficeTool, minutes: int, extra: str = "") -> bytes:
    """docProps/app.xml as the suite writes it (python-docx and openpyxl write their own)."""
    parts = [
        f"<TotalTime>{minutes}</TotalTime>",
        f"<Application>{escape(application)}</Application>",
    ]
    parts.append(extra)
    if tool.company:
        parts.append(f"<Company>{escape(tool.company)}</Company>")
    if tool.version:
        parts.append(f"<AppVersion>{tool.version}</AppVersion>")
    body = "".join(parts)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties {_APP_NS}>'
        f"{body}</Properties>"
    ).encode()


def _freeze_ooxml(
    data: bytes,
    created: datetime,
    modified: datetime,
    parts: dict[str, bytes] | None = None,
    language: str | None = None,
) -> bytes:
    """Re-zip an OOXML package with every entry dated `modified`, core.xml dates set, `parts`
    replaced and the text's language tags (w:lang, themeFontLang) set to `language`."""
    stamps = {b"created": _stamp(created), b"modified": _stamp(modified)}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            payload = (parts or {}).get(info.filename) or source.read(info)
            if info.filename == "docProps/core.xml":
                payload = _DCTERMS_DATE.sub(
                    lambda m: m.group(1) + stamps[m.group(2)] + m.group(3), payload
                )
            if language and info.filename.startswith("word/") and info.filename.endswith(".xml"):
                payload = _LANG_TAGS.sub(rb"\g<1>" + language.encode() + rb"\g<2>", payload)
            entry = zipfile.ZipInfo(info.filename, date_time=modified.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, payload)
    return out.getvalue()


def _naive_utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None)


def make_docx(
    title: str,
    paragraphs: Sequence[str],
    *,
    author: str,
    when: datetime,
    created: datetime | None = None,
    modified_by: str | None = None,
    tool: OfficeTool = ORG_OFFICE,
    revision: int = 3,
) -> bytes:
    """A Word document (python-docx) with a heading and paragraphs.

    `author` wrote it on `created` (default: `when`), `modified_by` (default: the author)
    saved it last on `when`, with `tool`, whose language tags the text carries.
    """
    import docx  # lazy: only the demo needs it

    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    props = document.core_properties
    props.author = author
    props.last_modified_by = modified_by or author
    props.title = title
    props.created = _naive_utc(created or when)
    props.modified = _naive_utc(when)
    props.revision = revision
    if tool.core_language:
        props.language = tool.language
    words = sum(len(p.split()) for p in (title, *paragraphs))
    counts = f"<Pages>1</Pages><Words>{words}</Words><Characters>{words * 6}</Characters>"
    if tool.version:  # Word names its template; LibreOffice leaves it out
        counts = "<Template>Normal.dotm</Template>" + counts
    app = _app_xml(tool.word, tool, 4 * revision, counts)
    buffer = io.BytesIO()
    document.save(buffer)
    return _freeze_ooxml(
        buffer.getvalue(), created or when, when, {"docProps/app.xml": app}, tool.language
    )


def make_xlsx(
    title: str,
    rows: Sequence[Sequence[object]],
    *,
    author: str,
    when: datetime,
    created: datetime | None = None,
    modified_by: str | None = None,
    tool: OfficeTool = ORG_OFFICE,
) -> bytes:
    """An Excel workbook (openpyxl) with one sheet of `rows`; people, dates and tool as for
    `make_docx` (spreadsheets carry no language tag unless the suite writes dc:language)."""
    import openpyxl  # lazy: only the demo needs it

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append(list(row))
    workbook.properties.creator = author
    workbook.properties.lastModifiedBy = modified_by or author
    workbook.properties.title = title
    workbook.properties.created = _naive_utc(created or when)
    if tool.core_language:
        workbook.properties.language = tool.language
    buffer = io.BytesIO()
    workbook.save(buffer)
    app = _app_xml(tool.excel, tool, 0, "<DocSecurity>0</DocSecurity>")
    return _freeze_ooxml(buffer.getvalue(), created or when, when, {"docProps/app.xml": app})


def make_csv(rows: Sequence[Sequence[object]]) -> bytes:
    """CSV with `;` separators and CRLF line ends, as French spreadsheet exports write them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def make_text(lines: Sequence[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")
