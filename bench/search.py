"""Review UI search and dashboard speed on a 100,000-item case, against a bare COUNT(*).

    python bench/search.py [--items 100000] [--keep DIR]

Generates a case through the real write path (`Case.write_items`, so the FTS index, triggers
and facet indexes are the real ones) with realistic French/English mail text, senders,
mailboxes, dates, verdicts, findings and sensitivity, then prints the median time of
(a) a bare `SELECT COUNT(*) FROM items`, (b) each of 20 typical searches rendered through the
app (HTML list page with facets), (c) the dashboard page, with the ratios to (a).
Goals: dashboard under 20x COUNT(*), search p50 under 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contrefeu.model import Finding, ItemRecord, SignatureResult  # noqa: E402
from contrefeu.store import Case  # noqa: E402

WORDS = (
    "campagne réunion budget presse programme meeting facture devis virement salle train "
    "candidate policy draft agenda volunteers rally fundraising débat sondage région hôtel "
    "logistique transport bénévoles communiqué journaliste interview sécurité badge accès "
    "invoice quote bank statement transfer supplier printing leaflets posters venue catering "
    "mot de passe compte accès serveur lundi mardi mercredi jeudi vendredi urgent merci "
    "bonjour cordialement équipe meeting Lyon Paris Marseille Lille Bordeaux Nantes"
).split()
PEOPLE = [
    f"{first}.{last}"
    for first in ("claire", "paul", "ana", "marc", "lea", "yann", "sofia", "hugo", "ines", "theo")
    for last in ("martin", "durand", "bernard", "petit", "moreau", "girard")
]
DOMAINS = [
    "avenir-commun.fr",
    "gazette.example",
    "imprimerie-rapide.example",
    "banque-horizon.example",
    "palais-congres.example",
    "mailer-pro.example",
    "webmail.example",
    "herald.example",
]
MAILBOXES = [
    "tresorerie",
    "presse",
    "programme",
    "evenements",
    "direction",
    "benevoles",
    "securite",
    "archives",
]
VERDICTS = (
    ["unverified"] * 60 + ["authentic"] * 30 + ["altered", "forged", "planted", "malformed"] * 2
)
LEVELS = ["none"] * 5 + ["low"] * 3 + ["medium"] * 2 + ["high", "critical"]
CATEGORIES = ["finance", "programme", "events", "press", "personal", "security"]
SEARCHES = [
    "facture",
    "virement",
    "meeting Lyon",
    "presse*",
    '"bank statement"',
    "budget -draft",
    "mot de passe",
    "bénévoles",
    "invoice supplier",
    "sondage",
    "hôtel Paris",
    "urgent",
    "transf*",
    '"salle du meeting"',
    "journaliste interview",
    "leaflets posters",
    "sécurité badge",
    "catering venue",
    "Marseille -Lyon",
    "devis imprimerie",
]


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words with Zipf frequencies, as in real mail: the campaign's words sit at ranks
    30-2,000 among 6,000 (so a typical query word is in roughly 0.5-15% of messages)."""
    syllables = [
        "ba",
        "ce",
        "di",
        "fo",
        "gu",
        "la",
        "me",
        "ni",
        "po",
        "ru",
        "sa",
        "te",
        "vi",
        "zo",
        "an",
        "en",
        "on",
        "ou",
        "ri",
        "que",
    ]
    filler = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(9000)})
    rng.shuffle(filler)
    vocabulary = filler[: 6000 - len(WORDS)]
    for word in WORDS:
        vocabulary.insert(rng.randint(30, 2000), word)
    cumulative, total = [], 0.0
    for rank in range(1, len(vocabulary) + 1):
        total += 1.0 / rank
        cumulative.append(total)
    return vocabulary, cumulative


