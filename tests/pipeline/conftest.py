"""A demo leak built once per test session (it is deterministic), shared read-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from contrefeu.demo import DemoLeak, build_demo


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoLeak:
    return build_demo(tmp_path_factory.mktemp("demo-small"), size="small")


@pytest.fixture(scope="session")
def normal_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoLeak:
    return build_demo(tmp_path_factory.mktemp("demo-normal"), size="normal")


def export_of(case_path: Path) -> str:
    from contrefeu.leak.export import export_text
    from contrefeu.store import Case

    with Case.open(case_path, create=False, readonly=True) as case:
        return export_text(case, "jsonl")
