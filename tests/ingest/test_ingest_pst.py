"""Outlook PST: real files written by the test's PST writer, read through the product's ingest."""

from __future__ import annotations

import email
import email.policy
import json
import random
import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pst_writer import AMAP_SPAN, Msg, crc, pst_bytes, signature, write_pst

from contrefeu.ingest import iter_dump
from contrefeu.leak.export import export_text
from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.store import Case

pypff = pytest.importorskip("pypff")

DKIM = (
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=avenir.example;\r\n"
    " s=sel2024; h=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
    " b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==\r\n"
)
HEADERS = (
    "Received: from mx.example.org by mail.example.org; Mon, 1 Jan 2024 10:00:01 +0000\r\n"
    + DKIM
    + "From: Claire Martin <c.martin@avenir.example>\r\nTo: bob@example.org\r\n"
    "Subject: =?utf-8?q?R=C3=A9union?=\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <1@avenir.example>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
)
WHEN = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)


def mailbox() -> dict[str, list[Msg]]:
    return {
        "Inbox": [
            Msg("Réunion", "Bonjour à tous", HEADERS, "Claire Martin", WHEN),
            Msg("Sans en-têtes", "hello", None, "Bob", datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)),
        ],
        "Inbox/Press": [
            Msg(
                "Communiqué",
                "Voir la pièce jointe",
                HEADERS.replace("<1@", "<2@"),
                "Claire Martin",
                WHEN,
                attachments=[("plan.txt", b"le plan")],
            )
        ],
    }


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def test_pypff_reads_the_written_file(tmp_path: Path) -> None:
    """The writer's own check: folders, messages and properties as libpff sees them."""
    pst = pypff.file()
    pst.open(str(write_pst(tmp_path / "box.pst", mailbox())))
    try:
        root = pst.get_root_folder()
        (inbox,) = [root.get_sub_folder(i) for i in range(root.number_of_sub_folders)]
        assert (inbox.name, inbox.number_of_sub_messages, inbox.number_of_sub_folders) == (
            "Inbox",
            2,
            1,
        )
        first = inbox.get_sub_message(0)
        assert first.subject == "Réunion"
        assert first.plain_text_body == "Bonjour à tous".encode()
        assert first.transport_headers.replace("\r\n", "\n") == HEADERS.replace("\r\n", "\n")
        assert first.sender_name == "Claire Martin"
        assert first.delivery_time == WHEN.replace(tzinfo=None)
        press = inbox.get_sub_folder(0)
        assert press.name == "Press" and press.number_of_sub_messages == 1
        message = press.get_sub_message(0)
        assert message.number_of_attachments == 1
        attachment = message.get_attachment(0)
        assert attachment.get_long_filename() == "plan.txt"
        assert attachment.read_buffer(attachment.get_size()) == b"le plan"
    finally:
        pst.close()


TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)))
# libpff reads a leading control character of a subject as the PST subject-prefix marker.
SUBJECT = TEXT.filter(lambda t: 0 < len(t) < 200 and t[0] >= " ")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    messages=st.lists(st.tuples(SUBJECT, TEXT), min_size=1, max_size=20),
    name=TEXT.filter(lambda t: 0 < len(t) < 40 and "/" not in t),
)
def test_written_text_reads_back_exactly(
    tmp_path: Path, messages: list[tuple[str, str]], name: str
) -> None:
    pst = pypff.file()
    pst.open(str(write_pst(tmp_path / "box.pst", {name: [Msg(s, b) for s, b in messages]})))
    try:
        folder = pst.get_root_folder().get_sub_folder(0)
        assert folder.name == name
        got = [folder.get_sub_message(i) for i in range(folder.number_of_sub_messages)]
        # An empty value reads as absent.
        assert [(m.subject, (m.plain_text_body or b"").decode()) for m in got] == messages
    finally:
        pst.close()


def test_pst_items_have_the_contract_paths(tmp_path: Path) -> None:
    write_pst(tmp_path / "box.pst", mailbox())
    items = list(iter_dump(tmp_path / "box.pst"))
    got = [(i.path, i.kind, i.container, i.mime_preserved, i.mailbox) for i in items]
    assert got == [
        ("box.pst!Inbox/1", "email", "pst", False, "box.pst!Inbox"),
        ("box.pst!Inbox/2", "email", "pst", False, "box.pst!Inbox"),
        ("box.pst!Inbox/Press/1", "email", "pst", False, "box.pst!Inbox/Press"),
    ]
    assert all(i.findings == [] for i in items)
    assert items[2].locator["folder"] == "Inbox/Press" and items[2].locator["message"] == 1


