"""Reading an item's original bytes again, from the evidence, read-only.

The case keeps where each item came from (its dump, path and locator), not a copy of the
bytes. This module follows the locator (file on disk, zip members, mbox offset, attachment
number) and checks the SHA-256 before returning anything, so a changed or swapped evidence file
is noticed instead of served.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from contrefeu.errors import ContrefeuError
from contrefeu.store import Case


class EvidenceUnavailable(ContrefeuError):
    """The evidence file is gone, or no longer holds the bytes that were scanned."""


def _read_members(data: bytes, members: list[str]) -> bytes:
    for name in members:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(name)
    return data


def _read_direct(dump: Path, locator: dict) -> bytes | None:  # type: ignore[type-arg]
    relative = locator.get("file")
    if relative is None:
        return None
    source = dump if dump.is_file() else dump / relative
    if dump.is_dir() and not source.resolve().is_relative_to(dump.resolve()):
        return None  # a locator never points outside its dump
    members = list(locator.get("members", []))
    offset, length = locator.get("offset"), locator.get("length")
    if not members and offset is not None and length is not None:
        with open(source, "rb") as handle:
            handle.seek(int(offset))
            return handle.read(int(length))
    data = _read_members(source.read_bytes(), members)
    if offset is not None and length is not None:
        data = data[int(offset) : int(offset) + int(length)]
    return data


def _read_by_walking(dump: Path, path: str) -> bytes | None:
    """The slow, always-right way: walk the dump again until the item comes by."""
    from contrefeu.ingest import iter_dump

    for item in iter_dump(dump):
        if item.path == path:
            return item.data
    return None


def _attachment_bytes(case: Case, parent_id: int, number: int) -> bytes | None:
    from contrefeu.leak.mime import parse_email

    parent = case.conn.execute("SELECT container FROM items WHERE id = ?", (parent_id,)).fetchone()
    raw = read_item_bytes(case, parent_id)
    if parent["container"] == "msg":
        from contrefeu.ingest.msg import rfc822_from_msg

        raw = rfc822_from_msg(raw)
    for attachment in parse_email(raw).attachments:
        if attachment.number == number:
            return attachment.data
    return None


def read_item_bytes(case: Case, item_id: int) -> bytes:
    """The original bytes of one item, checked against its SHA-256."""
    row = case.conn.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise EvidenceUnavailable(f"no item {item_id} in this case")
    locator = json.loads(row["locator"] or "{}")
    dump = Path(row["dump"])
    data: bytes | None = None
    try:
        if row["parent_path"]:
            parent = case.conn.execute(
                "SELECT id FROM items WHERE dump = ? AND path = ?",
                (row["dump"], row["parent_path"]),
            ).fetchone()
            if parent is not None:
                data = _attachment_bytes(case, parent["id"], int(locator.get("number", 0)))
        else:
            data = _read_direct(dump, locator)
            if data is None or hashlib.sha256(data).hexdigest() != row["sha256"]:
                data = _read_by_walking(dump, row["path"])
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise EvidenceUnavailable(f"cannot read {row['path']} from {dump}: {exc}") from None
    if data is None or hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise EvidenceUnavailable(
            f"the evidence no longer holds {row['path']} as scanned (SHA-256 {row['sha256']})"
        )
    return data
