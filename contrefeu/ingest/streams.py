"""Byte streams used while walking a dump: hashing, counting, bomb-guarding, spooling.

Evidence files are opened read-only once and hashed while they are read, whatever order the
format reader asks for the bytes in; archive members are read through a guard that enforces the
`IngestLimits` on the bytes really produced, not on the sizes an archive header claims.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, BinaryIO

from .limits import IN_MEMORY_LIMIT, RATIO_FLOOR, IngestLimits, LimitExceeded

CHUNK = 1024 * 1024
SMALL_FILE = 4 * 1024 * 1024  # files up to this size are read in one call


class HashingFile:
    """A read-only file whose SHA-256 is computed from the reads the format readers make.

    Bytes are hashed as soon as the reads reach them contiguously from the start; `finish()`
    reads whatever was skipped (a zip's central directory is read before its members), so every
    byte is read once in the common case and at most twice otherwise.
    """

    def __init__(self, fd: int) -> None:
        self._raw = io.FileIO(fd, "rb", closefd=True)
        self._pos = 0  # position of the raw file
        self._hashed = 0  # bytes [0, _hashed) are in the digest
        self._sha = hashlib.sha256()
        # A small file (most mail) is read whole at once: the format probes and the reader
        # then slice memory instead of making three or four reads of the same bytes.
        self._whole: bytes | None = None
        try:
            if os.fstat(fd).st_size <= SMALL_FILE:
                whole = self._raw.read(SMALL_FILE + 1) or b""
                self._raw.seek(0)
                if len(whole) <= SMALL_FILE:  # else it grew since: read it as a large file
                    self._whole = whole
                    self._sha.update(whole)
                    self._hashed = len(whole)
        except OSError:
            # Read on demand: the format reader meets the error and reports it. The file's
            # position is unknown now: -1 makes the next read seek.
            self._pos = -1

    def _read_at(self, pos: int, size: int) -> bytes:
        if self._whole is not None:
            return self._whole[pos : pos + size]
        if self._pos != pos:
            self._raw.seek(pos)
        data = self._raw.read(size) or b""
        self._pos = pos + len(data)
        end = pos + len(data)
        if pos <= self._hashed < end:
            self._sha.update(memoryview(data)[self._hashed - pos :])
            self._hashed = end
        return data

    def size(self) -> int:
        return os.fstat(self._raw.fileno()).st_size

    def view(self) -> FileView:
        """A new stream over the whole file, positioned at 0; closing it keeps the file open."""
        return FileView(self)

    def finish(self) -> str:
        """Hash the bytes no reader asked for and return the file's SHA-256 (hex)."""
        while True:
            data = self._read_at(self._hashed, CHUNK)
            if not data:
                return self._sha.hexdigest()

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> HashingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FileView(io.RawIOBase):
    """A seekable stream over a `HashingFile` with its own position."""

    def __init__(self, owner: HashingFile) -> None:
        super().__init__()
        self._owner = owner
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0:
            self._pos = offset
        elif whence == 1:
            self._pos += offset
        else:
            self._pos = self._owner.size() + offset
        if self._pos < 0:
            raise OSError("negative seek position")
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        whole = self._owner._whole
        if whole is not None and (size is None or size < 0):
            data = whole[self._pos :]  # the file's own bytes object when read from the start
            self._pos += len(data)
            return data
        if size is None or size < 0:
            parts = []
            while chunk := self._owner._read_at(self._pos, CHUNK):
                self._pos += len(chunk)
                parts.append(chunk)
            return b"".join(parts)
        data = self._owner._read_at(self._pos, size)
        self._pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class CountingFile:
    """A seekable stream that counts the bytes read through it (compressed input of a zip)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self.count += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._inner.close()


class ExpansionBudget:
    """Decompressed bytes produced so far under one top-level archive."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0


class GuardedStream(io.RawIOBase):
    """Reads a decompressing stream in bounded chunks and raises `LimitExceeded` on a bomb.

    The compression ratio is the bytes produced over the raw bytes the archive reader really
    consumed (`counter`), since a forged header can claim any size. `high_water` is shared by
    every stream opened on the same member so that re-reading a member (format sniffing, a
    second pass) does not count twice against the total budget.
    """

    def __init__(
        self,
        inner: IO[bytes],
        *,
        name: str,
        counter: CountingFile,
        budget: ExpansionBudget,
        limits: IngestLimits,
        high_water: list[int],
    ) -> None:
        super().__init__()
        self._inner = inner
        self._name = name
        self._counter = counter
        self._raw_start = counter.count
        self._budget = budget
        self._limits = limits
        self._high_water = high_water
        self.produced = 0

    def readable(self) -> bool:
        return True

    def _check(self) -> None:
        limits = self._limits
        if self.produced > limits.max_member_size:
            raise LimitExceeded(
                "ingest-zip-bomb",
                f"member {self._name} expands beyond {limits.max_member_size} bytes",
            )
        if self._budget.total > self._budget.limit:
            raise LimitExceeded(
                "ingest-zip-bomb",
                f"the archive expands beyond {self._budget.limit} bytes in total "
                f"(reached while reading {self._name})",
            )
        consumed = max(self._counter.count - self._raw_start, 1)
        if self.produced > RATIO_FLOOR and self.produced > limits.max_ratio * consumed:
            raise LimitExceeded(
                "ingest-zip-bomb",
                f"member {self._name} expands {self.produced // consumed}:1 "
                f"(limit {limits.max_ratio:g}:1): {self.produced} bytes from {consumed}",
            )

    def read(self, size: int | None = -1) -> bytes:
        want = -1 if size is None or size < 0 else size
        parts: list[bytes] = []
        got = 0
        while want < 0 or got < want:
            step = CHUNK if want < 0 else min(CHUNK, want - got)
            data = self._inner.read(step)
            if not data:
                break
            before = self.produced
            self.produced += len(data)
            if self.produced > self._high_water[0]:
                self._budget.total += self.produced - max(before, self._high_water[0])
                self._high_water[0] = self.produced
            got += len(data)
            parts.append(data)
            self._check()
        return b"".join(parts)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


def read_capped(opener: Callable[[], BinaryIO], cap: int) -> bytes | None:
    """All bytes of a stream, or None when there are more than `cap` (read at most cap+1)."""
    with opener() as stream:
        parts: list[bytes] = []
        got = 0
        while got <= cap:
            data = stream.read(min(CHUNK, cap + 1 - got))
            if not data:
                return b"".join(parts)
            parts.append(data)
            got += len(data)
        return None


def materialise(opener: Callable[[], BinaryIO], tmp_dir: Path | None) -> IO[bytes] | None:
    """A seekable copy of a stream: in memory when small, else spooled inside `tmp_dir`.

    Returns None when the stream is larger than the in-memory limit and no `tmp_dir` was given.
    The spooled file is anonymous (deleted on close), so nothing is left behind.
    """
    spool: IO[bytes]
    if tmp_dir is not None:
        spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_LIMIT, dir=str(tmp_dir))
    else:
        spool = io.BytesIO()
    with opener() as stream:
        while data := stream.read(CHUNK):
            if tmp_dir is None and spool.tell() + len(data) > IN_MEMORY_LIMIT:
                spool.close()
                return None
            spool.write(data)
    spool.seek(0)
    return spool
