"""A fast reader for plainly well-formed MIME, building the standard parser's own tree.

The standard library's feed parser handles a message one line at a time in Python (hundreds
of calls per message), which made it the slowest step of reading mail. Well-formed mail does
not need that: its structure is found with a few `bytes.find` calls and one regular
expression per header block. `parse_fast` builds the same compat32 `Message` tree the
standard parser builds (same header list, same payloads, same defects), so everything that
reads the tree afterwards (charsets, filenames, parameters) is the standard library's code.

It only accepts what it mirrors exactly, and says so by returning None for anything else:
NUL bytes; header lines the standard parser treats specially (envelope "From " lines, a
continuation first, a line without a name or with a lone CR, a header block not closed by a
blank line); message/* and multipart/digest parts; multiparts without a boundary, a start or
a close boundary line; boundary lines that follow each other or touch a lone CR; deep
nesting. The caller then runs the standard parser, so correctness never depends on this
reader being complete.

Not mirrored because nothing reads them: a multipart's preamble and epilogue stay None.
"""

from __future__ import annotations

import email.errors
import quopri
import re
from email._encoded_words import decode_b
from email.message import Message
from email.policy import compat32
from typing import Any

MAX_DEPTH = 8  # nested multiparts deeper than this are rare enough to leave to the stdlib
# Delimiter strings that are not boundary lines cost a little Python work each: text made of
# them (hostile or absurd) goes to the standard parser, which is faster on it.
MAX_FALSE_DELIMITERS = 1000

# A header block: fields, each a name of the characters the standard parser's header pattern
# accepts (at least one: a line starting with ":" falls back) and its continuation lines,
# then the blank line. Lines end in "\n" or "\r\n" (a lone CR also ends a line for the
# standard parser, so it must not match here). The first characters of a field, of a
# continuation and of the blank line differ, so matching never backtracks far.
_LINE_REST = rb"[^\r\n]*\r?\n"
_HEADER_BLOCK = re.compile(
    rb"(?:[!-9;-~]+:" + _LINE_REST + rb"(?:[ \t]" + _LINE_REST + rb")*)*\r?\n"
)
# One field of a checked block: its name, and its value from the first non-blank character
# (what `lstrip(" \t")` leaves: the blanks stop at the line break) with the continuations.
_FIELD = re.compile(r"([!-9;-~]+):[ \t]*([^\n]*\n(?:[ \t][^\n]*\n)*)")
_UUENCODE = ("x-uuencode", "uuencode", "uue", "x-uue")


class _Fallback(Exception):
    """The input has something this reader does not mirror exactly: use the standard parser."""


class _LazyPart(Message):
    """A part as the standard parser builds it, whose leaf payload text is made when read.

    The standard parser stores a leaf's payload as its bytes decoded as ASCII with
    surrogateescape, and `get_payload(decode=True)` encodes that text back to the same bytes:
    for 8-bit text the round trip costs more than all the rest of the reading. Here a leaf
    keeps its bytes in `body` and makes the text on the first access of `_payload`, so every
    stdlib method still sees exactly the standard payload; `decoded_payload` skips the text
    by working on the bytes. With `body` None (multiparts) it is a plain `Message`.
    """

    def __init__(self) -> None:
        super().__init__(policy=compat32)  # sets `_payload` to None, through the setter
        self.body: bytes | None = None  # a leaf's bytes until its payload text is made

    @property
    def _payload(self) -> Any:
        if self.body is not None:
            self.__dict__["_text"] = self.body.decode("ascii", "surrogateescape")
            self.body = None
        return self.__dict__["_text"]

    @_payload.setter
    def _payload(self, value: Any) -> None:
        self.__dict__["_text"] = value
        self.body = None

    def is_multipart(self) -> bool:
        # A leaf's payload is text (never a list) until something replaces it.
        return self.body is None and super().is_multipart()


def parse_fast(raw: bytes) -> Message | None:
    """The compat32 `Message` tree of `raw`, or None when it must go to the standard parser."""
    if b"\x00" in raw:
        return None
    try:
        return _parse_part(raw, 0, len(raw), depth=0, top=True)
    except _Fallback:
        return None


def decoded_payload(part: Message) -> Any:
    """`part.get_payload(decode=True)`, from the bytes when the part is a fast-read leaf.

    Equivalent because the standard method first encodes the payload text back to bytes
    (`encode("ascii", "surrogateescape")`, or plain ASCII when there is no 8-bit byte),
    which gives exactly the bytes the text was decoded from; the transfer decoding below is
    the method's own, branch for branch. The rare uuencoded parts go to the method itself.
    """
    body = part.body if isinstance(part, _LazyPart) else None
    if body is None:
        return part.get_payload(decode=True)
    cte = str(part.get("content-transfer-encoding", "")).lower()
    if cte == "quoted-printable":
        return quopri.decodestring(body)
    if cte == "base64":
        value, defects = decode_b(b"".join(body.splitlines()))
        for defect in defects:
            part.policy.handle_defect(part, defect)
        return value
    if cte in _UUENCODE:
        return part.get_payload(decode=True)
    return body


