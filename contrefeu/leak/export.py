"""`leak export`: every item as the export contract's JSON lines or CSV.

The order (by path) and every value are functions of the case content alone, so two scans of
the same dump export byte-identical files whatever the number of workers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any, TextIO

from contrefeu.store import Case
from contrefeu.store.decisions import latest_decisions

CSV_FIELDS = [
    "path",
    "sha256",
    "kind",
    "size",
    "message_id",
    "date",
    "from",
    "subject",
    "verdict",
    "confidence",
    "mailbox",
    "parent_path",
    "dkim",
    "findings",
    "sensitivity",
    "review",
]


def export_rows(case: Case) -> Iterator[dict[str, Any]]:
    """One contract object per item."""
    reviews = latest_decisions(case)
    for row in case.iter_items():
        is_email = row["kind"] == "email"
        signatures = [
            {
                "domain": s["domain"],
                "selector": s["selector"],
                "algorithm": s["algorithm"],
                "result": s["result"],
                "detail": s["detail"],
            }
            for s in case.signatures_of(row["id"])
            if s["kind"] == "dkim"
        ]
        arc = [
            {
                "instance": json.loads(s["data"]).get("index"),
                "domain": s["domain"],
                "selector": s["selector"],
                "result": s["result"],
                "detail": s["detail"],
            }
            for s in case.signatures_of(row["id"])
            if s["kind"] == "arc"
        ]
        yield {
            "path": row["path"],
            "sha256": row["sha256"],
            "kind": row["kind"],
            "size": row["size"],
            "message_id": row["message_id"] if is_email else None,
            "date": row["date"] if is_email else None,
            "from": row["from_addr"] if is_email else None,
            "subject": row["subject"] if is_email else None,
            "dkim": signatures,
            "arc": arc,
            "verdict": row["verdict"],
            "confidence": row["confidence"],
            "findings": [f.to_dict() for f in case.findings_of(row["id"])],
            "sensitivity": _sensitivity(row["sensitivity"]),
            "mailbox": row["mailbox"],
            "parent_path": row["parent_path"],
            "filename": row["filename"],
            "content_type": row["content_type"],
            "review": reviews.get(row["sha256"]),
        }


def _sensitivity(stored: str | None) -> dict[str, Any] | None:
    if not stored:
        return None
    data = json.loads(stored)
    return {"level": data["level"], "categories": data["categories"]}


def write_jsonl(case: Case, out: TextIO) -> int:
    count = 0
    for obj in export_rows(case):
        out.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")
        count += 1
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_csv(case: Case, out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    count = 0
    for obj in export_rows(case):
        writer.writerow([_cell(obj.get(name)) for name in CSV_FIELDS])
        count += 1
    return count


def export_text(case: Case, fmt: str) -> str:
    """The whole export as one string (for tests and small cases)."""
    buffer = io.StringIO()
    (write_jsonl if fmt == "jsonl" else write_csv)(case, buffer)
    return buffer.getvalue()
