"""Schema of the case database and its migrations.

Tables follow sqlite-utils conventions (integer `id` primary keys, `<table>_fts` FTS5 tables
kept in sync by `<table>_ai/_ad/_au` triggers) so `datasette case.db` shows a case unchanged;
new items reach `items_fts` in bulk (migration 0004).
Each migration is applied once, in order, and recorded in `_migrations`.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

SCHEMA_NAME = "contrefeu-case"

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001-initial",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            dump TEXT NOT NULL,           -- the DUMP argument, resolved
            path TEXT NOT NULL,           -- relative to the dump
            size INTEGER NOT NULL,
            mtime REAL NOT NULL,
            sha256 TEXT,
            status TEXT NOT NULL,         -- reading | complete
            context TEXT,                 -- fingerprint of keys/options it was scanned with
            UNIQUE (dump, path)
        );
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            dump TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            kind TEXT NOT NULL,           -- email | attachment | document | other
            size INTEGER NOT NULL,
            container TEXT,
            mailbox TEXT,
            parent_path TEXT,
            locator TEXT,                 -- JSON: how to read the bytes again
            message_id TEXT,
            date TEXT,                    -- ISO 8601 with the original offset
            date_utc TEXT,                -- ISO 8601 UTC, for sorting and timelines
            from_addr TEXT,
            from_name TEXT,
            to_addrs TEXT,
            subject TEXT,
            body_text TEXT,
            content_type TEXT,
            filename TEXT,
            verdict TEXT NOT NULL,        -- final: after the cross-item phase
            confidence REAL,
            item_verdict TEXT NOT NULL,   -- from the item's own evidence (per-item analysis)
            item_confidence REAL,
            minhash BLOB,                 -- MinHash of the item's text (near-duplicates)
            analysis_key TEXT NOT NULL,   -- sha256 + how it was analysed (reuse of results)
            sensitivity_level TEXT,       -- none | low | medium | high | critical (triage)
            sensitivity TEXT,             -- JSON {level, categories, spans} (triage)
            doc_meta TEXT,                -- JSON document metadata (author, tool, times...)
            header_facts TEXT,            -- JSON facts for header forensics (leak/headers.py)
            in_reply_to TEXT,
            thread_refs TEXT,             -- JSON list of Message-IDs from References
            UNIQUE (dump, path)
        );
        CREATE INDEX items_sha256 ON items (sha256);
        CREATE INDEX items_analysis_key ON items (analysis_key);
        CREATE INDEX items_verdict ON items (verdict);
        CREATE INDEX items_parent ON items (parent_path);
        CREATE INDEX items_date ON items (date_utc);
        CREATE INDEX items_message_id ON items (message_id);
        CREATE TABLE signatures (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id),
            kind TEXT NOT NULL,           -- dkim | arc
            idx INTEGER NOT NULL,
            domain TEXT, selector TEXT, algorithm TEXT,
            result TEXT NOT NULL, detail TEXT,
            key_bits INTEGER, key_source TEXT,
            data TEXT                     -- JSON: the whole SignatureResult
        );
        CREATE INDEX signatures_item ON signatures (item_id);
        CREATE INDEX signatures_domain ON signatures (domain, selector);
        CREATE TABLE findings (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id),
            stage TEXT NOT NULL,          -- item | cross
            code TEXT NOT NULL,
            severity TEXT NOT NULL,
            detail TEXT NOT NULL,
            related_path TEXT
        );
        CREATE INDEX findings_item ON findings (item_id);
        CREATE INDEX findings_code ON findings (code);
        CREATE TABLE key_samples (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id),
            domain TEXT NOT NULL, selector TEXT NOT NULL, algorithm TEXT NOT NULL,
            signature BLOB NOT NULL, digest BLOB NOT NULL, body_hash_ok INTEGER
        );
        CREATE INDEX key_samples_selector ON key_samples (domain, selector);
        CREATE TABLE secrets (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id),
            kind TEXT NOT NULL,           -- password | private-key | api-token ...
            secret_sha256 TEXT NOT NULL,  -- only a hash of the secret is ever stored
            start INTEGER, "end" INTEGER  -- span in the item's text
        );
        CREATE INDEX secrets_item ON secrets (item_id);
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,         -- decisions follow the bytes, wherever they occur
            decision TEXT NOT NULL,       -- confirmed-authentic | confirmed-fake | needs-work
            note TEXT,
            reviewer TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX decisions_sha256 ON decisions (sha256, id);
        CREATE TABLE recovered_keys (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,    -- selector._domainkey.domain
            txt TEXT NOT NULL,
            bits INTEGER NOT NULL,
            from_items TEXT NOT NULL,     -- JSON list of item paths
            matches_archive TEXT          -- source of an archived key with the same modulus
        );
        CREATE VIRTUAL TABLE items_fts USING fts5 (
            subject, from_addr, from_name, body_text, filename,
            content=items, content_rowid=id
        );
        CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
            INSERT INTO items_fts (rowid, subject, from_addr, from_name, body_text, filename)
            VALUES (new.id, new.subject, new.from_addr, new.from_name, new.body_text, new.filename);
        END;
        CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
            INSERT INTO items_fts (items_fts, rowid, subject, from_addr, from_name, body_text, filename)
            VALUES ('delete', old.id, old.subject, old.from_addr, old.from_name, old.body_text,
                    old.filename);
        END;
        CREATE TRIGGER items_au AFTER UPDATE OF subject, from_addr, from_name, body_text,
            filename ON items BEGIN
            INSERT INTO items_fts (items_fts, rowid, subject, from_addr, from_name, body_text, filename)
            VALUES ('delete', old.id, old.subject, old.from_addr, old.from_name, old.body_text,
                    old.filename);
            INSERT INTO items_fts (rowid, subject, from_addr, from_name, body_text, filename)
            VALUES (new.id, new.subject, new.from_addr, new.from_name, new.body_text, new.filename);
        END;
        """,
    ),
    (
        # Review web UI: precomputed facet columns, indexes so facets and the dashboard stay
        # fast on 100,000 items, and a side table of sensitivity categories kept in sync by
        # triggers (so a facet on categories is an index lookup, not JSON parsing per row).
        "0002-review-facets",
        """
        ALTER TABLE items ADD COLUMN from_domain TEXT GENERATED ALWAYS AS (
            CASE WHEN instr(from_addr, '@') > 0
                 THEN lower(substr(from_addr, instr(from_addr, '@') + 1)) END
        ) VIRTUAL;
        ALTER TABLE items ADD COLUMN date_day TEXT GENERATED ALWAYS AS (
            substr(date_utc, 1, 10)
        ) VIRTUAL;
        CREATE INDEX IF NOT EXISTS items_mailbox ON items (mailbox, verdict);
        CREATE INDEX IF NOT EXISTS items_from_addr ON items (from_addr, verdict);
        CREATE INDEX IF NOT EXISTS items_from_domain ON items (from_domain, verdict);
        CREATE INDEX IF NOT EXISTS items_sensitivity_level ON items (sensitivity_level, verdict);
        CREATE INDEX IF NOT EXISTS items_kind_day ON items (kind, date_day, verdict);
        CREATE INDEX IF NOT EXISTS items_path ON items (path);
        CREATE INDEX IF NOT EXISTS findings_severity ON findings (severity, id);
        CREATE INDEX IF NOT EXISTS findings_related ON findings (related_path);
        CREATE TABLE item_categories (
            item_id INTEGER NOT NULL,     -- items.id (no FOREIGN KEY: rows go with the item)
            category TEXT NOT NULL,
            PRIMARY KEY (item_id, category)
        );
        CREATE INDEX IF NOT EXISTS item_categories_category ON item_categories (category, item_id);
        INSERT OR IGNORE INTO item_categories (item_id, category)
            SELECT items.id, j.value FROM items, json_each(
                CASE WHEN json_valid(items.sensitivity) THEN items.sensitivity ELSE '{}' END,
                '$.categories') j
            WHERE j.type = 'text';
        CREATE TRIGGER items_categories_ai AFTER INSERT ON items
        WHEN json_valid(new.sensitivity) BEGIN
            INSERT OR IGNORE INTO item_categories (item_id, category)
            SELECT new.id, value FROM json_each(new.sensitivity, '$.categories')
            WHERE type = 'text';
        END;
        CREATE TRIGGER items_categories_au AFTER UPDATE OF sensitivity ON items BEGIN
            DELETE FROM item_categories WHERE item_id = old.id;
            INSERT OR IGNORE INTO item_categories (item_id, category)
            SELECT new.id, value FROM json_each(
                CASE WHEN json_valid(new.sensitivity) THEN new.sensitivity ELSE '{}' END,
                '$.categories')
            WHERE type = 'text';
        END;
        CREATE TRIGGER items_categories_ad AFTER DELETE ON items BEGIN
            DELETE FROM item_categories WHERE item_id = old.id;
        END;
        """,
    ),
    (
        # Review web UI, speed on 100,000 items: a narrow copy of the facet columns (search
        # filters and facet counts read ~100-byte rows instead of rows holding whole mail
        # bodies) and running counts per facet value and verdict (the dashboard and the
        # unfiltered list read a few hundred rows instead of scanning every item). Both are
        # kept in sync by triggers on items, so every writer keeps them right.
        "0003-review-counts",
        """
        CREATE TABLE item_facets (
            id INTEGER PRIMARY KEY,       -- items.id
            verdict TEXT, level TEXT, kind TEXT, mailbox TEXT, from_addr TEXT,
            from_domain TEXT, date_utc TEXT, day TEXT
        );
        CREATE INDEX IF NOT EXISTS item_facets_date ON item_facets (date_utc);
        CREATE INDEX IF NOT EXISTS item_facets_verdict ON item_facets (verdict);
        CREATE INDEX IF NOT EXISTS item_facets_level ON item_facets (level);
        CREATE INDEX IF NOT EXISTS item_facets_mailbox ON item_facets (mailbox);
        CREATE INDEX IF NOT EXISTS item_facets_from_addr ON item_facets (from_addr);
        CREATE INDEX IF NOT EXISTS item_facets_from_domain ON item_facets (from_domain);
        CREATE TABLE item_counts (
            facet TEXT NOT NULL,          -- kind|level|mailbox|sender|domain|day|email-day|category
            value TEXT NOT NULL,          -- '' for a missing value
            verdict TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (facet, value, verdict)
        );
        CREATE TRIGGER item_facets_count_ai AFTER INSERT ON item_facets BEGIN
            INSERT INTO item_counts (facet, value, verdict, n) VALUES
                   ('kind', COALESCE(new.kind, ''), new.verdict, 1),
                   ('level', COALESCE(new.level, ''), new.verdict, 1),
                   ('mailbox', COALESCE(new.mailbox, ''), new.verdict, 1),
                   ('sender', COALESCE(new.from_addr, ''), new.verdict, 1),
                   ('domain', COALESCE(new.from_domain, ''), new.verdict, 1),
                   ('day', COALESCE(new.day, ''), new.verdict, 1),
                   ('email-day', COALESCE(new.day, ''), new.verdict, CASE WHEN new.kind = 'email' THEN 1 ELSE 0 END)
            ON CONFLICT (facet, value, verdict) DO UPDATE SET n = n + excluded.n;
        END;
        CREATE TRIGGER item_facets_count_ad AFTER DELETE ON item_facets BEGIN
            INSERT INTO item_counts (facet, value, verdict, n) VALUES
                   ('kind', COALESCE(old.kind, ''), old.verdict, -1),
                   ('level', COALESCE(old.level, ''), old.verdict, -1),
                   ('mailbox', COALESCE(old.mailbox, ''), old.verdict, -1),
                   ('sender', COALESCE(old.from_addr, ''), old.verdict, -1),
                   ('domain', COALESCE(old.from_domain, ''), old.verdict, -1),
                   ('day', COALESCE(old.day, ''), old.verdict, -1),
                   ('email-day', COALESCE(old.day, ''), old.verdict, CASE WHEN old.kind = 'email' THEN -1 ELSE 0 END)
            ON CONFLICT (facet, value, verdict) DO UPDATE SET n = n + excluded.n;
        END;
        INSERT INTO item_facets (id, verdict, level, kind, mailbox, from_addr, from_domain,
                                 date_utc, day)
            SELECT id, verdict, sensitivity_level, kind, mailbox, from_addr, from_domain,
                   date_utc, date_day FROM items;
        INSERT INTO item_counts (facet, value, verdict, n)
            SELECT 'category', category, '', COUNT(*) FROM item_categories GROUP BY category;
        CREATE TRIGGER item_categories_count_ai AFTER INSERT ON item_categories BEGIN
            INSERT INTO item_counts (facet, value, verdict, n) VALUES ('category', new.category, '', 1)
            ON CONFLICT (facet, value, verdict) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER item_categories_count_ad AFTER DELETE ON item_categories BEGIN
            INSERT INTO item_counts (facet, value, verdict, n) VALUES ('category', old.category, '', -1)
            ON CONFLICT (facet, value, verdict) DO UPDATE SET n = n - 1;
        END;
        CREATE TRIGGER items_facets_ai AFTER INSERT ON items BEGIN
            INSERT INTO item_facets (id, verdict, level, kind, mailbox, from_addr, from_domain,
                                     date_utc, day)
            VALUES (new.id, new.verdict, new.sensitivity_level, new.kind, new.mailbox,
                    new.from_addr, new.from_domain, new.date_utc, new.date_day);
        END;
        CREATE TRIGGER items_facets_ad AFTER DELETE ON items BEGIN
            DELETE FROM item_facets WHERE id = old.id;
        END;
        CREATE TRIGGER items_facets_au AFTER UPDATE OF verdict, sensitivity_level, kind, mailbox,
            from_addr, date_utc ON items
        WHEN old.verdict IS NOT new.verdict OR old.sensitivity_level IS NOT new.sensitivity_level
            OR old.kind IS NOT new.kind OR old.mailbox IS NOT new.mailbox
            OR old.from_addr IS NOT new.from_addr OR old.date_utc IS NOT new.date_utc BEGIN
            DELETE FROM item_facets WHERE id = old.id;
            INSERT INTO item_facets (id, verdict, level, kind, mailbox, from_addr, from_domain,
                                     date_utc, day)
            VALUES (new.id, new.verdict, new.sensitivity_level, new.kind, new.mailbox,
                    new.from_addr, new.from_domain, new.date_utc, new.date_day);
        END;
        """,
    ),
    (
        # Scan speed: the full-text index is filled in bulk, not row by row. A per-row trigger
        # insert into the FTS5 index cost about 1.1 ms per 17 KB mail; one INSERT ... SELECT
        # over a few thousand new rows costs about a third of that (bench/scan.py). New rows
        # wait in `fts_pending` until `Case.index_pending()` indexes them (the scan calls it
        # as it goes and at the end). An external-content FTS5 'delete' of a row that was never
        # indexed corrupts the index, so deletes and updates of a pending row skip the index.
        "0004-fts-bulk",
        """
        CREATE TABLE fts_pending (
            id INTEGER PRIMARY KEY        -- items.id written but not yet in items_fts
        );
        DROP TRIGGER items_ai;
        DROP TRIGGER items_ad;
        DROP TRIGGER items_au;
        CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
            INSERT INTO fts_pending (id) VALUES (new.id);
        END;
        CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
            INSERT INTO items_fts (items_fts, rowid, subject, from_addr, from_name, body_text, filename)
            SELECT 'delete', old.id, old.subject, old.from_addr, old.from_name, old.body_text,
                   old.filename
            WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
            DELETE FROM fts_pending WHERE id = old.id;
        END;
        CREATE TRIGGER items_au AFTER UPDATE OF subject, from_addr, from_name, body_text,
            filename ON items
        WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id) BEGIN
            INSERT INTO items_fts (items_fts, rowid, subject, from_addr, from_name, body_text, filename)
            VALUES ('delete', old.id, old.subject, old.from_addr, old.from_name, old.body_text,
                    old.filename);
            INSERT INTO items_fts (rowid, subject, from_addr, from_name, body_text, filename)
            VALUES (new.id, new.subject, new.from_addr, new.from_name, new.body_text, new.filename);
        END;
        """,
    ),
    (
        # Scan speed, continued: the facet rows, running counts and categories of new items
        # are added in bulk by the same pass as the full-text index (`Case.index_pending`),
        # not by per-row triggers (which cost the single writer about 0.14 ms per mail, a
        # seventh of its time). Updates of an item already counted keep their triggers; an
        # update of a pending item has nothing to adjust yet.
        "0005-facets-bulk",
        """
        -- Rows still pending from 0004 got their facets from the old triggers: finish them.
        INSERT INTO items_fts (rowid, subject, from_addr, from_name, body_text, filename)
            SELECT i.id, i.subject, i.from_addr, i.from_name, i.body_text, i.filename
            FROM fts_pending p JOIN items i ON i.id = p.id;
        DELETE FROM fts_pending;
        DROP TRIGGER items_facets_ai;
        DROP TRIGGER items_categories_ai;
        DROP TRIGGER item_facets_count_ai;
        DROP TRIGGER items_facets_au;
        DROP TRIGGER items_categories_au;
        CREATE TRIGGER items_facets_au AFTER UPDATE OF verdict, sensitivity_level, kind, mailbox,
            from_addr, date_utc ON items
        WHEN (old.verdict IS NOT new.verdict OR old.sensitivity_level IS NOT new.sensitivity_level
            OR old.kind IS NOT new.kind OR old.mailbox IS NOT new.mailbox
            OR old.from_addr IS NOT new.from_addr OR old.date_utc IS NOT new.date_utc)
            AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id) BEGIN
            DELETE FROM item_facets WHERE id = old.id;
            INSERT INTO item_facets (id, verdict, level, kind, mailbox, from_addr, from_domain,
                                     date_utc, day)
            VALUES (new.id, new.verdict, new.sensitivity_level, new.kind, new.mailbox,
                    new.from_addr, new.from_domain, new.date_utc, new.date_day);
            INSERT INTO item_counts (facet, value, verdict, n) VALUES
                   ('kind', COALESCE(new.kind, ''), new.verdict, 1),
                   ('level', COALESCE(new.sensitivity_level, ''), new.verdict, 1),
                   ('mailbox', COALESCE(new.mailbox, ''), new.verdict, 1),
                   ('sender', COALESCE(new.from_addr, ''), new.verdict, 1),
                   ('domain', COALESCE(new.from_domain, ''), new.verdict, 1),
                   ('day', COALESCE(new.date_day, ''), new.verdict, 1),
                   ('email-day', COALESCE(new.date_day, ''), new.verdict,
                    CASE WHEN new.kind = 'email' THEN 1 ELSE 0 END)
            ON CONFLICT (facet, value, verdict) DO UPDATE SET n = n + excluded.n;
        END;
        CREATE TRIGGER items_categories_au AFTER UPDATE OF sensitivity ON items
        WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id) BEGIN
            DELETE FROM item_categories WHERE item_id = old.id;
            INSERT OR IGNORE INTO item_categories (item_id, category)
            SELECT new.id, value FROM json_each(
                CASE WHEN json_valid(new.sensitivity) THEN new.sensitivity ELSE '{}' END,
                '$.categories')
            WHERE type = 'text';
        END;
        """,
    ),
]


def apply_migrations(conn: sqlite3.Connection) -> list[str]:
    """Apply the migrations this database lacks; return their names."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    applied = []
    for name, sql in MIGRATIONS:
        if name in done:
            continue
        with conn:
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        applied.append(name)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    current: list[str] = []
    for line in sql.splitlines():
        current.append(line)
        candidate = "\n".join(current).strip()
        if candidate and sqlite3.complete_statement(candidate):
            statements.append(candidate)
            current = []
    rest = "\n".join(current).strip()
    if rest:
        statements.append(rest)
    return statements
