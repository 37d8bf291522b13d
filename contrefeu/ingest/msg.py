"""Outlook .msg files (OLE compound files of MAPI properties).

The item's data are the .msg file's own bytes (`container="msg"`, `mime_preserved=False`: there
is no original MIME to check). `rfc822_from_msg` rebuilds a readable RFC 5322 message for the
analysis. Reading .msg needs extract-msg (GPL), the optional extra `contrefeu[msg]`, imported
only when a .msg file is met.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from datetime import datetime
from email.utils import formataddr
from types import ModuleType
from typing import Any

from contrefeu.errors import MissingExtra
from contrefeu.model import SourceItem

from .eml import message_item
from .findings import finding
from .formats import Context, Entry, Probe
from .mime import Attachment, build_message, format_date, header_line, transport_header_lines

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SUBSTG = "__substg1.0_".encode("utf-16-le")
INSTALL_HINT = "pip install 'contrefeu[msg]'"


def _extract_msg() -> ModuleType:
    try:
        return importlib.import_module("extract_msg")
    except ImportError as exc:
        raise MissingExtra("msg", "Reading Outlook .msg files") from exc


def extra_available() -> bool:
    """True when extract-msg can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("extract_msg") is not None
    except (ImportError, ValueError):
        return False


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _sender(message: Any) -> str | None:
    """ "Name <address>" from the sender properties (extract-msg may give the name alone)."""
    name = _text(message.getStringStream("__substg1.0_0C1A"))
    address = None
    for stream in ("__substg1.0_5D01", "__substg1.0_0C1F", "__substg1.0_0065"):
        value = _text(message.getStringStream(stream))
        if value and "@" in value:
            address = value
            break
    if address is None:
        return _text(message.sender)
    return formataddr((name or "", address))


def _from_message_object(message: Any, depth: int = 0) -> bytes:
    headers = transport_header_lines(_text(getattr(message, "headerText", None)) or "")
    if not headers:
        fields = [
            ("From", _sender(message)),
            ("To", _text(message.to)),
            ("Cc", _text(message.cc)),
            ("Subject", _text(message.subject)),
            ("Message-ID", _text(message.messageId)),
        ]
        headers = [header_line(name, value) for name, value in fields if value]
        date = message.date
        if isinstance(date, datetime):
            headers.append(f"Date: {format_date(date)}")
    html = message.htmlBody
    attachments = []
    for attachment in message.attachments:
        data = attachment.data
        name = _text(attachment.longFilename or attachment.shortFilename) or ""
        if isinstance(data, bytes):
            attachments.append(Attachment(name, data, _text(attachment.mimetype)))
        elif data is not None and depth < 4 and hasattr(data, "htmlBody"):
            inner = _from_message_object(data, depth + 1)
            attachments.append(Attachment(name or "message.eml", inner, None, is_message=True))
    return build_message(
        headers, text=_text(message.body), html=_text(html), attachments=attachments
    )


def rfc822_from_msg(data: bytes) -> bytes:
    """A best-effort RFC 5322 rebuild of an Outlook .msg file, for reading, never for DKIM.

    Uses the stored transport headers when present, else headers built from the properties
    (sender, recipients, subject, date, Message-ID); text and HTML bodies; attachments as MIME
    parts (embedded messages as message/rfc822). Raises `MissingExtra` without extract-msg and
    `ValueError` when the bytes are not a readable .msg.
    """
    extract_msg = _extract_msg()
    try:
        message = extract_msg.openMsg(data, delayAttachments=False)
    except Exception as exc:
        raise ValueError(f"not a readable .msg file: {type(exc).__name__}: {exc}") from exc
    try:
        if not hasattr(message, "htmlBody"):
            raise ValueError(f"not an email message ({type(message).__name__})")
        return _from_message_object(message)
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"unreadable .msg content: {type(exc).__name__}: {exc}") from exc
    finally:
        message.close()


class MsgReader:
    """An Outlook .msg file: one `email` item holding the .msg bytes."""

    name = "msg"

    def score(self, probe: Probe) -> int:
        if probe.maildir:
            return 0
        ole = probe.head.startswith(OLE_MAGIC)
        if probe.extension == ".msg":
            return 95 if ole else 50
        return 70 if ole and _SUBSTG in probe.head else 0

    def ingest(self, entry: Entry, ctx: Context) -> Iterator[SourceItem]:
        item = message_item(entry, ctx, container="msg", mime_preserved=False)
        if item.data:
            if not extra_available():
                item.findings.append(
                    finding("ingest-missing-extra", f"Outlook .msg file: {INSTALL_HINT}")
                )
            else:
                try:
                    rfc822_from_msg(item.data)
                except ValueError as exc:
                    item.findings.append(finding("ingest-corrupt-msg", str(exc)))
        yield item
