"""The cross-item phase: what only the whole dump can tell about each item.

Runs in the driver after the per-item scan, reading the case and writing findings of stage
`cross`, then the final verdicts. Every stage is linear in the number of items (near-duplicate
search goes through an LSH index, never all pairs), and a re-run recomputes the stage's
findings instead of adding to them.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from contrefeu.leak.docforensics import DocFacts, doc_findings
from contrefeu.leak.neardup import near_duplicate_clusters, word_diff
from contrefeu.leak.senders import EmailFacts, relay_domains, sender_findings
from contrefeu.leak.structure import FolderItem, folder_of, structure_findings
from contrefeu.leak.threads import ThreadMessage, thread_findings
from contrefeu.leak.verdict import DECOY_CODES, combine, decide_attachment
from contrefeu.model import Finding
from contrefeu.org import OrgProfile
from contrefeu.store import Case

Progress = Callable[[str, float], None]


@dataclass
class CrossItemReport:
    seconds: dict[str, float] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    clusters: int = 0


class _Timer:
    def __init__(self, report: CrossItemReport, progress: Progress | None) -> None:
        self.report, self.progress = report, progress

    def stage(
        self, name: str, fn: Callable[[], dict[int, list[Finding]]], out: dict[int, list[Finding]]
    ) -> dict[int, list[Finding]]:
        if self.progress:
            self.progress(name, 0.0)
        started = time.perf_counter()
        result = fn()
        self.report.seconds[name] = time.perf_counter() - started
        self.report.findings[name] = sum(len(v) for v in result.values())
        for item_id, findings in result.items():
            out[item_id].extend(findings)
        return result


def _leaves_org(recipients: list[str], org: OrgProfile) -> bool:
    if not org.domains:
        return True
    return any(not org.owns_domain(r.rpartition("@")[2]) for r in recipients)


def _load_emails(case: Case, org: OrgProfile) -> list[EmailFacts]:
    passing: dict[int, set[str]] = defaultdict(set)
    signed: dict[int, set[str]] = defaultdict(set)
    for row in case.conn.execute(
        "SELECT item_id, domain, result FROM signatures WHERE kind = 'dkim'"
    ):
        signed[row["item_id"]].add((row["domain"] or "").lower())
        if row["result"] == "pass":
            passing[row["item_id"]].add((row["domain"] or "").lower())
    emails = []
    for row in case.conn.execute(
        "SELECT id, path, from_addr, to_addrs, date_utc, header_facts, item_verdict, message_id "
        "FROM items "
        "WHERE kind = 'email' ORDER BY path, dump"
    ):
        facts = json.loads(row["header_facts"] or "{}")
        emails.append(
            EmailFacts(
                item_id=row["id"],
                path=row["path"],
                from_addr=row["from_addr"],
                date_utc=row["date_utc"],
                offset_minutes=facts.get("date_offset_minutes"),
                mailer_family=facts.get("mailer_family"),
                message_id_domain=facts.get("message_id_domain"),
                message_id_shape=facts.get("message_id_shape"),
                relay_domains=relay_domains(facts.get("hops") or []),
                passing_domains=frozenset(passing.get(row["id"], ())),
                signed_domains=frozenset(signed.get(row["id"], ())),
            external=_leaves_org(json.loads(row["to_addrs"] or "[]"), org),
            message_id=row["message_id"],
                verdict=row["item_verdict"],
            )
        )
    return emails


def _body(case: Case, item_id: int) -> str:
    row = case.conn.execute("SELECT body_text FROM items WHERE id = ?", (item_id,)).fetchone()
    return (row["body_text"] or "") if row else ""


def _threads(case: Case) -> dict[int, list[Finding]]:
    messages = [
        ThreadMessage(
            r["id"],
            r["path"],
            r["message_id"],
            r["date_utc"],
            r["in_reply_to"],
            json.loads(r["thread_refs"] or "[]"),
        )
        for r in case.conn.execute(
            "SELECT id, path, message_id, date_utc, in_reply_to, thread_refs FROM items "
            "WHERE kind = 'email' ORDER BY path, dump"
        )
    ]
    return thread_findings(messages, lambda item_id: _body(case, item_id))


def _claims_same_message(a: dict, b: dict) -> bool:  # type: ignore[type-arg]
    if a["message_id"] and b["message_id"]:
        return bool(a["message_id"] == b["message_id"])
    return bool(
        a["subject"]
        and (a["subject"], a["from_addr"], a["date_utc"])
        == (b["subject"], b["from_addr"], b["date_utc"])
    )


def _near_duplicates(case: Case, report: CrossItemReport) -> dict[int, list[Finding]]:
    rows = {
        r["id"]: dict(r)
        for r in case.conn.execute(
            "SELECT id, path, sha256, kind, message_id, subject, from_addr, date_utc, "
            "item_verdict, minhash FROM items WHERE minhash IS NOT NULL"
        )
    }
    clusters = near_duplicate_clusters((i, r["minhash"]) for i, r in sorted(rows.items()))
    report.clusters = len(clusters)
    out: dict[int, list[Finding]] = defaultdict(list)
    for cluster in clusters:
        # Paths, not row ids, order everything: ids depend on the order workers finished in.
        members = sorted((rows[i] for i in cluster), key=lambda m: m["path"])  # type: ignore[index]
        originals = [m for m in members if m["item_verdict"] == "authentic"]
        for member in members:
            if member["item_verdict"] not in ("unverified", "malformed"):
                continue
            # The original it claims to be comes first; any authentic look-alike after it.
            candidates = [o for o in originals if o["sha256"] != member["sha256"]]
            original = next((o for o in candidates if _claims_same_message(o, member)),
                            candidates[0] if candidates else None)
            if original is None:
                continue
            diff = word_diff(_body(case, original["id"]), _body(case, member["id"]))
            if diff.identical:
                out[member["id"]].append(
                    Finding(
                        "neardup-copy-of-authentic",
                        "info",
                        "The text of this item is the same as that of an authentic item.",
                        related_path=original["path"],
                    )
                )
            elif _claims_same_message(original, member):
                out[member["id"]].append(
                    Finding(
                        "neardup-altered-copy",
                        "high",
                        "This item claims to be the same message as an authentic item but its text "
                        f"differs: {diff.summary()}.",
                        related_path=original["path"],
                    )
                )
            else:
                out[member["id"]].append(
                    Finding(
                        "neardup-variant",
                        "low",
                        f"This item's text is close to an authentic item's: {diff.summary()}.",
                        related_path=original["path"],
                    )
                )
    return out


def _documents(case: Case, org: OrgProfile) -> dict[int, list[Finding]]:
    last_mail = case.conn.execute(
        "SELECT MAX(date_utc) FROM items WHERE kind = 'email' AND date_utc IS NOT NULL"
    ).fetchone()[0]
    sent = {
        (r["dump"], r["path"]): r["date_utc"]
        for r in case.conn.execute("SELECT dump, path, date_utc FROM items WHERE kind = 'email'")
    }
    docs = [
        DocFacts(
            r["id"],
            r["path"],
            json.loads(r["doc_meta"]),
            sent.get((r["dump"], r["parent_path"])) if r["parent_path"] else None,
        )
        for r in case.conn.execute(
            "SELECT id, dump, path, parent_path, doc_meta FROM items WHERE doc_meta IS NOT NULL "
            "ORDER BY path, dump"
        )
    ]
    return doc_findings(docs, org, last_mail)


def _structure(case: Case, docs: dict[int, list[Finding]]) -> dict[int, list[Finding]]:
    attached = {
        r[0] for r in case.conn.execute("SELECT sha256 FROM items WHERE kind = 'attachment'")
    }
    referenced = set()
    for row in case.conn.execute("SELECT in_reply_to, thread_refs FROM items WHERE kind = 'email'"):
        referenced.update(json.loads(row["thread_refs"] or "[]"))
        if row["in_reply_to"]:
            referenced.add(row["in_reply_to"])
    rows = case.conn.execute(
        "SELECT id, dump, path, kind, sha256, message_id, from_addr, to_addrs FROM items "
        "WHERE parent_path IS NULL ORDER BY path, dump"
    ).fetchall()
    folders_of_address: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        if row["kind"] == "email":
            for address in [row["from_addr"], *json.loads(row["to_addrs"] or "[]")]:
                if address:
                    folders_of_address[address.lower()].add((row["dump"], folder_of(row["path"])))
    items = []
    for row in rows:
        folder = (row["dump"], folder_of(row["path"]))
        if row["kind"] == "email":
            addresses = [row["from_addr"], *json.loads(row["to_addrs"] or "[]")]
            connected = bool(row["message_id"] and row["message_id"] in referenced) or any(
                a and folders_of_address[a.lower()] - {folder} for a in addresses
            )
        else:
            connected = row["sha256"] in attached
        codes = frozenset(f.code for f in docs.get(row["id"], []))
        items.append(
            FolderItem(
                row["id"], row["dump"], row["path"], row["kind"], row["sha256"], connected, codes
            )
        )
    return structure_findings(items)


def _seen_elsewhere(folders: set[tuple[str, str]], folder: tuple[str, str]) -> bool:
    return len(folders) > 1 or folder not in folders


def _decoy_carriers(case: Case) -> dict[int, list[Finding]]:
    """An email that carries a decoy attachment is the bait coming back too."""
    out: dict[int, list[Finding]] = defaultdict(list)
    for row in case.conn.execute(
        f"""SELECT DISTINCT p.id, c.path FROM items c
            JOIN items p ON p.dump = c.dump AND p.path = c.parent_path
            JOIN findings f ON f.item_id = c.id
            WHERE f.code IN ({",".join("?" * len(DECOY_CODES))}) ORDER BY c.path""",  # noqa: S608
        sorted(DECOY_CODES),
    ):
        out[row["id"]].append(
            Finding(
                "decoy-in-attachment",
                "high",
                "An attachment of this email matches the organisation's decoys.",
                related_path=row["path"],
            )
        )
    return out


def run_cross_item(
    case: Case, org: OrgProfile, progress: Progress | None = None
) -> CrossItemReport:
    """Run every cross-item stage, store their findings and the final verdicts."""
    report = CrossItemReport()
    timer = _Timer(report, progress)
    found: dict[int, list[Finding]] = defaultdict(list)
    timer.stage("senders", lambda: sender_findings(_load_emails(case, org), org), found)
    timer.stage("threads", lambda: _threads(case), found)
    timer.stage("near-duplicates", lambda: _near_duplicates(case, report), found)
    docs = timer.stage("documents", lambda: _documents(case, org), found)
    timer.stage("structure", lambda: _structure(case, docs), found)
    with case.conn:
        case.replace_stage_findings("cross", found)
        decoys = timer.stage("decoys", lambda: _decoy_carriers(case), defaultdict(list))
        for item_id, findings in decoys.items():
            case.conn.executemany(
                "INSERT INTO findings (item_id, stage, code, severity, detail, related_path) "
                "VALUES (?, 'cross', ?, ?, ?, ?)",
                [(item_id, f.code, f.severity, f.detail, f.related_path) for f in findings],
            )
        started = time.perf_counter()
        recombine(case)
        report.seconds["verdicts"] = time.perf_counter() - started
    return report


def recombine(case: Case) -> None:
    """Final verdicts of every item from its own verdict and all its findings."""
    findings: dict[int, list[Finding]] = defaultdict(list)
    for row in case.conn.execute(
        "SELECT item_id, code, severity, detail, related_path FROM findings ORDER BY id"
    ):
        findings[row["item_id"]].append(
            Finding(row["code"], row["severity"], row["detail"], row["related_path"])
        )
    rows = case.conn.execute(
        "SELECT id, dump, path, parent_path, kind, item_verdict, item_confidence, verdict, "
        "confidence FROM items "
        "ORDER BY parent_path IS NOT NULL, path"
    ).fetchall()
    final: dict[tuple[str, str], str] = {}
    updates = []
    for row in rows:
        decision = combine(
            row["item_verdict"], row["item_confidence"], row["kind"], findings.get(row["id"], [])
        )
        verdict, confidence = decision.verdict, decision.confidence
        if row["parent_path"] and verdict == "unverified":
            parent = final.get((row["dump"], row["parent_path"]))
            if parent == "authentic":
                verdict, confidence = "authentic", decide_attachment(parent, "").confidence
        final[(row["dump"], row["path"])] = verdict
        if (verdict, confidence) != (row["verdict"], row["confidence"]):
            updates.append((verdict, confidence, row["id"]))
    case.conn.executemany("UPDATE items SET verdict = ?, confidence = ? WHERE id = ?", updates)
