"""`pricer demo`: generate -> build -> export (-> report) in one command, scaled to its data.

At full scale (8.3M raw rows) the course caps cheap slots at slot_cap = 1200 and splits
400,000 / 2,000 off a 408,635-item sample. Below that size the demo scales slot_cap by its share
of the real row count, so the cap binds in the cheap slots as it does at full scale, and then
scales the split sizes to the sample it actually drew (a second, small dbt run). At the real
corpus' row count or more it scales nothing: one build with the course's knobs as they are,
which the generator is calibrated for (pricer.generate.LECTURE).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pricer import knobs
from pricer.build import BuildResult, DbtRun, build, dbt_env, run_dbt
from pricer.export import ExportSummary, export
from pricer.generate import LECTURE_SAMPLE, REAL_ROWS, generate
from pricer.report import write_report

COURSE_SAMPLE = LECTURE_SAMPLE  # the lecture's sample at full scale (rules 4)


@dataclass
class DemoResult:
    raw_dir: Path
    db_path: Path
    out_dir: Path
    vars: dict[str, Any]
    build: BuildResult
    export: ExportSummary
    report: Path | None
    seconds: float = 0.0


def is_full_scale(rows: int) -> bool:
    """True when `rows` is at least the real corpus' row count: the course's knobs apply."""
    return rows >= sum(REAL_ROWS.values())


def scaled_slot_cap(rows: int, defaults: dict[str, Any]) -> int:
    """slot_cap scaled by the demo's share of the real corpus (at least 1)."""
    return max(1, round(defaults["slot_cap"] * rows / sum(REAL_ROWS.values())))


def scaled_split_sizes(sampled: int, defaults: dict[str, Any]) -> dict[str, int]:
    """train/test sizes in the course's proportions of its sample (test at least 1)."""
    train = math.floor(sampled * defaults["train_size"] / COURSE_SAMPLE)
    test = max(1, math.floor(sampled * defaults["test_size"] / COURSE_SAMPLE))
    if train + test > sampled:
        train = max(0, sampled - test)
    return {"train_size": train, "test_size": test}


def _say(message: str) -> None:
    print(f"demo: {message}", file=sys.stderr)


def demo(
    rows: int,
    out_dir: Path,
    raw_dir: Path,
    db_path: Path,
    seed: int = 42,
    bad_fraction: float = 0.01,
    threads: int = 2,
    report: bool = True,
    verbose: bool = False,
) -> DemoResult:
    started = time.perf_counter()
    defaults = knobs.default_vars()
    _say(f"generating {rows:,} raw rows into {raw_dir} (seed {seed}, {bad_fraction:.1%} bad lines)")
    generated = generate(
        raw_dir, rows=rows, seed=seed, bad_fraction=bad_fraction, progress=sys.stderr.isatty()
    )
    _say(f"generated {generated.bytes / 1e9:.1f} GB in {generated.seconds:.0f}s")
    if is_full_scale(rows):
        _say("full scale: building with the course's knobs, nothing scaled")
        dbt_vars: dict[str, Any] = {}
        first = build(raw_dir, db_path, threads, dbt_vars, verbose=verbose)
    else:
        first, dbt_vars = _scaled_build(raw_dir, db_path, threads, rows, defaults, verbose)
    exported = export(first.db_path, out_dir)
    report_path: Path | None = None
    if report:
        report_path = write_report(first.db_path, out_dir / "report.html")
    return DemoResult(
        raw_dir,
        first.db_path,
        out_dir,
        dbt_vars,
        first,
        exported,
        report_path,
        time.perf_counter() - started,
    )


def _scaled_build(
    raw_dir: Path, db_path: Path, threads: int, rows: int, defaults: dict[str, Any], verbose: bool
) -> tuple[BuildResult, dict[str, Any]]:
    """Build up to the sample with slot_cap scaled to `rows`, then, on the same unpublished
    file, the split and the marts with train/test sizes scaled to the sample drawn; returns
    the build and the knobs used."""
    dbt_vars: dict[str, Any] = {"slot_cap": scaled_slot_cap(rows, defaults)}
    knobs.validate({**defaults, **dbt_vars})
    _say(f"building up to the sample with slot_cap={dbt_vars['slot_cap']}")

    def split_and_marts(work: Path, build_vars: dict[str, Any]) -> DbtRun:
        """Second step, on the same unpublished file: split sizes scaled to the sample."""
        with duckdb.connect(str(work), read_only=True) as con:
            sampled = con.sql("select count(*) from int_items_sampled").fetchall()[0][0]
        sizes = scaled_split_sizes(sampled, defaults)
        knobs.validate({**defaults, **dbt_vars, **sizes})
        dbt_vars.update(sizes)
        build_vars.update(sizes)
        _say(
            f"sample of {sampled:,} items: train_size={dbt_vars['train_size']}, "
            f"test_size={dbt_vars['test_size']}; building the split and the marts"
        )
        return run_dbt(
            [
                "build",
                "--select",
                "sampled_items+ curation_knobs",
                "--vars",
                _vars_json(raw_dir, dbt_vars),
            ],
            dbt_env(work, threads),
            verbose=verbose,
        )

    first = build(
        raw_dir,
        db_path,
        threads,
        dict(dbt_vars),
        exclude="sampled_items+",
        verbose=verbose,
        then=split_and_marts,
    )
    return first, dbt_vars


def _vars_json(raw_dir: Path, dbt_vars: dict[str, Any]) -> str:
    import json

    return json.dumps({**dbt_vars, "raw_dir": str(raw_dir.resolve())})
