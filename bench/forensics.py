"""Growth of the cross-item phase (per stage) with the size of the dump: it must stay linear.

    python bench/forensics.py [--sizes 5000,20000] [--workers N] [--keep DIR] [--seed S]
                              [--repeat R] [--profile]

For each size N, generates a realistic dump of N emails with about N/4 attachments and a
folder of ~50 loose documents (`bench/_dumpgen.py`: ~200 senders with their own habits,
threads, near-duplicate copies, a few forgeries, docx/csv/txt attachments), scans it with
`scan(...)` into a fresh case, and prints the scan's time and the cross-item phase's seconds
per stage (senders, threads, near-duplicates, documents, structure, decoys, verdicts) with the
findings of each stage. Then, from the smallest to the largest size, the growth of each stage
and of the whole phase: the size ratio (4.0 from 5,000 to 20,000 emails) is linear, and a
growth over 1.25 times that is reported as SUPER-LINEAR.

`--repeat R` (default 5) runs the cross-item phase R-1 more times on every case, in rounds
over the sizes so that a change of load slows them alike, and keeps each stage's fastest time
(a loaded machine adds noise, never speed); it also gives the phase's CPU time. `--profile`
runs the phase once more on the largest case under cProfile and prints where the time goes.
`--keep DIR` keeps the dumps and cases in DIR (which must be empty or absent).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _dumpgen import DumpInfo, generate_dump  # noqa: E402

from contrefeu.leak.crossitem import run_cross_item  # noqa: E402
from contrefeu.leak.pipeline import ScanOptions, ScanProgress, scan  # noqa: E402
from contrefeu.org import load_org  # noqa: E402
from contrefeu.store import Case  # noqa: E402

STAGES = ("senders", "threads", "near-duplicates", "documents", "structure", "decoys", "verdicts")
LINEAR_SLACK = 1.25  # 5.0 for a fourfold size: timing noise, not growth
NOISE_SECONDS = 0.5  # below this at the largest size, a loaded machine blurs the ratio


@dataclass
class Run:
    size: int
    dump: DumpInfo
    generate_seconds: float
    scan_seconds: float
    items: dict[str, int]
    clusters: int
    verdicts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)  # fastest of the repeats
    findings: dict[str, int] = field(default_factory=dict)
    phase_seconds: float = 0.0  # the whole cross-item phase, wall clock (fastest)
    phase_cpu: float | None = None  # its CPU time in this process (fastest re-run)
    case: Path | None = None


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class _ScanLog:
    """Progress lines for the scan, at most every 15 s, and one per cross-item stage."""

    def __init__(self) -> None:
        self.last = 0.0
        self.cross_started: float | None = None

    def scan(self, state: ScanProgress) -> None:
        now = time.monotonic()
        if now - self.last >= 15:
            self.last = now
            share = state.bytes_done / state.bytes_total if state.bytes_total else 0.0
            _log(f"  scanned {state.items_seen} items, {state.items_added} stored ({share:.0%})")

    def cross(self, stage: str, _fraction: float) -> None:
        if self.cross_started is None:
            self.cross_started = time.perf_counter()
        _log(f"  cross-item: {stage}")


def _item_counts(case: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{case}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT kind, COUNT(*) FROM items GROUP BY kind").fetchall())
    finally:
        conn.close()


def _rerun_cross(run: Run) -> None:
    """The cross-item phase once more on the run's case; keeps the fastest times."""
    assert run.case is not None
    org = load_org(run.dump.org_profile)
    with Case.open(run.case, create=False) as case:
        started, cpu = time.perf_counter(), time.process_time()
        report = run_cross_item(case, org)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    for stage, value in report.seconds.items():
        run.seconds[stage] = min(run.seconds.get(stage, value), value)
    run.phase_seconds = min(run.phase_seconds, wall)
    run.phase_cpu = cpu if run.phase_cpu is None else min(run.phase_cpu, cpu)


def remeasure(runs: list[Run], repeat: int) -> None:
    """Re-runs in rounds over every size, so that a change of the machine's load during the
    bench slows all sizes alike instead of skewing their ratio."""
    for round_ in range(2, repeat + 1):
        _log(f"cross-item phase again on every case ({round_}/{repeat}) ...")
        for run in runs:
            _rerun_cross(run)


def run_size(size: int, root: Path, args: argparse.Namespace) -> Run:
    folder = root / f"emails-{size}"
    _log(f"{size} emails: generating the dump in {folder.name}/ ...")
    started = time.perf_counter()
    dump = generate_dump(folder, size, seed=args.seed)
    generated = time.perf_counter() - started
    _log(
        f"  {dump.emails} emails ({dump.replies} replies, {dump.copies} near-duplicate copies, "
        f"{dump.forged} forged), {dump.attachments} attachments, {dump.loose_documents} loose "
        f"documents, {dump.bytes / 1e6:.0f} MB in {generated:.1f} s"
    )
    case_path = folder / "case.db"
    log = _ScanLog()
    _log(f"  scanning with {args.workers or 'all'} workers ...")
    summary = scan(
        [dump.folder],
        case_path,
        ScanOptions(org=dump.org_profile, workers=args.workers),
        progress=log.scan,
        cross_progress=log.cross,
    )
    ended = time.perf_counter()
    phase = ended - log.cross_started if log.cross_started is not None else 0.0
    run = Run(
        size=size,
        dump=dump,
        generate_seconds=generated,
        scan_seconds=summary.seconds,
        items=_item_counts(case_path),
        clusters=summary.cross.clusters,
        verdicts=summary.verdicts,
        seconds=dict(summary.cross.seconds),
        findings=dict(summary.cross.findings),
        phase_seconds=phase,
        case=case_path,
    )
    _log(f"  scan done in {summary.seconds:.1f} s (cross-item phase {phase:.1f} s)")
    return run


