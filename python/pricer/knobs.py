"""The curation knobs (rules 9), read from their one home: dbt_project.yml `vars:` and
seeds/categories.csv. Python code reads a default from here (`default_vars`), never restates
it."""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pricer.errors import UsageError

# The copy of the dbt project that a wheel carries (setup.py puts it there).
INSTALLED_PROJECT = Path(__file__).resolve().parent / "dbt_project"
_PROJECT_NAME = re.compile(r"^name:\s*[\"']?pricer[\"']?\s*(#.*)?$", re.MULTILINE)


def _is_pricer_project(folder: Path) -> bool:
    try:
        text = (folder / "dbt_project.yml").read_text(encoding="utf-8")
    except OSError:
        return False
    return _PROJECT_NAME.search(text) is not None


def project_dir() -> Path:
    """The dbt project: $PRICER_PROJECT_DIR; else the checkout this package runs from (an
    editable install), else the working directory when it is a pricer checkout; else the copy
    of the project installed with the package (INSTALLED_PROJECT)."""
    env = os.environ.get("PRICER_PROJECT_DIR")
    if env:
        if not (Path(env) / "dbt_project.yml").is_file():
            raise UsageError(f"PRICER_PROJECT_DIR={env} holds no dbt_project.yml")
        return Path(env)
    for candidate in (Path(__file__).resolve().parents[2], Path.cwd(), INSTALLED_PROJECT):
        if _is_pricer_project(candidate):
            return candidate
    raise UsageError(
        "cannot find pricer's dbt project (dbt_project.yml): reinstall pricer, or set "
        "PRICER_PROJECT_DIR to a pricer checkout"
    )


_PATH_KEYS = ("model-paths", "macro-paths", "seed-paths", "test-paths", "analysis-paths")


def copy_project(dest: Path, source: Path | None = None) -> Path:
    """A copy at `dest` of the dbt project (`source`, default project_dir()): dbt_project.yml,
    profiles.yml and the folders dbt_project.yml names (as setup.py bundles them), for a build
    that may change a seed without touching the original; `dest`."""
    import shutil

    source = source or project_dir()
    config = yaml.safe_load((source / "dbt_project.yml").read_text(encoding="utf-8"))
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy2(source / name, dest / name)
    for folder in (f for key in _PATH_KEYS for f in config.get(key, [])):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, dest / folder)
    return dest


def work_dir() -> Path:
    """Where dbt writes target/ and logs/: the project of a checkout; for the installed copy
    (inside the package, not to be written), the working directory."""
    project = project_dir()
    return Path.cwd() if project == INSTALLED_PROJECT else project


def default_vars() -> dict[str, Any]:
    """The `vars:` block of dbt_project.yml, as dbt reads it."""
    with open(project_dir() / "dbt_project.yml", encoding="utf-8") as fh:
        values = dict(yaml.safe_load(fh)["vars"])
    values.pop(KNOB_RULES_VAR, None)
    return values


@dataclass(frozen=True)
class Category:
    name: str
    weight: float


def categories(path: Path | None = None) -> list[Category]:
    """Categories and sampling weights, in seed order (seeds/categories.csv)."""
    seed = path or project_dir() / "seeds" / "categories.csv"
    with open(seed, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [Category(row["category"], float(row["weight"])) for row in rows]


KNOB_RULES_VAR = "knob_rules"
NOT_KNOBS = ("raw_dir", KNOB_RULES_VAR)
KINDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "list": 'a JSON list of strings, e.g. ["a", "b"]',
}
BOUNDS = {"min": ">=", "max": "<=", "above": ">", "below": "<"}


def knob_rules() -> dict[str, dict[str, Any]]:
    """How each knob is checked: `vars: knob_rules:` of dbt_project.yml, which the dbt
    on-run-start macro `pricer_check_knobs` reads too (so plain `dbt build --vars` is checked
    by the same rules)."""
    with open(project_dir() / "dbt_project.yml", encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh)["vars"][KNOB_RULES_VAR])


def _parse_value(name: str, raw: str, kind: str) -> Any:
    """A --set value as the knob's type; the text of a string knob is kept as typed."""
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
        if kind == "list":
            value = json.loads(raw)
            if isinstance(value, list):
                return value
            raise ValueError
    except ValueError:
        raise UsageError(f"knob {name} must be {KINDS[kind]}, got {raw!r}") from None
    return raw


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn `KNOB=VALUE` strings into typed dbt vars, checked by the knob rules.

    Raises UsageError (one clear line) for an unknown knob or an invalid value. A list knob
    (details_removals) takes a JSON list: --set 'details_removals=["Item", "Number"]'.
    """
    rules = knob_rules()
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--set takes KNOB=VALUE, got {pair!r}")
        name, raw = pair.split("=", 1)
        name = name.strip()
        if rules.get(name, {}).get("export"):
            raise UsageError(
                f"{name} is an option of `pricer export --format openai-chat`, not a build knob"
            )
        if name not in rules:
            raise UsageError(f"unknown knob {name!r}; knobs: {', '.join(sorted(rules))}")
        out[name] = _parse_value(name, raw, rules[name]["type"])
    validate({**default_vars(), **out})
    return out


def _is_kind(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int)
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "string":
        return isinstance(value, str)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _holds(value: Any, op: str, bound: Any) -> bool:
    return {
        ">=": value >= bound,
        "<=": value <= bound,
        ">": value > bound,
        "<": value < bound,
    }[op]


def validate(values: dict[str, Any]) -> None:
    """Check every knob against its rule (type, bounds, allowed values); a bound may name
    another knob. Raises UsageError naming the knob, its value and the rule."""
    rules = knob_rules()
    for name, rule in rules.items():
        if name not in values:
            continue
        value = values[name]
        if not _is_kind(value, rule["type"]):
            raise UsageError(f"knob {name} must be {KINDS[rule['type']]}, got {value!r}")
        if "one_of" in rule and value not in rule["one_of"]:
            raise UsageError(
                f"knob {name} must be one of {', '.join(rule['one_of'])}, got {value!r}"
            )
        for key, op in BOUNDS.items():
            if key not in rule:
                continue
            bound = rule[key]
            if isinstance(bound, str):
                if not _holds(value, op, values[bound]):
                    raise UsageError(
                        f"knob {name} must be {op} {bound} ({values[bound]!r}), got {value!r}"
                    )
            elif not _holds(value, op, bound):
                raise UsageError(f"knob {name} must be {op} {bound}, got {value!r}")
    check_tokenizer(values.get("tokenizer", ""))


def _looks_like_path(value: str) -> bool:
    return value.startswith(("/", ".", "~")) or value.endswith(".json") or value.count("/") > 1


def check_tokenizer(value: str) -> None:
    """The tokenizer knob: a local path must exist; a hub name must be one (owner/name)."""
    if not value:
        return
    if _looks_like_path(value) and not Path(value).expanduser().exists():
        raise UsageError(
            f"knob tokenizer: no such file or folder {value!r} (a local path must exist; "
            "a hub name owner/name is downloaded on first use and needs a network)"
        )
