"""Outlook PST/OST files: each message of each folder becomes an item.

Item paths extend the contract for PST (documented here and in `iter_dump`):
`archive.pst!Folder/Sub/<n>`, where `Folder/Sub` is the folder path inside the file (folder
names as stored, joined with `/`) and `<n>` the 1-based position of the message in that folder.
The data are a rebuilt RFC 5322 message (stored transport headers, text/HTML bodies,
attachments): `container="pst"`, `mime_preserved=False`. `mailbox` is `archive.pst!Folder/Sub`.

Reading PST needs libpff-python (module `pypff`), the optional extra `contrefeu[pst]`,
imported only when a PST file is met.
"""

from __future__ import annotations

import importlib
import operator
from collections.abc import Iterator
from datetime import datetime
from types import ModuleType
from typing import IO, Any

from contrefeu.model import SourceItem

from .findings import finding
from .formats import Context, Entry, Probe, empty_item
from .mime import Attachment, build_message, format_date, header_line, transport_header_lines
from .streams import materialise

PST_MAGIC = b"!BDN"
INSTALL_HINT = "pip install 'contrefeu[pst]'"
MAX_FOLDER_DEPTH = 64  # a corrupt file can describe folder loops


def _pypff() -> ModuleType | None:
    try:
        return importlib.import_module("pypff")
    except ImportError:
        return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").rstrip("\x00")
    return str(value)


def _attachments(message: Any) -> list[Attachment]:
    out = []
    for index in range(message.number_of_attachments):
        attachment = message.get_attachment(index)
        size = attachment.get_size() or 0
        data = attachment.read_buffer(size) if size else b""
        try:
            name = _text(attachment.get_long_filename()) or ""
        except Exception:  # older libpff: no name for some attachment types
            name = ""
        out.append(Attachment(name or f"attachment-{index + 1}", bytes(data or b"")))
    return out


def _property(message: Any, name: str) -> Any:
    """One property of a pypff message, None when libpff cannot read it.

    libpff raises on some values (e.g. a subject starting with a control character, which it
    takes for Outlook's subject-prefix marker); one bad property must not lose the message.
    """
    try:
        # Through a call, not plain attribute access: pypff sometimes returns a value while
        # leaving its error set, and only a call checks for that (raising SystemError here
        # instead of at some later line).
        return operator.attrgetter(name)(message)
    except Exception:
        return None


def rfc822_from_pst_message(message: Any) -> bytes:
    """A best-effort RFC 5322 rebuild of one pypff message."""
    headers = transport_header_lines(_text(_property(message, "transport_headers")) or "")
    if not headers:
        fields = [
            ("From", _text(_property(message, "sender_name"))),
            ("Subject", _text(_property(message, "subject"))),
        ]
        headers = [header_line(name, value) for name, value in fields if value]
        date = _property(message, "client_submit_time") or _property(message, "delivery_time")
        if isinstance(date, datetime):
            headers.append(f"Date: {format_date(date)}")
    return build_message(
        headers,
        text=_text(_property(message, "plain_text_body")),
        html=_text(_property(message, "html_body")),
        attachments=_attachments(message),
    )


class PstReader:
    """An Outlook PST or OST file."""

    name = "pst"

    def score(self, probe: Probe) -> int:
        if probe.maildir:
            return 0
        if probe.head.startswith(PST_MAGIC):
            return 95
        return 30 if probe.extension in (".pst", ".ost") else 0

    def ingest(self, entry: Entry, ctx: Context) -> Iterator[SourceItem]:
        pypff = _pypff()
        if pypff is None:
            yield empty_item(
                entry,
                "ingest-missing-extra",
                f"Outlook PST file: {INSTALL_HINT}",
                container="pst",
            )
            return
        source: IO[bytes] | None
        source = entry.opener() if entry.seekable else materialise(entry.opener, ctx.tmp_dir)
        if source is None:
            yield empty_item(
                entry,
                "ingest-member-too-big",
                "PST too large to read in memory and no temporary folder given",
                container="pst",
            )
            return
        with source:
            pst = pypff.file()
            try:
                pst.open_file_object(source)
                root = pst.get_root_folder()
            except Exception as exc:
                yield empty_item(
                    entry, "ingest-corrupt-pst", f"{type(exc).__name__}: {exc}", container="pst"
                )
                return
            try:
                yield from self._folder(entry, root, "", 0)
            finally:
                pst.close()

    def _folder(self, entry: Entry, folder: Any, path: str, depth: int) -> Iterator[SourceItem]:
        where = f"{entry.path}!{path}" if path else entry.path
        try:
            count = folder.number_of_sub_messages
        except Exception as exc:
            count = 0
            yield empty_item(
                entry, "ingest-corrupt-pst", f"folder {path!r}: {exc}", container="pst"
            )
        for index in range(count):
            item_path = f"{where}/{index + 1}" if path else f"{where}!{index + 1}"
            locator = {**entry.locator, "folder": path, "message": index + 1}
            try:
                data = rfc822_from_pst_message(folder.get_sub_message(index))
                findings = list(entry.findings)
            except Exception as exc:
                data = b""
                findings = [*entry.findings, finding("ingest-corrupt-pst", f"message: {exc}")]
            yield SourceItem(
                path=item_path,
                data=data,
                container="pst",
                kind="email",
                mime_preserved=False,
                mailbox=where,
                locator=locator,
                findings=findings,
            )
        if depth >= MAX_FOLDER_DEPTH:
            return
        try:
            subfolders = [folder.get_sub_folder(i) for i in range(folder.number_of_sub_folders)]
        except Exception as exc:
            yield empty_item(
                entry, "ingest-corrupt-pst", f"folder {path!r}: {exc}", container="pst"
            )
            return
        for index, sub in enumerate(subfolders):
            try:
                name = _text(sub.name) or ""
            except Exception as exc:  # a damaged folder: the next ones are still read
                yield empty_item(
                    entry,
                    "ingest-corrupt-pst",
                    f"folder {path!r}: sub folder {index + 1}: {exc}",
                    container="pst",
                )
                continue
            yield from self._folder(entry, sub, f"{path}/{name}" if path else name, depth + 1)
