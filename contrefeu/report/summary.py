"""The numbers of a leak report, computed from the case (what report.json holds)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from contrefeu import __version__
from contrefeu.model import SEVERITY_RANK, VERDICTS
from contrefeu.store import Case

NON_AUTHENTIC_LIMIT = 2000   # items listed in full in the report; the export has them all


def _by(case: Case, column: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for row in case.conn.execute(
        f"SELECT COALESCE({column}, '(none)') AS k, verdict, COUNT(*) AS n FROM items "  # noqa: S608
        "GROUP BY k, verdict ORDER BY k"
    ):
        out[row["k"]][row["verdict"]] = row["n"]
    return dict(out)


def _by_signing_domain(case: Case) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for row in case.conn.execute(
        "SELECT s.domain, s.result, COUNT(*) AS n FROM signatures s WHERE s.kind = 'dkim' "
        "GROUP BY s.domain, s.result ORDER BY s.domain"
    ):
        out[row["domain"] or "(none)"][row["result"]] += row["n"]
    return {k: dict(v) for k, v in out.items()}


def _timeline(case: Case) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for row in case.conn.execute(
        "SELECT substr(date_utc, 1, 10) AS day, verdict, COUNT(*) AS n FROM items "
        "WHERE kind = 'email' AND date_utc IS NOT NULL GROUP BY day, verdict ORDER BY day"
    ):
        out[row["day"]][row["verdict"]] = row["n"]
    return dict(out)


def _non_authentic(case: Case) -> list[dict[str, Any]]:
    rows = case.conn.execute(
        "SELECT * FROM items WHERE verdict NOT IN ('authentic', 'unverified') "
        "OR id IN (SELECT item_id FROM findings WHERE severity IN ('high', 'medium')) "
        "ORDER BY path LIMIT ?",
        (NON_AUTHENTIC_LIMIT,),
    ).fetchall()
    listed = []
    for row in rows:
        findings = [f for f in case.findings_of(row["id"]) if f.severity != "info"]
        if row["verdict"] in ("authentic", "unverified") and not findings:
            continue
        listed.append({
            "path": row["path"], "sha256": row["sha256"], "kind": row["kind"],
            "verdict": row["verdict"], "from": row["from_addr"], "subject": row["subject"],
            "date": row["date"], "findings": [f.to_dict() for f in findings],
            "severity": max((SEVERITY_RANK[f.severity] for f in findings), default=0),
        })
    order = {v: n for n, v in enumerate(("forged", "altered", "planted", "decoy", "malformed",
                                         "unverified", "authentic"))}
    listed.sort(key=lambda x: (order.get(x["verdict"], 9), -x["severity"], x["path"]))
    return listed


SENSITIVITY_LEVELS = ("critical", "high", "medium", "low", "none")


def _sensitivity(case: Case) -> dict[str, Any]:
    levels = {level: 0 for level in SENSITIVITY_LEVELS}
    categories: Counter[str] = Counter()
    for row in case.conn.execute(
        "SELECT sensitivity_level, sensitivity FROM items WHERE sensitivity IS NOT NULL"
    ):
        levels[row["sensitivity_level"]] = levels.get(row["sensitivity_level"], 0) + 1
        categories.update(json.loads(row["sensitivity"]).get("categories", []))
    most = [
        {"path": r["path"], "sha256": r["sha256"], "level": r["sensitivity_level"],
         "categories": json.loads(r["sensitivity"]).get("categories", []),
         "subject": r["subject"]}
        for r in case.conn.execute(
            "SELECT path, sha256, sensitivity_level, sensitivity, subject FROM items "
            "WHERE sensitivity_level IN ('critical', 'high') "
            "ORDER BY sensitivity_level = 'critical' DESC, path LIMIT 200")
    ]
    return {"levels": levels, "categories": dict(categories.most_common()), "most_sensitive": most}


def _decisions(case: Case) -> list[dict[str, Any]]:
    """The latest reviewer decision per item (by SHA-256), with the item's paths."""
    rows = case.conn.execute(
        """SELECT d.sha256, d.decision, d.note, d.reviewer, d.created_at,
                  (SELECT GROUP_CONCAT(path, ' | ') FROM items i WHERE i.sha256 = d.sha256) AS paths,
                  (SELECT verdict FROM items i WHERE i.sha256 = d.sha256 LIMIT 1) AS verdict
           FROM decisions d
           WHERE d.id = (SELECT MAX(id) FROM decisions e WHERE e.sha256 = d.sha256)
           ORDER BY d.created_at, d.id"""
    ).fetchall()
    return [dict(r) for r in rows]


def build_summary(case: Case) -> dict[str, Any]:
    verdicts = {v: 0 for v in VERDICTS}
    for row in case.conn.execute("SELECT verdict, COUNT(*) AS n FROM items GROUP BY verdict"):
        verdicts[row["verdict"]] = row["n"]
    kinds = {r["kind"]: r["n"] for r in case.conn.execute(
        "SELECT kind, COUNT(*) AS n FROM items GROUP BY kind ORDER BY kind")}
    return {
        "tool": f"contrefeu {__version__}",
        "case": case.path.name,
        "items": sum(verdicts.values()),
        "kinds": kinds,
        "verdicts": verdicts,
        "by_mailbox": _by(case, "mailbox"),
        "by_signing_domain": _by_signing_domain(case),
        "timeline": _timeline(case),
        "recovered_keys": [
            {"name": k["name"], "bits": k["bits"], "from_items": len(k["from_items"]),
             "matches_archive": k["matches_archive"]}
            for k in case.recovered_keys()
        ],
        "non_authentic": _non_authentic(case),
        "sensitivity": _sensitivity(case),
        "decisions": _decisions(case),
    }
