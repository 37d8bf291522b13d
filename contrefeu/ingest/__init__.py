"""Ingest: walk a leaked dump and yield every top-level email and file with its exact bytes.

`iter_dump` accepts what a DUMP argument may be (a folder, a zip with nested zips, an mbox, a
Maildir, a single .eml or .msg, a PST) and yields `SourceItem`s in a deterministic order:

* folders: depth-first, entries sorted by name (files and subfolders interleaved by name);
* zip members: sorted by name (ties by position in the archive), whatever the central
  directory order;
* mbox messages: in file order; PST messages: folder by folder, in stored order.

Item paths follow the contract (`a.zip!in/b.eml`, `box.mbox!3`, `Maildir/cur/123.host:2,S`),
extended for PST as `archive.pst!Folder/Sub/<n>` (see `contrefeu.ingest.pst`). Attachments are not
extracted here. Bad input never raises: it becomes findings (`contrefeu.ingest.findings`) on
items, and the walk goes on. This package is not for parsing MIME or judging authenticity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from contrefeu.model import SourceFile, SourceItem

from .findings import INGEST_FINDINGS
from .formats import Context
from .limits import IngestLimits
from .walk import DumpWalker

__all__ = ["INGEST_FINDINGS", "IngestLimits", "iter_dump"]


def iter_dump(
    dump: Path,
    *,
    limits: IngestLimits = IngestLimits(),
    skip_source: Callable[[SourceFile], bool] | None = None,
    on_source: Callable[[SourceFile], None] | None = None,
    tmp_dir: Path | None = None,
) -> Iterator[SourceItem]:
    """Yield every top-level email and file of one DUMP argument, streaming.

    `skip_source(sf)` is asked before each file on disk is opened (`sf.sha256` is None); return
    True to skip it. `on_source(sf)` is called once a file on disk has been read completely and
    all its items have been consumed, with the SHA-256 computed while reading (it is not called
    for a file whose items were not all consumed, so an interrupted scan reads it again).
    `tmp_dir` is the only place a nested container too large for memory may be spooled to
    (anonymous files, removed when closed); with None, such members are flagged instead.

    Raises `UsageError` only when `dump` itself cannot be read.
    """
    ctx = Context(limits=limits, tmp_dir=Path(tmp_dir) if tmp_dir is not None else None)
    yield from DumpWalker(Path(dump), ctx, skip_source, on_source).items()
