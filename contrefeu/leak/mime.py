"""Reading what an email says: headers, body text, attachments, structural defects.

This is for *reading* a message (to index, display and extract attachments). It never feeds
DKIM: verification works on the exact raw bytes. The parser is the standard library's, in its
tolerant compat32 mode, because leaked mail is often damaged and we must still read what we can.
"""

from __future__ import annotations

import email.errors
import email.header
import email.utils
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from html.parser import HTMLParser

from contrefeu.leak.headers import HeaderFacts, extract_header_facts
from contrefeu.leak.mimefast import decoded_payload, parse_fast
from contrefeu.model import Finding

MAX_BODY_TEXT = 1_000_000  # characters indexed per item; the rest stays in the evidence
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
# `_HEADER_LINE` on the first line after leading line breaks, matched in place (no copy of the
# message): its characters never include "\n", so the match cannot leave the first line.
_STARTS_WITH_HEADER = re.compile(rb"[\r\n]*[!-9;-~]+[ \t]*:")

# Defects of the standard parser that mean the message is structurally broken (truncated,
# cut mid-header) rather than merely sloppy.
_STRUCTURAL_DEFECTS = (
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MissingHeaderBodySeparatorDefect,
    email.errors.MultipartInvariantViolationDefect,
)


@dataclass
class Attachment:
    number: int  # 1-based, in depth-first order of the MIME tree
    filename: str
    content_type: str
    data: bytes
    findings: list[Finding] = field(default_factory=list)


@dataclass
class ParsedEmail:
    message_id: str | None = None
    date: str | None = None  # ISO 8601 with the message's own offset
    date_utc: str | None = None
    from_addr: str | None = None
    from_name: str | None = None
    from_count: int = 0
    to_addrs: list[str] = field(default_factory=list)
    subject: str | None = None
    body_text: str = ""
    content_type: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    malformed: bool = False
    header_facts: HeaderFacts = field(default_factory=HeaderFacts)


def decode_header_value(value: str | None) -> str | None:
    """RFC 2047 decoding that never raises (leaked headers carry every kind of junk)."""
    if value is None:
        return None
    if isinstance(value, str) and "=?" not in value:
        # No encoded word: `decode_header` returns the text as one chunk and `make_header`
        # gives it back unchanged, so skip building the Header.
        return " ".join(value.split())
    try:
        decoded = str(email.header.make_header(email.header.decode_header(value)))
    # MessageError covers HeaderParseError and CharsetError (an 8-bit byte in a charset name).
    except (email.errors.MessageError, LookupError, UnicodeError, ValueError):
        decoded = str(value)  # compat32 gives a Header object for values with 8-bit bytes
    return " ".join(decoded.split())


def _parse_date(value: str | None, findings: list[Finding]) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        findings.append(
            Finding(
                "mime-bad-date", "low", f"The Date header {value.strip()[:80]!r} cannot be read."
            )
        )
        return None, None
    if parsed.tzinfo is None:
        return parsed.isoformat(), parsed.replace(tzinfo=UTC).isoformat()
    return parsed.isoformat(), parsed.astimezone(UTC).isoformat()


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body, for indexing only (never rendered from here)."""

    _SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in {"br", "p", "div", "tr", "li"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # the stdlib parser's reaction to some broken markup
        pass
    text = "".join(parser.parts)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def _part_text(part: Message, findings: list[Finding]) -> str:
    try:
        payload = decoded_payload(part)
    except (ValueError, TypeError, AssertionError):
        payload = None
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        findings.append(
            Finding("mime-unknown-charset", "low", f"Unknown charset {charset!r}; read as UTF-8.")
        )
        return payload.decode("utf-8", errors="replace")


def _is_attachment(ctype: str, disposition: str, filename: str | None) -> bool:
    """Leaf parts other than plain/HTML body text are attachments, and so is any named part."""
    if disposition.startswith("attachment") or filename is not None:
        return True
    # `get_content_type` always has exactly one "/": these are its main type and subtype.
    maintype, subtype = ctype.split("/")
    if maintype == "text":
        return subtype not in {"plain", "html"}
    return True


def _safe_filename(name: str | None, number: int) -> str:
    if not name:
        return f"attachment-{number}.bin"
    name = decode_header_value(name) or ""
    # The filename is evidence to show, never a path to write: only separators and control
    # characters are replaced so the item path stays unambiguous.
    cleaned = re.sub(r"[/\\\x00-\x1f\x7f]", "_", name).strip()
    return cleaned[:200] or f"attachment-{number}.bin"


def _walk(msg: Message, out: ParsedEmail) -> None:
    plain: list[str] = []
    html: list[str] = []
    number = 0
    for part in msg.walk():
        if part.is_multipart():
            continue
        # Each header is read once per part (a lookup scans the whole header list). The
        # filename is read before the payload is decoded: that decoding raises nothing
        # uncaught, so the order cannot change which error a hostile part reports.
        ctype = part.get_content_type()
        # str(): a value with 8-bit bytes comes back as an email.header.Header object.
        disposition = str(part.get("Content-Disposition") or "").strip().lower()
        filename = part.get_filename()
        if _is_attachment(ctype, disposition, filename):
            number += 1
            findings: list[Finding] = []
            try:
                data = decoded_payload(part)
            except (ValueError, TypeError, AssertionError):
                data = None
            if not isinstance(data, bytes):
                raw_payload = part.get_payload()
                data = (
                    raw_payload.encode("utf-8", "surrogateescape")
                    if isinstance(raw_payload, str)
                    else b""
                )
                findings.append(
                    Finding(
                        "mime-attachment-undecodable",
                        "low",
                        "The attachment's transfer encoding could not be decoded; its raw "
                        "payload is kept.",
                    )
                )
            out.attachments.append(
                Attachment(number, _safe_filename(filename, number), ctype, data, findings)
            )
        elif ctype == "text/html":
            html.append(_part_text(part, out.findings))
        else:
            plain.append(_part_text(part, out.findings))
    text = "\n\n".join(t for t in plain if t.strip())
    if not text.strip() and html:
        text = "\n\n".join(html_to_text(h) for h in html)
    out.body_text = text[:MAX_BODY_TEXT]


def parse_email(raw: bytes) -> ParsedEmail:
    """Read a message's headers, text and attachments; problems become findings."""
    return _parse_email(raw, fast=True)


