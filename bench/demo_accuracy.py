"""Precision and recall per verdict on the demo leak, against the generator's ground truth.

    python bench/demo_accuracy.py [--size normal|small] [--workers N]

Builds the demo leak in a temporary folder, scans it (keys, org profile, decoys), recovers the
unknown keys, and compares every item's exported verdict with truth.json. Attachments not listed
in the truth file are expected `authentic` when their email is, `unverified` otherwise. Prints
a Markdown table (the one in the README).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

from contrefeu.demo import build_demo
from contrefeu.leak.export import export_rows
from contrefeu.leak.keyphase import recover_case_keys
from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.model import VERDICTS
from contrefeu.store import Case


def expected_verdicts(truth: dict[str, dict], rows: dict[str, dict]) -> dict[str, str]:
    expected = {path: item["verdict"] for path, item in truth.items()}
    for path, row in rows.items():
        if path not in expected and row["kind"] == "attachment":
            parent = expected.get(row["parent_path"])
            expected[path] = "authentic" if parent == "authentic" else "unverified"
    return expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="normal", choices=["small", "normal"])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        demo = build_demo(Path(tmp) / "demo", size=args.size)
        case_path = Path(tmp) / "case.db"
        scan([demo.dump], case_path, ScanOptions(keys=[demo.keys], org=demo.org,
                                                 decoys=demo.decoys, workers=args.workers))
        with Case.open(case_path) as case:
            recover_case_keys(case, archives=[demo.keys])
            rows = {r["path"]: r for r in export_rows(case)}
        truth = json.loads(demo.truth.read_text())["items"]
    expected = expected_verdicts(truth, rows)
    pairs = [(expected[p], rows[p]["verdict"] if p in rows else "missing") for p in expected]
    true_positive, predicted, actual = Counter(), Counter(), Counter()
    for want, got in pairs:
        actual[want] += 1
        predicted[got] += 1
        true_positive[want] += int(want == got)
    print(f"{len(pairs)} items of the {args.size} demo leak, "
          f"{sum(true_positive.values())} with the right verdict\n")
    print("| verdict | items (truth) | predicted | precision | recall |")
    print("|---|---:|---:|---:|---:|")
    for verdict in VERDICTS:
        if not actual[verdict] and not predicted[verdict]:
            continue
        precision = true_positive[verdict] / predicted[verdict] if predicted[verdict] else 0.0
        recall = true_positive[verdict] / actual[verdict] if actual[verdict] else 0.0
        print(f"| {verdict} | {actual[verdict]} | {predicted[verdict]} | {precision:.2f} | "
              f"{recall:.2f} |")
    genuine_flagged = sum(1 for want, got in pairs
                          if want in ("authentic", "unverified") and got in ("forged", "planted"))
    tampered = [(w, g) for w, g in pairs if w not in ("authentic", "unverified")]
    right = sum(1 for w, g in tampered if w == g)
    print(f"\ngenuine items called forged or planted: {genuine_flagged}")
    print(f"tampered items with the right verdict: {right} of {len(tampered)} "
          f"({right / max(1, len(tampered)):.0%})")


if __name__ == "__main__":
    main()
