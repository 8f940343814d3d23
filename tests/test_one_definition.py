"""Each shared name and each reading of a finished build is defined once: the constants in
pricer.constants, opening a build and its counts in pricer.database. These tests find a copy
that comes back in the package's source (string constants, a second open_build, counting
queries outside pricer.database) or in profiles.yml."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pricer import constants

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "python" / "pricer"
HOME = {"constants.py"}


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def literals(path: Path) -> list[tuple[int, object]]:
    """(line, value) of every str constant and every tuple of str constants in a module,
    docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: list[tuple[int, object]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.Tuple) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
        ):
            found.append((node.lineno, tuple(e.value for e in node.elts)))  # type: ignore[attr-defined]
    return found


SHARED = {
    "SPLITS": constants.SPLITS,
    "SOURCE_REPO": constants.SOURCE_REPO,
    "DEFAULT_DB": str(constants.DEFAULT_DB),
    "DEFAULT_SPARK_DIR": str(constants.DEFAULT_SPARK_DIR),
    "SPLIT_SIZES_TEST": constants.SPLIT_SIZES_TEST,
}


@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_shared_constant_is_written_only_in_pricer_constants(name: str) -> None:
    value = SHARED[name]
    copies = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sources()
        if path.name not in HOME
        for line, found in literals(path)
        if found == value
    ]
    assert not copies, f"{value!r} restated (use pricer.constants.{name}): {copies}"


def test_profiles_name_the_spark_dir_default_nowhere() -> None:
    """PRICER_SPARK_DIR is always set by pricer (spark.spark_env, from --spark-dir or
    constants.DEFAULT_SPARK_DIR): profiles.yml reads it without a default of its own."""
    text = (ROOT / "profiles.yml").read_text(encoding="utf-8")
    assert str(constants.DEFAULT_SPARK_DIR) not in text
    assert "env_var('PRICER_SPARK_DIR')" in text


def test_one_open_build_and_one_reading_of_the_counts() -> None:
    """Only pricer.database opens a finished build and counts its rows."""
    count_of_a_mart = re.compile(r"count\(\*\)\s+from\s+(\w+)", re.IGNORECASE)
    counted = {"stg_meta__rows", "rejects", "items", "sampled_items", "duplicate_groups"}
    counted |= {"dropped_duplicates", "leakage"}
    openers, counters = [], []
    for path in sources():
        if path.name == "database.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "open_build":
                openers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                tables = set(count_of_a_mart.findall(node.value)) & counted
                if tables and path.name in ("build.py", "export.py", "report.py", "upload.py"):
                    counters.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(tables)}")
    assert not openers, f"open_build defined again: {openers}"
    assert not counters, f"counts read again (use database.read_counts/key_numbers): {counters}"
