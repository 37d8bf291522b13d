"""Ingest streams and probes: HashingFile (digest and bytes whatever the reads), the email probe."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.ingest import streams
from contrefeu.ingest.streams import HashingFile

READS = st.lists(st.tuples(st.integers(0, 5000), st.integers(-1, 3000)), max_size=8)


@pytest.mark.parametrize("small_limit", [10**9, 0])   # read whole at once / read on demand
@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=4000), reads=READS)
def test_reads_and_digest_match_the_file(
    tmp_path_factory: pytest.TempPathFactory, small_limit: int, data: bytes,
    reads: list[tuple[int, int]],
) -> None:
    path = tmp_path_factory.mktemp("f") / "file.bin"
    path.write_bytes(data)
    original = streams.SMALL_FILE
    streams.SMALL_FILE = small_limit
    try:
        with HashingFile(os.open(path, os.O_RDONLY)) as hashing:
            for offset, size in reads:
                view = hashing.view()
                view.seek(offset)
                expected = data[offset:] if size < 0 else data[offset : offset + size]
                assert view.read(size) == expected
            assert hashing.view().read() == data
            assert hashing.finish() == hashlib.sha256(data).hexdigest()
    finally:
        streams.SMALL_FILE = original


def test_a_small_file_is_read_in_one_call(tmp_path: Path) -> None:
    path = tmp_path / "mail.eml"
    path.write_bytes(b"From: a@example.org\r\n\r\nbody\r\n" * 100)
    with HashingFile(os.open(path, os.O_RDONLY)) as hashing:
        os.truncate(path, 0)   # later reads would see nothing: the bytes are already in memory
        assert hashing.view().read() == b"From: a@example.org\r\n\r\nbody\r\n" * 100


def _looks_like_email_reference(head: bytes) -> bool:
    """The previous `looks_like_email`, which split the whole head into lines."""
    from contrefeu.ingest.eml import _FIELD, _KNOWN, _STRONG

    lines = head.split(b"\n")
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
                break
            return False
        names.append(match.group(1).lower())
    known = sum(1 for name in names if name in _KNOWN)
    return known >= 2 and any(name in _STRONG for name in names)


HEAD_PIECES = st.sampled_from(
    [b"From: a@b.c", b"Date: x", b"Subject: s", b"X-A: 1", b"Received: r", b"\n", b"\r\n",
     b"\r", b" cont", b"\tcont", b"not a header", b"x" * 1100, b"", b"Message-ID: <m>"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(HEAD_PIECES, max_size=40))
def test_looks_like_email_equals_the_line_by_line_reference(pieces: list[bytes]) -> None:
    from contrefeu.ingest.eml import looks_like_email

    head = b"".join(pieces)
    assert looks_like_email(head) == _looks_like_email_reference(head)


def test_read_ahead_skips_what_it_must_not_open(tmp_path: Path) -> None:
    from contrefeu.ingest.walk import _read_ahead

    (tmp_path / "a.eml").write_bytes(b"From: a@example.org\n\nx\n")
    os.mkfifo(tmp_path / "b.fifo")            # must not block the walk
    (tmp_path / "c.link").symlink_to("a.eml")         # never followed
    (tmp_path / "d").mkdir()
    with os.scandir(tmp_path) as scan:
        children = sorted(scan, key=lambda c: c.name)
    assert _read_ahead(children, 0, 10) == len(children)
    assert _read_ahead(children, 2, 3) == 3
    assert (tmp_path / "a.eml").read_bytes() == b"From: a@example.org\n\nx\n"


def test_a_read_error_surfaces_at_the_reader_not_at_open() -> None:
    # Reading this process's memory file from 0 fails with EIO, as a failing disk would: the
    # error must reach the format reader, which turns it into a finding, and not escape from
    # opening the file.
    if not Path("/proc/self/mem").exists():
        pytest.skip("needs Linux /proc")
    with HashingFile(os.open("/proc/self/mem", os.O_RDONLY)) as hashing:
        with pytest.raises(OSError):
            hashing.view().read()
