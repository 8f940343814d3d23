"""Compile SQL with the project's macros: an inline string, or a model with given vars."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pricer import knobs
from pricer.build import _release_duckdb


def _compile(args: list[str], db_path: Path) -> str:
    from dbt.cli.main import dbtRunner

    project = knobs.project_dir()
    os.environ["PRICER_DB"] = str(db_path)
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                *args,
                "--quiet",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
            ]
        )
    finally:
        os.environ.pop("PRICER_DB", None)
        # dbt-duckdb keeps its database open in the process: the next compile (another file)
        # must not find this one
        _release_duckdb()
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


def compile_inline(sql: str, db_path: Path) -> str:
    return _compile(["--inline", sql], db_path)


def compile_model(model: str, db_path: Path, dbt_vars: dict) -> str:
    return _compile(["--select", model, "--vars", json.dumps(dbt_vars)], db_path)
