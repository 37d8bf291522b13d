"""The small demo leak, built once for the whole session (it is deterministic) and read-only."""

from __future__ import annotations

import json

import pytest

from contrefeu.demo import DemoLeak, build_demo


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> DemoLeak:
    return build_demo(tmp_path_factory.mktemp("demo") / "out", size="small")


@pytest.fixture(scope="session")
def truth(small: DemoLeak) -> dict[str, dict]:
    return json.loads(small.truth.read_text(encoding="utf-8"))["items"]


@pytest.fixture(scope="session")
def items(small: DemoLeak) -> dict[str, bytes]:
    from .test_generator import dump_items

    return dump_items(small.dump)
