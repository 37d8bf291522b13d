"""Loose files that are not mail: office documents, PDFs, text, HTML, images, anything else.

They become `document` or `other` items with their exact bytes; what is inside them (metadata,
text) is the analysis' business. Archives this tool does not open are noted, not unpacked.
"""

from __future__ import annotations

from collections.abc import Iterator

from contrefeu.model import ItemKind, SourceItem

from .findings import finding
from .formats import Context, Entry, Probe, empty_item
from .streams import read_capped

DOCUMENT_EXTENSIONS = frozenset(
    """.pdf .doc .docx .docm .dot .dotx .xls .xlsx .xlsm .ppt .pptx .pptm .odt .ods .odp .rtf
    .txt .text .csv .tsv .md .htm .html .xhtml .xml .json .png .jpg .jpeg .gif .tif .tiff .bmp
    .webp .heic .svg .pages .numbers .key .epub .vcf .ics""".split()
)
OFFICE_ZIP_EXTENSIONS = frozenset(
    ".docx .docm .dotx .xlsx .xlsm .pptx .pptm .odt .ods .odp .epub .pages .numbers .key".split()
)
UNOPENED_ARCHIVES = {
    b"\x1f\x8b": "gzip",
    b"7z\xbc\xaf\x27\x1c": "7z",
    b"Rar!\x1a\x07": "rar",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
}
_MAGIC = (
    b"%PDF-",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE compound file (.doc .xls .ppt)
    b"{\\rtf",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
)


def is_office_zip(head: bytes) -> bool:
    """A zip that is really an OOXML/OpenDocument file (its first member gives it away)."""
    first = head[30:80]
    return head.startswith(b"PK\x03\x04") and (
        first.startswith((b"[Content_Types].xml", b"mimetype", b"_rels/", b"docProps/"))
    )


def document_kind(probe: Probe) -> ItemKind:
    """ "document" for office/PDF/text/HTML/image files, "other" for anything else."""
    head = probe.head
    if probe.extension in DOCUMENT_EXTENSIONS or head.startswith(_MAGIC) or is_office_zip(head):
        return "document"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "document"
    start = head.lstrip()[:15].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "document"
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut by the head's end
                return "other"
        return "document"  # plain text
    return "other"


class LooseFileReader:
    """Anything no other reader claims (always scores 1, so it is the fallback)."""

    name = "file"

    def score(self, probe: Probe) -> int:
        return 1

    def ingest(self, entry: Entry, ctx: Context) -> Iterator[SourceItem]:
        with entry.opener() as stream:
            head = stream.read(4096)
        probe = Probe(entry.name, entry.extension, head, entry.size, entry.maildir)
        kind = document_kind(probe)
        limit = ctx.limits.max_email_size
        data = read_capped(entry.opener, limit)
        if data is None:
            yield empty_item(
                entry, "ingest-too-large", f"file larger than {limit} bytes", kind=kind
            )
            return
        findings = [*entry.findings]
        if not data:
            findings.append(finding("ingest-empty-file", "empty file"))
            kind = "other"
        for magic, name in UNOPENED_ARCHIVES.items():
            if data.startswith(magic):
                findings.append(
                    finding("ingest-unsupported-archive", f"{name} archive kept as one file")
                )
        if data[257:262] == b"ustar":
            findings.append(finding("ingest-unsupported-archive", "tar archive kept as one file"))
        yield SourceItem(
            path=entry.path,
            data=data,
            container=entry.parent,
            kind=kind,
            mailbox=entry.mailbox,
            locator=dict(entry.locator),
            findings=findings,
        )
