"""Everything the item page shows about one item (addressed by the SHA-256 of its bytes).

Occurrences (every path with these bytes), DKIM/ARC evidence, findings, attachments, parent,
thread, related items (for the diff) and decisions. Threads come from the Message-ID,
In-Reply-To and References recorded at scan time, completed by subject normalisation (`Re:`,
`Fwd:`, `TR:`... removed) for mail whose clients dropped the headers; both are limited to the
case. Raw bytes come from the evidence (read-only) through `contrefeu.leak.evidence`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from contrefeu.model import SEVERITY_RANK
from contrefeu.store import Case
from contrefeu.store.decisions import Decision, decisions_for

THREAD_LIMIT = 200
_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|tr|aw|wg|sv|vs|rif|antw|réf|ref)\s*(\[\d+\])?\s*:|\[[^\]]{1,40}\])\s*",
    re.IGNORECASE,
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(text: str) -> bool:
    return bool(_SHA256.match(text))


def normalise_subject(subject: str | None) -> str:
    """The subject without reply/forward prefixes and list tags, lower-case, spaces collapsed."""
    text = " ".join((subject or "").split())
    while True:
        stripped = _REPLY_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text.lower()


@dataclass
class ItemDetail:
    """The item page's data."""

    item: dict[str, Any]  # the first occurrence
    occurrences: list[dict[str, Any]]
    signatures: list[dict[str, Any]]
    findings: list[dict[str, Any]]  # most serious first, with the path they are on
    attachments: list[dict[str, Any]]
    parents: list[dict[str, Any]]
    thread: list[dict[str, Any]]
    related: list[dict[str, Any]]  # items a finding points to, or that point here
    decisions: list[Decision]
    sensitivity: dict[str, Any] | None = None
    doc_meta: dict[str, Any] | None = None
    to_addrs: list[str] = field(default_factory=list)


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _summary(row: sqlite3.Row) -> dict[str, Any]:
    keys = (
        "id",
        "sha256",
        "path",
        "kind",
        "verdict",
        "subject",
        "from_addr",
        "date",
        "date_utc",
        "filename",
        "content_type",
        "size",
        "mailbox",
    )
    return {k: row[k] for k in keys}


def item_detail(conn: sqlite3.Connection, sha256: str) -> ItemDetail | None:
    """All the item page needs, or None when no item has these bytes."""
    if not is_sha256(sha256):
        return None
    rows = conn.execute(
        "SELECT * FROM items WHERE sha256 = ? ORDER BY path, dump", (sha256,)
    ).fetchall()
    if not rows:
        return None
    first = rows[0]
    signatures = []
    for s in conn.execute(
        "SELECT * FROM signatures WHERE item_id = ? ORDER BY kind DESC, idx", (first["id"],)
    ):
        data = _json(s["data"]) or {}
        signatures.append(dict(s) | {"data": data})
    findings = _findings(conn, rows)
    attachments: list[dict[str, Any]] = []
    parents: list[dict[str, Any]] = []
    for row in rows:
        attachments.extend(
            _summary(a)
            for a in conn.execute(
                "SELECT * FROM items WHERE dump = ? AND parent_path = ? ORDER BY path",
                (row["dump"], row["path"]),
            )
        )
        if row["parent_path"]:
            parents.extend(
                _summary(p)
                for p in conn.execute(
                    "SELECT * FROM items WHERE dump = ? AND path = ?",
                    (row["dump"], row["parent_path"]),
                )
            )
    attachments = list({a["path"]: a for a in attachments}.values())
    return ItemDetail(
        item=dict(first),
        occurrences=[dict(r) for r in rows],
        signatures=signatures,
        findings=findings,
        attachments=attachments,
        parents=parents,
        thread=thread_of(conn, first),
        related=_related(conn, rows, findings),
        decisions=decisions_for(conn, sha256),
        sensitivity=_json(first["sensitivity"]),
        doc_meta=_json(first["doc_meta"]),
        to_addrs=_json(first["to_addrs"]) or [],
    )


