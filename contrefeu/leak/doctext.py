"""Plain text of a leaked document, for search and triage: pdf, OOXML, ODF, RTF, HTML, text.

Runs on every attachment and loose file inside worker processes, so it is cheap and bounded:
XML parts are streamed through defusedxml with caps, PDFs stop after a page cap, and the text
stops at `max_chars`. Anything wrong with the file becomes a finding on the result; nothing
here raises on hostile input, and nothing embedded is ever run. Metadata is `docmeta`'s job;
mail bodies are the mail parser's (an "email" gives no text here). No OCR.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import IO, Any
from xml.etree.ElementTree import Element

from contrefeu.model import Finding

from .docformats import (
    OLE_MAGIC,
    DocProblem,
    SafeZip,
    doc_finding,
    iter_xml,
    local,
    odf_encrypted,
    ole_encryption,
    parse_rtf,
    parse_xml,
    sniff_format,
)

MAX_PDF_PAGES = 300
MAX_SHEET_CELLS = 2_000_000  # cells read from one workbook, all sheets together
MAX_SHARED_STRINGS = 1_000_000


@dataclass
class ExtractedText:
    """The text of one document (at most `max_chars` characters) and what went wrong."""

    text: str
    truncated: bool
    findings: list[Finding] = field(default_factory=list)
    format: str = "unknown"


class _Full(Exception):  # noqa: N818 - control flow: the text budget is spent
    pass


class TextSink:
    """Collects text up to a character budget, then stops the extractor with `_Full`."""

    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.left = max(max_chars, 0)
        self.truncated = False

    def add(self, text: str | None) -> None:
        if not text:
            return
        if len(text) > self.left:
            self.parts.append(text[: self.left])
            self.left = 0
            self.truncated = True
            raise _Full
        self.parts.append(text)
        self.left -= len(text)

    def newline(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.add("\n")

    def text(self) -> str:
        return "".join(self.parts)


def extract_text(
    data: bytes, filename: str | None = None, *, max_chars: int = 1_000_000
) -> ExtractedText:
    """The text of a document, whatever its format; never raises on bad input."""
    fmt = sniff_format(data, filename)
    sink = TextSink(max_chars)
    findings: list[Finding] = []
    extractor = _EXTRACTORS.get(fmt)
    if extractor is not None and data.startswith(OLE_MAGIC):
        extractor = _ole  # an encrypted OOXML package is an OLE container
    if extractor is not None:
        try:
            extractor(data, sink, findings)
        except _Full:
            pass
        except DocProblem as problem:
            findings.append(problem.finding)
        except Exception as exc:  # noqa: BLE001 - hostile input must never stop a scan
            findings.append(
                doc_finding("doc-corrupt", f"Text extraction failed ({type(exc).__name__}: {exc}).")
            )
    return ExtractedText(sink.text(), sink.truncated, _unique(findings), fmt)


def _unique(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


# ----------------------------------------------------------------------------- XML walking


def _walk_paragraphs(
    stream: IO[bytes], what: str, paragraph_tags: frozenset[str], render: Callable[..., None],
    sink: TextSink,
) -> None:  # fmt: skip
    """Stream a part and render each outermost paragraph, then drop it from the tree.

    Nested paragraphs (text boxes, notes) are rendered as part of the outer one, in order.
    Every element that ends outside a paragraph is detached from its parent as well, so
    memory holds only the open path and the current paragraph, whatever the part's size.
    """
    depth = 0
    path: list[Element] = []
    paragraph: dict[str, bool] = {}  # tag -> is a paragraph (a few distinct tags per part)
    for event, elem in iter_xml(stream, what):
        is_paragraph = paragraph.get(elem.tag)
        if is_paragraph is None:
            is_paragraph = paragraph[elem.tag] = local(elem.tag) in paragraph_tags
        if event == "start":
            path.append(elem)
            depth += is_paragraph
            continue
        path.pop()
        if is_paragraph:
            depth -= 1
            if depth == 0:
                render(elem, sink)
                sink.newline()
        if depth == 0 and path:
            _drop_done(path[-1], elem)


def _drop_done(parent: Element, elem: Element) -> None:
    """Detach `elem` and its earlier siblings: all finished. Earlier ones were detached when
    they ended, so `elem` is first in practice; later siblings may already be attached (the
    parser runs a chunk ahead of the events) and stay."""
    for index in range(min(len(parent), 10_000)):
        if parent[index] is elem:
            del parent[: index + 1]
            return


def _render_ooxml(elem: Element, sink: TextSink) -> None:
    """OOXML runs: text lives only in <w:t>/<a:t>; tabs and breaks are empty elements."""
    for node in elem.iter():
        name = local(node.tag)
        if name == "t":
            sink.add(node.text)
        elif name == "tab":
            sink.add("\t")
        elif name in ("br", "cr"):
            sink.add("\n")
        elif name == "p" and node is not elem:
            sink.newline()


def _render_odf(elem: Element, sink: TextSink) -> None:
    """ODF mixed content: text, child elements and their tails, with space/tab/break codes."""
    stack: list[tuple[Element, bool]] = [(elem, False)]
    while stack:
        node, done = stack.pop()
        if done:
            if node is not elem:
                sink.add(node.tail)
            continue
        name = local(node.tag)
        if name == "s":
            sink.add(" " * min(_int(node.get(_ODF_C), 1), 1000))
        elif name == "tab":
            sink.add("\t")
        elif name == "line-break":
            sink.add("\n")
        elif name in ("p", "h") and node is not elem:
            sink.newline()
        if name not in ("annotation", "note-citation", "tracked-changes"):
            sink.add(node.text)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node))
        else:
            stack.append((node, True))


_ODF_C = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}c"


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _numbered(names: list[str], prefix: str) -> list[str]:
    """Members like ppt/slides/slide12.xml, in numeric order."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.xml")
    found = [(int(m.group(1)), n) for n in names if (m := pattern.fullmatch(n))]
    return [name for _, name in sorted(found)]


