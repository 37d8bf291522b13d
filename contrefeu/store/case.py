"""Reading and writing a case database.

One writer (the scan's driver process) writes through `Case`; readers (export, report, web UI)
open the same file. Every item is written in one transaction with its signatures, findings and
attachments, so a scan killed at any moment leaves whole items only, and a re-run picks up the
rest.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from contrefeu import __version__
from contrefeu.errors import CaseError
from contrefeu.model import SEVERITY_RANK, Finding, ItemRecord, KeySample, SourceFile
from contrefeu.store.schema import SCHEMA_NAME, apply_migrations

WRITER_CACHE_KIB = 64 * 1024
WRITER_MMAP_BYTES = 256 * 1024 * 1024


# What a pending item (`fts_pending`, up to :upto) adds beside its row, in bulk: its
# full-text entry, its facet row, the running counts of the review UI and its categories
# (migrations 0004 and 0005: per-row triggers cost the single writer far more).
_NEW_FACETS = "SELECT * FROM item_facets WHERE id IN (SELECT id FROM fts_pending WHERE id <= :upto)"
_DERIVED_ROWS = (
    """INSERT INTO items_fts (rowid, subject, from_addr, from_name, body_text, filename)
       SELECT i.id, i.subject, i.from_addr, i.from_name, i.body_text, i.filename
       FROM fts_pending p JOIN items i ON i.id = p.id WHERE p.id <= :upto""",
    """INSERT INTO item_facets (id, verdict, level, kind, mailbox, from_addr, from_domain,
                               date_utc, day)
       SELECT i.id, i.verdict, i.sensitivity_level, i.kind, i.mailbox, i.from_addr,
              i.from_domain, i.date_utc, i.date_day
       FROM fts_pending p JOIN items i ON i.id = p.id WHERE p.id <= :upto""",
    f"""INSERT INTO item_counts (facet, value, verdict, n)
        SELECT facet, value, verdict, SUM(n) FROM (
            SELECT 'kind' AS facet, COALESCE(kind, '') AS value, verdict, 1 AS n
              FROM ({_NEW_FACETS})
            UNION ALL SELECT 'level', COALESCE(level, ''), verdict, 1 FROM ({_NEW_FACETS})
            UNION ALL SELECT 'mailbox', COALESCE(mailbox, ''), verdict, 1 FROM ({_NEW_FACETS})
            UNION ALL SELECT 'sender', COALESCE(from_addr, ''), verdict, 1 FROM ({_NEW_FACETS})
            UNION ALL SELECT 'domain', COALESCE(from_domain, ''), verdict, 1 FROM ({_NEW_FACETS})
            UNION ALL SELECT 'day', COALESCE(day, ''), verdict, 1 FROM ({_NEW_FACETS})
            UNION ALL SELECT 'email-day', COALESCE(day, ''), verdict,
                             CASE WHEN kind = 'email' THEN 1 ELSE 0 END FROM ({_NEW_FACETS})
        ) WHERE true GROUP BY facet, value, verdict
        ON CONFLICT (facet, value, verdict) DO UPDATE SET n = n + excluded.n""",
    """INSERT OR IGNORE INTO item_categories (item_id, category)
       SELECT i.id, j.value FROM fts_pending p JOIN items i ON i.id = p.id,
            json_each(CASE WHEN json_valid(i.sensitivity) THEN i.sensitivity ELSE '{}' END,
                      '$.categories') j
       WHERE p.id <= :upto AND j.type = 'text'""",
)


def case_files_dir(case_path: Path) -> Path:
    """The one folder beside the case file where contrefeu may keep other files."""
    return case_path.with_name(case_path.name + ".files")


def _json_or_none(value: object) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _json_or_none_load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class Case:
    """An open case database."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, create: bool = True, readonly: bool = False) -> Case:
        path = Path(path)
        if not path.exists() and (not create or readonly):
            raise CaseError(f"no case at {path} (run 'contrefeu leak scan ... --case {path}' first)")
        try:
            if readonly:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            else:
                conn = sqlite3.connect(path, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            if not readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                # The writer's settings (measured with bench/scan.py and strace): statement
                # journals in memory instead of temporary files (the item triggers made SQLite
                # write about 90 temporary pages per mail), and a cache and memory map large
                # enough that the indexes are not read back page by page, a system call each.
                conn.execute("PRAGMA temp_store=MEMORY")
                conn.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
                conn.execute(f"PRAGMA mmap_size={WRITER_MMAP_BYTES}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=10000")
            cls._check_is_case(conn, path)
            if not readonly:
                apply_migrations(conn)
                with conn:
                    conn.execute(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                        (SCHEMA_NAME,),
                    )
                    conn.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('written_by', ?)",
                        (f"contrefeu {__version__}",),
                    )
        except sqlite3.DatabaseError as exc:
            raise CaseError(f"{path} is not a usable case database: {exc}") from None
        return cls(path, conn)

    @staticmethod
    def _check_is_case(conn: sqlite3.Connection, path: Path) -> None:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "_migrations" not in tables:
            raise CaseError(f"{path} is an SQLite database but not a contrefeu case")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def files_dir(self) -> Path:
        return case_files_dir(self.path)

    # -- sources -------------------------------------------------------------------------
    def source_is_complete(self, dump: str, source: SourceFile, context: str) -> bool:
        """True when this file, unchanged, was fully scanned with the same keys and options."""
        row = self.conn.execute(
            "SELECT size, mtime, status, context FROM sources WHERE dump = ? AND path = ?",
            (dump, source.path),
        ).fetchone()
        return bool(
            row
            and row["status"] == "complete"
            and row["context"] == context
            and row["size"] == source.size
            and row["mtime"] == source.mtime
        )

    def record_sources(
        self, dump: str, sources: Iterable[SourceFile], status: str, context: str
    ) -> None:
        with self.conn:
            self.conn.executemany(
                """INSERT INTO sources (dump, path, size, mtime, sha256, status, context)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (dump, path) DO UPDATE SET size = excluded.size,
                     mtime = excluded.mtime, sha256 = excluded.sha256, status = excluded.status,
                     context = excluded.context""",
                [(dump, s.path, s.size, s.mtime, s.sha256, status, context) for s in sources],
            )

    # -- items ---------------------------------------------------------------------------
    def has_item(self, dump: str, path: str, analysis_key: str) -> bool:
        """True when this path was already analysed from the same bytes in the same way."""
        row = self.conn.execute(
            "SELECT analysis_key FROM items WHERE dump = ? AND path = ?", (dump, path)
        ).fetchone()
        return bool(row and row["analysis_key"] == analysis_key)

    def load_analysis(self, analysis_key: str) -> ItemRecord | None:
        """An earlier analysis of the same bytes analysed the same way, to reuse."""
        row = self.conn.execute(
            "SELECT * FROM items WHERE analysis_key = ? AND parent_path IS NULL LIMIT 1",
            (analysis_key,),
        ).fetchone()
        return self._record_from_row(row, with_children=True) if row else None

    def write_items(self, dump: str, records: Iterable[ItemRecord], *, index: bool = True) -> int:
        """Write whole items (with their attachments) in one transaction; return rows added.

        With `index=False` the new rows wait for `index_pending()` before search, facets and
        counts show them: the scan indexes a few thousand rows at a time, which costs a third
        of indexing each small batch.
        """
        added = 0
        with self.conn:
            for record in records:
                added += self._write_item(dump, record)
            if index:
                self._index_pending_rows(None)
        return added

    def index_pending(self, chunk: int = 5000, *, max_chunks: int | None = None) -> int:
        """Add the rows written with `index=False` to the full-text index, the facet rows,
        running counts and categories of the review UI; return how many.

        Chunked transactions keep the write-ahead log small on a large case; `max_chunks`
        stops after that many (another writer then never waits for more than one).
        """
        total = 0
        chunks = 0
        while max_chunks is None or chunks < max_chunks:
            with self.conn:
                done = self._index_pending_rows(chunk)
            total += done
            chunks += 1
            if done < chunk:
                break
        return total

    def _index_pending_rows(self, limit: int | None) -> int:
        """`index_pending` for up to `limit` rows (all with None), in the caller's
        transaction."""
        row = self.conn.execute(
            "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM fts_pending ORDER BY id LIMIT ?)",
            (-1 if limit is None else limit,),
        ).fetchone()
        upto, count = row[0], int(row[1])
        if not count:
            return 0
        for statement in _DERIVED_ROWS:
            self.conn.execute(statement, {"upto": upto})
        self.conn.execute("DELETE FROM fts_pending WHERE id <= ?", (upto,))
        return count

    def _write_item(self, dump: str, record: ItemRecord) -> int:
        existing = self.conn.execute(
            "SELECT id, analysis_key FROM items WHERE dump = ? AND path = ?", (dump, record.path)
        ).fetchone()
        if existing is not None:
            if existing["analysis_key"] == record.analysis_key:
                return 0
            # The bytes at this path, or the keys and options, changed since the last scan:
            # the new analysis replaces the old one.
            self._delete_item_tree(dump, record.path)
        cursor = self.conn.execute(
            """INSERT INTO items (dump, path, sha256, kind, size, container, mailbox,
                 parent_path, locator, message_id, date, date_utc, from_addr, from_name,
                 to_addrs, subject, body_text, content_type, filename, verdict, confidence,
                 analysis_key, header_facts, in_reply_to, thread_refs, sensitivity_level,
                 sensitivity, doc_meta, item_verdict, item_confidence, minhash)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                       ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                dump, record.path, record.sha256, record.kind, record.size, record.container,
                record.mailbox, record.parent_path, json.dumps(record.locator, sort_keys=True),
                record.message_id, record.date, record.date_utc, record.from_addr,
                record.from_name, json.dumps(record.to_addrs), record.subject,
                record.body_text, record.content_type, record.filename, record.verdict,
                record.confidence, record.analysis_key, _json_or_none(record.header_facts),
                record.in_reply_to, json.dumps(record.thread_refs),
                record.sensitivity["level"] if record.sensitivity else None,
                _json_or_none(record.sensitivity), _json_or_none(record.doc_meta),
                record.verdict, record.confidence, record.minhash,
            ),
        )
        item_id = int(cursor.lastrowid or 0)
        self.conn.executemany(
            """INSERT INTO signatures (item_id, kind, idx, domain, selector, algorithm, result,
                 detail, key_bits, key_source, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (item_id, s.kind, s.index, s.domain, s.selector, s.algorithm, s.result, s.detail,
                 s.key_bits, s.key_source, json.dumps(s.to_dict(), sort_keys=True))
                for s in record.signatures
            ],
        )
        self._insert_findings(item_id, "item", record.findings)
        self.conn.executemany(
            """INSERT INTO secrets (item_id, kind, secret_sha256, start, "end")
               VALUES (?, ?, ?, ?, ?)""",
            [(item_id, s["kind"], s["secret_sha256"], s.get("start"), s.get("end"))
             for s in record.secrets],
        )
        self.conn.executemany(
            """INSERT INTO key_samples (item_id, domain, selector, algorithm, signature, digest,
                 body_hash_ok) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                (item_id, k.domain, k.selector, k.algorithm, k.signature, k.digest,
                 None if k.body_hash_ok is None else int(k.body_hash_ok))
                for k in record.key_samples
            ],
        )
        added = 1
        for child in record.children:
            added += self._write_item(dump, child)
        return added

    def _insert_findings(self, item_id: int, stage: str, findings: Iterable[Finding]) -> None:
        self.conn.executemany(
            """INSERT INTO findings (item_id, stage, code, severity, detail, related_path)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [(item_id, stage, f.code, f.severity, f.detail, f.related_path) for f in findings],
        )

    def _delete_item_tree(self, dump: str, path: str) -> None:
        rows = self.conn.execute(
            "SELECT id, path FROM items WHERE dump = ? AND (path = ? OR parent_path = ?)",
            (dump, path, path),
        ).fetchall()
        for row in rows:
            for table in ("signatures", "findings", "key_samples", "secrets"):
                self.conn.execute(f"DELETE FROM {table} WHERE item_id = ?", (row["id"],))  # noqa: S608
            self.conn.execute("DELETE FROM items WHERE id = ?", (row["id"],))

    def _record_from_row(self, row: sqlite3.Row, *, with_children: bool) -> ItemRecord:
        from contrefeu.model import SignatureResult

        item_id = row["id"]
        signatures = [
            SignatureResult(**json.loads(r["data"]))
            for r in self.conn.execute(
                "SELECT data FROM signatures WHERE item_id = ? ORDER BY kind DESC, idx", (item_id,)
            )
        ]
        findings = [
            Finding(r["code"], r["severity"], r["detail"], r["related_path"])
            for r in self.conn.execute(
                "SELECT * FROM findings WHERE item_id = ? AND stage = 'item' ORDER BY id",
                (item_id,),
            )
        ]
        samples = [
            KeySample(r["domain"], r["selector"], r["algorithm"], r["signature"], r["digest"],
                      None if r["body_hash_ok"] is None else bool(r["body_hash_ok"]))
            for r in self.conn.execute(
                "SELECT * FROM key_samples WHERE item_id = ? ORDER BY id", (item_id,)
            )
        ]
        children = []
        if with_children:
            children = [
                self._record_from_row(c, with_children=False)
                for c in self.conn.execute(
                    "SELECT * FROM items WHERE dump = ? AND parent_path = ? ORDER BY id",
                    (row["dump"], row["path"]),
                )
            ]
        return ItemRecord(
            path=row["path"], sha256=row["sha256"], kind=row["kind"], size=row["size"],
            container=row["container"], verdict=row["item_verdict"],
            confidence=row["item_confidence"],
            mailbox=row["mailbox"], parent_path=row["parent_path"],
            locator=json.loads(row["locator"] or "{}"), message_id=row["message_id"],
            date=row["date"], date_utc=row["date_utc"], from_addr=row["from_addr"],
            from_name=row["from_name"], to_addrs=json.loads(row["to_addrs"] or "[]"),
            subject=row["subject"], body_text=row["body_text"],
            content_type=row["content_type"], filename=row["filename"],
            signatures=signatures, findings=findings, key_samples=samples,
            children=children, analysis_key=row["analysis_key"],
            header_facts=_json_or_none_load(row["header_facts"]), in_reply_to=row["in_reply_to"],
            thread_refs=json.loads(row["thread_refs"] or "[]"),
            sensitivity=_json_or_none_load(row["sensitivity"]),
            secrets=[
                {"kind": r["kind"], "secret_sha256": r["secret_sha256"], "start": r["start"],
                 "end": r["end"]}
                for r in self.conn.execute("SELECT * FROM secrets WHERE item_id = ? ORDER BY id",
                                           (item_id,))
            ],
            doc_meta=_json_or_none_load(row["doc_meta"]), minhash=row["minhash"],
        )

    # -- cross-item results ----------------------------------------------------------------
    def replace_stage_findings(self, stage: str, by_item: dict[int, list[Finding]]) -> None:
        """Replace every finding of one cross-item stage (a re-run recomputes, never appends)."""
        self.conn.execute("DELETE FROM findings WHERE stage = ?", (stage,))
        for item_id, findings in sorted(by_item.items()):
            self._insert_findings(item_id, stage, findings)

    def set_item_findings(self, item_id: int, stage: str, findings: Iterable[Finding]) -> None:
        self.conn.execute("DELETE FROM findings WHERE item_id = ? AND stage = ?", (item_id, stage))
        self._insert_findings(item_id, stage, findings)

    def save_recovered_key(
        self, name: str, txt: str, bits: int, from_items: list[str], matches_archive: str | None
    ) -> None:
        with self.conn:
            self.conn.execute(
                """INSERT INTO recovered_keys (name, txt, bits, from_items, matches_archive)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (name) DO UPDATE SET txt = excluded.txt, bits = excluded.bits,
                     from_items = excluded.from_items, matches_archive = excluded.matches_archive""",
                (name, txt, bits, json.dumps(sorted(from_items)), matches_archive),
            )

    def recovered_keys(self) -> list[dict[str, Any]]:
        return [
            dict(r) | {"from_items": json.loads(r["from_items"])}
            for r in self.conn.execute("SELECT * FROM recovered_keys ORDER BY name")
        ]

    # -- reading for export and reports ----------------------------------------------------
    def item_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def iter_items(self) -> Iterator[sqlite3.Row]:
        """Every item row in export order (path, then dump)."""
        yield from self.conn.execute("SELECT * FROM items ORDER BY path, dump")

    def signatures_of(self, item_id: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT * FROM signatures WHERE item_id = ? ORDER BY kind DESC, idx", (item_id,)
        ).fetchall()

    def findings_of(self, item_id: int) -> list[Finding]:
        rows = self.conn.execute(
            "SELECT * FROM findings WHERE item_id = ? ORDER BY id", (item_id,)
        ).fetchall()
        findings = [Finding(r["code"], r["severity"], r["detail"], r["related_path"]) for r in rows]
        # Most serious first; stable within a severity so exports are reproducible.
        return sorted(findings, key=lambda f: -SEVERITY_RANK[f.severity])
