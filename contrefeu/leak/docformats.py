"""What kind of document a blob of bytes is, and how to open its containers safely.

Shared by text extraction (`doctext`) and metadata extraction (`docmeta`): format sniffing from
magic bytes (the file name only breaks ties), the finding codes both report, and the guarded
readers for hostile containers: zips with expansion caps, XML through defusedxml, OLE through
olefile. It does not extract anything itself.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, Literal
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from contrefeu.model import Finding, Severity

FORMATS: tuple[str, ...] = (
    "docx", "xlsx", "pptx", "odt", "ods", "odp", "doc", "xls", "ppt", "pdf", "rtf",
    "html", "text", "image", "zip", "email", "unknown",
)  # fmt: skip

#: code -> (severity, what it catches and why it matters)
DOC_FINDINGS: dict[str, tuple[Severity, str]] = {
    "doc-encrypted": (
        "medium",
        "The document is encrypted: its content (and often its metadata) cannot be checked "
        "without the password.",
    ),
    "doc-macros": (
        "low",
        "The document carries macros or scripts (VBA project, Basic library, PDF JavaScript). "
        "They were detected, never run; macros in leaked files are a classic delivery vector.",
    ),
    "doc-embedded-objects": (
        "info",
        "The document embeds other files or OLE objects; they were counted, not opened.",
    ),
    "doc-corrupt": (
        "medium",
        "The document is damaged or not what its format claims; it was read only in part.",
    ),
    "doc-zip-bomb": (
        "high",
        "A part of the document expands far beyond its compressed size or the allowed total: "
        "a zip bomb. The part was not read.",
    ),
    "doc-part-too-large": (
        "low",
        "A part of the document is larger than the size this tool reads; it was read in part.",
    ),
    "doc-xml-attack": (
        "high",
        "An XML part declares entities or external references (XXE, 'billion laughs'): crafted "
        "to attack the tool that opens it. Office files never need these. Not expanded.",
    ),
}


def doc_finding(code: str, detail: str) -> Finding:
    severity, _ = DOC_FINDINGS[code]
    return Finding(code, severity, detail[:500])  # hostile files make exception texts long


@dataclass(frozen=True)
class DocLimits:
    """Caps for reading one document; crossing one gives a finding, never a crash."""

    max_part: int = 128 * 1024 * 1024  # bytes read from one zip member
    max_total: int = 512 * 1024 * 1024  # bytes read from all members of one zip
    max_ratio: float = 600.0  # deflate tops out near 1030: uniform filler; real XML stays < 400
    ratio_floor: int = 1024 * 1024  # a member is judged by ratio only above this size
    max_members: int = 50_000  # entries in the zip's central directory
    max_meta_part: int = 4 * 1024 * 1024  # docProps/*.xml, meta.xml: tiny in real files


DEFAULT_LIMITS = DocLimits()


class DocProblem(Exception):  # noqa: N818 - a signal inside this package, turned into a finding
    """Raised while reading a document; the extractor turns it into `finding`."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.finding = doc_finding(code, detail)


# ---------------------------------------------------------------------------------- sniffing

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*",
    b"BM", b"\x00\x00\x01\x00",
)  # fmt: skip
_EXTENSIONS = {
    **dict.fromkeys((".docx", ".docm", ".dotx", ".dotm"), "docx"),
    **dict.fromkeys((".xlsx", ".xlsm", ".xltx", ".xltm"), "xlsx"),
    **dict.fromkeys((".pptx", ".pptm", ".potx", ".potm", ".ppsx", ".ppsm"), "pptx"),
    **dict.fromkeys((".odt", ".ott", ".fodt"), "odt"),
    **dict.fromkeys((".ods", ".ots"), "ods"),
    **dict.fromkeys((".odp", ".otp"), "odp"),
    **dict.fromkeys((".doc", ".dot"), "doc"),
    **dict.fromkeys((".xls", ".xlt"), "xls"),
    **dict.fromkeys((".ppt", ".pot", ".pps"), "ppt"),
    ".pdf": "pdf",
    ".rtf": "rtf",
    **dict.fromkeys((".htm", ".html", ".xhtml"), "html"),
    **dict.fromkeys((".txt", ".text", ".csv", ".tsv", ".md", ".log", ".json", ".xml"), "text"),
    **dict.fromkeys(
        (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp", ".heic", ".svg"),
        "image",
    ),
    ".zip": "zip",
    **dict.fromkeys((".eml", ".msg"), "email"),
}
_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.presentation-template": "odp",
}
_OOXML_MAIN = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"),
               ("ppt/presentation.xml", "pptx"))  # fmt: skip
