"""The full-text index filled in bulk: pending rows, deletes, updates, old cases, the scan."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.model import ItemRecord
from contrefeu.store import Case
from contrefeu.store.schema import MIGRATIONS, _statements


def _item(path: str, body: str, key: str = "k1") -> ItemRecord:
    return ItemRecord(
        path=path, sha256=path.encode().hex().ljust(64, "0")[:64], kind="email", size=1,
        container="eml", subject=f"subject of {path}", body_text=body, analysis_key=key,
    )


def _search(case: Case, query: str) -> list[str]:
    rows = case.conn.execute(
        "SELECT path FROM items WHERE id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
        " ORDER BY path",
        (query,),
    )
    return [r[0] for r in rows]


def _index_is_sound(case: Case) -> None:
    # rank 1: compare the index with the content table, not only its own structure.
    case.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")


def test_default_write_is_searchable_at_once(tmp_path: Path) -> None:
    with Case.open(tmp_path / "c.db") as case:
        case.write_items("d", [_item("a.eml", "rendez-vous budget meeting")])
        assert _search(case, "budget") == ["a.eml"]
        assert case.conn.execute("SELECT COUNT(*) FROM fts_pending").fetchone()[0] == 0
        _index_is_sound(case)


def test_pending_rows_are_found_once_indexed(tmp_path: Path) -> None:
    with Case.open(tmp_path / "c.db") as case:
        case.write_items("d", [_item(f"{n}.eml", f"word{n} common") for n in range(7)],
                         index=False)
        assert _search(case, "common") == []
        assert case.index_pending(chunk=3) == 7
        assert len(_search(case, "common")) == 7
        assert _search(case, "word4") == ["4.eml"]
        assert case.index_pending() == 0
        _index_is_sound(case)


def test_deleting_or_replacing_a_pending_row_keeps_the_index_sound(tmp_path: Path) -> None:
    with Case.open(tmp_path / "c.db") as case:
        case.write_items("d", [_item("a.eml", "alpha"), _item("b.eml", "bravo")])
        case.write_items("d", [_item("c.eml", "charlie")], index=False)
        # Re-analysed items replace the old rows: one indexed row, one pending row.
        case.write_items("d", [_item("a.eml", "alpha two", key="k2"),
                               _item("c.eml", "charlie two", key="k2")], index=False)
        with case.conn:
            case.conn.execute("UPDATE items SET subject = 'changed' WHERE path = 'b.eml'")
        case.index_pending()
        _index_is_sound(case)
        assert _search(case, "two") == ["a.eml", "c.eml"]
        assert _search(case, "changed") == ["b.eml"]
        with case.conn:
            case.conn.execute("DELETE FROM items")
        _index_is_sound(case)
        assert _search(case, "alpha OR bravo OR charlie") == []


def test_items_written_before_0004_keep_their_index_entries(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS[:3]:
        for statement in _statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
    # A row written by a version with the per-row trigger (indexed at insert).
    conn.execute("INSERT INTO items (dump, path, sha256, kind, size, verdict, item_verdict, "
                 "analysis_key, body_text) VALUES ('d', 'old.eml', 'x', 'email', 1, "
                 "'unverified', 'unverified', 'k', 'ancient text')")
    conn.commit()
    conn.close()
    with Case.open(path) as case:   # applies 0004
        assert _search(case, "ancient") == ["old.eml"]
        case.write_items("d", [_item("new.eml", "fresh words")], index=False)
        case.index_pending()
        assert _search(case, "fresh OR ancient") == ["new.eml", "old.eml"]
        with case.conn:
            case.conn.execute("DELETE FROM items WHERE path = 'old.eml'")
        _index_is_sound(case)
        assert _search(case, "ancient") == []


def test_a_scan_leaves_nothing_unindexed(tmp_path: Path, monkeypatch) -> None:
    import contrefeu.leak.pipeline as pipeline

    monkeypatch.setattr(pipeline, "INDEX_EVERY", 2)   # several bulk passes during the scan
    dump = tmp_path / "dump"
    dump.mkdir()
    for n in range(9):
        (dump / f"{n}.eml").write_bytes(
            f"From: a{n}@example.org\r\nSubject: note {n}\r\nDate: Mon, 1 May 2017 10:00:00 +0000"
            f"\r\n\r\nmarker{n} shared body text\r\n".encode()
        )
    scan([dump], tmp_path / "case.db", ScanOptions(workers=1))
    with Case.open(tmp_path / "case.db") as case:
        assert case.conn.execute("SELECT COUNT(*) FROM fts_pending").fetchone()[0] == 0
        assert len(_search(case, "shared")) == 9
        assert _search(case, "marker7") == ["7.eml"]
        _index_is_sound(case)
