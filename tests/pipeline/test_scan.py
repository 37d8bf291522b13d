"""End-to-end scans of the demo leak: verdicts, idempotence, parallelism, crash safety."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contrefeu.demo import DemoLeak
from contrefeu.leak.keyphase import recover_case_keys
from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.store import Case

from .conftest import export_of


def _scan(demo: DemoLeak, case: Path, **kw) -> object:
    options = ScanOptions(keys=[demo.keys], org=demo.org, decoys=demo.decoys, **kw)
    return scan([demo.dump], case, options)


def _verdicts_against_truth(demo: DemoLeak, case_path: Path) -> list[str]:
    truth = json.loads(demo.truth.read_text())["items"]
    rows = [json.loads(line) for line in export_of(case_path).splitlines()]
    by_path = {r["path"]: r for r in rows}
    problems = []
    for path, expected in sorted(truth.items()):
        got = by_path.get(path)
        if got is None:
            problems.append(f"{path}: missing from the export")
        elif got["verdict"] != expected["verdict"]:
            problems.append(f"{path} ({expected['scenario']}): {got['verdict']} "
                            f"!= {expected['verdict']}; findings={got['findings']}")
    for row in rows:
        if row["kind"] == "attachment" and row["path"] not in truth:
            parent = by_path[row["parent_path"]]
            want = "authentic" if parent["verdict"] == "authentic" else "unverified"
            if row["verdict"] != want:
                problems.append(f"{row['path']}: attachment {row['verdict']} != {want}")
        if row["verdict"] != "unverified" and not row["findings"]:
            if row["verdict"] != "authentic":
                problems.append(f"{row['path']}: verdict {row['verdict']} without a finding")
    return problems


def test_every_demo_item_gets_the_generators_verdict(normal_demo: DemoLeak, tmp_path: Path):
    case = tmp_path / "case.db"
    _scan(normal_demo, case, workers=2)
    with Case.open(case) as opened:
        outcomes = recover_case_keys(opened, archives=[normal_demo.keys])
    assert any(o.bits for o in outcomes), "the demo's unknown mailer key was not recovered"
    assert _verdicts_against_truth(normal_demo, case) == []


def test_rescan_adds_nothing_and_skips_unchanged_files(small_demo: DemoLeak, tmp_path: Path):
    case = tmp_path / "case.db"
    first = _scan(small_demo, case, workers=1)
    before = export_of(case)
    second = _scan(small_demo, case, workers=1)
    assert first.items_added > 0
    assert second.items_added == 0
    assert second.items_seen == 0          # every source file was skipped unread
    assert second.sources_skipped > 0
    assert export_of(case) == before


def test_new_keys_reanalyse_the_items(small_demo: DemoLeak, tmp_path: Path):
    case = tmp_path / "case.db"
    scan([small_demo.dump], case, ScanOptions(workers=1))
    without_keys = export_of(case)
    _scan(small_demo, case, workers=1)
    assert export_of(case) != without_keys
    with sqlite3.connect(case) as conn:
        paths = [r[0] for r in conn.execute("SELECT path FROM items")]
    assert len(paths) == len(set(paths)), "a re-analysis duplicated rows"


@pytest.mark.slow
def test_exports_are_identical_with_1_2_workers_and_dask(small_demo: DemoLeak, tmp_path: Path):
    distributed = pytest.importorskip("distributed")
    _scan(small_demo, tmp_path / "one.db", workers=1)
    _scan(small_demo, tmp_path / "two.db", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        _scan(small_demo, tmp_path / "dask.db", scheduler=cluster.scheduler_address)
    one = export_of(tmp_path / "one.db")
    assert one
    assert export_of(tmp_path / "two.db") == one
    assert export_of(tmp_path / "dask.db") == one


@pytest.mark.slow
def test_a_killed_scan_resumes_to_the_same_export(normal_demo: DemoLeak, tmp_path: Path):
    reference = tmp_path / "reference.db"
    _scan(normal_demo, reference, workers=1)
    expected = export_of(reference)
    total = expected.count("\n")

    case = tmp_path / "case.db"
    command = [sys.executable, "-m", "contrefeu", "leak", "scan", str(normal_demo.dump),
               "--case", str(case), "--keys", str(normal_demo.keys), "--org",
               str(normal_demo.org), "--decoys", str(normal_demo.decoys), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    written = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if case.exists():
            try:
                with sqlite3.connect(f"file:{case}?mode=ro", uri=True, timeout=1) as conn:
                    written = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
            except sqlite3.OperationalError:
                written = 0
            if written >= 20:
                break
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert 0 < written < total, "the scan was not interrupted part-way"

    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert export_of(case) == expected


def test_bad_arguments_exit_2_with_one_line(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "contrefeu", "leak", "scan", str(tmp_path / "nope"),
         "--case", str(tmp_path / "c.db")],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert "nope" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    unknown_option = subprocess.run(
        [sys.executable, "-m", "contrefeu", "leak", "export", "--no-such-flag"],
        capture_output=True, text=True,
    )
    assert unknown_option.returncode == 2
    assert unknown_option.stderr.strip().startswith("Error: No such option")
    assert unknown_option.stderr.strip().count("\n") == 0
    missing_keys = subprocess.run(
        [sys.executable, "-m", "contrefeu", "leak", "scan", str(tmp_path), "--case",
         str(tmp_path / "c.db"), "--keys", str(tmp_path / "missing.json")],
        capture_output=True, text=True,
    )
    assert missing_keys.returncode == 2
    assert missing_keys.stderr.strip().count("\n") == 0
    assert "missing.json" in missing_keys.stderr


def test_evidence_is_not_modified_and_nothing_is_written_beside_it(
    small_demo: DemoLeak, tmp_path: Path
):
    def snapshot(root: Path) -> dict[str, tuple[int, float]]:
        return {str(p): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*")}

    before = snapshot(small_demo.dump)
    case = tmp_path / "work" / "case.db"
    case.parent.mkdir()
    _scan(small_demo, case, workers=2)
    assert snapshot(small_demo.dump) == before
    allowed = {case.name, case.name + "-wal", case.name + "-shm", case.name + ".files"}
    assert {p.name for p in case.parent.iterdir()} <= allowed
