"""A streaming, byte-exact mbox splitter, and the reader that turns mbox files into items.

Why not the standard library: `mailbox.mbox` builds a table of contents of the whole file and
rewrites line endings, and DKIM needs each message's bytes exactly as stored. This splitter reads
in bounded chunks, so a 2 GB mbox never sits in memory: only the current message does (and not
even that when it exceeds the size limit).

Rules (documented in the README of the ingest tests, `tests/data/nasty/README.md`):

* a message starts after a `From ` line at the start of the file or right after an empty line;
  the `From ` line itself is dropped, and so is the newline of the empty line before the next
  one (the "final separator newline"); everything else is kept byte for byte;
* when a message's header block has a `Content-Length` (mboxcl2) and the next `From ` line (or
  the end of the file) is exactly where it says, that boundary wins, so unquoted `From ` lines
  in the body do not split the message;
* `>From ` quoting is never undone here: the file's variant is reported (`mboxrd` when a
  `>>From ` line appears anywhere, which only mboxrd writers produce; otherwise `unknown`) and
  DKIM verification decides.

Joining `from_line + data + separator` of every message gives back the file exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from contrefeu.model import SourceItem

from .eml import header_findings
from .findings import finding
from .formats import Context, Entry, Probe

CHUNK = 1024 * 1024
MAX_FROM_LINE = 64 * 1024  # a longer "From " line is cut here (the rest counts as message)
MAX_HEADER_SCAN = 256 * 1024  # Content-Length is looked for in this much of a message
_CONTENT_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d{1,15})[ \t]*\r?$")


@dataclass(frozen=True)
class MboxMessage:
    """One message cut from an mbox stream."""

    number: int  # 1-based position in the file
    from_line: bytes  # the separator line with its newline; b"" for bytes before the first one
    offset: int  # where `data` starts in the stream
    length: int  # length of the message in the stream (also when `data` was not kept)
    data: bytes  # the exact bytes; b"" when longer than the size limit
    separator: bytes  # the dropped newline after the message: b"\n", b"\r\n" or b""
    too_large: bool = False
    by_content_length: bool = False


def _trailing_empty_line(buf: bytearray | bytes, start: int, end: int) -> int:
    """Length of the newline of an empty line ending at `end` (0 when the line is not empty)."""
    size = end - start
    if size >= 3 and buf[end - 3 : end] == b"\n\r\n" or size == 2 and buf[start:end] == b"\r\n":
        return 2
    if size >= 2 and buf[end - 2 : end] == b"\n\n" or size == 1 and buf[start:end] == b"\n":
        return 1
    return 0


class _Splitter:
    """State of one pass over a stream; see `split_mbox`."""

    def __init__(self, stream: BinaryIO, max_message_size: int, chunk_size: int) -> None:
        self.stream = stream
        self.max = max_message_size
        self.chunk = chunk_size
        self.buf = bytearray()
        self.base = 0  # stream offset of buf[0]
        self.eof = False
        self.number = 0

    def fill(self, keep_from: int) -> int:
        """Read one more chunk, dropping bytes before buf index `keep_from`; returns the shift."""
        if keep_from > 0:
            del self.buf[:keep_from]
            self.base += keep_from
        data = self.stream.read(self.chunk)
        if data:
            self.buf += data
        else:
            self.eof = True
        return keep_from

    def read_from_line(self, start: int) -> tuple[bytes, int]:
        """The `From ` line at buf index `start`, and the index after it (start may shift)."""
        while True:
            newline = self.buf.find(b"\n", start, start + MAX_FROM_LINE)
            if newline >= 0:
                return bytes(self.buf[start : newline + 1]), newline + 1
            if self.eof or len(self.buf) - start >= MAX_FROM_LINE:
                end = min(len(self.buf), start + MAX_FROM_LINE)
                return bytes(self.buf[start:end]), end
            start -= self.fill(start)

    def by_content_length(self, start: int) -> tuple[int, tuple[int, int] | None]:
        """The message start (the buffer may move) and, when a consistent Content-Length ends
        the message, (end, separator length)."""
        while True:
            head_end = self.buf.find(b"\n\n", start, start + MAX_HEADER_SCAN)
            # Look for a CRLF blank line only before the LF one (scanning on is quadratic).
            limit = head_end + 2 if head_end >= 0 else start + MAX_HEADER_SCAN
            crlf = self.buf.find(b"\n\r\n", start, limit)
            if crlf >= 0 and (head_end < 0 or crlf < head_end):
                head_end, blank = crlf, 3
            else:
                blank = 2
            if head_end >= 0:
                break
            if self.eof or len(self.buf) - start >= MAX_HEADER_SCAN:
                return start, None
            start -= self.fill(start)
        match = _CONTENT_LENGTH.search(self.buf, start, head_end + 1)
        if match is None:
            return start, None
        body_start = head_end + blank
        if body_start - start + int(match.group(1)) > self.max:
            return start, None
        end_offset = self.base + body_start + int(match.group(1))
        while not self.eof and len(self.buf) < end_offset - self.base + 7:
            start -= self.fill(start)
        end = end_offset - self.base
        if end > len(self.buf):
            return start, None
        tail = bytes(self.buf[end : end + 7])
        if tail.startswith(b"From ") or (self.eof and tail == b""):
            return start, (end, 0)
        if tail.startswith(b"\nFrom ") or (self.eof and tail == b"\n"):
            return start, (end, 1)
        if tail.startswith(b"\r\nFrom ") or (self.eof and tail == b"\r\n"):
            return start, (end, 2)
        return start, None


def split_mbox(
    stream: BinaryIO, *, max_message_size: int = 200 * 1024**2, chunk_size: int = CHUNK
) -> Iterator[MboxMessage]:
    """Cut an mbox stream into messages, in file order, reading `chunk_size` bytes at a time.

    Memory stays bounded by the chunk size plus the current message; a message longer than
    `max_message_size` is yielded with `too_large=True` and no data.
    """
    state = _Splitter(stream, max_message_size, chunk_size)
    yield from _split(state)


def _split(s: _Splitter) -> Iterator[MboxMessage]:
    while len(s.buf) < 5 and not s.eof:
        s.fill(0)
    if not s.buf:
        return
    if s.buf.startswith(b"From "):
        from_line, start = s.read_from_line(0)
    else:
        from_line, start = b"", 0
    while True:
        s.number += 1
        offset = s.base + start
        found = None
        if from_line != b"":
            start, found = s.by_content_length(start)
        if found is not None:
            end, sep = found
            data = bytes(s.buf[start:end])
            separator = bytes(s.buf[end : end + sep])
            yield MboxMessage(
                s.number, from_line, offset, end - start, data, separator, False, True
            )
            next_start = end + sep
            if next_start >= len(s.buf) and s.eof:
                return
            from_line, start = s.read_from_line(next_start)
            continue
        # Scan for "\nFrom " preceded by an empty line.
        search = start
        skipped = 0  # bytes of an over-long message already dropped from the buffer
        while True:
            q = s.buf.find(b"\nFrom ", search)
            if q < 0:
                if s.eof:
                    end = len(s.buf)
                    # After dropping bytes of an over-long message, start is 0 and at least 8
                    # bytes of context remain, so the empty-line test is still exact.
                    sep = _trailing_empty_line(s.buf, start, end)
                    length = skipped + end - start - sep
                    too_large = length > s.max
                    data = b"" if too_large else bytes(s.buf[start : end - sep])
                    yield MboxMessage(
                        s.number,
                        from_line,
                        offset,
                        length,
                        data,
                        bytes(s.buf[end - sep : end]),
                        too_large,
                    )
                    return
                if skipped or len(s.buf) - start > s.max:
                    # Too long to keep: drop what was scanned, keep a few bytes of context.
                    keep = max(start, len(s.buf) - 8)
                    skipped += keep - start
                    start = keep
                search = max(start, len(s.buf) - 5)
                shift = s.fill(start)
                start -= shift
                search -= shift
                continue
            p = q + 1
            sep = _trailing_empty_line(s.buf, start, p)
            if sep == 0:
                search = q + 1
                continue
            length = skipped + p - sep - start
            too_large = length > s.max
            data = b"" if too_large else bytes(s.buf[start : p - sep])
            yield MboxMessage(
                s.number, from_line, offset, length, data, bytes(s.buf[p - sep : p]), too_large
            )
            from_line, start = s.read_from_line(p)
            break


def mbox_variant(stream: BinaryIO, chunk_size: int = CHUNK) -> str:
    """ "mboxrd" when a `>>From ` line appears (only mboxrd writers quote that), else "unknown"."""
    tail = b"\n"  # the start of the file counts as the start of a line
    while chunk := stream.read(chunk_size):
        window = tail + chunk
        if b"\n>>From " in window:
            return "mboxrd"
        tail = window[-7:]
    return "unknown"


def _looks_like_from_line(head: bytes) -> bool:
    line = head.split(b"\n", 1)[0]
    return head.startswith(b"From ") and len(line) > 6 and b":" not in line[:5]


class MboxReader:
    """An mbox file (any variant): each message becomes an `email` item `box.mbox!<n>`."""

    name = "mbox"

    def score(self, probe: Probe) -> int:
        if probe.maildir:
            return 0
        if not _looks_like_from_line(probe.head):
            # An .mbox with junk before its first separator: still an mbox (preamble flagged).
            mbox_ext = probe.extension in (".mbox", ".mbx", ".mbs")
            return 60 if mbox_ext and b"\nFrom " in probe.head else 0
        return 85 + (10 if probe.extension in (".mbox", ".mbx", ".mbs", "") else 0)

    def ingest(self, entry: Entry, ctx: Context) -> Iterator[SourceItem]:
        with entry.opener() as stream:
            variant = mbox_variant(stream)
        limit = ctx.limits.max_email_size
        with entry.opener() as stream:
            for message in split_mbox(stream, max_message_size=limit):
                findings = [*entry.findings]
                if message.from_line == b"":
                    findings.append(
                        finding(
                            "ingest-mbox-preamble",
                            f"{message.length} bytes before the first 'From ' line",
                        )
                    )
                if message.too_large:
                    findings.append(
                        finding(
                            "ingest-too-large", f"message of {message.length} bytes (limit {limit})"
                        )
                    )
                elif not message.data.strip():
                    findings.append(finding("ingest-empty-file", "empty message in the mbox"))
                else:
                    findings.extend(header_findings(message.data))
                yield SourceItem(
                    path=f"{entry.path}!{message.number}",
                    data=message.data,
                    container="mbox",
                    kind="email",
                    mbox_variant=variant,
                    mailbox=entry.path,
                    locator={
                        **entry.locator,
                        "offset": message.offset,
                        "length": message.length,
                    },
                    findings=findings,
                )
