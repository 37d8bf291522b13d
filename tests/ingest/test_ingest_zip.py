"""Zip archives: nesting, order, bombs, traversal names, encryption, corruption, spooling."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrefeu.ingest import IngestLimits, iter_dump, streams

MAIL = b"From: a@example.org\nTo: b@example.org\nSubject: hi\n\nbody\n"
MBOX = b"From x Mon Jan  1 00:00:00 2024\n" + MAIL + b"\nFrom y Mon Jan  1 00:00:00 2024\n" + MAIL


def make_zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return out.getvalue()


def scan(path: Path, **kw: object) -> dict[str, list[str]]:
    return {i.path: [f.code for f in i.findings] for i in iter_dump(path, **kw)}  # type: ignore[arg-type]


def test_nested_zip_paths_order_and_locators(tmp_path: Path) -> None:
    inner = make_zip([("z.eml", MAIL), ("box.mbox", MBOX), ("a/doc.txt", b"text")])
    outer = tmp_path / "outer.zip"
    outer.write_bytes(make_zip([("mail/b.eml", MAIL), ("inner.zip", inner)]))
    items = list(iter_dump(outer))
    assert [i.path for i in items] == [
        "outer.zip!inner.zip!a/doc.txt",
        "outer.zip!inner.zip!box.mbox!1",
        "outer.zip!inner.zip!box.mbox!2",
        "outer.zip!inner.zip!z.eml",
        "outer.zip!mail/b.eml",
    ]
    assert [i.kind for i in items] == ["document", "email", "email", "email", "email"]
    assert [i.container for i in items] == ["zip", "mbox", "mbox", "zip", "zip"]
    assert items[1].locator == {
        "file": "outer.zip",
        "members": ["inner.zip", "box.mbox"],
        "offset": 32,
        "length": len(MAIL),
    }
    assert (
        items[4].mailbox == "outer.zip!mail" and items[1].mailbox == "outer.zip!inner.zip!box.mbox"
    )
    assert all(i.data in (MAIL, b"text") for i in items)
    assert all(not i.findings for i in items)


def test_maildir_inside_zip(tmp_path: Path) -> None:
    archive = tmp_path / "mb.zip"
    archive.write_bytes(
        make_zip(
            [("Maildir/cur/1.h:2,S", MAIL), ("Maildir/new/2.h", MAIL), ("cur/not-maildir", MAIL)]
        )
    )
    items = list(iter_dump(archive))
    got = [(i.path, i.container, i.mailbox) for i in items]
    assert got == [
        ("mb.zip!Maildir/cur/1.h:2,S", "maildir", "mb.zip!Maildir"),
        ("mb.zip!Maildir/new/2.h", "maildir", "mb.zip!Maildir"),
        ("mb.zip!cur/not-maildir", "zip", "mb.zip!cur"),
    ]


def test_ratio_bomb_is_flagged_and_walk_goes_on(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(
        make_zip([("a.eml", MAIL), ("b.bin", b"\0" * (20 * 1024 * 1024)), ("c.eml", MAIL)])
    )
    items = {i.path: i for i in iter_dump(archive)}
    bomb = items["bomb.zip!b.bin"]
    assert [(f.code, f.severity) for f in bomb.findings] == [("ingest-zip-bomb", "high")]
    assert bomb.data == b"" and bomb.kind == "other"
    assert items["bomb.zip!c.eml"].data == MAIL


def test_member_size_and_total_expansion_caps(tmp_path: Path) -> None:
    noise = os.urandom(6000)
    archive = tmp_path / "caps.zip"
    archive.write_bytes(make_zip([("a", noise), ("b", noise), ("c", noise[:10])]))
    assert scan(archive, limits=IngestLimits(max_member_size=5000))["caps.zip!a"] == [
        "ingest-zip-bomb"
    ]
    codes = scan(archive, limits=IngestLimits(max_total_expansion=10000))
    assert codes["caps.zip!a"] == [] and codes["caps.zip!b"] == ["ingest-zip-bomb"]


def test_depth_limit(tmp_path: Path) -> None:
    nested = make_zip([("deep.eml", MAIL)])
    for level in range(3):
        nested = make_zip([(f"l{level}.zip", nested)])
    archive = tmp_path / "n.zip"
    archive.write_bytes(nested)
    assert len(scan(archive)) == 1 and list(scan(archive))[0].endswith("!deep.eml")
    codes = scan(archive, limits=IngestLimits(max_depth=2))
    assert list(codes.values()) == [["ingest-too-deep"]]


def test_traversal_names_are_kept_and_flagged_and_never_written(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "t.zip").write_bytes(
        make_zip(
            [
                ("../../evil.eml", MAIL),
                ("/etc/abs.eml", MAIL),
                ("C:\\win.eml", MAIL),
                ("ok/..hidden.eml", MAIL),
            ]
        )
    )
    before = sorted(p.name for p in tmp_path.rglob("*"))
    codes = scan(dump)
    assert codes == {
        "t.zip!../../evil.eml": ["ingest-path-traversal"],
        "t.zip!/etc/abs.eml": ["ingest-path-traversal"],
        "t.zip!C:\\win.eml": ["ingest-path-traversal"],
        "t.zip!ok/..hidden.eml": [],
    }
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def set_encrypted_flag(data: bytes) -> bytes:
    raw = bytearray(data)
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        while at >= 0:
            raw[at + flag_at] |= 1
            at = raw.find(signature, at + 4)
    return bytes(raw)


def test_encrypted_member(tmp_path: Path) -> None:
    archive = tmp_path / "enc.zip"
    archive.write_bytes(set_encrypted_flag(make_zip([("secret.eml", MAIL)], zipfile.ZIP_STORED)))
    (item,) = list(iter_dump(archive))
    assert [f.code for f in item.findings] == ["ingest-encrypted-member"] and item.data == b""


def test_corrupt_archives(tmp_path: Path) -> None:
    good = make_zip([("a.eml", MAIL), ("b.eml", MAIL)], zipfile.ZIP_STORED)
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "cut.zip").write_bytes(good[: len(good) // 2])
    (dump / "garbage.zip").write_bytes(b"PK\x03\x04" + b"\x01" * 100)
    flipped = bytearray(good)
    flipped[good.find(b"body")] ^= 0xFF  # CRC mismatch in the first member only
    (dump / "crc.zip").write_bytes(bytes(flipped))
    (dump / "after.eml").write_bytes(MAIL)
    codes = scan(dump)
    assert codes == {
        "after.eml": [],
        "crc.zip!a.eml": ["ingest-corrupt-archive"],
        "crc.zip!b.eml": [],
        "cut.zip": ["ingest-corrupt-archive"],
        "garbage.zip": ["ingest-corrupt-archive"],
    }


def test_big_nested_container_spools_only_into_tmp_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "IN_MEMORY_LIMIT", 1000)
    inner = make_zip([("x.eml", MAIL + os.urandom(3000))], zipfile.ZIP_STORED)
    archive = tmp_path / "o.zip"
    archive.write_bytes(make_zip([("inner.zip", inner)], zipfile.ZIP_STORED))
    assert scan(archive) == {"o.zip!inner.zip": ["ingest-member-too-big"]}
    spool = tmp_path / "spool"
    spool.mkdir()
    assert scan(archive, tmp_dir=spool) == {"o.zip!inner.zip!x.eml": []}
    assert list(spool.iterdir()) == []  # anonymous spool files, gone when closed


def test_office_files_are_documents_not_archives(tmp_path: Path) -> None:
    docx = make_zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")])
    (tmp_path / "d").mkdir()
    (tmp_path / "d/report.docx").write_bytes(docx)
    (tmp_path / "d/noext").write_bytes(docx)
    items = list(iter_dump(tmp_path / "d"))
    assert [(i.path, i.kind) for i in items] == [("noext", "document"), ("report.docx", "document")]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=6),
    cut=st.integers(min_value=0),
)
def test_damaged_zips_never_raise(tmp_path: Path, edits: list[tuple[int, int]], cut: int) -> None:
    good = bytearray(make_zip([("a.eml", MAIL), ("in.zip", make_zip([("b.mbox", MBOX)]))]))
    for at, value in edits:
        good[at % len(good)] = value
    path = tmp_path / "fuzz.zip"
    path.write_bytes(bytes(good[: len(good) - cut % 40]))
    for item in iter_dump(path):
        assert item.path.startswith("fuzz.zip")