_MAIL_HEADERS = (
    b"from:", b"received:", b"return-path:", b"message-id:", b"mime-version:", b"delivered-to:",
    b"date:", b"subject:", b"to:", b"x-", b"dkim-signature:", b"arc-", b"reply-to:",
)  # fmt: skip


def extension_format(filename: str | None) -> str | None:
    if not filename:
        return None
    return _EXTENSIONS.get(posixpath.splitext(filename.replace("\\", "/").lower())[1])


def sniff_format(data: bytes, filename: str | None = None) -> str:
    """The document format of `data`: the magic bytes decide, the name only breaks ties.

    Returns one of `FORMATS`. An encrypted OOXML file (an OLE container holding an
    EncryptedPackage) is reported as the OOXML format its name claims, "docx" when nameless:
    the encryption hides which of the three it is. An Outlook .msg is "email".
    """
    try:
        return _sniff(data, extension_format(filename))
    except Exception:  # noqa: BLE001 - sniffing hostile bytes must never raise
        return extension_format(filename) or "unknown"


def _sniff(data: bytes, by_name: str | None) -> str:
    head = data[:2048]
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(data, by_name)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _sniff_zip(data, by_name)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(_IMAGE_MAGIC[:-2]) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image"
    if head.startswith(_IMAGE_MAGIC[-2:]) and by_name == "image":
        return "image"  # BMP and ICO magics are too short to trust without the name
    text = _text_head(head)
    if text is None:
        return "unknown"
    lowered = text.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")) or (
        lowered.startswith(("<!--", "<?xml", "<!doctype")) and "<html" in lowered
    ):
        return "html"
    if lowered.startswith("<svg") or ("<svg" in lowered[:300] and lowered.startswith("<?xml")):
        return "image"
    if by_name in ("html", "email"):
        return by_name
    if _looks_like_mail(text):
        return "email"
    if "<body" in lowered or "<head" in lowered or "<p>" in lowered[:200]:
        return "html"
    return "text"


