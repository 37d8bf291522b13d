"""Reviewer decisions about items: recorded in the case, latest one wins.

A decision follows the bytes (SHA-256), so it applies to every place the same item occurs.
Decisions are never updated or deleted: a new decision is a new row, and the history stays in
the case for the record. Used by the review UI (writing, showing) and by `leak export` /
`leak report` (reading the latest per item).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contrefeu.errors import UsageError

if TYPE_CHECKING:
    from contrefeu.store.case import Case

    CaseLike = Case | sqlite3.Connection

DECISIONS: tuple[str, ...] = ("confirmed-authentic", "confirmed-fake", "needs-work")
MAX_NOTE_CHARS = 10_000
MAX_REVIEWER_CHARS = 200


@dataclass(frozen=True)
class Decision:
    """One reviewer's decision about the item with these bytes."""

    sha256: str
    decision: str
    note: str
    reviewer: str
    created_at: str  # ISO 8601 UTC

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _connection(case_or_conn: CaseLike) -> sqlite3.Connection:
    # Accept a Case or a bare connection so readers with their own connection can use this.
    return case_or_conn if isinstance(case_or_conn, sqlite3.Connection) else case_or_conn.conn


def record_decision(
    case: CaseLike,
    sha256: str,
    decision: str,
    reviewer: str,
    note: str = "",
    *,
    now: datetime | None = None,
) -> Decision:
    """Store a decision; UsageError when it cannot be recorded (unknown kind, no such item)."""
    conn = _connection(case)
    reviewer = " ".join(reviewer.split())[:MAX_REVIEWER_CHARS]
    note = note.strip()[:MAX_NOTE_CHARS]
    if decision not in DECISIONS:
        raise UsageError(f"unknown decision {decision!r}: use one of {', '.join(DECISIONS)}")
    if not reviewer:
        raise UsageError("a decision needs the reviewer's name")
    exists = conn.execute("SELECT 1 FROM items WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
    if exists is None:
        raise UsageError(f"no item with SHA-256 {sha256} in this case")
    created = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    with conn:
        conn.execute(
            "INSERT INTO decisions (sha256, decision, note, reviewer, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (sha256, decision, note, reviewer, created),
        )
    return Decision(sha256, decision, note, reviewer, created)


def decisions_for(case: CaseLike, sha256: str) -> list[Decision]:
    """Every decision about these bytes, newest first."""
    rows = (
        _connection(case)
        .execute(
            "SELECT sha256, decision, note, reviewer, created_at FROM decisions WHERE sha256 = ? "
            "ORDER BY id DESC",
            (sha256,),
        )
        .fetchall()
    )
    return [Decision(*tuple(r)) for r in rows]


def latest_decisions_for(case: CaseLike, sha256s: Iterable[str]) -> dict[str, Decision]:
    """The latest decision for each of these SHA-256 values that has one."""
    wanted = sorted(set(sha256s))
    out: dict[str, Decision] = {}
    conn = _connection(case)
    for start in range(0, len(wanted), 500):  # stay under SQLite's parameter limit
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for r in conn.execute(
            "SELECT sha256, decision, note, reviewer, created_at FROM decisions WHERE id IN "
            f"(SELECT MAX(id) FROM decisions WHERE sha256 IN ({marks}) GROUP BY sha256)",  # noqa: S608
            chunk,
        ):
            out[r[0]] = Decision(*tuple(r))
    return out


def latest_decisions(case: CaseLike) -> dict[str, dict[str, Any]]:
    """sha256 -> {decision, note, reviewer, created_at} of the latest decision (for export)."""
    rows = (
        _connection(case)
        .execute(
            "SELECT sha256, decision, note, reviewer, created_at FROM decisions WHERE id IN "
            "(SELECT MAX(id) FROM decisions GROUP BY sha256)"
        )
        .fetchall()
    )
    return {
        r[0]: {"decision": r[1], "note": r[2], "reviewer": r[3], "created_at": r[4]} for r in rows
    }
