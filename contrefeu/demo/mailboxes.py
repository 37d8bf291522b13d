"""Writing the demo's messages to disk as a leak would hold them: a Maildir, an mboxo file, a
folder of .eml files and a zip holding a nested zip. Returns each message's item path as the
contract writes it (DESIGN.md "Item paths"). Not a general mailbox library: it only writes.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from email.header import decode_header, make_header
from pathlib import Path

from contrefeu.demo.context import DemoMail

_FROM_LINE = re.compile(rb"^From ", re.MULTILINE)


def _touch(path: Path, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def _write(path: Path, data: bytes, when: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    _touch(path, when)


def ordered(mails: Sequence[DemoMail]) -> list[DemoMail]:
    """Mailbox order: by date, ties broken by the bytes so the order never depends on chance."""
    return sorted(mails, key=lambda m: (m.when, m.raw))


def write_maildir(dump: Path, root: str, mails: Sequence[DemoMail]) -> list[tuple[str, DemoMail]]:
    """A Maildir at `dump/root`: received mail in cur/ (read) or new/ (the last unread few),
    the owner's own mail in the .Sent sub-folder."""
    placed = []
    incoming = [m for m in ordered(mails) if not m.outgoing]
    unread = set(id(m) for m in incoming[-max(1, len(incoming) // 12) :])
    for folder in ("", ".Sent/"):
        for sub in ("cur", "new", "tmp"):
            (dump / root / f"{folder}{sub}").mkdir(parents=True, exist_ok=True)
    for number, mail in enumerate(ordered(mails), start=1):
        base = f"{int(mail.when.timestamp())}.M{number}P{number}.demo"
        if mail.outgoing:
            rel = f"{root}/.Sent/cur/{base}:2,S"
        elif id(mail) in unread:
            rel = f"{root}/new/{base}"
        else:
            rel = f"{root}/cur/{base}:2,{'RS' if number % 5 == 0 else 'S'}"
        _write(dump / rel, mail.raw, mail.when)
        placed.append((rel, mail))
    return placed


def mboxo_quote(raw: bytes) -> bytes:
    """mboxo quoting: every line starting `From ` gets a `>` (and nothing else changes)."""
    return _FROM_LINE.sub(b">From ", raw)


def write_mbox(dump: Path, name: str, mails: Sequence[DemoMail]) -> list[tuple[str, DemoMail]]:
    """An mboxo file: `From ` separator lines, a blank line between messages."""
    out = bytearray()
    placed = []
    latest = None
    for number, mail in enumerate(ordered(mails), start=1):
        utc = mail.when.astimezone(UTC)
        stamp = f"{utc:%a %b} {utc.day:2d} {utc:%H:%M:%S %Y}"  # asctime(), as mbox writers do
        out += f"From {mail.envelope_from} {stamp}\n".encode()
        body = mail.raw if mail.raw.endswith(b"\n") else mail.raw + b"\n"
        out += mboxo_quote(body) + b"\n"
        placed.append((f"{name}!{number}", mail))
        latest = mail.when
    _write(dump / name, bytes(out), latest or datetime(2017, 6, 1, tzinfo=UTC))
    return placed


def _slug(subject: bytes) -> str:
    try:
        text = str(make_header(decode_header(subject.decode("ascii", "replace"))))
    except Exception:  # a broken encoded-word: fall back to a neutral name
        text = ""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"^(re|tr|fwd?)\s*:\s*", "", text)
    words = re.findall(r"[a-z0-9]+", text)
    return "-".join(words)[:40].strip("-") or "message"


def _subject(raw: bytes) -> bytes:
    match = re.search(rb"^Subject: (.*(?:\n[ \t].*)*)", raw, re.MULTILINE)
    return match.group(1).replace(b"\n", b"") if match else b""


def write_eml_folder(
    dump: Path, folder: str, mails: Sequence[DemoMail]
) -> list[tuple[str, DemoMail]]:
    """One `YYYY-MM-DD-subject.eml` file per message."""
    placed = []
    used: set[str] = set()
    for mail in ordered(mails):
        stem = f"{mail.when:%Y-%m-%d}-{_slug(_subject(mail.raw))}"
        name, n = f"{stem}.eml", 1
        while name in used:
            n += 1
            name = f"{stem}-{n}.eml"
        used.add(name)
        rel = f"{folder}/{name}"
        _write(dump / rel, mail.raw, mail.when)
        placed.append((rel, mail))
    return placed


def zip_bytes(members: Sequence[tuple[str, bytes, datetime]]) -> bytes:
    """A zip of `members` (name, data, date) with fixed metadata, members in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, when in members:
            entry = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return buffer.getvalue()


def numbered_members(prefix: str, mails: Sequence[DemoMail]) -> list[tuple[str, DemoMail]]:
    return [(f"{prefix}/{n:04d}.eml", m) for n, m in enumerate(ordered(mails), start=1)]