def test_rebuilt_message_keeps_transport_headers_body_and_attachment(tmp_path: Path) -> None:
    write_pst(tmp_path / "box.pst", mailbox())
    items = {i.path: i for i in iter_dump(tmp_path / "box.pst")}
    message = parse(items["box.pst!Inbox/1"].data)
    assert message["Subject"] == "Réunion"
    assert message["From"] == "Claire Martin <c.martin@avenir.example>"
    assert message["Date"].datetime == WHEN
    assert message["Message-ID"] == "<1@avenir.example>"
    assert b"\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=avenir.example;" in (
        items["box.pst!Inbox/1"].data
    )
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "Bonjour à tous"

    press = parse(items["box.pst!Inbox/Press/1"].data)
    assert press["Message-ID"] == "<2@avenir.example>"
    (attachment,) = list(press.iter_attachments())
    assert attachment.get_filename() == "plan.txt"
    assert attachment.get_payload(decode=True) == b"le plan"


def test_message_without_transport_headers_gets_built_ones(tmp_path: Path) -> None:
    write_pst(tmp_path / "box.pst", mailbox())
    items = {i.path: i for i in iter_dump(tmp_path / "box.pst")}
    message = parse(items["box.pst!Inbox/2"].data)
    assert message["Subject"] == "Sans en-têtes"
    assert message["From"] == "Bob"
    assert message["Date"].datetime == datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert message["DKIM-Signature"] is None


def test_subject_libpff_cannot_read_loses_only_the_subject(tmp_path: Path) -> None:
    """pypff raises on this subject (a control character taken as the subject-prefix marker):
    the message is still read, without its subject, and the walk goes on."""
    write_pst(tmp_path / "box.pst", {"Inbox": [Msg("\x17ÂÚ", "le corps"), Msg("ok", "fine")]})
    bad, good = list(iter_dump(tmp_path / "box.pst"))
    assert (bad.path, bad.findings) == ("box.pst!Inbox/1", [])
    assert parse(bad.data)["Subject"] is None
    assert "le corps" in parse(bad.data).get_body(("plain",)).get_content()
    assert good.findings == [] and parse(good.data)["Subject"] == "ok"


def test_big_mailbox_multi_level_trees_subnodes_and_long_data(tmp_path: Path) -> None:
    """Enough nodes for two-level B-trees, big values in subnodes, data over several blocks
    (XBLOCK) and a file over one AMap region."""
    long_body = "Ligne de texte assez longue pour sortir du tas. " * 300
    payload = random.Random(7).randbytes(AMAP_SPAN + 10_000)
    folders = {
        "Inbox": [Msg(f"message {n}", f"body {n}", sender="S") for n in range(40)],
        "Archive/2023": [Msg("long", long_body, attachments=[("data.bin", payload)])],
    }
    write_pst(tmp_path / "big.pst", folders)
    items = list(iter_dump(tmp_path / "big.pst"))
    assert [i.path for i in items] == [f"big.pst!Inbox/{n}" for n in range(1, 41)] + [
        "big.pst!Archive/2023/1"
    ]
    assert [parse(i.data)["Subject"] for i in items[:40]] == [f"message {n}" for n in range(40)]
    last = parse(items[-1].data)
    body = last.get_body(("plain",))
    assert body is not None and body.get_content().strip() == long_body.strip()
    (attachment,) = list(last.iter_attachments())
    assert attachment.get_payload(decode=True) == payload


def test_header_crcs_are_what_libpff_checks(tmp_path: Path) -> None:
    data = bytearray(pst_bytes(mailbox()))
    struct.pack_into("<I", data, 44, 0x12345)  # inside both CRC ranges; CRCs not updated
    path = tmp_path / "box.pst"
    path.write_bytes(bytes(data))
    (item,) = list(iter_dump(path))
    assert [f.code for f in item.findings] == ["ingest-corrupt-pst"]
    assert "checksum" in item.findings[0].detail


def test_scan_of_a_pst_lists_dkim_as_not_checkable(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    write_pst(dump / "box.pst", {"Inbox": mailbox()["Inbox"][:1]})
    case_path = tmp_path / "case.db"
    summary = scan([dump], case_path, ScanOptions(workers=1))
    assert summary.verdicts == {"unverified": 1}
    with Case.open(case_path, create=False, readonly=True) as case:
        (row,) = [json.loads(line) for line in export_text(case, "jsonl").splitlines()]
    assert row["path"] == "box.pst!Inbox/1" and row["kind"] == "email"
    assert row["subject"] == "Réunion" and row["verdict"] == "unverified"
    (dkim,) = row["dkim"]
    assert (dkim["domain"], dkim["selector"], dkim["result"]) == (
        "avenir.example",
        "sel2024",
        "unsupported",
    )
    assert dkim["detail"].startswith("Not checkable")
    assert "dkim-not-checkable" in [f["code"] for f in row["findings"]]


WRITTEN = pst_bytes(mailbox())
USED = len(WRITTEN.rstrip(b"\0"))  # the rest is the free end of the AMap region


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(0, USED),
    edits=st.lists(st.tuples(st.integers(0, USED - 1), st.integers(0, 255)), max_size=20),
)
def test_mutated_pst_never_raises(tmp_path: Path, cut: int, edits: list[tuple[int, int]]) -> None:
    data = bytearray(WRITTEN)
    for offset, value in edits:
        data[offset] = value
    path = tmp_path / "box.pst"
    path.write_bytes(bytes(data[:cut]))
    items = list(iter_dump(path))
    for item in items:
        assert item.container == "pst" and item.path.startswith("box.pst")
        assert item.data or item.findings


