"""The dataset card (README.md) that goes with an upload: the Hub's YAML metadata plus a
readable account of the data, its counts, the knobs and seeds used and how it was made."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pricer.constants import SOURCE_REPO

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "dataset_card.md.j2"

SOURCE_URL = f"https://huggingface.co/datasets/{SOURCE_REPO}"
# The source states no licence in its Hub metadata; the derived data carries the source's terms.
DEFAULT_LICENSE = "other"
DEFAULT_LICENSE_NAME = "amazon-reviews-2023"
TASK_CATEGORIES = ["text-generation"]
TAGS = ["pricer", "price-prediction", "regression", "amazon", "e-commerce", "llm-fine-tuning"]
FEATURES = [{"name": "text", "dtype": "string"}, {"name": "price", "dtype": "float64"}]
SEED_KNOBS = ("sample_seed", "split_seed")
LOCAL_NAME = "pricer"  # the card's name before the export has a repo


@dataclass(frozen=True)
class SplitSummary:
    """One exported split as it lands in the repo."""

    name: str  # train | test | validation
    path_in_repo: str
    num_examples: int
    num_bytes: int  # Arrow size in memory, the figure `datasets` reports as num_bytes
    file_size: int  # Parquet bytes on disk (the download size)


@dataclass(frozen=True)
class ItemsSummary:
    """The items metadata file: the card's second config."""

    config_name: str
    split: str
    path_in_repo: str
    num_examples: int
    num_bytes: int
    file_size: int
    features: list[dict[str, str]]  # [{"name": ..., "dtype": ...}] as the Hub's YAML has them


@dataclass(frozen=True)
class CategoryCount:
    category: str
    weight: float | None
    sampled: int
    per_split: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CardInputs:
    repo_id: str | None  # None: the card of a local export folder, before any upload
    manifest: dict[str, Any]
    splits: list[SplitSummary]
    categories: list[CategoryCount] | None  # None when the export has no items file
    charts: list[str]  # paths in the repo, e.g. charts/price_histogram.svg
    license: str = DEFAULT_LICENSE
    items: ItemsSummary | None = None

    @property
    def pretty_name(self) -> str:
        return self.repo_id.split("/", 1)[1] if self.repo_id else LOCAL_NAME


def size_category(n: int) -> str:
    """The Hub's size_categories bucket for n rows."""
    labels = ["1K", "10K", "100K", "1M", "10M", "100M", "1B", "10B", "100B", "1T"]
    if n < 1_000:
        return "n<1K"
    for i, upper in enumerate(labels[1:], start=1):
        if n < 1_000 * 10**i:
            return f"{labels[i - 1]}<n<{upper}"
    return "n>1T"


def card_metadata(inputs: CardInputs) -> dict[str, Any]:
    """The YAML block of the card: what the Hub's viewer and `datasets.load_dataset` read."""
    total = sum(s.num_examples for s in inputs.splits)
    configs: list[dict[str, Any]] = [
        {
            "config_name": "default",
            "data_files": [{"split": s.name, "path": s.path_in_repo} for s in inputs.splits],
        }
    ]
    infos: list[dict[str, Any]] = [
        {
            "config_name": "default",
            "features": [dict(f) for f in FEATURES],
            "splits": [
                {"name": s.name, "num_bytes": s.num_bytes, "num_examples": s.num_examples}
                for s in inputs.splits
            ],
            "download_size": sum(s.file_size for s in inputs.splits),
            "dataset_size": sum(s.num_bytes for s in inputs.splits),
        }
    ]
    items = inputs.items
    if items is not None:
        configs.append(
            {
                "config_name": items.config_name,
                "data_files": [{"split": items.split, "path": items.path_in_repo}],
            }
        )
        infos.append(
            {
                "config_name": items.config_name,
                "features": [dict(f) for f in items.features],
                "splits": [
                    {
                        "name": items.split,
                        "num_bytes": items.num_bytes,
                        "num_examples": items.num_examples,
                    }
                ],
                "download_size": items.file_size,
                "dataset_size": items.num_bytes,
            }
        )
    meta: dict[str, Any] = {"license": inputs.license}
    if inputs.license == DEFAULT_LICENSE:
        meta["license_name"] = DEFAULT_LICENSE_NAME
        meta["license_link"] = SOURCE_URL
    meta.update(
        {
            "language": ["en"],
            "pretty_name": inputs.pretty_name,
            "task_categories": list(TASK_CATEGORIES),
            "size_categories": [size_category(total)],
            "tags": list(TAGS),
            "source_datasets": [SOURCE_REPO],
            "configs": configs,
            "dataset_info": infos,
        }
    )
    return meta


def _cell(value: Any) -> str:
    """A value as one Markdown table cell."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n")


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def render_card(inputs: CardInputs) -> str:
    """README.md: YAML front matter, then the card body from templates/dataset_card.md.j2."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = _cell
    env.filters["num"] = _num
    env.filters["human_bytes"] = _human_bytes
    manifest = inputs.manifest
    knobs = dict(manifest.get("knobs") or {})
    body = env.get_template(TEMPLATE_NAME).render(
        repo_id=inputs.repo_id,
        pretty_name=inputs.pretty_name,
        items=inputs.items,
        source_repo=SOURCE_REPO,
        source_url=SOURCE_URL,
        license=inputs.license,
        default_license=DEFAULT_LICENSE,
        pricer_version=manifest.get("pricer_version", "unknown"),
        created_at=manifest.get("created_at", "unknown"),
        counts=manifest.get("counts") or {},
        knobs=knobs,
        seeds={name: knobs[name] for name in SEED_KNOBS if name in knobs},
        question=knobs.get("prompt_question"),
        prefix=knobs.get("price_prefix"),
        splits=inputs.splits,
        split_names=[s.name for s in inputs.splits],
        categories=inputs.categories,
        charts=[(Path(c).stem.replace("_", " ").replace("-", " "), c) for c in inputs.charts],
    )
    front = yaml.safe_dump(card_metadata(inputs), sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n{body}"


def parse_card(text: str) -> tuple[dict[str, Any], str]:
    """Split a card into its YAML metadata and its Markdown body (the inverse of render_card)."""
    if not text.startswith("---\n"):
        return {}, text
    front, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(front) or {}, body.lstrip("\n")
