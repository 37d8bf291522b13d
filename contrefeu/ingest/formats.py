"""Format dispatch by score: each reader says how well it matches a file, the best one wins.

A reader is a small object with a `name`, a `score(probe)` (0 = not mine) and an
`ingest(entry, ctx)` generator of `SourceItem`s. Adding a format is adding one reader to
`readers()`. This module also defines the `Entry` (one file or archive member to read) and the
`Context` (limits, temporary folder, expansion budget) passed down through nested containers.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from contrefeu.model import Finding, ItemKind, SourceItem

from .findings import finding
from .limits import IngestLimits
from .streams import ExpansionBudget

HEAD_SIZE = 16 * 1024


@dataclass
class Entry:
    """One file (on disk or inside an archive) about to be read."""

    path: str  # item path, per the contract (`a.zip!in/b.mbox`)
    name: str  # file or member name, for the extension
    opener: Callable[[], BinaryIO]  # a new stream over the bytes, from the start
    size: int | None  # as declared (an archive header may lie)
    depth: int  # number of archives around it
    locator: dict[str, Any]  # {"file": relpath, "members": [...]} so far
    mailbox: str  # folder name for reports
    parent: str = "file"  # "file" (on disk) or "zip": the container of loose items
    seekable: bool = False  # opener() streams support seek (files on disk)
    maildir: bool = False  # a message file in a Maildir cur/ or new/ folder
    findings: list[Finding] = field(default_factory=list)  # added to every item it yields

    @property
    def extension(self) -> str:
        return posixpath.splitext(self.name.lower())[1]


@dataclass(frozen=True)
class Context:
    """Read-only settings shared by every reader during one walk."""

    limits: IngestLimits
    tmp_dir: Path | None = None
    budget: ExpansionBudget | None = None  # set inside a top-level archive


@dataclass(frozen=True)
class Probe:
    """What a reader may look at to score a file: its name and first bytes."""

    name: str
    extension: str
    head: bytes
    size: int | None
    maildir: bool


class Reader(Protocol):
    name: str

    def score(self, probe: Probe) -> int: ...

    def ingest(self, entry: Entry, ctx: Context) -> Iterator[SourceItem]: ...


def readers() -> list[Reader]:
    """Every format reader, imported here so that format modules can import this one."""
    from .archive import ZipReader
    from .eml import EmailReader
    from .loose import LooseFileReader
    from .mbox import MboxReader
    from .msg import MsgReader
    from .pst import PstReader

    return [ZipReader(), MboxReader(), PstReader(), MsgReader(), EmailReader(), LooseFileReader()]


_READERS: list[Reader] = []


def best_reader(probe: Probe) -> Reader:
    """The highest-scoring reader; ties go to the earlier reader in `readers()`."""
    if not _READERS:
        _READERS.extend(readers())
    return max(_READERS, key=lambda reader: reader.score(probe))


def dispatch(entry: Entry, ctx: Context) -> Iterator[SourceItem]:
    """Sniff an entry and let the best reader yield its items.

    Exceptions propagate: the caller (the walk, or the archive reader for its members) turns
    them into findings so that it can name the right container.
    """
    with entry.opener() as stream:
        head = stream.read(HEAD_SIZE)
    probe = Probe(entry.name, entry.extension, head, entry.size, entry.maildir)
    yield from best_reader(probe).ingest(entry, ctx)


def empty_item(
    entry: Entry, code: str, detail: str, *, kind: ItemKind = "other", container: str = ""
) -> SourceItem:
    """An item with no data that carries one finding (and the entry's own findings)."""
    return SourceItem(
        path=entry.path,
        data=b"",
        container=container or entry.parent,
        kind=kind,
        mailbox=entry.mailbox,
        locator=dict(entry.locator),
        findings=[*entry.findings, finding(code, detail)],
    )
