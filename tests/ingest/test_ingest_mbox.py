"""The streaming mbox splitter: exact bytes, separators, variants, Content-Length, limits."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.ingest import IngestLimits, iter_dump
from contrefeu.ingest.mbox import mbox_variant, split_mbox

FROM = b"From alice@example.org Mon Jan  1 00:00:00 2024\n"


def split(data: bytes, **kw: int) -> list:
    return list(split_mbox(io.BytesIO(data), **kw))


def rejoin(messages: list) -> bytes:
    return b"".join(m.from_line + m.data + m.separator for m in messages)


def test_two_messages_exact_bytes_and_offsets() -> None:
    one = b"Subject: one\n\nbody one\n"
    two = b"Subject: two\r\n\r\nbody two\r\n"
    data = FROM + one + b"\n" + FROM + two + b"\r\n"
    messages = split(data)
    assert [m.data for m in messages] == [one, two]
    assert [m.separator for m in messages] == [b"\n", b"\r\n"]
    assert [m.number for m in messages] == [1, 2]
    for m in messages:
        assert data[m.offset : m.offset + m.length] == m.data
    assert rejoin(messages) == data


def test_from_inside_body_without_empty_line_does_not_split() -> None:
    body = b"Subject: s\n\nline\nFrom the desk of Bob\n>From quoted\n"
    messages = split(FROM + body)
    assert len(messages) == 1
    assert messages[0].data == body  # the last newline is the message's own, kept


def test_last_message_drops_only_the_separator_newline() -> None:
    messages = split(FROM + b"Subject: s\n\nbody\n\n")
    assert messages[0].data == b"Subject: s\n\nbody\n"
    assert messages[0].separator == b"\n"


def test_mboxrd_detected_only_from_double_quoting() -> None:
    assert mbox_variant(io.BytesIO(FROM + b"S: x\n\n>From here\n")) == "unknown"
    assert mbox_variant(io.BytesIO(FROM + b"S: x\n\n>>From here\n")) == "mboxrd"
    # the quoting is never undone by the splitter
    assert split(FROM + b"S: x\n\n>>From here\n")[0].data.endswith(b">>From here\n")


def test_content_length_wins_over_unquoted_from_lines() -> None:
    body = b"hello\n\nFrom the start of a paragraph\n"
    msg = b"Subject: cl\nContent-Length: %d\n\n" % len(body) + body
    data = FROM + msg + b"\n" + FROM + b"Subject: next\n\nx\n"
    messages = split(data)
    assert [m.data for m in messages] == [msg, b"Subject: next\n\nx\n"]
    assert messages[0].by_content_length
    assert rejoin(messages) == data


def test_inconsistent_content_length_is_ignored() -> None:
    data = FROM + b"Content-Length: 3\n\nhello there\n\n" + FROM + b"S: 2\n\nx\n"
    messages = split(data)
    assert [m.data for m in messages] == [b"Content-Length: 3\n\nhello there\n", b"S: 2\n\nx\n"]
    assert not messages[0].by_content_length


def test_oversized_message_is_flagged_and_later_ones_survive() -> None:
    big = b"Subject: big\n\n" + b"x" * 5000 + b"\n"
    small = b"Subject: small\n\nok\n"
    data = FROM + big + b"\n" + FROM + small
    messages = split(data, max_message_size=1000, chunk_size=256)
    assert messages[0].too_large and messages[0].data == b""
    assert messages[0].length == len(big)
    assert messages[1].data == small and not messages[1].too_large


def test_preamble_before_first_from_line_is_kept_as_a_message() -> None:
    data = b"garbage\n\n" + FROM + b"S: 1\n\nx\n"
    messages = split(data)
    assert messages[0].from_line == b"" and messages[0].data == b"garbage\n"
    assert rejoin(messages) == data


def test_empty_stream_has_no_messages() -> None:
    assert split(b"") == []


line = st.sampled_from(
    [
        b"",
        b"Subject: x",
        b"From nowhere",
        b">From quoted",
        b">>From rd",
        b"body text",
        b"\r",
        b"From ",
        b"Content-Length: 4",
        b"\x00\xff",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    messages=st.lists(st.lists(line, max_size=8), min_size=1, max_size=6),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    chunk=st.integers(min_value=1, max_value=64),
)
def test_round_trip_property(messages: list[list[bytes]], newline: bytes, chunk: int) -> None:
    """Joining the messages with their separators gives back the file, for any chunk size."""
    data = b"".join(FROM + newline.join(m) + newline + newline for m in messages)
    out = split(data, chunk_size=chunk)
    assert rejoin(out) == data
    assert split(data) == [m for m in out]  # chunk size never changes the result


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400), chunk=st.integers(min_value=1, max_value=50))
def test_random_bytes_never_raise_and_round_trip(data: bytes, chunk: int) -> None:
    out = split(data, chunk_size=chunk)
    assert rejoin(out) == data
    mbox_variant(io.BytesIO(data), chunk_size=chunk)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), limit=st.integers(min_value=0, max_value=40))
def test_size_limit_never_breaks_offsets(data: bytes, limit: int) -> None:
    for m in split(data, max_message_size=limit, chunk_size=7):
        assert m.too_large == (m.length > limit)
        if not m.too_large:
            assert data[m.offset : m.offset + m.length] == m.data


def test_mbox_file_items(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    first = b"From: a@example.org\nSubject: 1\n\n>>From x\n"
    box.write_bytes(FROM + first + b"\n" + FROM + b"S: 2\n\n")
    items = list(iter_dump(box))
    assert [i.path for i in items] == ["box.mbox!1", "box.mbox!2"]
    assert {i.mbox_variant for i in items} == {"mboxrd"}
    assert {(i.kind, i.container, i.mailbox) for i in items} == {("email", "mbox", "box.mbox")}
    assert items[0].locator == {"file": "box.mbox", "offset": len(FROM), "length": len(first)}
    raw = box.read_bytes()
    for item in items:
        start = item.locator["offset"]
        assert raw[start : start + item.locator["length"]] == item.data


def test_too_large_mbox_message_gets_a_finding(tmp_path: Path) -> None:
    box = tmp_path / "big.mbox"
    box.write_bytes(FROM + b"S: 1\n\n" + b"y" * 3000 + b"\n\n" + FROM + b"S: 2\n\nok\n")
    items = list(iter_dump(box, limits=IngestLimits(max_email_size=1000)))
    assert [f.code for f in items[0].findings] == ["ingest-too-large"]
    assert items[0].data == b"" and items[1].data == b"S: 2\n\nok\n"


@pytest.mark.slow
def test_200mb_mbox_streams_in_bounded_memory(tmp_path: Path) -> None:
    box = tmp_path / "huge.mbox"
    message = FROM + b"Subject: s\n\n" + b"0123456789abcdef" * 4000 + b"\n\n"  # ~64 KB
    count = 200 * 1024 * 1024 // len(message)
    with box.open("wb") as out:
        for _ in range(count // 100):
            out.write(message * 100)
    tracemalloc.start()
    try:
        seen = sum(1 for _ in iter_dump(box))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == count // 100 * 100
    assert peak < 64 * 1024 * 1024
