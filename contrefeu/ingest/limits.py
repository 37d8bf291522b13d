"""Resource limits for walking hostile dumps, and the signal raised when one is crossed.

A leaked dump is attacker-controlled: zip bombs, absurdly nested archives and giant messages are
to be expected. These limits keep a scan's memory and disk use bounded; crossing one produces a
finding on the item concerned, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A member produces at least this many bytes before its compression ratio is judged, so that a
#: small, very compressible file (a page of spaces) is not mistaken for a bomb.
RATIO_FLOOR = 1024 * 1024

#: Nested containers (zip in zip, PST in zip) up to this size are held in memory; larger ones are
#: spooled to the caller's temporary folder, or flagged when there is none.
IN_MEMORY_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class IngestLimits:
    """Caps applied while walking one DUMP argument.

    `max_email_size` applies to every item whose bytes ingest hands over (messages, loose
    documents, archive members): an item larger than this is flagged and yielded without data.
    """

    max_member_size: int = 2 * 1024**3  # one decompressed zip member
    max_total_expansion: int = 50 * 1024**3  # all decompressed bytes of one top-level archive
    max_ratio: float = 200.0  # decompressed/compressed per member (zip bomb)
    max_depth: int = 8  # nested archives
    max_email_size: int = 200 * 1024**2  # a single message larger than this is flagged, skipped


class LimitExceeded(Exception):  # noqa: N818 - a signal between ingest modules, not an error
    """Raised inside ingest when a stream crosses a limit; turned into a finding by the caller."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
