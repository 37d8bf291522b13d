"""Best-effort RFC 5322 reconstruction of messages stored without their MIME (.msg, PST).

Outlook keeps a message as properties, not as the bytes that travelled; this rebuilds a message
the analysis can read (headers, text and HTML bodies, attachments). It is never evidence of the
original bytes: items built from it carry `mime_preserved=False`.
"""

from __future__ import annotations

import email.policy
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.message import MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime

_POLICY = email.policy.default.clone(linesep="\r\n")
# Headers describing the original MIME structure, which the rebuilt body replaces.
_STRUCTURE = re.compile(r"(?i)^(content-[a-z-]+|mime-version)\s*:")
_FIELD_START = re.compile(r"^[!-9;-~]+\s*:")


@dataclass
class Attachment:
    """One attachment to put back into a rebuilt message."""

    filename: str
    data: bytes
    mimetype: str | None = None
    is_message: bool = False  # an embedded message (data is RFC 5322 bytes)


def transport_header_lines(text: str) -> list[str]:
    """The fields of Outlook's stored transport headers, minus the MIME-structure fields."""
    lines: list[str] = []
    skipping = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            if lines:
                break  # end of the header block
            continue
        if line[0] in " \t":
            if not skipping and lines:
                lines.append(line)
            continue
        if not _FIELD_START.match(line):
            continue  # junk inside stored headers is dropped
        skipping = bool(_STRUCTURE.match(line))
        if not skipping:
            lines.append(line)
    return lines


def header_line(name: str, value: str) -> str:
    """`Name: value` with line breaks removed and non-ASCII encoded (RFC 2047)."""
    value = " ".join(value.split())
    if not value.isascii():
        value = Header(value, "utf-8").encode()
    return f"{name}: {value}"


def format_date(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return format_datetime(value)


def _body(text: str | None, html: str | None, attachments: list[Attachment]) -> MIMEPart:
    body = MIMEPart(policy=_POLICY)
    if text is not None and html is not None:
        body.set_content(text)
        body.add_alternative(html, subtype="html")
    elif html is not None:
        body.set_content(html, subtype="html")
    else:
        body.set_content(text or "")
    for attachment in attachments:
        _attach(body, attachment)
    return body


def _attach(body: MIMEPart, attachment: Attachment) -> None:
    name = attachment.filename or "attachment"
    if attachment.is_message:
        try:
            inner = BytesParser(policy=_POLICY).parsebytes(attachment.data)
            body.add_attachment(inner, filename=name)
            return
        except Exception:  # noqa: S110 - an unreadable embedded message is kept as bytes below
            pass
    mimetype = attachment.mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream"
    maintype, _, subtype = mimetype.partition("/")
    if maintype in ("", "multipart", "message") or not subtype:
        maintype, subtype = "application", "octet-stream"
    body.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=name)


def build_message(
    header_lines: list[str],
    *,
    text: str | None = None,
    html: str | None = None,
    attachments: list[Attachment] | None = None,
) -> bytes:
    """An RFC 5322 message: the given header lines, then a MIME body built from the parts."""
    body = _body(text, html, attachments or [])
    head = "\r\n".join([*header_lines, "MIME-Version: 1.0"]) + "\r\n"
    return head.encode("utf-8", "replace") + body.as_bytes(policy=_POLICY)
