"""Search, facets, paging, dashboard numbers and decisions on a real case file."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from contrefeu.errors import UsageError
from contrefeu.store import Case
from contrefeu.store.decisions import (
    decisions_for,
    latest_decisions,
    latest_decisions_for,
    record_decision,
)
from contrefeu.web import queries
from contrefeu.web.queries import Filters


@pytest.fixture(scope="module")
def conn(review_case):
    connection = sqlite3.connect(review_case.path)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def _search(conn, **params):
    filters = Filters.from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    return queries.search(conn, filters, int(params.get("page", 1)))


def _facet(result, name):
    return {v.value: v.count for f in result.facets if f.name == name for v in f.values}


def test_unfiltered_facets_are_exact(conn):
    result = _search(conn)
    assert result.total == 66
    assert _facet(result, "verdict") == {
        "unverified": 52,
        "forged": 12,
        "altered": 1,
        "authentic": 1,
    }
    assert _facet(result, "level") == {
        "critical": 20,
        "low": 20,
        "none": 20,
        "(none)": 4,
        "high": 1,
        "medium": 1,
    }
    assert _facet(result, "category") == {"programme": 30, "press": 30, "finance": 2, "events": 1}
    assert _facet(result, "domain")["avenir-commun.fr"] == 44
    assert _facet(result, "month") == {"2017-05": 5, "2017-06": 60}
    assert _facet(result, "kind") == {"email": 65, "attachment": 1}


def test_filters_combine(conn):
    assert _search(conn, q="virement").total == 4
    assert _search(conn, q="virement", verdict="altered").total == 1
    assert _search(conn, q="virement", mailbox=["tresorerie", "copies"]).total == 3
    assert _search(conn, category="finance").total == 2
    assert _search(conn, level="(none)", kind="email").total == 3
    assert (
        _search(conn, domain="gazette.example", **{"from": "2017-06-03", "to": "2017-06-04"}).total
        == 3
    )
    assert _search(conn, **{"from": "2017-05", "to": "2017-05"}).total == 5
    assert _search(conn, **{"from": "garbage"}).total == 66  # ignored, not an error


def test_search_syntax_in_sql(conn):
    assert _search(conn, q="meet*").total == 62  # 60 meetings + 2 "salle du meeting"
    assert _search(conn, q='"salle du meeting" -liquide').rows[0]["path"] == (
        "tresorerie/original.eml"
    )
    assert _search(conn, q="-transports").total == 36  # 66 minus 30 with that word
    assert _search(conn, q='( "" ) * : -').total == 66  # nothing searchable: everything
    assert _search(conn, q="NEAR(a OR").total == 0  # operators are plain words


def test_paging_newest_first(conn):
    first, second = _search(conn), _search(conn, page="2")
    assert len(first.rows) == 50 and len(second.rows) == 16 and first.pages == 2
    dates = [r["date_utc"] or "" for r in first.rows + second.rows]
    assert dates == sorted(dates, reverse=True)
    assert not {r["id"] for r in first.rows} & {r["id"] for r in second.rows}


def test_selected_facet_value_stays_visible(conn):
    result = _search(conn, sender="nobody@nowhere.example")
    assert result.total == 0
    filters = Filters.from_params({"sender": ["a@x"], "q": ["lyon"]})
    assert filters.toggled("sender", "a@x") == [("q", "lyon")]
    assert filters.toggled("sender", "b@x") == [("q", "lyon"), ("sender", "a@x"), ("sender", "b@x")]


def test_dashboard_numbers(conn):
    data = queries.dashboard(conn)
    assert data.items == 66
    assert data.verdicts["forged"] == 12
    assert data.kinds == {"attachment": 1, "email": 65}
    assert sum(sum(c.values()) for _, c in data.timeline) == 65
    assert data.top_senders[0] == ("c.martin@avenir-commun.fr", 22)
    assert data.top_domains[0] == ("avenir-commun.fr", 44)
    assert data.serious_findings[0]["code"] == "near-duplicate-altered"
    assert [f["severity"] for f in data.serious_findings] == ["high"] + ["medium"] * 12


def test_decisions_latest_wins(tmp_path, review_case):
    path = tmp_path / "case.db"
    with sqlite3.connect(review_case.path) as source, sqlite3.connect(path) as target:
        source.backup(target)  # a copy of this session's case, WAL included
    sha = review_case.sha["original"]
    with Case.open(path) as case:
        early = datetime(2024, 1, 1, tzinfo=UTC)
        record_decision(case, sha, "needs-work", "Ana", "check the bank", now=early)
        record_decision(case, sha, "confirmed-authentic", "  Bob   Martin ", now=early)
        with pytest.raises(UsageError):
            record_decision(case, sha, "maybe", "Ana")
        with pytest.raises(UsageError):
            record_decision(case, sha, "needs-work", "   ")
        with pytest.raises(UsageError):
            record_decision(case, "0" * 64, "needs-work", "Ana")
        history = decisions_for(case, sha)
        assert [d.decision for d in history] == ["confirmed-authentic", "needs-work"]
        assert history[0].reviewer == "Bob Martin"
        assert latest_decisions(case)[sha] == {
            "decision": "confirmed-authentic",
            "note": "",
            "reviewer": "Bob Martin",
            "created_at": "2024-01-01T00:00:00+00:00",
        }
        assert set(latest_decisions_for(case, [sha, "f" * 64])) == {sha}


def test_migration_adds_facet_columns_and_category_triggers(tmp_path):
    from contrefeu.model import ItemRecord

    with Case.open(tmp_path / "c.db") as case:
        case.write_items(
            "d",
            [
                ItemRecord(
                    path="a.eml",
                    sha256="a" * 64,
                    kind="email",
                    size=1,
                    container="eml",
                    from_addr="Claire@Avenir-Commun.FR",
                    date_utc="2017-05-01T10:00:00+00:00",
                    sensitivity={"level": "high", "categories": ["finance", "press"], "spans": []},
                )
            ],
        )
        conn = case.conn
        row = conn.execute("SELECT from_domain, date_day FROM items").fetchone()
        assert tuple(row) == ("avenir-commun.fr", "2017-05-01")
        cats = lambda: sorted(r[0] for r in conn.execute("SELECT category FROM item_categories"))  # noqa: E731
        assert cats() == ["finance", "press"]
        conn.execute(
            "UPDATE items SET sensitivity = ?",
            (json.dumps({"level": "low", "categories": ["events"]}),),
        )
        assert cats() == ["events"]
        conn.execute("UPDATE items SET sensitivity = 'not json'")  # must not break writes
        assert cats() == []
        conn.execute("DELETE FROM items")
        assert conn.execute("SELECT COUNT(*) FROM item_categories").fetchone()[0] == 0
