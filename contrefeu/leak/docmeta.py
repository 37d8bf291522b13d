"""Metadata of one leaked document, read and normalised for forensics.

Who wrote the file, who saved it last, with which application and version, in which language,
when: from OOXML (docProps, language tags, revision ids), ODF (meta.xml), OLE .doc/.xls/.ppt
(property sets, decoded with their codepage), PDF (info dictionary and XMP), RTF (\\info) and
HTML (<meta>). Values are normalised (ISO 8601 times that keep whether the file gave a zone,
BCP 47 language tags, the Unicode scripts of people's names) so that the cross-item analysis
can compare documents; this module judges nothing itself. Bad input becomes findings; macros
and embedded objects are detected, never opened or run.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from contrefeu.model import Finding

from .docformats import (
    OLE_MAGIC,
    DocProblem,
    SafeZip,
    doc_finding,
    lcid_tag,
    local,
    odf_encrypted,
    ole_embedded_count,
    ole_encryption,
    ole_macro_storages,
    parse_rtf,
    parse_xml,
    sniff_format,
)

MAX_VALUE = 2000  # characters kept of any one property (hostile files stuff them)
MAX_RAW = 200  # properties kept in `raw`


@dataclass
class DocMeta:
    """Normalised metadata of one document. `author` and `last_modified_by` are never merged."""

    format: str
    title: str | None = None
    subject: str | None = None
    author: str | None = None
    last_modified_by: str | None = None
    company: str | None = None
    manager: str | None = None
    template: str | None = None
    application: str | None = None
    app_version: str | None = None
    languages: list[str] = field(default_factory=list)
    created: str | None = None
    modified: str | None = None
    last_printed: str | None = None
    revision: str | None = None
    total_edit_minutes: int | None = None
    codepage: int | None = None
    scripts: list[str] = field(default_factory=list)
    has_macros: bool = False
    embedded_objects: int = 0
    raw: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["findings"] = [f.to_dict() for f in self.findings]
        return out

    def set_raw(self, name: str, value: object) -> None:
        text = _clean(value)
        if text and len(self.raw) < MAX_RAW:
            self.raw.setdefault(name[:100], text)

    def add_language(self, tag: object) -> None:
        text = _clean(tag)
        if text and text not in self.languages and len(self.languages) < 50:
            self.languages.append(text[:35])


def extract_metadata(data: bytes, filename: str | None = None) -> DocMeta | None:
    """The metadata of a document, or None for formats that carry none (text, images, zips,
    emails). Never raises on bad input: problems are in `DocMeta.findings`."""
    fmt = sniff_format(data, filename)
    reader = _READERS.get(fmt)
    if reader is not None and data.startswith(OLE_MAGIC):
        reader = _ole  # an encrypted OOXML package is an OLE container
    if reader is None:
        return None
    meta = DocMeta(format=fmt)
    try:
        reader(data, meta)
    except DocProblem as problem:
        meta.findings.append(problem.finding)
    except Exception as exc:  # noqa: BLE001 - hostile input must never stop a scan
        meta.findings.append(doc_finding(
            "doc-corrupt", f"Metadata extraction failed ({type(exc).__name__}: {exc})."
        ))  # fmt: skip
    people = [meta.author, meta.last_modified_by, meta.manager]
    people += re.split(r"; ", meta.raw.get("revision_authors", ""))
    meta.scripts = scripts_of(people)
    if meta.has_macros and not any(f.code == "doc-macros" for f in meta.findings):
        meta.findings.append(doc_finding("doc-macros", "The document carries macros."))
    if meta.embedded_objects:
        meta.findings.append(doc_finding(
            "doc-embedded-objects", f"{meta.embedded_objects} embedded object(s), not opened."
        ))  # fmt: skip
    meta.findings = list(dict.fromkeys(meta.findings))
    return meta


# ------------------------------------------------------------------------------ normalising


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text[:MAX_VALUE] if text else None


_SCRIPT_NAMES = (
    "LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "ARMENIAN", "GEORGIAN", "DEVANAGARI",
    "BENGALI", "THAI", "HANGUL", "HIRAGANA", "KATAKANA", "CJK", "ETHIOPIC", "TAMIL", "SYRIAC",
)  # fmt: skip


def scripts_of(values: Iterable[str | None]) -> list[str]:
    """The Unicode scripts of the letters in `values` ("Cyrillic", "Latin", "Han"...), sorted."""
    found: set[str] = set()
    for value in values:
        for ch in value or "":
            if not ch.isalpha():
                continue
            if ch.isascii():
                found.add("Latin")
                continue
            name = unicodedata.name(ch, "")
            script = next((s for s in _SCRIPT_NAMES if s in name.split()), None)
            if script is None:
                script = name.split(" ")[0] if name else "Unknown"
            found.add("Han" if script == "CJK" else script.title())
    return sorted(found)


_ISO = re.compile(
    r"\s*(\d{4})(?:-(\d\d)(?:-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?)?)?)?"
    r"\s*(Z|[+-]\d\d:?\d\d)?\s*$"
)


def iso_time(text: str | None) -> str | None:
    """A W3CDTF / ISO 8601 time, normalised; keeps "Z", an offset, or no zone as given."""
    match = _ISO.match(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
            int(second or 0), int(float(fraction) * 1_000_000) if fraction else 0,
        )  # fmt: skip
    except ValueError:
        return None
    return moment.isoformat() + _zone(zone)


def _zone(zone: str | None) -> str:
    if not zone:
        return ""
    if zone == "Z":
        return "Z"
    zone = zone.replace(":", "")
    return f"{zone[:3]}:{zone[3:]}"


_PDF_DATE = re.compile(
    r"\s*(?:D:)?(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?\s*(?:(Z)|([+-])(\d\d)'?(\d\d)?'?)?"
)


def pdf_time(text: str | None) -> str | None:
    """A PDF date ("D:20240502090000+02'00'") as ISO 8601, keeping its zone or its absence."""
    match = _PDF_DATE.match(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second, utc, sign, zh, zm = match.groups()
    try:
        moment = datetime(int(year), int(month or 1), int(day or 1), int(hour or 0),
                          int(minute or 0), int(second or 0))  # fmt: skip
    except ValueError:
        return None
    if utc:
        return moment.isoformat() + "Z"
    if sign:
        return f"{moment.isoformat()}{sign}{zh}:{zm or '00'}"
    return moment.isoformat()


def _version_of(application: str | None) -> str | None:
    match = re.search(r"(\d+(?:\.\d+)+)", application or "")
    return match.group(1) if match else None


# -------------------------------------------------------------------------------------- OOXML

_CORE_FIELDS = {
    "title": "title", "subject": "subject", "creator": "author",
    "lastModifiedBy": "last_modified_by", "revision": "revision",
}  # fmt: skip
_CORE_TIMES = {"created": "created", "modified": "modified", "lastPrinted": "last_printed"}
_APP_FIELDS = {
    "Application": "application", "AppVersion": "app_version", "Company": "company",
    "Manager": "manager", "Template": "template",
}  # fmt: skip


def _ooxml(data: bytes, meta: DocMeta) -> None:
    archive = SafeZip(data)
    names = archive.names()
    limit = archive.limits.max_meta_part
    for part, reader in (
        ("docProps/core.xml", _core), ("docProps/app.xml", _app),
        ("docProps/custom.xml", _custom),
    ):  # fmt: skip
        if part in archive:
            try:
                reader(parse_xml(archive.read(part, limit), f"Part {part!r}"), meta)
            except DocProblem as problem:
                meta.findings.append(problem.finding)
    lower = [name.lower() for name in names]
    macros = [n for n in names if n.lower().endswith("vbaproject.bin")]
    if macros:
        meta.has_macros = True
        meta.findings.append(doc_finding(
            "doc-macros", f"VBA project {macros[0]!r} present (not run)."
        ))  # fmt: skip
    meta.embedded_objects = sum(1 for n in lower if "/embeddings/" in n and not n.endswith("/"))
    if meta.format == "docx":
        _docx_parts(archive, meta)
    elif meta.format == "pptx":
        slides = sorted(n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n))
        for _, _, root in _parsed_parts(archive, meta, ["ppt/presentation.xml", *slides[:500]]):
            for ns in _A_NS:
                for kind in ("defRPr", "rPr", "endParaRPr"):
                    for elem in root.iter(f"{{{ns}}}{kind}"):
                        meta.add_language(elem.get("lang"))


def _core(root: Element, meta: DocMeta) -> None:
    for child in root:
        name, text = local(child.tag), _clean(child.text)
        if not text:
            continue
        if name in _CORE_FIELDS:
            setattr(meta, _CORE_FIELDS[name], getattr(meta, _CORE_FIELDS[name]) or text)
        elif name in _CORE_TIMES:
            value = iso_time(text)
            setattr(meta, _CORE_TIMES[name], value)
            if value is None:
                meta.set_raw(name, text)  # unparsable: keep what the file said
        elif name == "language":
            meta.add_language(text)
        else:
            meta.set_raw(name, text)


def _app(root: Element, meta: DocMeta) -> None:
    for child in root:
        name = local(child.tag)
        if name in _APP_FIELDS:
            setattr(meta, _APP_FIELDS[name], _clean(child.text))
        elif name == "TotalTime":
            meta.total_edit_minutes = _to_int(child.text)
        elif name == "TitlesOfParts":
            meta.set_raw(name, "; ".join(t.text or "" for t in child.iter() if t.text))
        elif len(child) == 0:
            meta.set_raw(name, child.text)


def _custom(root: Element, meta: DocMeta) -> None:
    for prop in root:
        name = prop.get("name")
        if name:
            value = next((c.text for c in prop.iter() if c is not prop and c.text), None)
            meta.set_raw(f"custom:{name}", value)


def _to_int(text: str | None) -> int | None:
    try:
        return int(str(text).strip())
    except ValueError:
        return None


_W_NS = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",  # strict OOXML
)
_A_NS = (
    "http://schemas.openxmlformats.org/drawingml/2006/main",
    "http://purl.oclc.org/ooxml/drawingml/main",
)
_RSID = re.compile(rb"\s(?:\w+:)?rsid(?:R|RPr|P|RDefault|Del|Sect|Tr)=[\"']([0-9A-Fa-f]{1,8})[\"']")
SCAN_LIMIT = 32 * 1024 * 1024  # parts larger than this are not scanned for languages


def _parsed_parts(
    archive: SafeZip, meta: DocMeta, parts: list[str]
) -> Iterator[tuple[str, bytes, Element]]:
    """(part, bytes, root) of each part present, read whole: element lookups by tag then run
    in C (`Element.iter(tag)`), several times faster than visiting every element in Python."""
    for part in parts:
        info = archive.infos.get(part)
        if info is None:
            continue
        if info.file_size > SCAN_LIMIT:
            meta.set_raw("scan_skipped", part)
            continue
        try:
            data = archive.read(part, SCAN_LIMIT)
            yield part, data, parse_xml(data, f"Part {part!r}")
        except DocProblem as problem:
            meta.findings.append(problem.finding)


def _docx_parts(archive: SafeZip, meta: DocMeta) -> None:
    rsids: set[bytes] = set()
    authors: set[str] = set()
    extras: dict[str, list[str]] = {"eastAsia": [], "bidi": []}
    parts = ["word/document.xml", "word/styles.xml", "word/comments.xml", "word/settings.xml"]
    for part, data, root in _parsed_parts(archive, meta, parts):
        if part == "word/document.xml":
            rsids.update(_RSID.findall(data))
        for ns in _W_NS:
            for elem in root.iter(f"{{{ns}}}lang"):
                meta.add_language(elem.get(f"{{{ns}}}val"))
                for extra, seen in extras.items():
                    tag = elem.get(f"{{{ns}}}{extra}")
                    if tag and tag not in seen and len(seen) < 20:
                        seen.append(tag)
            for kind in ("ins", "del", "comment", "moveFrom", "moveTo"):
                for elem in root.iter(f"{{{ns}}}{kind}"):
                    author = (elem.get(f"{{{ns}}}author") or "").strip()
                    if author and len(authors) < 100:
                        authors.add(author[:200])
            if part == "word/settings.xml":
                for elem in root.iter(f"{{{ns}}}themeFontLang"):
                    meta.set_raw("theme_font_lang", elem.get(f"{{{ns}}}val"))
                for elem in root.iter(f"{{{ns}}}rsidRoot"):
                    meta.set_raw("rsid_root", elem.get(f"{{{ns}}}val"))
                count = sum(1 for _ in root.iter(f"{{{ns}}}rsid"))
                if count:
                    meta.set_raw("rsid_count", count)
    for extra, seen in extras.items():
        meta.set_raw(f"lang_{extra}", "; ".join(seen))
    meta.set_raw("rsid_distinct_document", len(rsids) or None)
    if authors:
        meta.set_raw("revision_authors", "; ".join(sorted(authors)))


def _attr(elem: Element, name: str) -> str | None:
    return next((v for k, v in elem.attrib.items() if local(k) == name), None)


# ---------------------------------------------------------------------------------------- ODF


_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_FO_NS = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"


def _odf(data: bytes, meta: DocMeta) -> None:
    archive = SafeZip(data)
    names = archive.names()
    if odf_encrypted(archive):
        meta.findings.append(doc_finding(
            "doc-encrypted", "The OpenDocument file is encrypted (manifest encryption-data)."
        ))  # fmt: skip
    if "meta.xml" in archive:
        try:
            root = parse_xml(archive.read("meta.xml", archive.limits.max_meta_part), "meta.xml")
            _odf_meta(root, meta)
        except DocProblem as problem:
            meta.findings.append(problem.finding)

    for _, _, root in _parsed_parts(archive, meta, ["styles.xml", "content.xml"]):
        for elem in root.iter(f"{{{_STYLE_NS}}}text-properties"):
            language = elem.get(f"{{{_FO_NS}}}language")
            if language and language != "zxx":  # zxx: "no linguistic content"
                country = elem.get(f"{{{_FO_NS}}}country")
                tag = f"{language}-{country}" if country and country != "none" else language
                meta.add_language(tag)
    macros = [
        n for n in names if re.match(r"(Basic/[^/]+/(?!script-l[bc]\.xml)[^/]+|Scripts/.+)$", n)
    ]
    if macros:
        meta.has_macros = True
        meta.findings.append(doc_finding(
            "doc-macros", f"Macro library {macros[0]!r} present (not run)."
        ))  # fmt: skip
    meta.embedded_objects = len({n.split("/")[0] for n in names if n.startswith("Object ")})


_ODF_FIELDS = {
    "title": "title", "subject": "subject", "initial-creator": "author",
    "creator": "last_modified_by", "generator": "application", "editing-cycles": "revision",
}  # fmt: skip
_ODF_TIMES = {"creation-date": "created", "date": "modified", "print-date": "last_printed"}


def _odf_meta(root: Element, meta: DocMeta) -> None:
    # ODF: dc:creator is whoever saved last; meta:initial-creator is the author.
    for elem in root.iter():
        name, text = local(elem.tag), _clean(elem.text)
        if name in _ODF_FIELDS and text:
            setattr(meta, _ODF_FIELDS[name], getattr(meta, _ODF_FIELDS[name]) or text)
        elif name in _ODF_TIMES and text:
            setattr(meta, _ODF_TIMES[name], iso_time(text))
        elif name == "language" and text:
            meta.add_language(text)
        elif name == "editing-duration" and text:
            meta.total_edit_minutes = _duration_minutes(text)
        elif name == "template":
            meta.template = _attr(elem, "href") or _attr(elem, "title")
        elif name == "user-defined":
            meta.set_raw(f"custom:{elem.get(_qualified(elem, 'name'), '')}", text)
        elif name == "document-statistic":
            for key, value in elem.attrib.items():
                meta.set_raw(local(key), value)
        elif text and name not in ("meta", "document-meta"):
            meta.set_raw(name, text)
    meta.app_version = _version_of(meta.application)


def _qualified(elem: Element, name: str) -> str:
    return next((k for k in elem.attrib if local(k) == name), name)


def _duration_minutes(text: str) -> int | None:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", text)
    if not match:
        return None
    days, hours, minutes, seconds = (float(g or 0) for g in match.groups())
    return int(days * 1440 + hours * 60 + minutes + seconds / 60)


# ---------------------------------------------------------------------------------------- OLE


def _ole(data: bytes, meta: DocMeta) -> None:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - damaged OLE header or FAT
        raise DocProblem("doc-corrupt", f"The OLE compound file cannot be opened ({exc}).") from exc
    with ole:
        reason = ole_encryption(ole)
        if reason:
            meta.findings.append(doc_finding("doc-encrypted", f"The file is {reason}."))
        storages = ole_macro_storages(ole)
        if storages:
            meta.has_macros = True
            meta.findings.append(doc_finding(
                "doc-macros", f"Macro storage {storages[0]!r} present (not run)."
            ))  # fmt: skip
        meta.embedded_objects = ole_embedded_count(ole)
        _ole_properties(ole, meta)
        if ole.exists("WordDocument"):
            head = ole.openstream("WordDocument").read(8)
            if len(head) >= 8:
                meta.set_raw("install_language", lcid_tag(struct.unpack_from("<H", head, 6)[0]))
        mtime = ole.root.getmtime() if ole.root is not None else None
        if mtime is not None:
            meta.set_raw("root_modified", mtime.isoformat() + "Z")


_OLE_TEXT = {
    "title": "title", "subject": "subject", "author": "author",
    "last_saved_by": "last_modified_by", "template": "template",
    "creating_application": "application", "revision_number": "revision", "company": "company",
    "manager": "manager",
}  # fmt: skip
_OLE_TIMES = {
    "create_time": "created",
    "last_saved_time": "modified",
    "last_printed": "last_printed",
}
_OLE_SKIP = {"thumbnail", "heading_pairs", "codepage", "codepage_doc", "total_edit_time", "version",
             "dig_sig", "hlinks", "unused"}  # fmt: skip


def _ole_properties(ole: Any, meta: DocMeta) -> None:
    try:
        props = ole.get_metadata()
    except Exception as exc:  # noqa: BLE001 - damaged property sets
        meta.findings.append(doc_finding("doc-corrupt", f"Property sets are damaged ({exc})."))
        return
    meta.codepage = props.codepage if isinstance(props.codepage, int) else None
    doc_codepage = props.codepage_doc if isinstance(props.codepage_doc, int) else meta.codepage

    def text(value: Any, codepage: int | None) -> str | None:
        if isinstance(value, bytes):
            return _clean(value.decode(_ole_codec(codepage), "replace"))
        return _clean(value) if isinstance(value, str | int) else None

    summary = set(props.SUMMARY_ATTRIBS)
    for attr in [*props.SUMMARY_ATTRIBS, *props.DOCSUM_ATTRIBS]:
        value = getattr(props, attr, None)
        codepage = meta.codepage if attr in summary else doc_codepage
        if attr in _OLE_TEXT:
            setattr(meta, _OLE_TEXT[attr], getattr(meta, _OLE_TEXT[attr]) or text(value, codepage))
        elif attr in _OLE_TIMES:
            if isinstance(value, datetime) and value.year > 1601:  # FILETIME, always UTC
                setattr(meta, _OLE_TIMES[attr], value.replace(microsecond=0).isoformat() + "Z")
        elif attr == "total_edit_time" and isinstance(value, int):
            meta.total_edit_minutes = value // 60  # olefile gives seconds
        elif attr == "version" and isinstance(value, int) and value:
            meta.app_version = f"{value >> 16}.{value & 0xFFFF}"
        elif attr == "titles_of_parts" and isinstance(value, list):
            meta.set_raw(attr, "; ".join(t for t in (text(v, codepage) for v in value) if t))
        elif attr not in _OLE_SKIP and value not in (None, b"", False):
            if isinstance(value, bool | int | bytes | str):
                meta.set_raw(attr, text(value, codepage) if not isinstance(value, bool) else "true")


def _ole_codec(codepage: int | None) -> str:
    names = {None: "cp1252", 0: "cp1252", 1200: "utf-16-le", 1201: "utf-16-be",
             10000: "mac_roman", 65001: "utf-8", -535: "utf-8"}  # fmt: skip
    name = names.get(codepage, f"cp{codepage}")
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name


# ---------------------------------------------------------------------------------------- PDF

_PDF_FIELDS = {"/Title": "title", "/Subject": "subject", "/Author": "author"}
_PDF_TIMES = {"/CreationDate": "created", "/ModDate": "modified"}


def _pdf(data: bytes, meta: DocMeta) -> None:
    from .doctext import open_pdf

    reader = open_pdf(data, meta.findings)
    meta.set_raw("pdf_version", _pdf_header_version(data))
    meta.set_raw("eof_markers", data.count(b"%%EOF") or None)  # >1: incremental updates
    if reader is None:
        return
    info: Any = reader.trailer.get("/Info")
    info = info.get_object() if info is not None else None
    if hasattr(info, "items"):
        for key, value in list(info.items())[:MAX_RAW]:
            text = _clean(_pdf_text(value))
            if key in _PDF_FIELDS:
                setattr(meta, _PDF_FIELDS[key], text)
            elif key in _PDF_TIMES:
                setattr(meta, _PDF_TIMES[key], pdf_time(text))
                meta.set_raw(key.lstrip("/"), text)
            else:
                meta.set_raw(str(key).lstrip("/"), text)
    meta.application = meta.raw.get("Creator") or meta.raw.get("Producer")
    meta.app_version = _version_of(meta.application)
    root: Any = reader.trailer.get("/Root")
    root = root.get_object() if root is not None else None
    if not hasattr(root, "get"):
        return
    meta.add_language(_pdf_text(root.get("/Lang")))
    metadata = root.get("/Metadata")
    if metadata is not None:
        try:
            stream = metadata.get_object()
            length = int(stream.get("/Length", 0) or 0)
            if length <= 16 << 20:
                _xmp(stream.get_data(), meta)
        except DocProblem as problem:
            meta.findings.append(problem.finding)
        except Exception as exc:  # noqa: BLE001 - damaged stream: the info dict still stands
            meta.findings.append(doc_finding("doc-corrupt", f"The XMP stream is damaged ({exc})."))
    _pdf_active_content(root, meta)


def _pdf_text(value: Any) -> str | None:
    if value is None:
        return None
    resolve = getattr(value, "get_object", None)
    return str(resolve() if callable(resolve) else value)


def _pdf_header_version(data: bytes) -> str | None:
    match = re.search(rb"%PDF-(\d\.\d)", data[:1024])
    return match.group(1).decode() if match else None


_XMP_FIELDS = {
    "CreatorTool": "application", "Producer": "producer", "creator": "author",
    "CreateDate": "created", "ModifyDate": "modified", "MetadataDate": "metadata_date",
    "DocumentID": "xmp_document_id", "InstanceID": "xmp_instance_id", "title": "title",
}  # fmt: skip


def _xmp(data: bytes, meta: DocMeta) -> None:
    """XMP read with defusedxml (pypdf's own XMP reader uses minidom, outside defusedxml)."""
    root = parse_xml(data.strip(b"\x00 \r\n\t"), "The XMP metadata")
    for elem in root.iter():
        name = local(elem.tag)
        values = [t.strip() for t in (li.text for li in elem.iter() if local(li.tag) == "li") if t]
        text = values[0] if values else _clean(elem.text)
        if name == "language":
            for value in values or [text or ""]:
                meta.add_language(value)
            continue
        if not text or name not in _XMP_FIELDS:
            continue
        target = _XMP_FIELDS[name]
        if target in ("created", "modified"):
            meta.set_raw(f"xmp_{name}", text)
            if getattr(meta, target) is None:
                setattr(meta, target, iso_time(text))
        elif target in ("author", "title", "application"):
            meta.set_raw(f"xmp_{name}", "; ".join(values) if values else text)
            if getattr(meta, target) is None:
                setattr(meta, target, text)
        else:
            meta.set_raw(target, text)
    if meta.app_version is None:
        meta.app_version = _version_of(meta.application)
    # XMP attributes (rdf:Description xmp:CreatorTool="...") instead of elements
    for elem in root.iter():
        for key, value in elem.attrib.items():
            name = local(key)
            if name in ("CreatorTool", "Producer", "CreateDate", "ModifyDate"):
                meta.set_raw(f"xmp_{name}", value)


def _pdf_active_content(root: Any, meta: DocMeta) -> None:
    """JavaScript and embedded files in the catalog: counted, never run or extracted."""
    names: Any = root.get("/Names")
    names = names.get_object() if names is not None else None
    action: Any = root.get("/OpenAction")
    action = action.get_object() if action is not None else None
    javascript = hasattr(names, "get") and names.get("/JavaScript") is not None
    if hasattr(action, "get") and action.get("/S") == "/JavaScript":
        javascript = True
    if javascript:
        meta.has_macros = True
        meta.findings.append(doc_finding("doc-macros", "The PDF carries JavaScript (not run)."))
    embedded: Any = names.get("/EmbeddedFiles") if hasattr(names, "get") else None
    embedded = embedded.get_object() if embedded is not None else None
    if hasattr(embedded, "get"):
        listed: Any = embedded.get("/Names")
        listed = listed.get_object() if listed is not None else None
        count = len(listed) // 2 if isinstance(listed, list) else 0
        kids = embedded.get("/Kids")
        meta.embedded_objects = count or (1 if kids is not None else 0)


# ----------------------------------------------------------------------------------- RTF, HTML

_RTF_FIELDS = {
    "title": "title", "subject": "subject", "author": "author", "operator": "last_modified_by",
    "company": "company", "manager": "manager", "generator": "application",
}  # fmt: skip
_RTF_TIMES = {"creatim": "created", "revtim": "modified", "printim": "last_printed"}


def _rtf(data: bytes, meta: DocMeta) -> None:
    document = parse_rtf(data, max_chars=0)
    for key, value in document.info.items():
        if key in _RTF_FIELDS:
            setattr(meta, _RTF_FIELDS[key], _clean(value.rstrip(";")))
        else:
            meta.set_raw(key, value)
    for key, value in document.times.items():
        if key in _RTF_TIMES:
            setattr(meta, _RTF_TIMES[key], value)  # RTF times are local: no zone
        else:
            meta.set_raw(key, value)
    numbers = document.numbers
    if "version" in numbers:
        meta.revision = str(numbers["version"])
    meta.total_edit_minutes = numbers.get("edmins")
    for key in ("vern", "nofpages", "nofwords", "nofchars"):
        meta.set_raw(key, numbers.get(key))
    meta.codepage = document.codepage
    meta.app_version = _version_of(meta.application)
    for tag in document.languages:
        meta.add_language(tag)
    if b"\\objdata" in data or b"\\object" in data:
        meta.embedded_objects = data.count(b"\\object")


def _html(data: bytes, meta: DocMeta) -> None:
    from .doctext import html_document

    document, _ = html_document(data, max_chars=0)
    meta.title = _clean(document.title)
    for tag in document.languages:
        meta.add_language(tag)
    for name, value in document.meta.items():
        if name in ("author", "dc.creator", "dcterms.creator"):
            meta.author = meta.author or _clean(value)
        elif name == "generator":
            meta.application = _clean(value)
        elif name in ("content-language", "language", "dc.language"):
            for tag in re.split(r"[,;\s]+", value):
                meta.add_language(tag)
        else:
            meta.set_raw(f"meta:{name}", value)
    meta.app_version = _version_of(meta.application)
    meta.set_raw("encoding", document.encoding)


_READERS: dict[str, Callable[[bytes, DocMeta], None]] = {
    "docx": _ooxml,
    "xlsx": _ooxml,
    "pptx": _ooxml,
    "odt": _odf,
    "ods": _odf,
    "odp": _odf,
    "doc": _ole,
    "xls": _ole,
    "ppt": _ole,
    "pdf": _pdf,
    "rtf": _rtf,
    "html": _html,
}
