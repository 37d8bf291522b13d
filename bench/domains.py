"""Benchmark of the lookalike-domain scorer on real attacker and benign domains.

Prints, on the shared evaluation set (``../shared/data/domains`` beside the repository):
  * recall on the ``dev`` and ``test`` attack pairs, overall and per class: every attack
    domain is scored against all 233 targets at once (the protected brands), and counts as
    found when it is alerted with its own target among the alerted brands;
  * the false-alert rate on the 107,722 benign domains, scored against the same 233 targets
    (the hard setting) and against the 20 most frequent targets;
  * the same figures for dnstwist (every fuzzer, with its dictionaries and TLD list, plus our
    lure words): a domain is found when its registrable name is among the permutations;
  * throughput in domains/s on one core against 20 protected brands, with the ratio to a bare
    tokenisation loop over the same names measured in the same run (three runs by default,
    since the figure moves with machine load).

The scorer's weights come from ``python -m contrefeu.domains.train ../shared/data/domains``,
which reads only the ``dev`` pairs and the ``dev`` half of the benign names.

Usage: python bench/domains.py [--skip-dnstwist] [--quick]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contrefeu.domains.score import BrandIndex  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "domains"
MACRONLEAKS = [
    ("onedrive-en-marche.fr", "en-marche.fr"),
    ("mail-en-marche.fr", "en-marche.fr"),
    ("en-marche.co", "en-marche.fr"),
    ("accounts-office.fr", "office.com"),
    ("portal-office.fr", "office.com"),
]


def load_pairs() -> list[dict[str, str]]:
    with open(DATA / "attack_pairs_annotated.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_benign() -> list[str]:
    with open(DATA / "benign.csv", newline="", encoding="utf-8") as fh:
        return [row["domain"] for row in csv.DictReader(fh)]


def benign_half(domain: str) -> str:
    """Fixed split of the benign set: thresholds were tuned on the 'dev' half only."""
    return "dev" if hashlib.sha256(domain.encode()).digest()[0] % 2 == 0 else "test"


def found(index: BrandIndex, domain: str, target: str) -> bool:
    """Alerted with this target as the best target or among the brands it imitates."""
    result = index.score(domain)
    if not result.alert:
        return False
    if result.target == target:
        return True
    single = BrandIndex([target], threshold=index.threshold)
    return single.score(domain).alert


def recall_table(pairs: list[dict[str, str]], hits: list[bool]) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for split in ("dev", "test"):
        by_class: dict[str, list[bool]] = defaultdict(list)
        for pair, hit in zip(pairs, hits, strict=True):
            if pair["split"] == split:
                by_class[pair["class"]].append(hit)
                by_class["ALL"].append(hit)
        table[split] = {
            c: f"{sum(v) / len(v):6.1%} ({sum(v)}/{len(v)})" for c, v in sorted(by_class.items())
        }
    return table


def print_recall(title: str, table: dict[str, dict[str, str]]) -> None:
    print(f"\n{title}")
    classes = sorted(set(table["dev"]) | set(table["test"]), key=lambda c: (c != "ALL", c))
    print(f"  {'class':<16} {'dev':>20} {'test':>20}")
    for c in classes:
        print(f"  {c:<16} {table['dev'].get(c, '-'):>20} {table['test'].get(c, '-'):>20}")


def false_alerts(index: BrandIndex, benign: list[str]) -> tuple[Counter[str], list[str]]:
    counts: Counter[str] = Counter()
    alerted = []
    for d in benign:
        half = benign_half(d)
        counts[half] += 1
        if index.score(d).alert:
            counts[half + "-alert"] += 1
            alerted.append(d)
    return counts, alerted


def print_fp(title: str, counts: Counter[str]) -> None:
    total = counts["dev"] + counts["test"]
    alerts = counts["dev-alert"] + counts["test-alert"]
    print(
        f"  {title}: {alerts}/{total} = {alerts / total:.3%} alerted "
        f"(dev half {counts['dev-alert'] / counts['dev']:.3%}, "
        f"test half {counts['test-alert'] / counts['test']:.3%})"
    )


def throughput(names: list[str], brands: list[str], runs: int) -> None:
    from contrefeu.domains.normalise import letters_only
    from contrefeu.domains.suffixes import split_host

    index = BrandIndex(brands)
    index.score("warm-up.example.com")  # loads the word lists once
    print(f"\nThroughput against {len(brands)} protected brands, one core, {len(names):,} names")
    rates = []
    for run in range(1, runs + 1):
        split_host.cache_clear()  # cold cache: every name is new, as in a CT stream
        # Baseline: the least any scorer must do, lower-case and split each name into tokens.
        t0 = time.process_time()
        for name in names:
            for label in name.lower().split("."):
                letters_only(label).split("-")
        base = time.process_time() - t0
        t0 = time.process_time()
        for name in names:
            index.score(name)
        spent = time.process_time() - t0
        rates.append(len(names) / spent)
        print(
            f"  run {run}: baseline {len(names) / base:12,.0f} names/s, "
            f"BrandIndex.score {len(names) / spent:9,.0f} names/s "
            f"(ratio scorer/baseline time {spent / base:.1f}x)"
        )
    print(f"  range: {min(rates):,.0f} to {max(rates):,.0f} names/s")


def _dnstwist_permutations(target: str) -> set[str]:
    import dnstwist

    from contrefeu.domains.lexicon import lure_words
    from contrefeu.domains.score import registrable_domain

    fuzz = dnstwist.Fuzzer(
        target, dictionary=sorted(lure_words()), tld_dictionary=sorted(_dnstwist_tlds())
    )
    fuzz.generate()
    return {registrable_domain(d["domain"]) or d["domain"] for d in fuzz.domains} - {target}


def dnstwist_eval(pairs: list[dict[str, str]], benign: list[str]) -> tuple[list[bool], int]:
    """dnstwist hits per pair, and how many benign domains fall among its permutations.

    dnstwist runs with every fuzzer, our lure words as its dictionary and a generic TLD list
    (no attack TLD is looked at). A pair is found when its registrable domain is among the
    permutations generated for its target.
    """
    from multiprocessing import Pool

    from contrefeu.domains.score import registrable_domain

    targets = sorted({p["target"] for p in pairs})
    with Pool() as pool:
        perms = dict(zip(targets, pool.map(_dnstwist_permutations, targets), strict=True))
    union = set().union(*perms.values())
    hits = [p["registered_domain"] in perms[p["target"]] for p in pairs]
    benign_hits = sum(1 for d in benign if (registrable_domain(d) or d) in union)
    return hits, benign_hits


def _dnstwist_tlds() -> set[str]:
    # A generic list: the abused TLDs and the most common gTLDs/ccTLDs.
    from contrefeu.domains.suffixes import abused_tlds

    common = "com net org info biz co io me us uk de fr ru ua pl kr cn eu app online".split()
    return set(abused_tlds()) | set(common)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--skip-dnstwist", action="store_true")
    ap.add_argument("--quick", action="store_true", help="10,000 benign names only")
    ap.add_argument("--show-misses", choices=["dev", "test"], default=None)
    ap.add_argument("--show-false", type=int, default=0, help="print N benign alerts (dev half)")
    ap.add_argument("--throughput-runs", type=int, default=3)
    args = ap.parse_args()
    if not DATA.exists():
        print(f"evaluation data not found at {DATA}")
        return
    pairs = load_pairs()
    benign = load_benign()
    if args.quick:
        benign = benign[:10000]
    targets = sorted({p["target"] for p in pairs})
    top20 = [t for t, _ in Counter(p["target"] for p in pairs).most_common(20)]
    index = BrandIndex(targets)

    t0 = time.process_time()
    hits = [found(index, p["domain"], p["target"]) for p in pairs]
    print(f"contrefeu scorer, {len(targets)} protected targets, threshold {index.threshold}")
    print_recall("Recall (alerted with the pair's target)", recall_table(pairs, hits))
    if args.show_misses:
        for p, h in zip(pairs, hits, strict=True):
            if not h and p["split"] == args.show_misses:
                r = index.score(p["domain"])
                print("   miss", p["domain"], p["target"], p["class"], r.score, r.target, r.reasons)

    print("\nMacronLeaks domains")
    for domain, target in MACRONLEAKS:
        r = index.score(domain)
        ok = found(index, domain, target)
        print(
            f"  {domain:<24} -> {target:<14} alert={ok!s:<5} (best: {r.target} {r.score:.2f} {r.classes})"
        )

    print(f"\nFalse alerts on {len(benign):,} benign domains")
    counts, alerted = false_alerts(index, benign)
    print_fp(f"against all {len(targets)} targets (headline)", counts)
    counts20, _ = false_alerts(BrandIndex(top20), benign)
    print_fp("against the 20 most frequent targets", counts20)
    if args.show_false:
        for d in [d for d in alerted if benign_half(d) == "dev"][: args.show_false]:
            r = index.score(d)
            print("   false", d, r.score, r.target, r.classes, r.reasons[:1])
    print(f"  (scoring time for the evaluation: {time.process_time() - t0:.1f} s)")

    if not args.skip_dnstwist:
        t0 = time.perf_counter()
        dt_hits, dt_benign = dnstwist_eval(pairs, benign)
        print_recall(
            "dnstwist recall (registrable name among its permutations)",
            recall_table(pairs, dt_hits),
        )
        print(
            f"  dnstwist false alerts: {dt_benign}/{len(benign):,} = "
            f"{dt_benign / len(benign):.3%} of benign domains are among its permutations"
        )
        print(f"  (dnstwist generation time: {time.perf_counter() - t0:.1f} s)")

    names = benign[:50000] if len(benign) >= 50000 else benign * 5
    throughput(names, top20, args.throughput_runs)


if __name__ == "__main__":
    main()
