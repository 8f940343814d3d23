"""The marts' column types (issue 17): counts are BIGINT, never HUGEINT (which pandas reads as
float64 and Arrow as decimal128), every column's type is stated in the marts' yml and matches
the build, and the README's ad-hoc query commands work on a fresh set-up."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import yaml

from conftest import BuiltProject

ROOT = Path(__file__).resolve().parents[1]
MARTS = sorted(p.stem for p in (ROOT / "models" / "marts").glob("*.sql"))
# Counts of rows, by the column names the marts use for them.
COUNT_COLUMNS = {
    "items",
    "sampled",
    "train",
    "test",
    "validation",
    "test_items",
    "leaked_test_items",
    "train_twins",
    "categories",
    "distinct_prices",
}


def mart_types(db_path: Path) -> dict[str, dict[str, str]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.sql(
            "select table_name, column_name, data_type from information_schema.columns"
        ).fetchall()
    types: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        if table in MARTS:
            types.setdefault(table, {})[column] = data_type
    return types


def test_no_mart_column_is_hugeint_and_counts_are_bigint(built_project: BuiltProject) -> None:
    types = mart_types(built_project.db_path)
    assert sorted(types) == MARTS
    huge = [f"{t}.{c}" for t, cols in types.items() for c, d in cols.items() if "HUGEINT" in d]
    assert huge == []
    counts = {(t, c): d for t, cols in types.items() for c, d in cols.items() if c in COUNT_COLUMNS}
    assert {("slot_counts", "items"), ("category_counts", "sampled")} <= set(counts)
    assert {k: d for k, d in counts.items() if d != "BIGINT"} == {}
    # What a pandas user sees: whole numbers, not floats.
    with duckdb.connect(str(built_project.db_path), read_only=True) as con:
        for table in ("slot_counts", "category_counts", "slot_category_counts"):
            frame = con.sql(f"from {table}").df()
            assert str(frame["items"].dtype) == "int64", table


def test_every_mart_column_type_is_stated_in_its_yml(built_project: BuiltProject) -> None:
    types = mart_types(built_project.db_path)
    models = yaml.safe_load((ROOT / "models" / "marts" / "_marts__models.yml").read_text())
    stated = {
        m["name"]: {c["name"]: c.get("data_type") for c in m.get("columns", [])}
        for m in models["models"]
    }
    assert sorted(stated) == MARTS
    for table in MARTS:
        actual = {c: d.lower() for c, d in types[table].items()}
        assert stated[table] == actual, table


def readme_query_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Querying the results", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the README's querying section has no bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_query_commands_run_as_written(built_project: BuiltProject, tmp_path: Path) -> None:
    """Each command of README "Querying the results", unchanged, from a folder laid out as
    the checkout after set-up and a build (.venv, data/pricer.duckdb)."""
    commands = readme_query_commands()
    assert commands and all("data/pricer.duckdb" in c for c in commands)
    (tmp_path / "data").mkdir()
    shutil.copy(built_project.db_path, tmp_path / "data" / "pricer.duckdb")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRICER_")}
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.strip(), command