def test_seeded_damage_past_the_header_never_raises(tmp_path: Path) -> None:
    """Byte damage in the B-trees, heaps and tables behind a valid header (the header CRCs
    would stop random damage in the header)."""
    rng = random.Random(2024)
    path = tmp_path / "box.pst"
    outcomes = set()
    for _ in range(60):
        data = bytearray(WRITTEN)
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(0x4400, USED)] = rng.randrange(256)
        path.write_bytes(bytes(data))
        items = list(iter_dump(path))
        outcomes.add(tuple(sorted({f.code for i in items for f in i.findings})))
        assert all(i.data or i.findings for i in items)
    assert () in outcomes  # some damage leaves the messages readable
    assert ("ingest-corrupt-pst",) in outcomes


def btree_leaves(data: bytes, root_ib: int) -> list[tuple[int, int]]:
    """(file offset, key) of every leaf entry of the B-tree whose root page is at `root_ib`."""
    count, _, size, level = struct.unpack_from("<BBBB", data, root_ib + 488)
    keys = [struct.unpack_from("<Q", data, root_ib + n * size)[0] for n in range(count)]
    if level == 0:
        return [(root_ib + n * size, key) for n, key in enumerate(keys)]
    return [
        leaf
        for n in range(count)
        for leaf in btree_leaves(data, struct.unpack_from("<Q", data, root_ib + n * size + 16)[0])
    ]


def test_blocks_and_pages_carry_the_spec_trailers() -> None:
    """What libpff does not check: every block's and B-tree page's trailer ([MS-PST] 2.2.2.7.1,
    2.2.2.8.1), and the AMap bits of the space they use."""
    data = WRITTEN
    nbt_root, bbt_root = (
        struct.unpack_from("<QQ", data, 224)[0],
        struct.unpack_from("<Q", data, 240)[0],
    )
    amap = data[0x4400 : 0x4400 + 496]

    def allocated(ib: int, size: int) -> bool:
        slots = range((ib - 0x4400) // 64, (ib + size - 0x4400 + 63) // 64)
        return all(amap[s // 8] & (0x80 >> (s % 8)) for s in slots)

    assert crc(amap) == struct.unpack_from("<I", data, 0x4400 + 500)[0]
    blocks = btree_leaves(data, bbt_root)
    assert len(blocks) > 20 and len(btree_leaves(data, nbt_root)) > 15  # two-level trees
    for at, bid in blocks:
        ib, cb = struct.unpack_from("<QH", data, at + 8)
        size = -(-(cb + 16) // 64) * 64
        trailer = struct.unpack_from("<HHIQ", data, ib + size - 16)
        assert trailer == (cb, signature(ib, bid), crc(data[ib : ib + cb]), bid)
        assert allocated(ib, size)
    pages = [nbt_root, bbt_root]
    for ib in pages:
        ptype, repeat, sig, check, bid = struct.unpack_from("<BBHIQ", data, ib + 496)
        assert ptype == repeat and ptype in (0x80, 0x81)
        assert (sig, check) == (signature(ib, bid), crc(data[ib : ib + 496]))
        assert allocated(ib, 512)
        if data[ib + 491]:  # an intermediate page: check its children too
            pages += [
                struct.unpack_from("<Q", data, ib + n * 24 + 16)[0] for n in range(data[ib + 488])
            ]
    assert len(pages) > 2


def test_unreadable_folder_name_is_a_pst_finding(tmp_path: Path) -> None:
    data = bytearray(WRITTEN)
    nbt_root, bbt_root = (
        struct.unpack_from("<Q", data, 224)[0],
        struct.unpack_from("<Q", data, 240)[0],
    )
    press = 0x401 << 5 | 2  # the second folder the writer creates
    (bid,) = [
        struct.unpack_from("<Q", data, at + 8)[0]
        for at, nid in btree_leaves(data, nbt_root)
        if nid == press
    ]
    (at,) = [at for at, key in btree_leaves(data, bbt_root) if key == bid]
    struct.pack_into("<Q", data, at + 8, 0xD7000000005440)  # the folder's data block: far away
    path = tmp_path / "box.pst"
    path.write_bytes(bytes(data))
    items = list(iter_dump(path))
    assert [i.path for i in items[:2]] == ["box.pst!Inbox/1", "box.pst!Inbox/2"]
    assert all(i.container == "pst" for i in items)
    assert [f.code for i in items[2:] for f in i.findings] == ["ingest-corrupt-pst"]
