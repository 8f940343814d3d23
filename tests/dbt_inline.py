"""Compile an inline SQL string with the project's macros (dbt compile --inline)."""

from __future__ import annotations

import os
from pathlib import Path

from pricer import knobs


def compile_inline(sql: str, db_path: Path) -> str:
    from dbt.cli.main import dbtRunner

    project = knobs.project_dir()
    os.environ["PRICER_DB"] = str(db_path)
    try:
        result = dbtRunner().invoke(
            [
                "compile",
                "--inline",
                sql,
                "--quiet",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
            ]
        )
    finally:
        os.environ.pop("PRICER_DB", None)
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code
