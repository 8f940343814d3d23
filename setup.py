"""The build step that makes the wheel carry pricer's dbt project.

The checkout keeps the dbt project at its top level (dbt_project.yml, profiles.yml and the
folders dbt_project.yml names: models/, macros/, seeds/, tests/dbt/, ...). The wheel carries a
copy of them as the package data folder `pricer/dbt_project/`, where pricer.knobs.project_dir
finds them when pricer runs outside a checkout. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLE = Path("pricer") / "dbt_project"  # pricer.knobs.INSTALLED_PROJECT
PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
PATH_KEYS = ("model-paths", "macro-paths", "seed-paths", "test-paths", "analysis-paths")


def project_folders() -> list[str]:
    """The folders dbt reads, as dbt_project.yml names them."""
    config = yaml.safe_load((ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    return [folder for key in PATH_KEYS for folder in config.get(key, [])]


class BuildWithDbtProject(build_py):
    """build_py, then the dbt project copied into the built package (not for an editable
    install, which runs from the checkout and finds the project there)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / BUNDLE
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in PROJECT_FILES:
            shutil.copy2(ROOT / name, target / name)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for folder in project_folders():
            if (ROOT / folder).is_dir():
                shutil.copytree(ROOT / folder, target / folder, ignore=ignore)


setup(cmdclass={"build_py": BuildWithDbtProject})
