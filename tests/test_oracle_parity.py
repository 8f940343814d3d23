"""Parity: the dbt build's `items` and `rejects` equal the plain-Python oracle, exactly.

Uses the `built_project` fixture (tests/conftest.py): `raw_dir` holds the generated raw files,
`db_path` the DuckDB file after `dbt build`. Zero differences are allowed; on failure the first
few differences are printed readably. Counts of what was compared are printed too (run pytest
with -s to see them).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pytest

from oracle import LineKey, OracleResult, read_lines, run_oracle

SHOW = 5  # differences shown per check
CONTEXT = 40  # characters shown either side of the first differing character

ITEM_COLUMNS = (
    "source_file",
    "line_number",
    "category",
    "parent_asin",
    "price",
    "slot",
    "prompt",
    "test_prompt",
    "token_count",
)
COMPARED_FIELDS = (
    "prompt",
    "test_prompt",
    "token_count",
    "price",
    "slot",
    "category",
    "parent_asin",
)


# ------------------------------------------------------------------------------ loading


@cache
def _oracle(raw_dir: str, stamp: tuple[tuple[str, int, int], ...]) -> OracleResult:
    del stamp  # only part of the cache key: a changed folder is computed again
    return run_oracle(Path(raw_dir))


def oracle_for(raw_dir: Path) -> OracleResult:
    stamp = tuple(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(raw_dir.iterdir())
    )
    return _oracle(str(raw_dir), stamp)


class Build:
    """The two relations of the built DuckDB file, keyed by (source_file, line_number)."""

    def __init__(self, db_path: Path) -> None:
        with duckdb.connect(str(db_path), read_only=True) as con:
            items = con.execute(f"select {', '.join(ITEM_COLUMNS)} from items").fetchall()
            rejects = con.execute("select source_file, line_number, reason from rejects").fetchall()
        self.item_rows: list[dict[str, Any]] = [
            dict(zip(ITEM_COLUMNS, r, strict=True)) for r in items
        ]
        self.items: dict[LineKey, dict[str, Any]] = {
            (r["source_file"], r["line_number"]): r for r in self.item_rows
        }
        self.reject_rows: list[tuple[str, int, str]] = [(r[0], r[1], r[2]) for r in rejects]
        self.rejects: dict[LineKey, str] = {(r[0], r[1]): r[2] for r in self.reject_rows}


@cache
def _build(db_path: str, stamp: tuple[int, int]) -> Build:
    del stamp
    return Build(Path(db_path))


def build_for(db_path: Path) -> Build:
    stat = os.stat(db_path)
    return _build(str(db_path), (stat.st_size, stat.st_mtime_ns))


# ----------------------------------------------------------------------------- reporting


def string_diff(oracle: str, build: str) -> str:
    """Where two strings first differ, as repr of both around that character."""
    at = next(
        (i for i, (a, b) in enumerate(zip(oracle, build, strict=False)) if a != b),
        min(len(oracle), len(build)),
    )
    lo, hi = max(0, at - CONTEXT), at + CONTEXT
    return (
        f"first difference at char {at} (lengths oracle {len(oracle)}, build {len(build)})\n"
        f"      oracle[{lo}:{hi}] = {oracle[lo:hi]!r}\n"
        f"      build [{lo}:{hi}] = {build[lo:hi]!r}"
    )


def value_diff(name: str, oracle: Any, build: Any) -> str:
    if isinstance(oracle, str) and isinstance(build, str):
        return f"{name}: {string_diff(oracle, build)}"
    oracle_type, build_type = type(oracle).__name__, type(build).__name__
    return f"{name}: oracle {oracle!r} ({oracle_type}), build {build!r} ({build_type})"


def fail_with(title: str, problems: list[str], total: int) -> None:
    """Fail the test showing the first SHOW problems (out of total) readably."""
    shown = "\n".join(f"  - {p}" for p in problems[:SHOW])
    pytest.fail(
        f"{title}: {total} difference(s), first {min(SHOW, total)}:\n{shown}", pytrace=False
    )


def sample_keys(keys: Iterable[LineKey]) -> list[LineKey]:
    return sorted(keys)[:SHOW]


def describe_line(raw_dir: Path, key: LineKey) -> str:
    """The raw line behind a key, shortened, to make a difference readable."""
    path = raw_dir / key[0]
    if not path.is_file():
        return f"{key}: no such input file"
    lines = read_lines(path)
    if not 1 <= key[1] <= len(lines):
        return f"{key}: no such line (file has {len(lines)})"
    raw = lines[key[1] - 1]
    return f"{key}: {raw[:160]!r}{'...' if len(raw) > 160 else ''}"


# --------------------------------------------------------------------------------- tests


def test_lines_add_up_per_file(built_project: Any) -> None:
    """Per file: raw lines == staged + rejected; every reject is a real line, once."""
    oracle = oracle_for(built_project.raw_dir)
    build = build_for(built_project.db_path)
    problems: list[str] = []

    duplicates = [k for k, n in Counter((f, ln) for f, ln, _ in build.reject_rows).items() if n > 1]
    problems += [f"line rejected more than once in the build: {k}" for k in sorted(duplicates)]
    item_dupes = [
        k
        for k, n in Counter((r["source_file"], r["line_number"]) for r in build.item_rows).items()
        if n > 1
    ]
    problems += [
        f"line kept as an item more than once in the build: {k}" for k in sorted(item_dupes)
    ]
    both = sorted(set(build.items) & set(build.rejects))
    problems += [f"line both an item and a reject in the build: {k}" for k in both]

    for source_file, raw_lines in sorted(oracle.line_counts.items()):
        rejected = {k for k in build.rejects if k[0] == source_file}
        outside = sorted(k for k in rejected if not 1 <= k[1] <= raw_lines)
        problems += [f"reject outside the file's {raw_lines} lines: {k}" for k in outside]
        staged = {(source_file, n) for n in range(1, raw_lines + 1)} - rejected
        print(
            f"[parity] {source_file}: {raw_lines} raw lines = {len(staged)} staged "
            f"+ {len(rejected)} rejected (build)"
        )
        if len(staged) + len(rejected) != raw_lines:
            problems.append(
                f"{source_file}: {raw_lines} raw lines != {len(staged)} staged + "
                f"{len(rejected)} rejected"
            )
    unknown = sorted({k[0] for k in build.rejects} | {k[0] for k in build.items})
    unknown = [f for f in unknown if f not in oracle.line_counts]
    problems += [f"build names a source_file that is not an input file: {f!r}" for f in unknown]

    if problems:
        fail_with("line accounting", problems, len(problems))


def test_same_rejected_lines(built_project: Any) -> None:
    oracle = oracle_for(built_project.raw_dir)
    build = build_for(built_project.db_path)
    only_oracle = set(oracle.rejects) - set(build.rejects)
    only_build = set(build.rejects) - set(oracle.rejects)
    kinds = Counter(oracle.rejects.values())
    print(
        f"[parity] rejects compared: oracle {len(oracle.rejects)}, build {len(build.rejects)} "
        f"over {sum(oracle.line_counts.values())} raw lines; "
        f"oracle kinds {dict(sorted(kinds.items()))}"
    )
    problems = [
        f"rejected by the oracle ({oracle.rejects[k]}) but not by the build: "
        f"{describe_line(built_project.raw_dir, k)}"
        for k in sample_keys(only_oracle)
    ] + [
        f"rejected by the build ({build.rejects[k]!r}) but not by the oracle: "
        f"{describe_line(built_project.raw_dir, k)}"
        for k in sample_keys(only_build)
    ]
    total = len(only_oracle) + len(only_build)
    if total:
        fail_with(
            f"rejected lines ({len(only_oracle)} only in oracle, {len(only_build)} only in build)",
            problems,
            total,
        )


def test_same_kept_items(built_project: Any) -> None:
    oracle = oracle_for(built_project.raw_dir)
    build = build_for(built_project.db_path)
    only_oracle = set(oracle.items) - set(build.items)
    only_build = set(build.items) - set(oracle.items)
    print(
        f"[parity] items compared: oracle {len(oracle.items)}, build {len(build.items)} "
        f"(of {len(oracle.staged)} staged lines)"
    )
    problems = [
        f"kept by the oracle but not by the build: {describe_line(built_project.raw_dir, k)}"
        for k in sample_keys(only_oracle)
    ] + [
        f"kept by the build but not by the oracle: {describe_line(built_project.raw_dir, k)}"
        for k in sample_keys(only_build)
    ]
    total = len(only_oracle) + len(only_build)
    if total:
        fail_with(
            f"kept items ({len(only_oracle)} only in oracle, {len(only_build)} only in build)",
            problems,
            total,
        )


def same_value(name: str, want: Any, got: Any) -> bool:
    if name == "price":  # a DOUBLE in the build, a float in the oracle
        return isinstance(got, float) and got == want
    if name in ("slot", "token_count"):  # any integer width
        return isinstance(got, int) and not isinstance(got, bool) and got == want
    return type(got) is type(want) and got == want  # str, or None for a missing parent_asin


def test_item_fields_identical(built_project: Any) -> None:
    oracle = oracle_for(built_project.raw_dir)
    build = build_for(built_project.db_path)
    common = sorted(set(oracle.items) & set(build.items))
    problems: list[str] = []
    per_field: Counter[str] = Counter()
    for key in common:
        expected, actual = oracle.items[key], build.items[key]
        for name in COMPARED_FIELDS:
            want, got = getattr(expected, name), actual[name]
            if not same_value(name, want, got):
                per_field[name] += 1
                problems.append(f"{key} {value_diff(name, want, got)}")
    print(
        f"[parity] item fields compared on {len(common)} items x {len(COMPARED_FIELDS)} fields "
        f"({', '.join(COMPARED_FIELDS)})"
    )
    if problems:
        title = f"item fields (differences per field: {dict(per_field)})"
        fail_with(title, problems, len(problems))
