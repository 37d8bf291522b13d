"""Walking one DUMP argument on disk: folders, Maildirs and top-level files, in sorted order.

Every file is opened read-only (no symlinks followed, no devices or pipes read) and hashed while
its format reader streams it. Each top-level file is offered to `skip_source` before it is
opened and reported to `on_source` (with its SHA-256) once all its items have been consumed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, cast

from contrefeu.errors import UsageError
from contrefeu.model import Finding, SourceFile, SourceItem

from .findings import finding
from .formats import Context, Entry, dispatch, empty_item
from .limits import LimitExceeded
from .maildir import MESSAGE_FOLDERS, is_maildir
from .streams import HashingFile

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_OPEN_FLAGS |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _display(name: str) -> tuple[str, bool]:
    """A file name as text; undecodable bytes (surrogate escapes) become \\x escapes."""
    try:
        name.encode("utf-8")
        return name, False
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        return raw.decode("utf-8", "backslashreplace"), True


READ_AHEAD_FILES = 16
READ_AHEAD_BYTES = 4 * 1024 * 1024  # of each file: the start of a big one is enough


def _read_ahead(children: list[os.DirEntry[str]], start: int, stop: int) -> int:
    """Ask the kernel to start reading the next few regular files while this one is analysed
    (`posix_fadvise` WILLNEED: asynchronous, reads nothing into this process, changes
    nothing); on a dump not yet in the page cache, one blocking read per mail cost as much as
    its analysis. Announces children[start:stop]; returns the index after the last one."""
    stop = min(len(children), stop)
    if not hasattr(os, "posix_fadvise"):
        return stop
    for child in children[start:stop]:
        if not child.is_file(follow_symlinks=False):
            continue
        try:
            fd = os.open(child.path, _OPEN_FLAGS)
        except OSError:
            continue  # reported when the walk reaches it
        try:
            os.posix_fadvise(fd, 0, READ_AHEAD_BYTES, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)
    return stop


class DumpWalker:
    """One walk over a DUMP argument; see `contrefeu.ingest.iter_dump`."""

    def __init__(
        self,
        dump: Path,
        ctx: Context,
        skip_source: Callable[[SourceFile], bool] | None,
        on_source: Callable[[SourceFile], None] | None,
    ) -> None:
        self.dump = dump
        self.dump_arg = str(dump)
        self.root = dump.resolve()
        self.ctx = ctx
        self.skip_source = skip_source
        self.on_source = on_source
        self.dump_name = dump.resolve().name or self.dump_arg
        # Whether the last file was read rather than skipped as unchanged: only then are the
        # next files announced for read-ahead (a re-scan that skips everything reads nothing).
        self._reading = False

    def items(self) -> Iterator[SourceItem]:
        try:
            info = os.stat(self.dump)
        except OSError as exc:
            raise UsageError(f"cannot read {self.dump_arg}: {exc.strerror}") from exc
        if stat.S_ISDIR(info.st_mode):
            yield from self._folder(self.root, "", maildir_root=None)
        else:
            name, _ = _display(self.root.name)
            yield from self._file(self.root, name, mailbox=self.dump_name, maildir=False)

    def _folder(self, folder: Path, rel: str, maildir_root: str | None) -> Iterator[SourceItem]:
        try:
            with os.scandir(folder) as scan:
                children = sorted(scan, key=lambda child: child.name)
        except OSError as exc:
            yield self._problem(rel or ".", "ingest-unreadable", f"folder: {exc.strerror}")
            return
        subfolders = {c.name for c in children if c.is_dir(follow_symlinks=False)}
        here_is_maildir = is_maildir(subfolders)
        announced = 0  # children up to this index were announced to the kernel (read-ahead)
        for index, child in enumerate(children):
            if self._reading and announced <= index + READ_AHEAD_FILES:
                # Keep the next READ_AHEAD_FILES files announced: one more each step.
                stop = index + 1 + READ_AHEAD_FILES
                announced = _read_ahead(children, max(announced, index + 1), stop)
            name, odd = _display(child.name)
            child_rel = f"{rel}/{name}" if rel else name
            odd_name = [finding("ingest-undecodable-name", repr(child.name))] if odd else []
            if child.is_symlink():
                yield self._symlink(Path(child.path), child_rel)
            elif child.is_dir(follow_symlinks=False):
                inner_root = rel if here_is_maildir and child.name in MESSAGE_FOLDERS else None
                if odd:
                    yield self._problem(child_rel, "ingest-undecodable-name", repr(child.name))
                yield from self._folder(Path(child.path), child_rel, inner_root)
            else:
                in_maildir = maildir_root is not None
                if in_maildir:
                    mailbox = maildir_root or self.dump_name
                else:
                    mailbox = rel or self.dump_name
                yield from self._file(Path(child.path), child_rel, mailbox, in_maildir, odd_name)

    def _symlink(self, link: Path, rel: str) -> SourceItem:
        try:
            target = link.resolve()
            inside = target.is_relative_to(self.root) and target.exists()
        except (OSError, RuntimeError):  # loops, unreadable targets
            inside = False
        if inside:
            return self._problem(
                rel, "ingest-symlink", "symbolic link inside the dump, not followed"
            )
        return self._problem(
            rel, "ingest-symlink-outside", "symbolic link to a file outside the dump, not followed"
        )

    def _problem(self, rel: str, code: str, detail: str) -> SourceItem:
        return SourceItem(
            path=rel,
            data=b"",
            container="file",
            kind="other",
            mailbox=self.dump_name,
            locator={"file": rel},
            findings=[finding(code, detail)],
        )

    def _file(
        self,
        path: Path,
        rel: str,
        mailbox: str,
        maildir: bool,
        findings: list[Finding] | None = None,
    ) -> Iterator[SourceItem]:
        try:
            info = os.lstat(path)
        except OSError as exc:
            yield self._problem(rel, "ingest-unreadable", exc.strerror or str(exc))
            return
        if not stat.S_ISREG(info.st_mode):
            yield self._problem(rel, "ingest-special-file", "not a regular file")
            return
        source = SourceFile(self.dump_arg, rel, info.st_size, info.st_mtime, None)
        if self.skip_source is not None and self.skip_source(source):
            self._reading = False
            return
        self._reading = True
        try:
            fd = os.open(path, _OPEN_FLAGS)
        except OSError as exc:
            yield self._problem(rel, "ingest-unreadable", exc.strerror or str(exc))
            return
        with HashingFile(fd) as hashing:
            entry = Entry(
                path=rel,
                name=path.name,
                opener=lambda: cast(BinaryIO, hashing.view()),
                size=info.st_size,
                depth=0,
                locator={"file": rel},
                mailbox=mailbox,
                parent="file",
                seekable=True,
                maildir=maildir,
                findings=list(findings or []),
            )
            try:
                yield from dispatch(entry, self.ctx)
            except LimitExceeded as exc:
                yield empty_item(entry, exc.code, exc.detail)
            except Exception as exc:  # hostile input must never end the walk
                yield empty_item(entry, "ingest-error", f"{type(exc).__name__}: {exc}")
            try:
                digest = hashing.finish()
            except OSError as exc:
                yield self._problem(rel, "ingest-unreadable", exc.strerror or str(exc))
                return
        if self.on_source is not None:
            self.on_source(SourceFile(self.dump_arg, rel, info.st_size, info.st_mtime, digest))