# --------------------------------------------------------------------------------- formats


def _docx(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    archive = SafeZip(data)
    names = archive.names()
    parts = ["word/document.xml"]
    for kind in ("header", "footer", "footnotes", "endnotes", "comments"):
        parts += sorted(n for n in names if re.fullmatch(rf"word/{kind}\d*\.xml", n))
    _read_parts(archive, parts, frozenset({"p"}), _render_ooxml, sink, findings)


def _pptx(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    archive = SafeZip(data)
    names = archive.names()
    parts = _numbered(names, "ppt/slides/slide") + _numbered(names, "ppt/notesSlides/notesSlide")
    _read_parts(archive, parts, frozenset({"p"}), _render_ooxml, sink, findings)


def _odf(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    archive = SafeZip(data)
    if odf_encrypted(archive):
        findings.append(doc_finding("doc-encrypted", "The OpenDocument file is encrypted."))
        return
    _read_parts(archive, ["content.xml"], frozenset({"p", "h"}), _render_odf, sink, findings)


def _read_parts(
    archive: SafeZip, parts: list[str], paragraph_tags: frozenset[str],
    render: Callable[..., None], sink: TextSink, findings: list[Finding],
) -> None:  # fmt: skip
    for part in parts:
        if part not in archive:
            if part in ("word/document.xml", "content.xml"):
                findings.append(doc_finding("doc-corrupt", f"The main part {part!r} is missing."))
            continue
        try:
            with archive.open(part) as stream:
                _walk_paragraphs(stream, f"Part {part!r}", paragraph_tags, render, sink)
        except DocProblem as problem:
            findings.append(problem.finding)  # the other parts may still be fine
        except zlib.error as exc:
            findings.append(doc_finding("doc-corrupt", f"Part {part!r} is damaged: {exc}."))


def _xlsx(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    # Read directly rather than with openpyxl: openpyxl parses with lxml when it is installed,
    # outside defusedxml, and reads the whole workbook model; here every part streams through
    # defusedxml with caps, and only cached values are kept (what openpyxl's data_only gives).
    archive = SafeZip(data)
    shared = _shared_strings(archive, findings)
    budget = [MAX_SHEET_CELLS]
    for name, part in _sheets(archive, findings):
        sink.newline()
        sink.add(f"[{name}]\n")
        try:
            with archive.open(part) as stream:
                _sheet_text(stream, part, shared, sink, budget)
        except DocProblem as problem:
            findings.append(problem.finding)
        if budget[0] <= 0:
            sink.truncated = True
            break


def _shared_strings(archive: SafeZip, findings: list[Finding]) -> list[str]:
    part = "xl/sharedStrings.xml"
    strings: list[str] = []
    if part not in archive:
        return strings
    try:
        with archive.open(part) as stream:
            pieces: list[str] = []
            skip = 0
            for event, elem in iter_xml(stream, f"Part {part!r}"):
                name = local(elem.tag)
                if name == "rPh":  # phonetic guide text, not cell content
                    skip += 1 if event == "start" else -1
                elif event == "end" and name == "t" and not skip:
                    pieces.append(elem.text or "")
                elif event == "end" and name == "si":
                    strings.append("".join(pieces))
                    pieces.clear()
                    elem.clear()
                    if len(strings) >= MAX_SHARED_STRINGS:
                        break
    except DocProblem as problem:
        findings.append(problem.finding)
    return strings


def _sheets(archive: SafeZip, findings: list[Finding]) -> list[tuple[str, str]]:
    """(sheet name, part) in workbook order, through the workbook's relationships."""
    targets: dict[str, str] = {}
    order: list[tuple[str, str]] = []
    try:
        if "xl/_rels/workbook.xml.rels" in archive:
            rels = parse_xml(archive.read("xl/_rels/workbook.xml.rels", 4 << 20), "Workbook rels")
            for rel in rels:
                target = rel.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else "xl/" + target
                targets[rel.get("Id", "")] = re.sub(r"[^/]+/\.\./", "", target)
        workbook = parse_xml(archive.read("xl/workbook.xml", 16 << 20), "Part 'xl/workbook.xml'")
        for elem in workbook.iter():
            if local(elem.tag) == "sheet":
                rid = next((v for k, v in elem.attrib.items() if local(k) == "id"), "")
                part = targets.get(rid, "")
                if part in archive:
                    order.append((elem.get("name", "?"), part))
    except DocProblem as problem:
        findings.append(problem.finding)
    if not order:  # no usable workbook: take the sheets in name order
        sheets = _numbered(archive.names(), "xl/worksheets/sheet")
        order = [(f"sheet{i}", part) for i, part in enumerate(sheets, 1)]
    return order


def _sheet_text(
    stream: IO[bytes], part: str, shared: list[str], sink: TextSink, budget: list[int]
) -> None:
    # "end" events only, handled per row: half the events of a start/end walk.
    for _, elem in iter_xml(stream, f"Part {part!r}", ("end",)):
        tag = elem.tag
        if not (tag.endswith("}row") or tag == "row"):
            continue
        values = [_cell_value(cell, shared) for cell in elem]
        budget[0] -= len(values)
        elem.clear()
        row = "\t".join(value for value in values if value)
        if row:
            sink.add(row + "\n")
        if budget[0] <= 0:
            break


def _cell_value(cell: Element, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    value = inline = None
    for child in cell:
        name = local(child.tag)
        if name == "v":
            value = child.text
        elif name == "is":
            inline = "".join(t.text or "" for t in child.iter() if local(t.tag) == "t")
    if kind == "inlineStr":
        return inline or ""
    if value is None:
        return ""
    if kind == "s":
        index = _int(value, -1)
        return shared[index] if 0 <= index < len(shared) else ""
    if kind == "b":
        return "TRUE" if value.strip() == "1" else "FALSE"
    return value


def _pdf(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    reader = open_pdf(data, findings)
    if reader is None:
        return
    pages = reader.pages
    count = len(pages)
    for number in range(min(count, MAX_PDF_PAGES)):
        try:
            text = pages[number].extract_text()
        except _Full:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the others
            findings.append(doc_finding(
                "doc-corrupt", f"Page {number + 1} of the PDF cannot be read ({type(exc).__name__})."
            ))  # fmt: skip
            continue
        sink.newline()
        sink.add(text)
    if count > MAX_PDF_PAGES:
        sink.truncated = True


def open_pdf(data: bytes, findings: list[Finding]) -> Any:
    """A pypdf reader, decrypted with the empty password when that works; None when the
    PDF cannot be opened or read. Findings say why."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are ours to report
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on hostile files
        findings.append(doc_finding("doc-corrupt", f"The PDF cannot be opened ({exc})."))
        return None
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:  # noqa: BLE001 - unsupported encryption handlers, damaged /Encrypt
            opened = False
        if opened:
            findings.append(doc_finding(
                "doc-encrypted", "The PDF is encrypted with an empty user password (usage "
                "restrictions only); it was opened and read."))  # fmt: skip
        else:
            findings.append(doc_finding(
                "doc-encrypted", "The PDF is encrypted with a password; its text is unreadable."
            ))  # fmt: skip
            return None
    return reader


def _ole(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - damaged OLE header or FAT
        findings.append(
            doc_finding("doc-corrupt", f"The OLE compound file cannot be opened ({exc}).")
        )
        return
    with ole:
        reason = ole_encryption(ole)
        if reason:
            findings.append(doc_finding("doc-encrypted", f"The file is {reason}."))
            return
        if ole.exists("WordDocument"):
            sink.add(word_text(ole))


def word_text(ole: Any) -> str:
    """The text of a Word 97-2003 document, through its piece table.

    Hand-written: no maintained reader of .doc text installs as a pure-Python wheel, and the
    piece table ([MS-DOC] 2.8.35 Clx) is all that is needed. Word 6/95 files give "".
    """
    word = ole.openstream("WordDocument").read()
    if len(word) < 0x1AA or struct.unpack_from("<H", word, 0)[0] != 0xA5EC:
        return ""
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    table_name = "1Table" if flags & 0x0200 else "0Table"
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
    if not ole.exists(table_name) or lcb_clx == 0:
        return ""
    table = ole.openstream(table_name).read()
    clx = table[fc_clx : fc_clx + lcb_clx]
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # Prc: formatting, skipped
        at += 3 + struct.unpack_from("<h", clx, at + 1)[0]
    if at + 5 > len(clx) or clx[at] != 0x02:
        return ""
    size = struct.unpack_from("<I", clx, at + 1)[0]
    plc = clx[at + 5 : at + 5 + size]
    count = (len(plc) - 4) // 12
    if count <= 0:
        return ""
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pieces: list[str] = []
    for index in range(count):
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)[0]
        length = max(0, min(cps[index + 1] - cps[index], len(word)))
        if fc & 0x40000000:  # 8-bit text at fc/2
            start = (fc & 0x3FFFFFFF) // 2
            pieces.append(word[start : start + length].decode("cp1252", "replace"))
        else:
            pieces.append(word[fc : fc + 2 * length].decode("utf-16-le", "replace"))
    return _word_controls("".join(pieces))


_FIELD_CODE = re.compile("\x13[^\x13\x14\x15]*\x14|\x13[^\x13\x14\x15]*\x15")


def _word_controls(text: str) -> str:
    """Word's in-text control characters as plain text: fields show their result only."""
    for _ in range(8):  # nested fields: inner ones go first
        text, found = _FIELD_CODE.subn("", text)
        if not found:
            break
    table = {0x0D: "\n", 0x07: "\t", 0x0B: "\n", 0x0C: "\n", 0x1E: "-", 0x1F: None, 0xA0: " "}
    table |= dict.fromkeys((0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x13, 0x14, 0x15))
    return text.translate(table)


# ------------------------------------------------------------------------------ text, HTML


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): a BOM, else UTF-8 when it decodes, else UTF-16 by its NULs, else
    cp1252 (the usual 8-bit charset of Western office mail), else latin-1, which never fails."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):  # fmt: skip
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(0) > len(sample) // 4:
        odd_nuls = sample[1::2].count(0)
        encoding = "utf-16-le" if odd_nuls > sample[0::2].count(0) else "utf-16-be"
        return data.decode(encoding, "replace"), encoding
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _text(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    # Decode only what can fill the budget (4 bytes per character at most).
    limit = sink.left * 4 + 4
    text, _ = decode_text(data[:limit])
    if len(data) > limit:
        sink.truncated = True
    sink.add(text)


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_BLOCKS = frozenset(
    "p div br li tr h1 h2 h3 h4 h5 h6 table ul ol section article header footer blockquote pre "
    "title dt dd hr form address nav aside main figure figcaption".split()
)
_HIDDEN = frozenset(("script", "style", "template", "noscript", "head", "svg", "math", "object"))


@dataclass
class HtmlDocument:
    """What one pass over an HTML page gives: visible text and its <meta> facts."""

    text: str
    title: str | None
    languages: list[str]
    meta: dict[str, str]
    encoding: str


class _HtmlText(HTMLParser):
    def __init__(self, sink: TextSink) -> None:
        super().__init__(convert_charrefs=True)
        self.sink = sink
        self.hidden = 0
        self.in_title = False
        self.title: list[str] = []
        self.languages: list[str] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        for key in ("lang", "xml:lang"):
            lang = values.get(key, "").strip()
            if lang and lang not in self.languages and len(self.languages) < 50:
                self.languages.append(lang)
        if tag == "meta":
            name = values.get("name") or values.get("property") or values.get("http-equiv", "")
            if name and "content" in values and len(self.meta) < 200:
                self.meta.setdefault(name.strip().lower()[:100], values["content"].strip()[:2000])
        elif tag == "title":
            self.in_title = True
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS and not self.hidden:
            self.sink.newline()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in _BLOCKS and not self.hidden:
            self.sink.newline()

    def handle_data(self, data: str) -> None:
        if self.in_title and len(self.title) < 100:
            self.title.append(data)
        if not self.hidden:
            self.sink.add(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_document(data: bytes, max_chars: int = 1_000_000) -> tuple[HtmlDocument, bool]:
    """Parse an HTML page once: (document, truncated). Never runs or fetches anything."""
    match = _CHARSET.search(data[:4096])
    encoding = ""
    if match:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            encoding = ""
    text = data.decode(encoding, "replace") if encoding else None
    if text is None:
        text, encoding = decode_text(data)
    sink = TextSink(max_chars)
    parser = _HtmlText(sink)
    try:
        parser.feed(text)
        parser.close()
    except _Full:
        pass
    body = re.sub(r"\n[ \t]+", "\n", sink.text())
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    title = re.sub(r"\s+", " ", "".join(parser.title)).strip() or None
    document = HtmlDocument(body, title, parser.languages, parser.meta, encoding)
    return document, sink.truncated


def _html(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    document, truncated = html_document(data, sink.left)
    sink.add(document.text)
    sink.truncated = sink.truncated or truncated


def _rtf(data: bytes, sink: TextSink, findings: list[Finding]) -> None:
    document = parse_rtf(data, max_chars=sink.left)
    sink.add(document.text)
    sink.truncated = sink.truncated or document.truncated


_EXTRACTORS: dict[str, Callable[[bytes, TextSink, list[Finding]], None]] = {
    "docx": _docx,
    "pptx": _pptx,
    "xlsx": _xlsx,
    "odt": _odf,
    "ods": _odf,
    "odp": _odf,
    "pdf": _pdf,
    "doc": _ole,
    "xls": _ole,
    "ppt": _ole,
    "rtf": _rtf,
    "html": _html,
    "text": _text,
}
