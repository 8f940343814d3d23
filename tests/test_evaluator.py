"""dbt-project-evaluator (v1.3.2, vendored under tests/evaluator/packages/) on pricer, with no
network: the wrapper project tests/evaluator/ holds pricer as a local package, so the
evaluator's models never enter pricer's own `dbt build`. Every check must pass; a finding
that pricer accepts is listed, with its reason, in
tests/evaluator/seeds/dbt_project_evaluator_exceptions.csv (or configured, with its reason,
in tests/evaluator/dbt_project.yml).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from pricer.knobs import project_dir

PROJECT = project_dir()
WRAPPER = PROJECT / "tests" / "evaluator"
DBT = Path(sys.executable).parent / "dbt"


def _wrapper_copy(tmp_path: Path) -> Path:
    """The wrapper project in tmp_path, its local packages as absolute paths: dbt deps links
    them into its dbt_packages/ there, and nothing is written into the checkout (a link to
    the checkout inside it would also send tools that walk the tree into a loop)."""
    copy = tmp_path / "wrapper"
    copy.mkdir()
    shutil.copy(WRAPPER / "dbt_project.yml", copy)
    shutil.copytree(WRAPPER / "seeds", copy / "seeds")
    packages = yaml.safe_load((WRAPPER / "packages.yml").read_text(encoding="utf-8"))
    for package in packages["packages"]:
        package["local"] = str((WRAPPER / package["local"]).resolve())
    (copy / "packages.yml").write_text(yaml.safe_dump(packages), encoding="utf-8")
    return copy


def _dbt(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PRICER_DB": str(tmp_path / "evaluator.duckdb"),
        "PRICER_THREADS": "1",
        "DBT_PROFILES_DIR": str(PROJECT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [
            str(DBT),
            *args,
            "--no-use-colors",
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=tmp_path / "wrapper",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_pricer_itself_does_not_depend_on_the_evaluator() -> None:
    """A plain `dbt build` of pricer has no packages: nothing of the evaluator in it."""
    assert not (PROJECT / "packages.yml").exists()
    assert not (PROJECT / "dependencies.yml").exists()


def test_dbt_project_evaluator_finds_nothing_unconfigured(tmp_path: Path) -> None:
    _wrapper_copy(tmp_path)
    deps = _dbt(["deps"], tmp_path)
    assert deps.returncode == 0, deps.stdout + deps.stderr
    target = tmp_path / "target"
    run = _dbt(
        [
            "build",
            "--select",
            "package:dbt_project_evaluator",
            "pricer_evaluation",
            "--target-path",
            str(target),
        ],
        tmp_path,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    results = json.loads((target / "run_results.json").read_text())["results"]
    checks = [r for r in results if r["unique_id"].startswith("test.dbt_project_evaluator.")]
    assert len(checks) >= 29, "the evaluator's checks did not run"  # 29 in v1.3.2
    findings = [
        (r["unique_id"], r["status"], r.get("failures"))
        for r in results
        if r["status"] not in ("success", "pass")
    ]
    # the on-run-end hook prints each finding's rows: shown when this fails
    assert findings == [], output[output.find("### List of issues") :]
    assert "[WARNING]" not in output, output
