"""Walking folders: order, paths, kinds, Maildir, callbacks, symlinks, odd files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrefeu.errors import UsageError
from contrefeu.ingest import iter_dump
from contrefeu.ingest.eml import looks_like_email
from contrefeu.model import SourceFile

MAIL = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "leak"


def make_dump(root: Path) -> Path:
    dump = root / "dump"
    for folder in (
        "Maildir/cur",
        "Maildir/new",
        "Maildir/tmp",
        "Maildir/.Sent/cur",
        "Maildir/.Sent/new",
        "alice",
    ):
        (dump / folder).mkdir(parents=True)
    (dump / "Maildir/cur/123.host:2,S").write_bytes(MAIL)
    (dump / "Maildir/new/124.host").write_bytes(MAIL + b"x")
    (dump / "Maildir/.Sent/cur/9.host:2,S").write_bytes(MAIL + b"y")
    (dump / "alice/message.eml").write_bytes(MAIL)
    (dump / "alice/noext").write_bytes(MAIL)  # sniffed as mail
    (dump / "alice/notes.txt").write_text("meeting notes\n")
    (dump / "alice/blob.bin").write_bytes(bytes(range(256)))
    (dump / "report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return dump


def test_paths_kinds_containers_and_order(tmp_path: Path) -> None:
    dump = make_dump(tmp_path)
    got = [(i.path, i.kind, i.container, i.mailbox) for i in iter_dump(dump)]
    assert got == [
        ("Maildir/.Sent/cur/9.host:2,S", "email", "maildir", "Maildir/.Sent"),
        ("Maildir/cur/123.host:2,S", "email", "maildir", "Maildir"),
        ("Maildir/new/124.host", "email", "maildir", "Maildir"),
        ("alice/blob.bin", "other", "file", "alice"),
        ("alice/message.eml", "email", "eml", "alice"),
        ("alice/noext", "email", "eml", "alice"),
        ("alice/notes.txt", "document", "file", "alice"),
        ("report.pdf", "document", "file", "dump"),
    ]


def test_bytes_are_exact_and_sources_hashed(tmp_path: Path) -> None:
    dump = make_dump(tmp_path)
    sources: list[SourceFile] = []
    items = list(iter_dump(dump, on_source=sources.append))
    for item in items:
        assert item.data == (dump / item.locator["file"]).read_bytes()
    assert len(sources) == len(items)
    for source in sources:
        digest = hashlib.sha256((dump / source.path).read_bytes()).hexdigest()
        assert source.sha256 == digest and source.dump == str(dump)


def test_skip_source_is_asked_before_reading(tmp_path: Path) -> None:
    dump = make_dump(tmp_path)
    asked: list[SourceFile] = []

    def skip(sf: SourceFile) -> bool:
        asked.append(sf)
        return sf.path.startswith("alice/")

    done: list[str] = []
    items = list(iter_dump(dump, skip_source=skip, on_source=lambda sf: done.append(sf.path)))
    assert all(sf.sha256 is None for sf in asked) and len(asked) == 8
    assert not any(i.path.startswith("alice/") for i in items)
    assert not any(p.startswith("alice/") for p in done) and len(done) == 4


def test_on_source_waits_until_the_file_items_are_consumed(tmp_path: Path) -> None:
    box = tmp_path / "box.mbox"
    box.write_bytes(b"From a Mon Jan  1 00:00:00 2024\nS: 1\n\n\nFrom b Mon Jan  1 00:00:00 2024\n")
    done: list[SourceFile] = []
    walk = iter_dump(box, on_source=done.append)
    next(walk)
    assert done == []
    list(walk)
    assert [d.path for d in done] == ["box.mbox"]


def test_single_eml_dump_path_is_its_name(tmp_path: Path) -> None:
    eml = tmp_path / "one.eml"
    eml.write_bytes(MAIL)
    (item,) = list(iter_dump(eml))
    assert (item.path, item.kind, item.container, item.data) == ("one.eml", "email", "eml", MAIL)


def test_dump_that_is_a_maildir(tmp_path: Path) -> None:
    dump = make_dump(tmp_path) / "Maildir"
    paths = [i.path for i in iter_dump(dump)]
    assert paths == [".Sent/cur/9.host:2,S", "cur/123.host:2,S", "new/124.host"]


def test_missing_dump_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        list(iter_dump(tmp_path / "nope"))


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not evidence")
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "real.eml").write_bytes(MAIL)
    (dump / "out").symlink_to(outside)
    (dump / "in").symlink_to(dump / "real.eml")
    (dump / "loop").symlink_to(dump / "loop")
    items = {i.path: i for i in iter_dump(dump)}
    assert items["out"].findings[0].code == "ingest-symlink-outside"
    assert items["loop"].findings[0].code == "ingest-symlink-outside"
    assert items["in"].findings[0].code == "ingest-symlink"
    assert all(i.data == b"" for p, i in items.items() if p != "real.eml")


def test_fifo_empty_and_odd_names(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    os.mkfifo(dump / "pipe")
    (dump / "empty.eml").write_bytes(b"")
    odd = os.fsencode(dump) + b"/bad-\xff.eml"
    with open(odd, "wb") as out:
        out.write(MAIL)
    items = list(iter_dump(dump))
    codes = {i.path: [f.code for f in i.findings] for i in items}
    assert codes["pipe"] == ["ingest-special-file"]
    assert codes["empty.eml"] == ["ingest-empty-file"]
    assert codes["bad-\\xff.eml"] == ["ingest-undecodable-name"]
    assert [i.data for i in items if i.path == "bad-\\xff.eml" and i.data] == [MAIL]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_a_finding(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    locked = dump / "locked.eml"
    locked.write_bytes(MAIL)
    locked.chmod(0)
    (item,) = list(iter_dump(dump))
    assert item.findings[0].code == "ingest-unreadable"


def test_header_anomalies_are_findings(tmp_path: Path) -> None:
    eml = tmp_path / "odd.eml"
    eml.write_bytes(b"From: a@b.example\nX-Long: " + b"a" * 2000 + b"\nSubject: \x00\n\nbody\n")
    (item,) = list(iter_dump(eml))
    assert sorted(f.code for f in item.findings) == ["ingest-long-header-line", "ingest-nul-bytes"]
    assert item.kind == "email"


def test_evidence_is_not_modified(tmp_path: Path) -> None:
    dump = make_dump(tmp_path)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in dump.rglob("*") if p.is_file()}
    list(iter_dump(dump))
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in dump.rglob("*") if p.is_file()}
    assert before == after


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_sniffer_never_raises(head: bytes) -> None:
    looks_like_email(head)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.binary(max_size=3000),
    name=st.sampled_from(["x.eml", "x.mbox", "x.zip", "x.msg", "x.pst", "x.pdf", "x", "x.docx"]),
)
def test_any_file_never_raises(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    for item in iter_dump(path):
        assert item.path.startswith(name)


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason="shared reference data absent")
def test_real_messages_are_read_byte_exact() -> None:
    real = SHARED / "real"
    items = list(iter_dump(real))
    emails = [i for i in items if i.path.endswith(".eml")]
    assert len(emails) == len(list(real.glob("*.eml")))
    for item in emails:
        assert item.kind == "email" and item.data == (real / item.path).read_bytes()