def _parse_headers(raw: bytes, start: int, end: int, msg: Message) -> int:
    """Add the header fields of raw[start:end] to msg; return where the body starts.

    Each field is stored as compat32's `header_source_parse` makes it from the lines the
    standard parser reads: the name as written, the value with the first line's leading
    blanks removed, continuation lines kept with their line breaks, trailing CR/LF removed.
    """
    block = _HEADER_BLOCK.match(raw, start, end)
    if block is None:
        # Not closed by a blank line: a defect for the standard parser, or (at the end of a
        # part) a part it reads without a body.
        raise _Fallback
    text = raw[start : block.end()].decode("ascii", "surrogateescape")
    for name, value in _FIELD.findall(text):
        msg.set_raw(name, value.rstrip("\r\n"))
    return block.end()


def _parse_part(raw: bytes, start: int, end: int, depth: int, top: bool) -> Message:
    msg = _LazyPart()
    body = _parse_headers(raw, start, end, msg)
    ctype = msg.get_content_type()
    maintype = ctype.partition("/")[0]
    if maintype == "message" or ctype == "multipart/digest":
        raise _Fallback  # the standard parser reads these as nested messages
    if maintype != "multipart":
        payload = raw[body:end]
        if not top:
            # The line break before a boundary line belongs to the boundary (RFC 2046).
            if payload.endswith(b"\r\n"):
                payload = payload[:-2]
            elif payload.endswith(b"\n"):
                payload = payload[:-1]
        msg.body = payload
        return msg
    if depth >= MAX_DEPTH:
        raise _Fallback
    boundary = msg.get_boundary()
    if boundary is None or "\r" in boundary or "\n" in boundary:
        raise _Fallback
    try:
        delimiter = ("--" + boundary).encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        raise _Fallback from None  # no line of surrogateescaped bytes can match it
    if str(msg.get("content-transfer-encoding", "8bit")).lower() not in ("7bit", "8bit", "binary"):
        # The standard parser notes this (harmless) defect and reads the parts anyway.
        msg.defects.append(email.errors.InvalidMultipartContentTransferEncodingDefect())
    lines = _boundary_lines(raw, body, end, delimiter)
    for (_, sep_end, _), (next_start, _, _) in zip(lines, lines[1:], strict=False):
        msg.attach(_parse_part(raw, sep_end, next_start, depth + 1, top=False))
    return msg


def _boundary_lines(
    raw: bytes, start: int, end: int, delimiter: bytes
) -> list[tuple[int, int, bool]]:
    """(start, end after the line break, is_close) of each boundary line up to the close one.

    The standard parser matches `--boundary(--)?[ \\t]*` then the line break on whole lines.
    Only the shapes it reads without a defect or a special case are accepted: a separator
    first and a close line at the end (what follows is the epilogue, which nothing reads).
    Two boundary lines in a row (which it merges) leave an empty part between them here, and
    a part without a blank line falls back.
    """
    found: list[tuple[int, int, bool]] = []
    false_hits = 0
    pos = raw.find(delimiter, start, end)
    while pos >= 0:
        before = raw[pos - 1 : pos] if pos > start else b"\n"
        if before == b"\r":
            raise _Fallback  # a lone CR ends a line for the standard parser
        if before == b"\n":  # at a line start (elsewhere it is only text: search on)
            line_end = raw.find(b"\n", pos, end)
            line_end = end if line_end < 0 else line_end + 1
            tail = raw[pos + len(delimiter) : line_end].rstrip(b"\n")
            if tail.endswith(b"\r"):
                tail = tail[:-1]
            close = tail.startswith(b"--")
            if close:
                tail = tail[2:]
            if b"\r" in tail:
                raise _Fallback  # a lone CR: the standard parser's line would end there
            if not tail.strip(b" \t"):
                if close and not found:
                    raise _Fallback  # no start boundary before the close one
                found.append((pos, line_end, close))
                if close:
                    return found
                pos = raw.find(delimiter, line_end, end)
                continue
        false_hits += 1
        if false_hits > MAX_FALSE_DELIMITERS:
            raise _Fallback
        # From the next byte, not the next line: a delimiter after a lone CR later in this
        # line must be seen (and fall back). Lines are only scanned where a delimiter starts
        # one, so a long line full of delimiters stays linear.
        pos = raw.find(delimiter, pos + 1, end)
    raise _Fallback  # no start boundary, or no close boundary
