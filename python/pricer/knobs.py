"""The curation knobs (spec section 9), read from their one home: dbt_project.yml `vars:`
and seeds/categories.csv. Python never restates a default."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pricer.errors import UsageError

DEDUP_VALUES = ("none", "title", "text", "title_text")
EXPORT_PREFIX = "openai_chat_"  # vars read by `pricer export` (spec 10), not by the build


def project_dir() -> Path:
    """The dbt project root: $PRICER_PROJECT_DIR, else the checkout this package lives in."""
    env = os.environ.get("PRICER_PROJECT_DIR")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parents[2], Path.cwd()]
    for candidate in candidates:
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise UsageError("cannot find dbt_project.yml: set PRICER_PROJECT_DIR to the pricer checkout")


def default_vars() -> dict[str, Any]:
    """The `vars:` block of dbt_project.yml, as dbt reads it."""
    with open(project_dir() / "dbt_project.yml", encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh)["vars"])


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


def _as_number(name: str, raw: str, integer: bool) -> int | float:
    try:
        value: int | float = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise UsageError(f"knob {name} must be {kind}, got {raw!r}") from None
    return value


def build_knob_names(defaults: dict[str, Any]) -> list[str]:
    """The vars `--set` may change: scalars the build reads (not raw_dir, lists, export's)."""
    return [
        k
        for k, v in defaults.items()
        if k != "raw_dir" and not isinstance(v, list) and not k.startswith(EXPORT_PREFIX)
    ]


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn `KNOB=VALUE` strings into typed dbt vars, checked against the defaults.

    Raises UsageError (one clear line) for an unknown knob or an invalid value.
    """
    defaults = default_vars()
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--set takes KNOB=VALUE, got {pair!r}")
        name, raw = (part.strip() for part in pair.split("=", 1))
        if name.startswith(EXPORT_PREFIX) and name in defaults:
            raise UsageError(
                f"{name} is an option of `pricer export --format openai-chat`, not a build knob"
            )
        if name not in defaults or name == "raw_dir" or isinstance(defaults[name], list):
            known = ", ".join(sorted(build_knob_names(defaults)))
            raise UsageError(f"unknown knob {name!r}; knobs: {known}")
        default = defaults[name]
        if isinstance(default, bool):
            out[name] = raw.lower() in ("1", "true", "yes")
        elif isinstance(default, int):
            out[name] = _as_number(name, raw, integer=True)
        elif isinstance(default, float):
            out[name] = _as_number(name, raw, integer=False)
        else:
            out[name] = raw
    merged = {**defaults, **out}
    validate(merged)
    return out


def validate(values: dict[str, Any]) -> None:
    """Cross-knob checks; raises UsageError naming the knob."""
    for name in ("min_chars", "ceiling_chars", "min_tokens", "max_tokens", "slot_cap"):
        if values[name] < 1:
            raise UsageError(f"knob {name} must be >= 1, got {values[name]}")
    for name in ("slot_cutoff", "train_size", "test_size", "val_size", "sample_seed", "split_seed"):
        if values[name] < 0:
            raise UsageError(f"knob {name} must be >= 0, got {values[name]}")
    if not 0 <= values["min_price"] <= values["max_price"]:
        raise UsageError(
            f"knobs min_price ({values['min_price']}) and max_price ({values['max_price']}) "
            "must satisfy 0 <= min_price <= max_price"
        )
    if values["max_price"] >= 999.5:
        raise UsageError(
            f"knob max_price must be below 999.5 (slots run 0..999), got {values['max_price']}"
        )
    if values["min_tokens"] >= values["max_tokens"]:
        raise UsageError(
            f"knob min_tokens ({values['min_tokens']}) must be below "
            f"max_tokens ({values['max_tokens']})"
        )
    if values["ceiling_chars"] <= values["min_chars"]:
        raise UsageError(
            f"knob ceiling_chars ({values['ceiling_chars']}) must exceed "
            f"min_chars ({values['min_chars']})"
        )
    if values["dedup"] not in DEDUP_VALUES:
        raise UsageError(
            f"knob dedup must be one of {', '.join(DEDUP_VALUES)}, got {values['dedup']!r}"
        )
