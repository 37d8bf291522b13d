"""Writing RFC 5322 / MIME messages byte by byte, LF line ends, for the demo leak.

Messages are composed by hand rather than with `email.generator` so that every byte (boundary,
folding, transfer encoding) is fixed by the demo's seed and stays put between Python versions:
the DKIM signatures are computed over exactly these bytes. Not a general MIME library.
"""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr

from contrefeu.demo.people import Person


@dataclass(frozen=True)
class Attachment:
    filename: str  # ASCII only, so no RFC 2231 encoding is needed
    content_type: str
    data: bytes


def header_value(name: str, value: str) -> str:
    """`value` as it is written after `name: ` — RFC 2047-encoded when not ASCII."""
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep="\n")


def address(person: Person) -> str:
    return formataddr((person.name, person.email), charset="utf-8")


def addresses(people: Sequence[Person]) -> str:
    return ", ".join(address(p) for p in people)


def date_header(when: datetime) -> str:
    return format_datetime(when)


def wrap_paragraphs(paragraphs: Sequence[str], width: int = 72) -> str:
    """Paragraphs filled to `width` columns, separated by blank lines; lines kept as given when
    a paragraph starts with a marker that must stay at the start of a line (quotes, lists)."""
    blocks = []
    for paragraph in paragraphs:
        if paragraph.startswith((">", "- ", "* ", "  ")) or "\n" in paragraph:
            blocks.append(paragraph)
        else:
            blocks.append(
                textwrap.fill(
                    paragraph, width=width, break_long_words=False, break_on_hyphens=False
                )
            )
    return "\n\n".join(blocks) + "\n"


def _body_part(text: str) -> tuple[list[str], bytes]:
    encoding = "7bit" if text.isascii() else "8bit"
    headers = [
        'Content-Type: text/plain; charset="utf-8"',
        f"Content-Transfer-Encoding: {encoding}",
    ]
    return headers, text.encode("utf-8")


def _base64_lines(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"".join(encoded[i : i + 76] + b"\n" for i in range(0, len(encoded), 76))


def compose(
    headers: Sequence[tuple[str, str]],
    text: str,
    attachments: Sequence[Attachment] = (),
    *,
    boundary: str = "",
) -> bytes:
    """The message bytes: `headers` in order, then MIME-Version and the body.

    `text` is the plain-text body (already wrapped). With attachments the message becomes
    multipart/mixed with the given `boundary` (required then).
    """
    lines = [f"{name}: {header_value(name, value)}" for name, value in headers]
    lines.append("MIME-Version: 1.0")
    part_headers, body = _body_part(text)
    if not attachments:
        head = "\n".join(lines + part_headers) + "\n\n"
        return head.encode("ascii") + body
    if not boundary:
        raise ValueError("a multipart message needs a boundary")
    lines.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    out = bytearray(("\n".join(lines) + "\n\n").encode("ascii"))
    out += b"This is a multi-part message in MIME format.\n\n"
    out += f"--{boundary}\n".encode() + ("\n".join(part_headers) + "\n\n").encode() + body
    for attachment in attachments:
        out += f"\n--{boundary}\n".encode()
        out += (
            f'Content-Type: {attachment.content_type}; name="{attachment.filename}"\n'
            f'Content-Disposition: attachment; filename="{attachment.filename}"\n'
            "Content-Transfer-Encoding: base64\n\n"
        ).encode("ascii")
        out += _base64_lines(attachment.data)
    out += f"\n--{boundary}--\n".encode()
    return bytes(out)


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """(header block including the blank line, body) of an LF message."""
    at = raw.index(b"\n\n") + 2
    return raw[:at], raw[at:]


def replace_header(raw: bytes, name: str, value: str) -> tuple[bytes, bytes]:
    """`raw` with the first `name:` header's value replaced; returns (new raw, old value).

    Only unfolded (single-line) headers are handled: the demo writes Subject and Date that way
    when it intends to tamper with them.
    """
    head, body = split_message(raw)
    prefix = name.encode() + b": "
    lines = head.split(b"\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(prefix.lower()):
            if i + 1 < len(lines) and lines[i + 1][:1] in (b" ", b"\t"):
                raise ValueError(f"{name} is folded; cannot replace it in place")
            old = line[len(prefix) :]
            lines[i] = prefix + header_value(name, value).encode("ascii")
            return b"\n".join(lines) + body, old
    raise KeyError(name)


def insert_header_after(raw: bytes, after: str, line: str) -> bytes:
    """`raw` with the header line `line` inserted after the (possibly folded) `after:` header."""
    head, body = split_message(raw)
    lines = head.split(b"\n")
    prefix = after.lower().encode() + b":"
    for i, current in enumerate(lines):
        if current.lower().startswith(prefix):
            j = i + 1
            while j < len(lines) and lines[j][:1] in (b" ", b"\t"):
                j += 1
            lines.insert(j, line.encode("ascii"))
            return b"\n".join(lines) + body
    raise KeyError(after)


def remove_header(raw: bytes, name: str) -> tuple[bytes, int]:
    """`raw` without any `name:` header (folded lines included); returns (new raw, how many)."""
    head, body = split_message(raw)
    prefix = name.lower().encode() + b":"
    kept, removed, dropping = [], 0, False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and dropping:
            continue
        dropping = line.lower().startswith(prefix)
        if dropping:
            removed += 1
            continue
        kept.append(line)
    return b"\n".join(kept) + body, removed


def quote_block(text: str) -> str:
    """`text` quoted as mail clients quote a reply's original: `> ` before every line."""
    return "\n".join(f"> {line}" if line else ">" for line in text.rstrip("\n").split("\n"))
