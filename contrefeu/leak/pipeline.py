"""The scan driver: ingest -> analyse (in parallel) -> store.

The driver walks the dumps, hashes each item, skips what the case already holds, sends batches
of items to an executor and writes the results, a few batches per transaction. Only the driver
writes the case. Memory stays bounded: items stream from ingest, and the batches in flight are
capped in number and in bytes.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from contrefeu.errors import UsageError
from contrefeu.ingest import IngestLimits, iter_dump
from contrefeu.leak.analyse import (
    AnalysisContext,
    analyse_batch,
    analysis_key,
    context_fingerprint,
    warm_up,
)
from contrefeu.leak.crossitem import CrossItemReport, run_cross_item
from contrefeu.leak.decoys import DecoySet
from contrefeu.leak.executors import default_workers, make_executor
from contrefeu.leak.keys import KeyArchive, build_resolver
from contrefeu.leak.neardup import SCHEME as MINHASH_SCHEME
from contrefeu.model import ItemRecord, SourceFile, SourceItem
from contrefeu.org import load_org
from contrefeu.store import Case

BATCH_ITEMS = 24
BATCH_BYTES = 8 * 1024 * 1024
WRITE_EVERY = 240   # results written per transaction: each commit rewrites the index pages
# Batches in flight: enough that the workers keep busy through a bulk indexing pass of the
# driver (about a second of their work), and never more than IN_FLIGHT_BYTES of items.
IN_FLIGHT_PER_WORKER = 32
IN_FLIGHT_BYTES = 64 * 1024 * 1024
INDEX_EVERY = 4000  # rows written between two bulk full-text indexing passes
INDEX_CHUNK = 5000  # rows indexed per transaction
# While a bulk pass holds the write lock, results wait in memory (up to this many) rather than
# the driver waiting for the lock: it goes on feeding the workers.
MAX_UNWRITTEN = 2400
MAX_UNWRITTEN_BYTES = 64 * 1024 * 1024  # of the items those results came from


@dataclass
class ScanOptions:
    keys: Sequence[Path] = ()
    org: Path | None = None
    decoys: Path | None = None
    workers: int | None = None
    dns: bool = False
    scheduler: str | None = None
    limits: IngestLimits = field(default_factory=IngestLimits)


@dataclass
class ScanProgress:
    """What a progress display needs; sent now and then to the caller's callback."""

    items_seen: int = 0
    items_added: int = 0
    items_skipped: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    source: str = ""


@dataclass
class ScanSummary:
    case: Path
    items_seen: int
    items_added: int
    items_skipped: int
    sources_skipped: int
    seconds: float
    verdicts: dict[str, int]
    recoverable_selectors: list[tuple[str, str, int]]
    cross: CrossItemReport


ProgressCallback = Callable[[ScanProgress], None]


def _dump_size(dump: Path) -> int:
    if dump.is_file():
        return dump.stat().st_size
    total = 0
    for path in dump.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def prepare_scan(dumps: Sequence[Path], options: ScanOptions) -> AnalysisContext:
    """Check the arguments and build the analysis context; raises UsageError, reads no dump."""
    for dump in dumps:
        if not Path(dump).exists():
            raise UsageError(f"dump not found: {dump}")
    return build_context(options)


def build_context(options: ScanOptions) -> AnalysisContext:
    for key_file in options.keys:
        if not Path(key_file).is_file():
            raise UsageError(f"key archive not found: {key_file}")
    resolver = build_resolver([Path(k) for k in options.keys], dns=options.dns)
    org = load_org(options.org)
    decoys = DecoySet.from_dir(options.decoys) if options.decoys else DecoySet()
    # The keys the resolver already holds identify the archives: no second read of the files.
    key_records = sorted(
        (r.name, r.txt)
        for archive in resolver.resolvers if isinstance(archive, KeyArchive)
        for r in archive.records()
    )
    # The MinHash scheme too: signatures of two schemes are never compared, so a new scheme
    # must re-analyse the items rather than leave them out of near-duplicate detection.
    fingerprint = context_fingerprint([key_records, options.dns, org, decoys, MINHASH_SCHEME])
    return AnalysisContext(
        resolver=resolver, org=org, now=datetime.now(UTC), decoys=decoys, fingerprint=fingerprint
    )


def _rebase(record: ItemRecord, item: SourceItem) -> ItemRecord:
    """An earlier analysis of identical bytes, moved to this item's path."""
    old = record.path
    children = [
        replace(
            c,
            path=item.path + c.path[len(old) :],
            parent_path=item.path,
            mailbox=item.mailbox,
            locator=c.locator | {"parent": item.path},
        )
        for c in record.children
    ]
    return replace(
        record,
        path=item.path,
        mailbox=item.mailbox,
        locator=item.locator,
        container=item.container,
        children=children,
    )