def _findings(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        for f in conn.execute("SELECT * FROM findings WHERE item_id = ? ORDER BY id", (row["id"],)):
            key = (f["code"], f["severity"], f["detail"], f["related_path"])
            entry = seen.setdefault(key, dict(f) | {"paths": []})
            entry["paths"].append(row["path"])
    return sorted(seen.values(), key=lambda f: -SEVERITY_RANK.get(f["severity"], 0))


def _related(
    conn: sqlite3.Connection, rows: list[sqlite3.Row], findings: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Items this one's findings point to (e.g. the original), and those pointing at it."""
    out: dict[str, dict[str, Any]] = {}
    own = rows[0]["sha256"]
    for f in findings:
        if not f["related_path"]:
            continue
        other = conn.execute(
            "SELECT * FROM items WHERE path = ? ORDER BY (dump = ?) DESC, id LIMIT 1",
            (f["related_path"], rows[0]["dump"]),
        ).fetchone()
        if other is not None and other["sha256"] != own:
            out.setdefault(other["sha256"], _summary(other) | {"code": f["code"]})
    for row in rows:
        for other in conn.execute(
            "SELECT i.*, f.code AS code FROM findings f JOIN items i ON i.id = f.item_id "
            "WHERE f.related_path = ? LIMIT 50",
            (row["path"],),
        ):
            if other["sha256"] != own:
                out.setdefault(other["sha256"], _summary(other) | {"code": other["code"]})
    return list(out.values())


def _columns(conn: sqlite3.Connection) -> set[str]:
    return {r[1] for r in conn.execute("PRAGMA table_xinfo(items)")}


def thread_of(conn: sqlite3.Connection, row: sqlite3.Row) -> list[dict[str, Any]]:
    """The emails of this item's conversation within the case, oldest first (itself included)."""
    if row["kind"] != "email":
        return []
    found: dict[int, sqlite3.Row] = {row["id"]: row}
    columns = _columns(conn)
    if "in_reply_to" in columns and "thread_refs" in columns:
        ids = {row["message_id"], row["in_reply_to"], *(_json(row["thread_refs"]) or [])}
        ids = {i for i in ids if isinstance(i, str) and i}
        frontier = set(ids)
        for _ in range(4):  # ancestors and a few generations of replies
            if not frontier or len(found) >= THREAD_LIMIT:
                break
            marks = ", ".join("?" * len(frontier))
            new_rows = conn.execute(
                f"SELECT * FROM items WHERE kind = 'email' AND (message_id IN ({marks}) "  # noqa: S608
                f"OR in_reply_to IN ({marks})) LIMIT ?",
                [*frontier, *frontier, THREAD_LIMIT],
            ).fetchall()
            frontier = set()
            for r in new_rows:
                if r["id"] not in found:
                    found[r["id"]] = r
                    if r["message_id"] and r["message_id"] not in ids:
                        ids.add(r["message_id"])
                        frontier.add(r["message_id"])
    subject = normalise_subject(row["subject"])
    if len(subject) >= 4 and any(c.isalnum() for c in subject):
        # Candidates through the full-text index (a phrase on the subject column), then the
        # exact comparison of normalised subjects in Python.
        phrase = '"' + subject.replace('"', '""') + '"'
        try:
            candidates = conn.execute(
                "SELECT * FROM items WHERE id IN (SELECT rowid FROM items_fts WHERE items_fts "
                "MATCH ?) AND kind = 'email' LIMIT ?",
                (f"subject : {phrase}", THREAD_LIMIT * 4),
            ).fetchall()
        except sqlite3.OperationalError:
            candidates = []
        for r in candidates:
            if len(found) >= THREAD_LIMIT:
                break
            if r["id"] not in found and normalise_subject(r["subject"]) == subject:
                found[r["id"]] = r
    if len(found) == 1:
        return []
    ordered = sorted(found.values(), key=lambda r: (r["date_utc"] or "", r["id"]))
    seen: set[str] = set()
    unique = []
    for r in ordered:  # one entry per bytes, at its earliest date
        if r["sha256"] not in seen:
            seen.add(r["sha256"])
            unique.append(r)
    if len(unique) == 1:
        return []
    return [_summary(r) | {"current": r["sha256"] == row["sha256"]} for r in unique]


def read_raw_bytes(case: Case, item_id: int) -> bytes | None:
    """The original bytes of an item, re-read from the evidence (read-only, SHA-256 checked).

    None when the evidence is gone or changed: the page says so instead of failing.
    """
    from contrefeu.leak.evidence import read_item_bytes

    try:
        return read_item_bytes(case, item_id)
    except Exception:  # hostile or vanished evidence must not break the page
        return None