def _records(n: int, seed: int = 7) -> Iterator[ItemRecord]:
    rng = random.Random(seed)
    vocabulary, cumulative = _vocabulary(rng)
    start = datetime(2017, 1, 1, tzinfo=UTC)
    for i in range(n):
        words = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(40, 250))
        body = " ".join(words).capitalize() + "."
        sender = f"{rng.choice(PEOPLE)}@{rng.choice(DOMAINS)}"
        when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 150))
        verdict = rng.choice(VERDICTS)
        level = rng.choice(LEVELS)
        sha = hashlib.sha256(f"item-{i}".encode()).hexdigest()
        findings = []
        if verdict != "unverified" and verdict != "authentic":
            findings.append(
                Finding(
                    f"bench-{verdict}",
                    rng.choice(["medium", "high"]),
                    f"Synthetic {verdict} evidence for item {i}.",
                )
            )
        elif rng.random() < 0.1:
            findings.append(Finding("bench-note", "low", "Synthetic note."))
        yield ItemRecord(
            path=f"{rng.choice(MAILBOXES)}/{i:06d}.eml",
            sha256=sha,
            kind="email",
            size=len(body) + 400,
            container="eml",
            verdict=verdict,
            mailbox=rng.choice(MAILBOXES),
            message_id=f"<{i}@bench.example>",
            date=when.isoformat(),
            date_utc=when.isoformat(),
            from_addr=sender,
            from_name=sender.split("@")[0].replace(".", " ").title(),
            to_addrs=[f"{rng.choice(PEOPLE)}@avenir-commun.fr"],
            subject=" ".join(
                rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(2, 7))
            ).capitalize(),
            body_text=body,
            content_type="text/plain",
            analysis_key=f"bench:{sha}",
            signatures=[
                SignatureResult(
                    sender.split("@")[1],
                    "s1",
                    "rsa-sha256",
                    "pass" if verdict == "authentic" else "no-key",
                    "",
                )
            ],
            findings=findings,
            sensitivity={
                "level": level,
                "categories": rng.sample(CATEGORIES, rng.randint(0, 2)),
                "spans": [],
            },
        )


def build_case(path: Path, n: int) -> float:
    start = time.perf_counter()
    batch: list[ItemRecord] = []
    with Case.open(path) as case:
        for record in _records(n):
            batch.append(record)
            if len(batch) == 2000:
                case.write_items("bench-dump", batch)
                batch = []
        case.write_items("bench-dump", batch)
        case.conn.execute("PRAGMA optimize")
    return time.perf_counter() - start


def median_time(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm the page cache and the app's connection once
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="keep the generated case in this folder")
    args = parser.parse_args()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from contrefeu.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "bench-search.db"
        path.unlink(missing_ok=True)
        built = build_case(path, args.items)
        print(
            f"case: {args.items:,} items written in {built:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB)"
        )

        conn = sqlite3.connect(path)
        count = median_time(lambda: conn.execute("SELECT COUNT(*) FROM items").fetchone(), 20)
        client = TestClient(create_app(path), base_url="http://127.0.0.1:8750")

        def page(url: str) -> Callable[[], object]:
            def fetch() -> object:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            return fetch

        search_times, hits = [], []
        for query in SEARCHES:
            search_times.append(median_time(page(f"/items?q={query}"), 5))
            hits.append(
                client.get("/api/items", params={"q": query, "per_page": 1}).json()["total"]
            )
        print(
            f"matches per query: median {statistics.median(hits):,.0f}, max {max(hits):,} "
            f"of {args.items:,}"
        )
        facet_times = [
            median_time(page(url), 5)
            for url in (
                "/items",
                "/items?verdict=altered&level=high",
                "/items?q=facture&domain=gazette.example",
                "/items?category=finance&mailbox=tresorerie",
                "/items?from=2017-03&to=2017-03",
            )
        ]
        dashboard = median_time(page("/"), 20)
        p50 = statistics.median(search_times)
        print(f"bare COUNT(*)                       {count * 1000:8.2f} ms")
        print(
            f"search p50 (20 queries, with facets) {p50 * 1000:8.2f} ms   "
            f"{p50 / count:7.1f}x COUNT(*)   goal < 100 ms: "
            f"{'met' if p50 < 0.1 else 'NOT met'}"
        )
        print(f"search max                          {max(search_times) * 1000:8.2f} ms")
        print(
            f"facet-only lists p50                {statistics.median(facet_times) * 1000:8.2f} ms"
        )
        print(
            f"dashboard                           {dashboard * 1000:8.2f} ms   "
            f"{dashboard / count:7.1f}x COUNT(*)   goal < 20x: "
            f"{'met' if dashboard / count < 20 else 'NOT met'}"
        )
        conn.close()


if __name__ == "__main__":
    main()