class _Driver:
    def __init__(
        self,
        case: Case,
        executor: Executor,
        context: AnalysisContext,
        workers: int,
        progress: ProgressCallback | None,
        indexer: _BackgroundIndexer,
    ) -> None:
        self.case = case
        self.executor = executor
        self.indexer = indexer
        self.context = context
        self.max_in_flight = max(2, workers * IN_FLIGHT_PER_WORKER)
        self.progress = progress
        self.state = ScanProgress()
        self.in_flight: dict[Future[list[ItemRecord]], int] = {}  # batch -> its bytes
        self.batch: list[tuple[SourceItem, str]] = []
        self.batch_bytes = 0
        self.dump_key = ""
        self._last_report = 0.0
        self._unindexed = 0
        self._unwritten: list[ItemRecord] = []
        self._unwritten_bytes = 0

    def report(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress and (force or now - self._last_report > 0.1):
            self._last_report = now
            self.progress(replace(self.state))

    def add(self, item: SourceItem) -> None:
        self.state.items_seen += 1
        self.state.bytes_done = min(self.state.bytes_done + len(item.data), self.state.bytes_total)
        sha256 = hashlib.sha256(item.data).hexdigest()
        key = analysis_key(item, sha256, self.context)
        if self.case.has_item(self.dump_key, item.path, key):
            self.state.items_skipped += 1
            self.report()
            return
        earlier = self.case.load_analysis(key)
        if earlier is not None:
            self._write([_rebase(earlier, item)])
            return
        self.batch.append((item, sha256))
        self.batch_bytes += len(item.data)
        if len(self.batch) >= BATCH_ITEMS or self.batch_bytes >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        while self.in_flight and (
            len(self.in_flight) >= self.max_in_flight
            or sum(self.in_flight.values()) + self.batch_bytes > IN_FLIGHT_BYTES
        ):
            self._collect(FIRST_COMPLETED)
        future = self.executor.submit(analyse_batch, self.batch, self.context)
        self.in_flight[future] = self.batch_bytes
        self.batch, self.batch_bytes = [], 0
        self._collect(FIRST_COMPLETED, timeout=0)   # write what is ready, without waiting

    def _collect(self, how: str, timeout: float | None = None) -> None:
        done, _ = wait(self.in_flight, timeout=timeout, return_when=how)
        for future in done:
            del self.in_flight[future]
            self._write(future.result())

    def drain(self) -> None:
        self.flush()
        while self.in_flight:
            self._collect(FIRST_COMPLETED)
        self._commit(force=True)

    def _write(self, records: list[ItemRecord]) -> None:
        # Results wait for a few batches more and go in one transaction: every commit rewrites
        # the pages of each index it touched, so ten small commits cost far more than one.
        self._unwritten.extend(records)
        self._unwritten_bytes += sum(r.size for r in records)
        if len(self._unwritten) >= WRITE_EVERY:
            self._commit()

    def _commit(self, force: bool = False) -> None:
        if not self._unwritten:
            return
        held = len(self._unwritten) < MAX_UNWRITTEN and self._unwritten_bytes < MAX_UNWRITTEN_BYTES
        if not force and held and self.indexer.running():
            return
        added = self.case.write_items(self.dump_key, self._unwritten, index=False)
        self._unwritten, self._unwritten_bytes = [], 0
        self.state.items_added += added
        self._unindexed += added
        if self._unindexed >= INDEX_EVERY:
            self.index()
        self.report()

    def index(self) -> None:
        """Start a bulk pass over the rows written so far (cheaper than row by row), in the
        background: one transaction, so the driver's next write waits for one at most."""
        if not self.indexer.running():
            self.indexer.start(max_chunks=1)
            self._unindexed = 0


class _BackgroundIndexer:
    """Bulk indexing passes (`Case.index_pending`) on one thread with its own connection,
    opened once per scan; SQLite serialises its transactions with the driver's."""

    def __init__(self, case_path: Path) -> None:
        self._case = Case.open(case_path, create=False)  # usable from the pass thread
        self._thread = ThreadPoolExecutor(max_workers=1)
        self._pass: Future[int] | None = None

    def running(self) -> bool:
        return self._pass is not None and not self._pass.done()

    def start(self, max_chunks: int | None) -> None:
        self.wait()
        self._pass = self._thread.submit(
            self._case.index_pending, chunk=INDEX_CHUNK, max_chunks=max_chunks
        )

    def wait(self) -> None:
        """Wait for the running pass (and raise what it raised)."""
        if self._pass is not None:
            pass_, self._pass = self._pass, None
            pass_.result()

    def __enter__(self) -> _BackgroundIndexer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.shutdown(wait=True)
        self._case.close()


def scan(
    dumps: Sequence[Path],
    case_path: Path,
    options: ScanOptions | None = None,
    progress: ProgressCallback | None = None,
    cross_progress: Callable[[str, float], None] | None = None,
) -> ScanSummary:
    """Scan DUMPs into the case at `case_path`; resumable and idempotent."""
    options = options or ScanOptions()
    dumps = [Path(d) for d in dumps]
    context = prepare_scan(dumps, options)
    workers = options.workers or default_workers()
    started = time.monotonic()
    sources_skipped = 0
    if options.scheduler is None:
        warm_up()  # before the local pool forks: its workers inherit what this loads
    # The pool starts before the case is opened: forked workers inherit no database handle.
    with make_executor(workers, options.scheduler) as executor, Case.open(case_path) as case, \
            _BackgroundIndexer(case_path) as indexer:
        tmp_dir = case.files_dir / "tmp"
        driver = _Driver(case, executor, context, workers, progress, indexer)
        driver.state.bytes_total = sum(_dump_size(d) for d in dumps)
        for dump in dumps:
            driver.dump_key = str(dump.resolve())
            seen: list[SourceFile] = []

            def skip_source(source: SourceFile, dump_key: str = driver.dump_key) -> bool:
                nonlocal sources_skipped
                if case.source_is_complete(dump_key, source, context.fingerprint):
                    sources_skipped += 1
                    driver.state.bytes_done += source.size
                    return True
                return False

            for item in iter_dump(
                dump,
                limits=options.limits,
                skip_source=skip_source,
                on_source=seen.append,
                tmp_dir=tmp_dir,
            ):
                driver.state.source = item.path
                driver.add(item)
            driver.drain()
            if dump is not dumps[-1]:
                driver.index()
            case.record_sources(driver.dump_key, seen, "complete", context.fingerprint)
        driver.report(force=True)
        cross = _last_pass_beside_cross_item(case, context, driver, cross_progress)
        verdicts = Counter(
            {
                r[0]: r[1]
                for r in case.conn.execute("SELECT verdict, COUNT(*) FROM items GROUP BY verdict")
            }
        )
        recoverable = recoverable_selectors(case)
        state = driver.state
    return ScanSummary(
        case=case_path,
        items_seen=state.items_seen,
        items_added=state.items_added,
        items_skipped=state.items_skipped,
        sources_skipped=sources_skipped,
        seconds=time.monotonic() - started,
        verdicts=dict(verdicts),
        recoverable_selectors=recoverable,
        cross=cross,
    )


def _last_pass_beside_cross_item(
    case: Case, context: AnalysisContext, driver: _Driver,
    progress: Callable[[str, float], None] | None,
) -> CrossItemReport:
    """The last bulk indexing pass, run beside the cross-item phase (which never reads the
    full-text index): on two cores both finish in the time of the longer one.

    The pass has its own connection; SQLite serialises its one transaction with the phase's
    writes, and either order gives the same case. A backlog larger than one transaction (left
    by an interrupted scan) is indexed first instead, so the phase never waits long.
    """
    driver.indexer.wait()
    pending = case.conn.execute("SELECT COUNT(*) FROM fts_pending").fetchone()[0]
    if pending > INDEX_CHUNK:
        case.index_pending(chunk=INDEX_CHUNK)
    driver.indexer.start(max_chunks=None)
    cross = _cross_item_if_needed(case, context, driver.state.items_added, progress)
    driver.indexer.wait()
    return cross


def _cross_item_if_needed(case: Case, context: AnalysisContext, added: int,
                          progress: Callable[[str, float], None] | None) -> CrossItemReport:
    """The cross-item phase, unless the case has not changed since it last ran."""
    stamp = f"{case.item_count()}:{context.fingerprint}"
    row = case.conn.execute("SELECT value FROM meta WHERE key = 'cross_item_stamp'").fetchone()
    if added == 0 and row is not None and row["value"] == stamp:
        return CrossItemReport()
    report = run_cross_item(case, context.org, progress=progress)
    with case.conn:
        case.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('cross_item_stamp', ?)",
                          (stamp,))
    return report


def recoverable_selectors(case: Case) -> list[tuple[str, str, int]]:
    """(domain, selector, signatures) with no known key, enough signatures and no recovered key."""
    rows = case.conn.execute(
        """SELECT domain, selector, COUNT(DISTINCT signature) AS n FROM key_samples
           GROUP BY domain, selector HAVING n >= 2 ORDER BY domain, selector"""
    ).fetchall()
    done = {r["name"] for r in case.recovered_keys()}
    return [
        (r["domain"], r["selector"], r["n"])
        for r in rows
        if f"{r['selector']}._domainkey.{r['domain']}" not in done
    ]
