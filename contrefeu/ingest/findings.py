"""The findings ingest can attach to an item, each with its severity and why it matters.

Ingest never raises on bad evidence: whatever goes wrong while reading a file becomes one of
these findings on a `SourceItem`, and the walk goes on. Analysis and verdict code read the codes;
they never re-run these checks.
"""

from __future__ import annotations

from contrefeu.model import Finding, Severity

#: code -> (severity, what it catches and why it matters)
INGEST_FINDINGS: dict[str, tuple[Severity, str]] = {
    "ingest-zip-bomb": (
        "high",
        "An archive member expands far beyond its compressed size or the total allowed: a zip "
        "bomb meant to exhaust memory or disk. Its content was not read.",
    ),
    "ingest-path-traversal": (
        "medium",
        "An archive entry name with '..' or an absolute path: crafted to write outside the "
        "extraction folder of a naive tool. Never used as a file path here.",
    ),
    "ingest-encrypted-member": (
        "medium",
        "An encrypted archive member: its content cannot be checked without the password.",
    ),
    "ingest-corrupt-archive": (
        "medium",
        "An archive (or one of its members) is damaged and could not be read completely.",
    ),
    "ingest-unsupported-compression": (
        "medium",
        "An archive member uses a compression method this tool cannot decompress.",
    ),
    "ingest-too-deep": (
        "medium",
        "Archives nested deeper than the allowed depth: not opened further.",
    ),
    "ingest-member-too-big": (
        "medium",
        "A nested container too large to hold in memory and no temporary folder was given.",
    ),
    "ingest-too-large": (
        "medium",
        "An item larger than the per-item size limit: flagged and not analysed.",
    ),
    "ingest-missing-extra": (
        "low",
        "The file needs an optional dependency that is not installed; it was not fully read.",
    ),
    "ingest-corrupt-msg": (
        "medium",
        "An Outlook .msg file that could not be parsed.",
    ),
    "ingest-corrupt-pst": (
        "medium",
        "An Outlook PST/OST file (or part of it) that could not be parsed.",
    ),
    "ingest-unreadable": (
        "medium",
        "A file of the dump could not be read (permissions, I/O error).",
    ),
    "ingest-symlink-outside": (
        "medium",
        "A symbolic link pointing outside the dump: not followed, so the dump cannot make the "
        "tool read other files of this machine.",
    ),
    "ingest-symlink": (
        "info",
        "A symbolic link inside the dump: not followed; its target is read where it lies.",
    ),
    "ingest-special-file": (
        "low",
        "A device, pipe or socket in the dump: not read.",
    ),
    "ingest-undecodable-name": (
        "low",
        "A file name that is not valid UTF-8; undecodable bytes are shown as \\x escapes.",
    ),
    "ingest-empty-file": ("low", "An empty file."),
    "ingest-nul-bytes": (
        "low",
        "NUL bytes in the header of a message: not valid RFC 5322, often a sign of corruption "
        "or of a file that is not really mail.",
    ),
    "ingest-long-header-line": (
        "low",
        "A header line longer than the 998 characters RFC 5322 allows: malformed, and a known "
        "way to crash or confuse mail parsers.",
    ),
    "ingest-mbox-preamble": (
        "low",
        "Bytes before the first 'From ' separator of an mbox file: not part of any message.",
    ),
    "ingest-unsupported-archive": (
        "info",
        "An archive format this tool does not open (tar, gzip, 7z, rar): kept as one file.",
    ),
    "ingest-error": (
        "medium",
        "An unexpected error while reading this item; the walk went on with the next one.",
    ),
}


def finding(code: str, detail: str, related_path: str | None = None) -> Finding:
    """A `Finding` of one of the codes above, with its registered severity."""
    severity = INGEST_FINDINGS[code][0]
    return Finding(code=code, severity=severity, detail=detail, related_path=related_path)
