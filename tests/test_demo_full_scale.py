"""`pricer demo` at the real corpus' size runs the course's knobs as they are (issue: rehearse
the course's own run at full scale), below it scales slot_cap and the split. The pipeline steps
are replaced by recorders: only the demo's choice of knobs is under test here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pricer import demo as demo_module
from pricer.build import BuildResult

# Rules section 1: rows of the real corpus, all 8 files.
SPEC_TOTAL_ROWS = 8_284_738


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, Any]]:
    recorded: list[tuple[str, Any]] = []

    class Generated:
        bytes = 0
        seconds = 0.0

    def fake_generate(raw_dir: Path, **kwargs: Any) -> Generated:
        recorded.append(("generate", kwargs["rows"]))
        return Generated()

    def fake_build(
        raw_dir: Path,
        db_path: Path,
        threads: int,
        overrides: dict[str, Any],
        exclude: str | None = None,
        check_split: bool = True,
        **_: Any,
    ) -> BuildResult:
        recorded.append(("build", (dict(overrides), exclude, check_split)))
        return BuildResult(db_path=db_path, seconds=0.0)

    monkeypatch.setattr(demo_module, "generate", fake_generate)
    monkeypatch.setattr(demo_module, "build", fake_build)
    monkeypatch.setattr(demo_module, "export", lambda db, out: None)
    monkeypatch.setattr(
        demo_module,
        "_scaled_build",
        lambda raw, db, threads, rows, defaults, verbose: (
            recorded.append(("scaled", rows)) or (BuildResult(db_path=db, seconds=0.0), {})
        ),
    )
    return recorded


def run(rows: int, tmp_path: Path) -> demo_module.DemoResult:
    return demo_module.demo(
        rows, tmp_path / "out", tmp_path / "raw", tmp_path / "db.duckdb", report=False
    )


def test_full_size_builds_once_with_the_course_knobs(
    calls: list[tuple[str, Any]], tmp_path: Path
) -> None:
    result = run(SPEC_TOTAL_ROWS, tmp_path)
    assert calls == [("generate", SPEC_TOTAL_ROWS), ("build", ({}, None, True))]
    assert result.vars == {}


def test_below_full_size_scales(calls: list[tuple[str, Any]], tmp_path: Path) -> None:
    run(SPEC_TOTAL_ROWS - 1, tmp_path)
    assert calls == [("generate", SPEC_TOTAL_ROWS - 1), ("scaled", SPEC_TOTAL_ROWS - 1)]
