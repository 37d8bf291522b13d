"""Where per-item analysis runs: inline, a local process pool, or a Dask cluster.

All three are `concurrent.futures.Executor`s, so the scan driver does not care which one it
has. The analysis functions are importable module-level functions, which is all Dask needs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from contrefeu.errors import MissingExtra, UsageError


class InlineExecutor(Executor):
    """Runs each task at once in the calling process (one worker: no pickling, no processes)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future, as a pool would
            future.set_exception(exc)
        return future


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def make_executor(workers: int | None, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor for `workers` local processes, or for the Dask scheduler at `scheduler`."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise MissingExtra("distributed", "--scheduler") from None
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    count = workers or default_workers()
    if count < 1:
        raise UsageError("--workers must be at least 1")
    if count == 1:
        yield InlineExecutor()
        return
    pool = ProcessPoolExecutor(max_workers=count)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