def _stage_total(run: Run) -> float:
    return sum(run.seconds.get(stage, 0.0) for stage in STAGES)


def _growth(first: float, last: float, expected: float) -> str:
    if first <= 0:
        return "      n/a"
    ratio = last / first
    label = "linear" if ratio <= expected * LINEAR_SLACK else "SUPER-LINEAR"
    if last < NOISE_SECONDS and label != "linear":
        label += f" (noise: under {NOISE_SECONDS} s)"
    return f"{ratio:9.2f}  {label}"


def print_report(runs: list[Run]) -> None:
    print()
    print("== dumps and scans")
    print(
        f"{'emails':>8} {'attach.':>8} {'docs':>6} {'items':>8} {'gen s':>7} {'scan s':>8} "
        f"{'cross s':>8} {'clusters':>9}"
    )
    for run in runs:
        items = sum(run.items.values())
        print(
            f"{run.items.get('email', 0):>8} {run.items.get('attachment', 0):>8} "
            f"{run.items.get('document', 0):>6} {items:>8} {run.generate_seconds:>7.1f} "
            f"{run.scan_seconds:>8.1f} {run.phase_seconds:>8.2f} {run.clusters:>9}"
        )
    print()
    print("== cross-item phase: seconds (findings) per stage")
    header = "".join(f"{f'{r.size} emails':>22}" for r in runs)
    print(f"{'stage':<16}{header}")
    for stage in STAGES:
        cells = "".join(
            f"{r.seconds.get(stage, 0.0):>12.3f} s ({r.findings.get(stage, 0):>5})" for r in runs
        )
        print(f"{stage:<16}{cells}")
    cells = "".join(f"{_stage_total(r):>12.3f} s        " for r in runs)
    print(f"{'total (stages)':<16}{cells}")
    cells = "".join(f"{r.phase_seconds:>12.3f} s        " for r in runs)
    print(f"{'phase (wall)':<16}{cells}")
    if all(r.phase_cpu is not None for r in runs):
        cells = "".join(f"{r.phase_cpu:>12.3f} s        " for r in runs)
        print(f"{'phase (cpu)':<16}{cells}")
    print()
    for run in runs:
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(run.verdicts.items()))
        print(f"verdicts at {run.size} emails: {verdicts}")
    if len(runs) < 2:
        return
    first, last = runs[0], runs[-1]
    expected = last.size / first.size
    print()
    print(
        f"== growth from {first.size} to {last.size} emails ({expected:.1f} is linear; "
        f"SUPER-LINEAR over {expected * LINEAR_SLACK:.1f})"
    )
    for stage in STAGES:
        growth = _growth(first.seconds.get(stage, 0.0), last.seconds.get(stage, 0.0), expected)
        print(f"{stage:<16}{growth}")
    print(f"{'total (stages)':<16}{_growth(_stage_total(first), _stage_total(last), expected)}")
    print(f"{'phase (wall)':<16}{_growth(first.phase_seconds, last.phase_seconds, expected)}")
    if first.phase_cpu is not None and last.phase_cpu is not None:
        print(f"{'phase (cpu)':<16}{_growth(first.phase_cpu, last.phase_cpu, expected)}")
    print(f"{'scan':<16}{_growth(first.scan_seconds, last.scan_seconds, expected)}")


def print_profile(run: Run, limit: int = 30) -> None:
    assert run.case is not None
    org = load_org(run.dump.org_profile)
    profiler = cProfile.Profile()
    with Case.open(run.case, create=False) as case:
        profiler.enable()
        run_cross_item(case, org)
        profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(limit)
        print()
        print(f"== profile of the cross-item phase at {run.size} emails, by {order}")
        print(out.getvalue().split("\n\n", 1)[-1].rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000", help="comma-separated email counts")
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    parser.add_argument("--keep", type=Path, default=None, help="keep dumps and cases here")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="cross-item runs per case")
    parser.add_argument("--profile", action="store_true", help="profile the largest case")
    args = parser.parse_args()
    try:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes takes comma-separated integers, e.g. 5000,20000")
    if not sizes or min(sizes) < 100 or args.repeat < 1:
        parser.error("sizes must be at least 100 emails and --repeat at least 1")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: the folder must be empty or absent")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="contrefeu-bench-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        runs = [run_size(size, root, args) for size in sizes]
        remeasure(runs, args.repeat)
        print_report(runs)
        if args.profile:
            print_profile(runs[-1])
    print(f"\nbench done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
