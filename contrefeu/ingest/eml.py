"""Single RFC 5322 messages: .eml files, Maildir messages, and files that sniff as mail.

The bytes are handed over exactly as read (DKIM needs them); this module only recognises mail
and notes structural anomalies of the header block. Parsing MIME is the analysis' job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from contrefeu.model import Finding, SourceItem

from .findings import finding
from .formats import Context, Entry, Probe, empty_item
from .streams import read_capped

_FIELD = re.compile(rb"([!-9;-~]{1,76})[ \t]*:")
_KNOWN = frozenset(
    b"""from to cc bcc subject date message-id received return-path delivered-to mime-version
    dkim-signature reply-to sender x-mailer content-type content-transfer-encoding arc-seal
    arc-message-signature arc-authentication-results authentication-results in-reply-to
    references user-agent x-received thread-topic thread-index x-originating-ip importance
    x-gm-message-state list-id list-unsubscribe precedence x-google-smtp-source""".split()
)
_STRONG = frozenset(
    b"from date message-id received return-path delivered-to dkim-signature subject".split()
)
MAX_LINE = 998  # RFC 5322 section 2.1.1
_END_OF_HEADER = re.compile(rb"\n\r?\n")


def looks_like_email(head: bytes) -> bool:
    """True when the first bytes read as an RFC 5322 header block of a real message.

    Every line up to the first empty one must be a header field or a continuation, and at
    least two well-known fields (one of them From, Date, Message-ID, Received...) must appear.
    """
    # Only the header block is read line by line (the loop stops at the first empty line);
    # splitting the whole 16 KB head cost more than the check itself.
    end = _END_OF_HEADER.search(head)
    lines = (head if end is None else head[: end.start() + 1]).split(b"\n")
    names: list[bytes] = []
    for index, raw in enumerate(lines[:400]):
        line = raw.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if index == 0:
                return False
            continue
        match = _FIELD.match(line)
        if match is None:
            if index == len(lines) - 1 and len(head) >= 1024:
                break  # the head cut this line in two
            return False
        names.append(match.group(1).lower())
    known = sum(1 for name in names if name in _KNOWN)
    return known >= 2 and any(name in _STRONG for name in names)


def header_findings(data: bytes) -> list[Finding]:
    """Structural anomalies of a message's header block (NUL bytes, over-long lines)."""
    end = data.find(b"\n\n")
    crlf_end = data.find(b"\r\n\r\n", 0, end + 3 if end >= 0 else len(data))
    if end < 0 or (0 <= crlf_end < end):
        end = crlf_end
    header = data if end < 0 else data[:end]
    found: list[Finding] = []
    if b"\x00" in header:
        found.append(finding("ingest-nul-bytes", "NUL bytes in the header block"))
    longest = max((len(line) for line in header.split(b"\n")), default=0)
    if longest > MAX_LINE + 1:  # +1 for a CR
        found.append(
            finding(
                "ingest-long-header-line",
                f"a header line of {longest} bytes (RFC 5322 allows {MAX_LINE})",
            )
        )
    return found


def message_item(
    entry: Entry, ctx: Context, *, container: str, mime_preserved: bool = True
) -> SourceItem:
    """The item of a file that holds exactly one message (read whole, within the size limit)."""
    limit = ctx.limits.max_email_size
    data = read_capped(entry.opener, limit)
    if data is None:
        return empty_item(
            entry,
            "ingest-too-large",
            f"message larger than {limit} bytes",
            kind="email",
            container=container,
        )
    findings = [*entry.findings]
    if not data:
        findings.append(finding("ingest-empty-file", "empty message file"))
    elif mime_preserved:
        findings.extend(header_findings(data))
    return SourceItem(
        path=entry.path,
        data=data,
        container=container,
        kind="email",
        mime_preserved=mime_preserved,
        mailbox=entry.mailbox,
        locator=dict(entry.locator),
        findings=findings,
    )


class EmailReader:
    """A file holding one RFC 5322 message: `.eml`, a Maildir message, or sniffed as mail."""

    name = "eml"

    def score(self, probe: Probe) -> int:
        if probe.maildir:
            return 100
        score = 60 if looks_like_email(probe.head) else 0
        if probe.extension in (".eml", ".mime", ".rfc822"):
            score += 30
        return score

    def ingest(self, entry: Entry, ctx: Context) -> Iterator[SourceItem]:
        if entry.maildir:
            container = "maildir"
        else:
            container = "eml" if entry.parent == "file" else entry.parent
        yield message_item(entry, ctx, container=container)
