"""Outlook .msg (real files written by the test's compound-file writer) and PST."""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_cfb import write_msg
from pst_writer import Msg, write_pst

from contrefeu.ingest import iter_dump
from contrefeu.ingest.msg import rfc822_from_msg

ROOT = Path(__file__).resolve().parents[2]
HEADERS = (
    "Received: from mx.example.org by mail.example.org; Mon, 1 Jan 2024 10:00:01 +0000\r\n"
    "From: Claire Martin <c.martin@avenir.example>\r\nTo: bob@example.org\r\n"
    "Subject: =?utf-8?q?R=C3=A9union?=\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <1@avenir.example>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed;\r\n boundary="old"\r\n\r\n'
)


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def test_msg_item_keeps_the_file_bytes(tmp_path: Path) -> None:
    data = write_msg(
        subject="Réunion",
        sender="c.martin@avenir.example",
        body="Bonjour",
        headers=HEADERS,
        attachments=[("plan.txt", b"le plan")],
    )
    path = tmp_path / "m.msg"
    path.write_bytes(data)
    (item,) = list(iter_dump(path))
    assert (item.path, item.kind, item.container, item.mime_preserved) == (
        "m.msg",
        "email",
        "msg",
        False,
    )
    assert item.data == data and item.findings == []


def test_rfc822_from_msg_uses_transport_headers_and_keeps_attachments() -> None:
    data = write_msg(
        subject="Réunion",
        sender="c.martin@avenir.example",
        body="Bonjour à tous",
        headers=HEADERS,
        attachments=[("plan.txt", b"le plan" * 700)],
    )
    message = parse(rfc822_from_msg(data))
    assert message["Subject"] == "Réunion"
    assert message["Message-ID"] == "<1@avenir.example>"
    assert message["Received"].startswith("from mx.example.org")
    assert message.get_all("Content-Type") and "old" not in str(message["Content-Type"])
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "Bonjour à tous"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "plan.txt"
    assert attachment.get_payload(decode=True) == b"le plan" * 700


def test_rfc822_from_msg_without_transport_headers_builds_them() -> None:
    data = write_msg(subject="Sans en-têtes", sender="bob@example.org", body="hello")
    message = parse(rfc822_from_msg(data))
    assert message["Subject"] == "Sans en-têtes"
    assert "bob@example.org" in message["From"]


def test_corrupt_msg_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "broken.msg"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    (item,) = list(iter_dump(path))
    assert [f.code for f in item.findings] == ["ingest-corrupt-msg"]
    assert item.kind == "email" and item.container == "msg"


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=3000))
def test_rfc822_from_msg_raises_only_value_error(data: bytes) -> None:
    try:
        rfc822_from_msg(data)
    except ValueError:
        pass


def run_without(module: str, dump: Path) -> str:
    """Ingest in a fresh interpreter where `module` cannot be imported (extra not installed)."""
    code = (
        f"import sys; sys.modules[{module!r}] = None\n"
        "from pathlib import Path\nfrom contrefeu.ingest import iter_dump\n"
        f"for i in iter_dump(Path({str(dump)!r})):\n"
        "    print(i.path, i.kind, len(i.data), [(f.code, f.detail) for f in i.findings])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_missing_msg_extra_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "m.msg"
    path.write_bytes(write_msg(subject="s", sender="a@example.org", body="b"))
    out = run_without("extract_msg", path)
    assert out.startswith("m.msg email ")
    assert "ingest-missing-extra" in out and "pip install 'contrefeu[msg]'" in out


def test_missing_pst_extra_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "box.pst"
    path.write_bytes(b"!BDN" + b"\x00" * 600)
    out = run_without("pypff", path)
    assert "ingest-missing-extra" in out and "pip install 'contrefeu[pst]'" in out


def test_corrupt_pst_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "box.pst"
    path.write_bytes(b"!BDN" + b"\x00" * 600)
    (item,) = list(iter_dump(path))
    assert [f.code for f in item.findings] == ["ingest-corrupt-pst"]
    assert (item.path, item.container, item.data) == ("box.pst", "pst", b"")


def test_real_pst_messages(tmp_path: Path) -> None:
    """A real PST from the test's PST writer (more in test_ingest_pst.py)."""
    pytest.importorskip("pypff")
    write_pst(tmp_path / "box.pst", {"Inbox": [Msg("Réunion", "Bonjour", HEADERS, "Claire")]})
    (item,) = list(iter_dump(tmp_path / "box.pst"))
    assert (item.path, item.kind, item.container, item.mime_preserved) == (
        "box.pst!Inbox/1",
        "email",
        "pst",
        False,
    )
    message = parse(item.data)
    assert message["Message-ID"] == "<1@avenir.example>" and message["Subject"] == "Réunion"
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "Bonjour"
