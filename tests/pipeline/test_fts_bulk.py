"""The full-text index filled in bulk: pending rows, deletes, updates, old cases, the scan."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.model import ItemRecord
from contrefeu.store import Case
from contrefeu.store.schema import MIGRATIONS, _statements


def _item(path: str, body: str, key: str = "k1") -> ItemRecord:
    return ItemRecord(
        path=path, sha256=path.encode().hex().ljust(64, "0")[:64], kind="email", size=1,
        container="eml", subject=f"subject of {path}", body_text=body, analysis_key=key,
    )


def _mail_dump(root: Path, count: int) -> Path:
    """A folder of `count` small mails (four senders, one a minute)."""
    dump = root / "dump"
    dump.mkdir()
    for n in range(count):
        (dump / f"{n:02d}.eml").write_bytes(
            f"From: a{n % 4}@example.org\r\nSubject: note {n}\r\nMessage-ID: <{n}@example.org>"
            f"\r\nDate: Mon, 1 May 2017 10:{n:02d}:00 +0000\r\n\r\nmarker{n} shared body text"
            "\r\n".encode()
        )
    return dump


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


@pytest.mark.parametrize(
    ("every", "chunk"),
    [
        (2, 5000),   # several bulk passes during the scan, the last one beside the cross-item
        (1000, 3),   # a backlog larger than a transaction: indexed before the cross-item phase
    ],
)
def test_a_scan_leaves_nothing_unindexed(tmp_path: Path, monkeypatch, every, chunk) -> None:
    import contrefeu.leak.pipeline as pipeline

    monkeypatch.setattr(pipeline, "INDEX_EVERY", every)
    monkeypatch.setattr(pipeline, "INDEX_CHUNK", chunk)
    scan([_mail_dump(tmp_path, 9)], tmp_path / "case.db", ScanOptions(workers=1))
    with Case.open(tmp_path / "case.db") as case:
        assert case.conn.execute("SELECT COUNT(*) FROM fts_pending").fetchone()[0] == 0
        assert len(_search(case, "shared")) == 9
        assert _search(case, "marker7") == ["07.eml"]
        _index_is_sound(case)
        _derived_rows_are_exact(case)


def _derived_rows_are_exact(case: Case) -> None:
    """Facet rows, running counts and categories equal a recomputation from the items."""
    conn = case.conn
    facets = conn.execute(
        "SELECT id, verdict, level, kind, mailbox, from_addr, from_domain, date_utc, day "
        "FROM item_facets ORDER BY id").fetchall()
    expected_facets = conn.execute(
        "SELECT id, verdict, sensitivity_level, kind, mailbox, from_addr, from_domain, date_utc, "
        "date_day FROM items ORDER BY id").fetchall()
    assert [tuple(r) for r in facets] == [tuple(r) for r in expected_facets]
    counts = {
        (r[0], r[1], r[2]): r[3]
        for r in conn.execute("SELECT facet, value, verdict, n FROM item_counts WHERE n != 0")
    }
    expected: dict[tuple[str, str, str], int] = {}
    for kind, level, mailbox, sender, domain, day, verdict in conn.execute(
        "SELECT kind, sensitivity_level, mailbox, from_addr, from_domain, date_day, verdict "
        "FROM items"
    ):
        for facet, value in (("kind", kind), ("level", level), ("mailbox", mailbox),
                             ("sender", sender), ("domain", domain), ("day", day)):
            key = (facet, value or "", verdict)
            expected[key] = expected.get(key, 0) + 1
        if kind == "email":
            key = ("email-day", day or "", verdict)
            expected[key] = expected.get(key, 0) + 1
    categories = sorted(tuple(r) for r in conn.execute(
        "SELECT item_id, category FROM item_categories"))
    expected_categories = sorted(tuple(r) for r in conn.execute(
        "SELECT items.id, j.value FROM items, json_each(CASE WHEN json_valid(items.sensitivity) "
        "THEN items.sensitivity ELSE '{}' END, '$.categories') j WHERE j.type = 'text'"))
    assert categories == expected_categories
    for category in {c for _, c in categories}:
        expected[("category", category, "")] = sum(1 for _, c in categories if c == category)
    assert counts == expected


def _facet_item(n: int, key: str = "k1", verdict: str = "unverified") -> ItemRecord:
    level = ["low", "high", None][n % 3]
    return ItemRecord(
        path=f"{n}.eml", sha256=f"{n:064x}", kind="email" if n % 4 else "attachment", size=1,
        container="eml", mailbox=f"box{n % 2}", from_addr=f"a{n % 3}@Example{n % 2}.org",
        date_utc=f"2017-05-0{1 + n % 3}T10:00:00+00:00", body_text=f"word{n}",
        verdict=verdict, analysis_key=key,
        sensitivity={"level": level, "categories": ["finance", "press"][: n % 3], "spans": []}
        if level else None,
    )


def test_facets_counts_and_categories_stay_exact(tmp_path: Path) -> None:
    with Case.open(tmp_path / "c.db") as case:
        case.write_items("d", [_facet_item(n) for n in range(6)])          # indexed at once
        case.write_items("d", [_facet_item(n) for n in range(6, 14)], index=False)
        _index_after = [
            # verdicts change on an indexed and on a pending row (as the cross-item phase does)
            "UPDATE items SET verdict = 'altered' WHERE path IN ('2.eml', '8.eml')",
            # sensitivity changes on both
            "UPDATE items SET sensitivity = '{\"level\": \"high\", \"categories\": "
            "[\"secrets\"]}', sensitivity_level = 'high' WHERE path IN ('3.eml', '9.eml')",
            "DELETE FROM items WHERE path IN ('4.eml', '10.eml')",
        ]
        with case.conn:
            for statement in _index_after:
                case.conn.execute(statement)
        # re-analysed items replace rows, pending or not
        case.write_items("d", [_facet_item(1, "k2", "authentic"),
                               _facet_item(7, "k2", "forged")], index=False)
        case.index_pending(chunk=3)
        _derived_rows_are_exact(case)
        with case.conn:
            case.conn.execute("UPDATE items SET verdict = 'planted' WHERE path = '7.eml'")
            case.conn.execute("DELETE FROM items WHERE path = '0.eml'")
        _derived_rows_are_exact(case)
        _index_is_sound(case)


def test_rows_left_pending_by_0004_are_finished_by_0005(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, sql in MIGRATIONS:
        if name.startswith("0005"):
            break
        for statement in _statements(sql):
            conn.execute(statement)
        conn.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
    conn.commit()
    conn.close()
    # A scan of that version wrote these rows and was stopped before indexing them.
    old = Case(path, sqlite3.connect(path))
    old.conn.row_factory = sqlite3.Row
    old.write_items("d", [_facet_item(n) for n in range(5)], index=False)
    old.close()
    with Case.open(path) as case:   # applies 0005
        assert case.conn.execute("SELECT COUNT(*) FROM fts_pending").fetchone()[0] == 0
        assert _search(case, "word3") == ["3.eml"]
        case.write_items("d", [_facet_item(n) for n in range(5, 8)], index=False)
        case.index_pending()
        _derived_rows_are_exact(case)
        _index_is_sound(case)


def test_background_passes_and_deferred_writes_change_no_result(tmp_path: Path,
                                                                 monkeypatch) -> None:
    import contrefeu.leak.pipeline as pipeline
    from contrefeu.leak.export import export_rows

    dump = _mail_dump(tmp_path, 40)

    def exported(case_path: Path) -> list[dict]:
        with Case.open(case_path) as case:
            assert case.conn.execute("SELECT COUNT(*) FROM fts_pending").fetchone()[0] == 0
            _derived_rows_are_exact(case)
            return list(export_rows(case))

    scan([dump], tmp_path / "plain.db", ScanOptions(workers=2))
    # Passes after every few rows, results held back while one runs, small transactions.
    monkeypatch.setattr(pipeline, "INDEX_EVERY", 3)
    monkeypatch.setattr(pipeline, "INDEX_CHUNK", 2)
    monkeypatch.setattr(pipeline, "WRITE_EVERY", 2)
    monkeypatch.setattr(pipeline, "MAX_UNWRITTEN", 5)
    monkeypatch.setattr(pipeline, "BATCH_ITEMS", 2)
    scan([dump], tmp_path / "busy.db", ScanOptions(workers=2))
    assert exported(tmp_path / "busy.db") == exported(tmp_path / "plain.db")
