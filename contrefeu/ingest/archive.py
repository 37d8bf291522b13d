"""Zip archives, nested to any allowed depth, read member by member without extracting.

Members are visited in sorted name order (ties by position in the file), whatever order the
central directory lists them in. Nothing is written to disk except, for nested containers larger
than the in-memory limit, an anonymous spool file inside the caller's temporary folder.

Zip bombs are caught on the bytes really produced (per-member size, per-member ratio against the
compressed bytes really consumed, and total expansion per top-level archive), not on the sizes the
headers claim. Entry names are kept exactly as written in the item path and never used as a path.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import IO, BinaryIO, cast

from contrefeu.model import Finding, SourceItem

from .findings import finding
from .formats import Context, Entry, Probe, dispatch, empty_item
from .limits import LimitExceeded
from .loose import OFFICE_ZIP_EXTENSIONS, is_office_zip
from .maildir import archive_folders, maildir_folder
from .streams import CountingFile, ExpansionBudget, GuardedStream, materialise

_DRIVE = re.compile(r"^[A-Za-z]:")


def traversal_reason(name: str) -> str | None:
    """Why an entry name would escape an extraction folder, or None when it would not."""
    if name.startswith(("/", "\\")):
        return "absolute path"
    if _DRIVE.match(name):
        return "drive-letter path"
    if ".." in re.split(r"[\\/]", name):
        return "'..' component"
    return None


def _member_opener(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    counter: CountingFile,
    budget: ExpansionBudget,
    ctx: Context,
) -> Callable[[], BinaryIO]:
    high_water = [0]

    def opener() -> BinaryIO:
        inner = archive.open(info)
        guarded = GuardedStream(
            inner,
            name=info.filename,
            counter=counter,
            budget=budget,
            limits=ctx.limits,
            high_water=high_water,
        )
        return cast(BinaryIO, guarded)

    return opener


def _member_error(member: Entry, exc: Exception) -> SourceItem:
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, NotImplementedError):
        return empty_item(member, "ingest-unsupported-compression", text)
    if "overlap" in str(exc).lower():  # zipfile's check for overlapping-entry bombs
        return empty_item(member, "ingest-zip-bomb", f"overlapping entries ({text})")
    return empty_item(member, "ingest-corrupt-archive", text)


class ZipReader:
    """A zip archive (not an OOXML/OpenDocument file, which is a document)."""

    name = "zip"

    def score(self, probe: Probe) -> int:
        if probe.maildir or probe.extension in OFFICE_ZIP_EXTENSIONS:
            return 0
        if probe.head.startswith((b"PK\x03\x04", b"PK\x05\x06")) and not is_office_zip(probe.head):
            return 90
        return 20 if probe.extension == ".zip" else 0  # damaged zip: reported as corrupt

    def ingest(self, entry: Entry, ctx: Context) -> Iterator[SourceItem]:
        if entry.depth >= ctx.limits.max_depth:
            yield empty_item(
                entry, "ingest-too-deep", f"archive nested deeper than {ctx.limits.max_depth}"
            )
            return
        if ctx.budget is None:
            ctx = replace(ctx, budget=ExpansionBudget(ctx.limits.max_total_expansion))
        source: IO[bytes] | None
        if entry.seekable:
            source = entry.opener()
        else:
            source = materialise(entry.opener, ctx.tmp_dir)
            if source is None:
                yield empty_item(
                    entry,
                    "ingest-member-too-big",
                    "nested archive too large to read in memory and no temporary folder given",
                )
                return
        with source:
            yield from self._members(entry, ctx, source)

    def _members(self, entry: Entry, ctx: Context, source: IO[bytes]) -> Iterator[SourceItem]:
        counter = CountingFile(source)
        try:
            archive = zipfile.ZipFile(cast(IO[bytes], counter))
            infos = [info for info in archive.infolist() if not info.is_dir()]
        except Exception as exc:  # any damage in the directory: the archive is unreadable
            yield empty_item(entry, "ingest-corrupt-archive", f"{type(exc).__name__}: {exc}")
            return
        infos.sort(key=lambda info: (info.filename, info.header_offset))
        folders = archive_folders(info.filename for info in archive.infolist())
        assert ctx.budget is not None
        with archive:
            for info in infos:
                yield from self._member(entry, ctx, archive, info, counter, folders)

    def _member(
        self,
        entry: Entry,
        ctx: Context,
        archive: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        counter: CountingFile,
        folders: set[str],
    ) -> Iterator[SourceItem]:
        assert ctx.budget is not None
        name = info.filename
        findings: list[Finding] = [*entry.findings]
        reason = traversal_reason(name)
        if reason is not None:
            findings.append(finding("ingest-path-traversal", f"entry name {name!r}: {reason}"))
        folder = posixpath.dirname(name)
        maildir = maildir_folder(name, folders)
        if maildir is not None:
            mailbox = f"{entry.path}!{maildir}" if maildir else entry.path
        else:
            mailbox = f"{entry.path}!{folder}" if folder else entry.path
        member = Entry(
            path=f"{entry.path}!{name}",
            name=posixpath.basename(name),
            opener=_member_opener(archive, info, counter, ctx.budget, ctx),
            size=info.file_size,
            depth=entry.depth + 1,
            locator={**entry.locator, "members": [*entry.locator.get("members", []), name]},
            mailbox=mailbox,
            parent="zip",
            maildir=maildir is not None,
            findings=findings,
        )
        if info.flag_bits & 0x1:
            yield empty_item(member, "ingest-encrypted-member", f"member {name!r} is encrypted")
            return
        try:
            yield from dispatch(member, ctx)
        except LimitExceeded as exc:
            yield empty_item(member, exc.code, exc.detail)
        except Exception as exc:  # a damaged member must not stop the archive
            yield _member_error(member, exc)