def _sniff_ole(data: bytes, by_name: str | None) -> str:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            top = {entry[0].lower() for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # noqa: BLE001 - a broken OLE header: trust the name, if any
        return by_name if by_name in ("doc", "xls", "ppt", "email") else "unknown"
    if "encryptedpackage" in top:
        return by_name if by_name in ("docx", "xlsx", "pptx") else "docx"
    if "worddocument" in top:
        return "doc"
    if "workbook" in top or "book" in top:
        return "xls"
    if "powerpoint document" in top:
        return "ppt"
    if any(name.startswith("__substg1.0_") for name in top) or "__properties_version1.0" in top:
        return "email"
    return by_name if by_name in ("doc", "xls", "ppt") else "unknown"


def _sniff_zip(data: bytes, by_name: str | None) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size < 200:
                    mime = archive.read(info).decode("ascii", "replace").strip()
                    if mime in _ODF_MIMETYPES:
                        return _ODF_MIMETYPES[mime]
    except Exception:  # noqa: BLE001 - damaged zip: the local header may still tell
        names = set()
        first = data[30 : 30 + int.from_bytes(data[26:28], "little")]
        if first == b"mimetype":
            mime = data[38:120].split(b"PK")[0].decode("ascii", "replace")
            for prefix, fmt in _ODF_MIMETYPES.items():
                if mime.startswith(prefix):
                    return fmt
        if by_name in ("docx", "xlsx", "pptx", "odt", "ods", "odp"):
            return by_name  # a damaged office file: let the extractor report the damage
    for part, fmt in _OOXML_MAIN:
        if part in names:
            return fmt
    if "[Content_Types].xml" in names and by_name in ("docx", "xlsx", "pptx"):
        return by_name
    if "content.xml" in names and by_name in ("odt", "ods", "odp"):
        return by_name
    return "zip"


def _text_head(head: bytes) -> str | None:
    """The start of the data as text, or None when it looks binary."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[:1024].decode("utf-16", "replace")
    sample = head[:1024]
    if not sample:
        return ""
    if b"\x00" in sample:
        return None
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if controls > len(sample) // 20:
        return None
    return sample.decode("utf-8", "replace").lstrip("\ufeff")


def _looks_like_mail(text: str) -> bool:
    lines = text.replace("\r\n", "\n").split("\n")[:12]
    if lines and lines[0].startswith("From ") and len(lines) > 1:  # mbox separator
        lines = lines[1:]
    hits = 0
    for line in lines:
        if not line.strip():
            break
        if line[:1] in " \t":
            continue
        low = line.lower().encode("ascii", "replace")
        if b":" not in low or not low.startswith(_MAIL_HEADERS):
            return False
        hits += 1
    return hits >= 2


# ------------------------------------------------------------------------------ safe reading


class CappedStream(io.RawIOBase):
    """A read-only stream that raises `DocProblem` once more than `cap` bytes come out."""

    def __init__(self, inner: IO[bytes], cap: int, what: str, on_read: Any = None) -> None:
        self._inner = inner
        self._left = cap
        self._cap = cap
        self._what = what
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._left + 1)
        chunk = self._inner.read(want)
        if len(chunk) > self._left:
            raise DocProblem(
                "doc-part-too-large", f"{self._what} is larger than {self._cap} bytes."
            )
        self._left -= len(chunk)
        if self._on_read is not None:
            self._on_read(len(chunk))
        buffer[: len(chunk)] = chunk
        return len(chunk)


class SafeZip:
    """A zip container (OOXML, ODF) read with caps on each member and on the total.

    Declared sizes are checked before a member is opened (zip bomb by ratio or size) and the
    stream itself is capped, because a hostile archive may lie in its headers.
    """

    def __init__(self, data: bytes, limits: DocLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        count = _declared_entries(data)
        if count is not None and count > limits.max_members:
            raise DocProblem(
                "doc-zip-bomb",
                f"The zip declares {count} entries (more than {limits.max_members}).",
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
            raise DocProblem("doc-corrupt", f"The zip container cannot be opened: {exc}.") from exc
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            self.infos.setdefault(info.filename, info)
        self._spent = 0

    def __contains__(self, name: str) -> bool:
        return name in self.infos

    def names(self) -> list[str]:
        return list(self.infos)

    def _count(self, size: int) -> None:
        self._spent += size
        if self._spent > self.limits.max_total:
            raise DocProblem(
                "doc-zip-bomb",
                f"The document's parts expand beyond {self.limits.max_total} bytes in total.",
            )

    def open(self, name: str, cap: int | None = None) -> IO[bytes]:
        """A capped stream over one member; raises `DocProblem` on a bomb, encryption, damage."""
        info = self.infos[name]
        cap = min(cap or self.limits.max_part, self.limits.max_part)
        size, packed = info.file_size, max(info.compress_size, 1)
        if size > self.limits.ratio_floor and size / packed > self.limits.max_ratio:
            raise DocProblem(
                "doc-zip-bomb",
                f"Part {name!r} declares {size} bytes from {info.compress_size} compressed "
                f"(ratio {size / packed:.0f}).",
            )
        if self._spent + min(size, cap) > self.limits.max_total:
            raise DocProblem(
                "doc-zip-bomb",
                f"The document's parts expand beyond {self.limits.max_total} bytes in total.",
            )
        if info.flag_bits & 0x1:
            raise DocProblem("doc-encrypted", f"Part {name!r} is encrypted.")
        try:
            inner = self._zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
            raise DocProblem("doc-corrupt", f"Part {name!r} cannot be read: {exc}.") from exc
        what = f"Part {name!r}"
        return io.BufferedReader(CappedStream(inner, cap, what, self._count), 64 * 1024)

    def read(self, name: str, cap: int | None = None) -> bytes:
        with self.open(name, cap) as stream:
            try:
                return stream.read()
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
                raise DocProblem("doc-corrupt", f"Part {name!r} is damaged: {exc}.") from exc


def _declared_entries(data: bytes) -> int | None:
    """Entry count from the end-of-central-directory record, read before zipfile builds its
    (unbounded) in-memory table of entries."""
    tail = data[-(65536 + 22) :]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count = struct.unpack_from("<H", tail, at + 10)[0]
    if count == 0xFFFF:
        locator = tail.rfind(b"PK\x06\x07", 0, at)
        if locator >= 0 and locator + 20 <= len(tail):
            offset = struct.unpack_from("<Q", tail, locator + 8)[0]
            if offset + 40 <= len(data) and data[offset : offset + 4] == b"PK\x06\x06":
                return int(struct.unpack_from("<Q", data, offset + 32)[0])
    return int(count)


def parse_xml(data: bytes, what: str) -> Element:
    """Parse one XML part; raises `DocProblem` on an entity attack or damage.

    A part without a DOCTYPE cannot declare entities, so it goes to the C parser; any other
    goes through defusedxml, which refuses entity declarations and external references.
    """
    try:
        if _without_doctype(data[:_HEAD]):
            return ET.fromstring(data)
        return SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise DocProblem("doc-xml-attack", f"{what}: {type(exc).__name__} ({exc}).") from exc
    except (ParseError, ValueError, RecursionError) as exc:
        raise DocProblem("doc-corrupt", f"{what} is not well-formed XML: {exc}.") from exc


def iter_xml(
    stream: IO[bytes], what: str, events: tuple[Literal["start", "end"], ...] = ("start", "end")
) -> Iterator[tuple[str, Element]]:
    """Stream ("start"|"end", element) events from one XML part, guarded as in `parse_xml`.

    The caller clears elements it is done with, so memory stays bounded on huge parts.
    """
    try:
        chunk = stream.read(_HEAD)
        if _without_doctype(chunk):
            parser: ET.XMLPullParser[Any] = ET.XMLPullParser(events)
        else:
            guarded = SafeET.DefusedXMLParser(target=ET.TreeBuilder())
            parser = ET.XMLPullParser(events, _parser=guarded)
        while chunk:
            parser.feed(chunk)
            yield from parser.read_events()  # type: ignore[misc]  # only start/end asked
            chunk = stream.read(_HEAD)
        parser.close()
        yield from parser.read_events()  # type: ignore[misc]
    except DefusedXmlException as exc:
        raise DocProblem("doc-xml-attack", f"{what}: {type(exc).__name__} ({exc}).") from exc
    except (
        ParseError,
        ValueError,
        RecursionError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
    ) as exc:
        raise DocProblem("doc-corrupt", f"{what} is damaged: {exc}.") from exc


_HEAD = 64 * 1024


def _without_doctype(head: bytes) -> bool:
    """True when the prolog (before the root element) surely holds no DOCTYPE.

    Only for ASCII-compatible encodings; UTF-16/32 parts and prologs longer than the head
    answer False and take the guarded parser. The pure-Python defusedxml parser is several
    times slower, and these parts are read for every attachment.
    """
    if head.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in head[:4]:
        return False
    at = 0
    while True:
        at = head.find(b"<", at)
        if at < 0 or at + 4 > len(head):
            return False
        if head.startswith(b"<?", at):
            at = head.find(b"?>", at)
        elif head.startswith(b"<!--", at):
            at = head.find(b"-->", at)
        elif head.startswith(b"<!", at):
            return False  # DOCTYPE (or CDATA before the root, which is not well-formed)
        else:
            return True
        if at < 0:
            return False


def odf_encrypted(archive: SafeZip) -> bool:
    """Whether an OpenDocument package says its parts are encrypted (manifest)."""
    if "META-INF/manifest.xml" not in archive:
        return False
    manifest = parse_xml(archive.read("META-INF/manifest.xml", 16 << 20), "META-INF/manifest.xml")
    return any(local(e.tag) == "encryption-data" for e in manifest.iter())


def local(tag: str) -> str:
    """The local name of a `{namespace}name` tag."""
    return tag.rpartition("}")[2]


# ------------------------------------------------------------------------------------- OLE


def ole_encryption(ole: Any) -> str | None:
    """Why an OLE document is encrypted (a detail for the finding), or None when it is not."""
    if ole.exists("EncryptedPackage"):
        return "an encrypted Office Open XML package (EncryptedPackage stream)"
    if ole.exists("WordDocument"):
        head = ole.openstream("WordDocument").read(12)
        if len(head) >= 12 and struct.unpack_from("<H", head, 10)[0] & 0x0100:
            return "an encrypted Word document (fEncrypted set in the file information block)"
    for name in ("Workbook", "Book"):
        if ole.exists(name):
            if _xls_has_filepass(ole.openstream(name).read(64 * 1024)):
                return "an encrypted Excel workbook (FILEPASS record)"
            break
    if ole.exists("EncryptedSummary"):
        return "an encrypted PowerPoint presentation (EncryptedSummary stream)"
    return None


def _xls_has_filepass(stream: bytes) -> bool:
    """FILEPASS (0x002F) comes right after the first BOF in the workbook globals."""
    at = 0
    for _ in range(64):
        if at + 4 > len(stream):
            return False
        kind, size = struct.unpack_from("<HH", stream, at)
        if kind == 0x002F:
            return True
        if kind == 0x000A:  # EOF of the globals substream
            return False
        at += 4 + size
    return False


def ole_macro_storages(ole: Any) -> list[str]:
    """Paths of VBA/macro storages in an OLE document (never opened further)."""
    found: list[str] = []
    for entry in ole.listdir(streams=False, storages=True):
        names = [part.lower() for part in entry]
        if names[-1] in ("macros", "_vba_project_cur", "vba", "_vba_project"):
            found.append("/".join(entry))
    return found


def ole_embedded_count(ole: Any) -> int:
    """OLE objects embedded in Word (ObjectPool children) or Excel (MBD storages)."""
    count = 0
    for entry in ole.listdir(streams=False, storages=True):
        if len(entry) == 2 and entry[0].lower() == "objectpool":
            count += 1
        elif len(entry) == 1 and entry[0].upper().startswith("MBD"):
            count += 1
    return count


# ------------------------------------------------------------------------------------- RTF
# Hand-written: no maintained RTF reader ships in the environment, and an RTF tokenizer is
# small. One pass gives both the visible text and the \info group.

_RTF_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z'])|([{}])|([^\\{}\r\n]+)"
    r"|[\r\n]+|\\",
    re.S,
)
_RTF_SKIP = frozenset(
    """fonttbl colortbl stylesheet info pict object objdata themedata datastore xmlnstbl
    listtable listoverridetable rsidtbl latentstyles mmathPr pgdsctbl revtbl filetbl
    fldinst bkmkstart bkmkend header footer headerl headerr headerf footerl footerr footerf
    nonshppict shppict blipuid comment annotation atnid atnauthor private userprops
    docvar passwordhash""".split()
)
_RTF_INFO_TEXT = frozenset(
    "title subject author operator keywords comment doccomm company manager category hlinkbase "
    "generator".split()
)
_RTF_INFO_TIME = frozenset(("creatim", "revtim", "printim", "buptim"))
_RTF_INFO_NUMBER = frozenset(("version", "vern", "edmins", "nofpages", "nofwords", "nofchars"))
_RTF_SYMBOLS = {
    "par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n", "tab": "\t", "cell": "\t",
    "emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022", "lquote": "\u2018",
    "rquote": "\u2019", "ldblquote": "\u201c", "rdblquote": "\u201d", "emspace": " ",
    "enspace": " ", "qmspace": " ",
}  # fmt: skip
_FCHARSET_CODEPAGE = {
    0: 0, 2: 0, 77: 10000, 128: 932, 129: 949, 134: 936, 136: 950, 161: 1253, 162: 1254,
    163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250,
}  # fmt: skip


@dataclass
class RtfDocument:
    """What one pass over an RTF file gives: text, the \\info group, language tags."""

    text: str
    truncated: bool
    info: dict[str, str]  # title, author, operator (last modified by), company...
    times: dict[str, str]  # creatim, revtim, printim, buptim as ISO 8601 (no zone: local time)
    numbers: dict[str, int]  # version, edmins, nofpages...
    languages: list[str]
    codepage: int | None


def lcid_tag(lcid: int) -> str | None:
    """A Windows language id (1049) as a BCP 47 tag ("ru-RU")."""
    import locale

    name = locale.windows_locale.get(lcid)
    return name.replace("_", "-") if name else None


def parse_rtf(data: bytes, max_chars: int = 1_000_000) -> RtfDocument:
    """Tokenize an RTF file once; never raises on malformed input (it reads what it can)."""
    source = data.decode("latin-1")
    out: list[str] = []
    left = max_chars
    truncated = False
    info: dict[str, str] = {}
    times: dict[str, str] = {}
    numbers: dict[str, int] = {}
    lcids: list[int] = []
    codepage = 1252
    declared: int | None = None
    fonts: dict[int, int] = {}
    # group state: (skip, destination, uc, font codepage)
    stack: list[tuple[bool, str, int, int]] = []
    skip, dest, uc, font_cp = False, "", 1, 0
    pending_skip = 0
    star = False
    hexbuf = bytearray()
    field_buf: list[str] = []
    time_parts: dict[str, int] = {}
    font_number: int | None = None

    def emit(text: str) -> None:
        nonlocal left, truncated
        if dest in _RTF_INFO_TEXT:
            field_buf.append(text)
            return
        if dest == "fonttbl":
            return
        if skip or not text or truncated:
            return
        if len(text) > left:
            text, truncated = text[:left], True
        out.append(text)
        left -= len(text)

    def flush_hex() -> None:
        if hexbuf:
            emit(bytes(hexbuf).decode(_codec(font_cp or codepage), "replace"))
            hexbuf.clear()

    def close_group() -> None:
        nonlocal skip, dest, uc, font_cp
        if dest in _RTF_INFO_TEXT:
            value = "".join(field_buf).strip()
            if value:
                info.setdefault(dest, value[:2000])
        elif dest in _RTF_INFO_TIME and "yr" in time_parts:
            times.setdefault(dest, _rtf_time(time_parts))
        if dest in _RTF_INFO_TEXT or dest in _RTF_INFO_TIME:
            field_buf.clear()
            time_parts.clear()
        if stack:
            skip, dest, uc, font_cp = stack.pop()

    pos, end = 0, len(source)
    while pos < end:
        match = _RTF_TOKEN.match(source, pos)
        if match is None:  # unreachable with the catch-all branch; stay safe anyway
            break
        pos = match.end()
        word, param, hexcode, symbol, brace, text = match.groups()
        if hexcode is not None:
            if pending_skip:
                pending_skip -= 1
                continue
            hexbuf.append(int(hexcode, 16))
            continue
        flush_hex()
        if word is not None:
            number = int(param) if param is not None else None
            if word == "bin" and number:  # raw binary data: skip it whole
                pos += max(number, 0)
                continue
            if star:
                star = False
                if word not in _RTF_INFO_TEXT:
                    skip = True
            if word in _RTF_SKIP or word in _RTF_INFO_TIME or word in _RTF_INFO_TEXT:
                dest = word
                if word not in _RTF_INFO_TEXT and word != "fonttbl":
                    skip = True
                continue
            if dest in _RTF_INFO_TIME and word in ("yr", "mo", "dy", "hr", "min", "sec"):
                time_parts[word] = number or 0
            elif dest == "info" and word in _RTF_INFO_NUMBER and number is not None:
                numbers.setdefault(word, number)
            elif word == "ansicpg" and number:
                codepage = declared = number
            elif word == "uc" and number is not None:
                uc = max(0, min(number, 10))
            elif word == "u" and number is not None:
                emit(chr(number + 65536 if number < 0 else min(number, 0xFFFF)))
                pending_skip = uc
            elif word == "f" and number is not None:
                if dest == "fonttbl":
                    font_number = number
                else:
                    font_cp = fonts.get(number, 0)
            elif word == "fcharset" and number is not None and font_number is not None:
                fonts[font_number] = _FCHARSET_CODEPAGE.get(number, 0)
            elif word in ("lang", "langfe", "langnp", "langfenp") and number:
                if number not in lcids and number != 1024 and len(lcids) < 50:
                    lcids.append(number)  # 1024 means "no language"
            elif word in _RTF_SYMBOLS:
                emit(_RTF_SYMBOLS[word])
            pending_skip = 0 if word != "u" else pending_skip
        elif symbol is not None:
            if symbol == "*":
                star = True
            elif symbol in "\\{}":
                if pending_skip:
                    pending_skip -= 1
                else:
                    emit(symbol)
            elif symbol == "~":
                emit("\u00a0")
            elif symbol in "\r\n":
                emit("\n")
            elif symbol == "_":
                emit("\u2011")
        elif brace == "{":
            stack.append((skip, dest, uc, font_cp))
            star = False
        elif brace == "}":
            close_group()
        elif text is not None:
            if pending_skip:
                cut = min(pending_skip, len(text))
                text, pending_skip = text[cut:], pending_skip - cut
            if any(ord(ch) > 127 for ch in text):  # raw 8-bit bytes in the file's codepage
                text = text.encode("latin-1").decode(_codec(font_cp or codepage), "replace")
            emit(text)
    flush_hex()
    body = "".join(out)
    if any("\ud800" <= ch <= "\udfff" for ch in body):  # \u pairs for characters above U+FFFF
        body = body.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    languages = [tag for tag in (lcid_tag(lcid) for lcid in lcids) if tag]
    return RtfDocument(body, truncated, info, times, numbers, languages, declared)


def _codec(codepage: int) -> str:
    name = {0: "cp1252", 10000: "mac_roman", 65001: "utf-8"}.get(codepage, f"cp{codepage}")
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name


def _rtf_time(parts: dict[str, int]) -> str:
    try:
        moment = datetime(
            parts.get("yr", 0), parts.get("mo", 1) or 1, parts.get("dy", 1) or 1,
            parts.get("hr", 0), parts.get("min", 0), parts.get("sec", 0),
        )  # fmt: skip
    except ValueError:
        return "{yr}-{mo}-{dy}T{hr}:{min}".format_map(
            {k: parts.get(k, 0) for k in ("yr", "mo", "dy", "hr", "min")}
        )
    return moment.isoformat()