def _parse_email(raw: bytes, *, fast: bool) -> ParsedEmail:
    """`parse_email`; `fast=False` always takes the standard parser (the tests compare)."""
    out = ParsedEmail()
    if not raw or raw.isspace():  # `not raw.strip()`, without copying the message
        out.malformed = True
        out.findings.append(Finding("mime-empty", "medium", "The item is empty."))
        return out
    if not _STARTS_WITH_HEADER.match(raw):
        out.malformed = True
        out.findings.append(
            Finding(
                "mime-not-a-message",
                "medium",
                "The item does not start with a mail header: it is not an email, or it was "
                "damaged or cut.",
            )
        )
    try:
        msg = _parse_message(raw, fast)
    except Exception as exc:  # the stdlib parser is not documented to raise, but hostile input
        out.malformed = True
        out.findings.append(
            Finding("mime-unparsable", "medium", f"The MIME parser failed: {exc!r}")
        )
        return out
    _check_structure(msg, raw, out)
    _read_headers(msg, out)
    out.header_facts = extract_header_facts(msg)
    try:
        _walk(msg, out)
    except Exception as exc:  # noqa: BLE001 - a broken part must not lose the whole item
        out.findings.append(
            Finding("mime-part-unreadable", "medium", f"A MIME part could not be read: {exc!r}")
        )
    return out


def _parse_message(raw: bytes, fast: bool) -> Message:
    """The standard parser's tree of `raw`, read by the fast reader when it is well-formed."""
    msg = None
    if fast:
        try:
            msg = parse_fast(raw)
        except Exception:  # noqa: BLE001 - whatever trips the fast reader, the stdlib decides
            msg = None
    # `is None`, not truthiness: a Message without headers is falsy.
    return msg if msg is not None else BytesParser(policy=compat32).parsebytes(raw)


def _check_structure(msg: Message, raw: bytes, out: ParsedEmail) -> None:
    defects = list(msg.defects)
    for part in msg.walk():
        if part is not msg:
            defects.extend(part.defects)
    structural = sorted({type(d).__name__ for d in defects if isinstance(d, _STRUCTURAL_DEFECTS)})
    if structural:
        out.malformed = True
        out.findings.append(
            Finding(
                "mime-structure-broken",
                "medium",
                "The MIME structure is broken (" + ", ".join(structural) + "): the message "
                "was probably truncated or damaged.",
            )
        )


def _read_headers(msg: Message, out: ParsedEmail) -> None:
    out.content_type = msg.get_content_type()
    from_values = msg.get_all("From") or []
    out.from_count = len(from_values)
    if from_values:
        name, addr = email.utils.parseaddr(str(from_values[0]))
        out.from_addr = addr or None
        out.from_name = decode_header_value(name) or None
    out.to_addrs = [
        addr
        for _, addr in email.utils.getaddresses([str(v) for v in msg.get_all("To") or []])
        if addr
    ]
    out.subject = decode_header_value(msg.get("Subject"))
    mid = msg.get("Message-ID")
    out.message_id = " ".join(str(mid).split()) if mid else None
    date = msg.get("Date")
    # compat32 returns a Header object (not a str) when the value has 8-bit bytes.
    out.date, out.date_utc = _parse_date(None if date is None else str(date), out.findings)
    if not from_values and not date and not out.malformed:
        out.malformed = True
        out.findings.append(
            Finding(
                "mime-no-basic-headers",
                "medium",
                "The message has neither a From nor a Date header.",
            )
        )
    if out.date_utc:
        try:
            when = datetime.fromisoformat(out.date_utc)
        except ValueError:
            return
        if when.year < 1990 or when > datetime.now(UTC).replace(year=datetime.now(UTC).year + 1):
            out.findings.append(
                Finding("mime-implausible-date", "low", f"The Date {out.date} is implausible.")
            )
