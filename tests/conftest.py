"""Session fixtures: one generated dataset and one full build (the demo path), shared."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Enough rows that every edge case of the generator appears and the slot cap binds.
BUILD_ROWS = int(os.environ.get("PRICER_TEST_ROWS", "12000"))
BUILD_SEED = 7
BAD_FRACTION = 0.02


@dataclass(frozen=True)
class BuiltProject:
    raw_dir: Path
    db_path: Path
    out_dir: Path
    vars: dict[str, Any]


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    """`pricer demo` on generated data with every edge case and 2% bad lines."""
    from pricer.demo import demo

    root = tmp_path_factory.mktemp("built")
    result = demo(
        BUILD_ROWS,
        out_dir=root / "out",
        raw_dir=root / "raw",
        db_path=root / "pricer.duckdb",
        seed=BUILD_SEED,
        bad_fraction=BAD_FRACTION,
        threads=2,
        report=False,
    )
    return BuiltProject(root / "raw", result.db_path, root / "out", result.vars)
