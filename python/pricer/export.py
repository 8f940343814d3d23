"""`pricer export`: the sample as a folder laid out like a Hub dataset repo (rules 6), with a
`save_to_disk` copy and, on request, the fine-tuning files of rules 10.

The layout (paths relative to the export folder; `hub_files` of the manifest lists what
`pricer upload` sends):

    README.md                             the dataset card: `configs:` default and items
    data/{split}-00000-of-00001.parquet   train, test (, validation): text, price
    items/items-00000-of-00001.parquet    the sample with its metadata (config "items")
    manifest.json                         knobs, categories, counts and this file list
    __save_to_disk__/                     datasets.DatasetDict.save_to_disk (load_from_disk)
    finetune/openai-chat/*.jsonl          with --format openai-chat (rules 10)
    finetune/prompt-completion/*.jsonl    with --format prompt-completion (rules 10)

`datasets` skips folders whose name starts with two underscores when it resolves data files,
so the Arrow files of the DatasetDict copy are never taken for a split. Everything an earlier
export wrote that this one does not is removed; other files in the folder are left alone.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pricer import __version__, database, knobs
from pricer.constants import SPLITS
from pricer.errors import PricerError, UsageError

# -- the layout ----------------------------------------------------------------------------------
CARD_FILE = "README.md"
MANIFEST_FILE = "manifest.json"
DATA_DIR = "data"
ITEMS_DIR = "items"
ITEMS_CONFIG = "items"  # the card's second config; its one split is `train` (the Hub's default)
ITEMS_SPLIT = "train"
DISK_DIR = "__save_to_disk__"
FINETUNE_DIR = "finetune"
FORMATS = ("openai-chat", "prompt-completion")  # rules 10
# What the export writes, and the paths of the earlier flat layout (removed when found).
OWNED = (CARD_FILE, MANIFEST_FILE, DATA_DIR, ITEMS_DIR, DISK_DIR, FINETUNE_DIR)
LEGACY = ("train.parquet", "test.parquet", "validation.parquet", "items.parquet", "hf")


def split_file(split: str) -> str:
    """The repo path of a split, named as `push_to_hub` names it so the Hub infers the split."""
    return f"{DATA_DIR}/{split}-00000-of-00001.parquet"


ITEMS_FILE = f"{ITEMS_DIR}/items-00000-of-00001.parquet"
# What the export reads besides the counted tables.
REQUIRED_TABLES = (*database.COUNTED_TABLES, "curation_knobs", "categories")


@dataclass
class ExportSummary:
    out_dir: Path
    counts: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    hub_files: list[str] = field(default_factory=list)  # paths in the repo, as upload sends them
    local_files: list[str] = field(default_factory=list)  # the disk copy and fine-tuning files


def build_knobs(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The knob values recorded by the build (curation_knobs mart)."""
    rows = con.sql("select knob, value_json from curation_knobs order by knob").fetchall()
    return {knob: json.loads(value) for knob, value in rows}


# The exported files' schemas, fixed here so the bytes do not depend on the engine that built
# the tables (DuckDB and Spark differ in integer widths and in what they know is never null).
SPLIT_SCHEMA = pa.schema(
    [pa.field("text", pa.string(), nullable=False), pa.field("price", pa.float64(), nullable=False)]
)
ITEMS_SCHEMA = pa.schema(
    [
        pa.field("item_key", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("line_number", pa.int64(), nullable=False),
        pa.field("parent_asin", pa.string()),
        pa.field("price", pa.float64(), nullable=False),
        pa.field("slot", pa.int32(), nullable=False),
        pa.field("token_count", pa.int64(), nullable=False),
        pa.field("split", pa.string()),
        pa.field("split_rank", pa.int64(), nullable=False),
    ]
)


def _copy_to_parquet(
    con: duckdb.DuckDBPyConnection, sql: str, schema: pa.Schema, path: Path
) -> None:
    """Stream a query's rows, in order, into a zstd Parquet file of exactly `schema`."""
    reader = con.sql(sql).to_arrow_reader(batch_size=100_000)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in reader:
            for field_, column in zip(schema, batch.columns, strict=True):
                if not field_.nullable and column.null_count:
                    raise PricerError(f"{path.name}: column {field_.name} holds nulls")
            writer.write_batch(batch.cast(schema))


def _write_split(con: duckdb.DuckDBPyConnection, split: str, path: Path) -> None:
    # Rules 6: train text = prompt, test (and validation) text = test prompt; split order.
    text = "items.prompt" if split == "train" else "items.test_prompt"
    sql = f"""
        select {text} as text, sampled_items.price as price
        from sampled_items
        inner join items on sampled_items.item_key = items.item_key
        where sampled_items.split = '{split}'
        order by sampled_items.split_rank
    """
    _copy_to_parquet(con, sql, SPLIT_SCHEMA, path)


def _write_items(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    sql = f"""
        select {", ".join(ITEMS_SCHEMA.names)}
        from sampled_items
        order by split_rank
    """
    _copy_to_parquet(con, sql, ITEMS_SCHEMA, path)


def _write_hf(split_files: dict[str, Path], hf_dir: Path) -> None:
    import datasets

    if not sys.stderr.isatty():
        datasets.disable_progress_bars()
    features = datasets.Features(
        {"text": datasets.Value("string"), "price": datasets.Value("float64")}
    )
    dataset_dict = datasets.DatasetDict(
        {
            split: datasets.Dataset(
                pq.read_table(path).cast(features.arrow_schema),
                info=datasets.DatasetInfo(features=features),
            )
            for split, path in split_files.items()
        }
    )
    dataset_dict.save_to_disk(str(hf_dir))


# -- fine-tuning files (rules 10) -------------------------------------------------------------
@dataclass(frozen=True)
class ChatStrings:
    """The strings of the openai-chat format, from dbt_project.yml `vars:`."""

    system: str
    removals: tuple[str, ...]
    answer_prefix: str

    @classmethod
    def from_vars(cls, values: dict[str, Any]) -> ChatStrings:
        return cls(
            system=values["openai_chat_system"],
            removals=tuple(values["openai_chat_removals"]),
            answer_prefix=values["openai_chat_answer_prefix"],
        )


def chat_record(test_prompt: str, price: float, strings: ChatStrings) -> dict[str, Any]:
    """One line of the openai-chat file: system, user (the test prompt without the removals),
    assistant (the answer prefix and the price with two decimals)."""
    user = test_prompt
    for removal in strings.removals:
        user = user.replace(removal, "")
    return {
        "messages": [
            {"role": "system", "content": strings.system},
            {"role": "user", "content": user},
            {"role": "assistant", "content": f"{strings.answer_prefix}{price:.2f}"},
        ]
    }


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[dict[str, Any]]:
    for batch in con.sql(sql).to_arrow_reader(batch_size=50_000):
        yield from batch.to_pylist()


def _split_prompts_sql(split: str, *, offset: int = 0, limit: int | None = None) -> str:
    window = f"limit {limit} offset {offset}" if limit is not None else ""
    return f"""
        select items.prompt, items.test_prompt, sampled_items.price
        from sampled_items
        inner join items on sampled_items.item_key = items.item_key
        where sampled_items.split = '{split}'
        order by sampled_items.split_rank
        {window}
    """


def _write_jsonl(path: Path, records: Iterator[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")
            n += 1
    return n


def check_chat_rows(train_count: int, train_rows: int, val_rows: int) -> None:
    if train_rows + val_rows > train_count:
        raise PricerError(
            f"openai-chat needs {train_rows:,} + {val_rows:,} train rows, the export has "
            f"{train_count:,}; lower --chat-train-rows / --chat-val-rows"
        )


def write_openai_chat(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    train_count: int,
    *,
    train_rows: int,
    val_rows: int,
    strings: ChatStrings,
) -> dict[str, int]:
    """The first train_rows train rows (split order) to train.jsonl, the next val_rows to
    validation.jsonl, as the course fed its frontier fine-tuning (rules 10)."""
    check_chat_rows(train_count, train_rows, val_rows)
    written = {}
    for name, offset, limit in (("train", 0, train_rows), ("validation", train_rows, val_rows)):
        if limit == 0:
            continue
        rows = _rows(con, _split_prompts_sql("train", offset=offset, limit=limit))
        records = (chat_record(r["test_prompt"], r["price"], strings) for r in rows)
        written[f"{name}.jsonl"] = _write_jsonl(folder / f"{name}.jsonl", records)
    return written


def _prompt_completion(row: dict[str, Any]) -> dict[str, str]:
    prompt, test_prompt = row["prompt"], row["test_prompt"]
    if not prompt.startswith(test_prompt):
        raise PricerError(f"a test prompt is not the start of its prompt: {test_prompt[:60]!r}")
    return {"prompt": test_prompt, "completion": prompt[len(test_prompt) :]}


def write_prompt_completion(
    con: duckdb.DuckDBPyConnection, folder: Path, splits: Sequence[str]
) -> dict[str, int]:
    """Every row of each split: prompt = the test prompt, completion = the rest of the
    training prompt (rules 10), the shape TRL's SFTTrainer reads."""
    return {
        f"{split}.jsonl": _write_jsonl(
            folder / f"{split}.jsonl",
            (_prompt_completion(r) for r in _rows(con, _split_prompts_sql(split))),
        )
        for split in splits
    }


# -- the export ------------------------------------------------------------------------------
def _clear_earlier_export(out_dir: Path) -> None:
    """Remove what an earlier export wrote; refuse a folder that holds such names but is not
    an export (no pricer manifest), so `--out .` cannot delete a project's README or data."""
    present = [name for name in (*OWNED, *LEGACY) if (out_dir / name).exists()]
    if not present:
        return
    try:
        manifest = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        is_export = isinstance(manifest, dict) and "pricer_version" in manifest
    except (OSError, ValueError):
        is_export = False
    if not is_export:
        raise UsageError(
            f"{out_dir} is not an earlier export (no pricer manifest.json) but holds "
            f"{', '.join(present)}; choose an empty or new folder for --out"
        )
    for name in present:
        path = out_dir / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def resolve_formats(formats: Sequence[str]) -> list[str]:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown --format {unknown[0]!r}; formats: {', '.join(FORMATS)}")
    return [f for f in FORMATS if f in formats]


def export(
    db_path: Path,
    out_dir: Path,
    *,
    formats: Sequence[str] = (),
    chat_train_rows: int | None = None,
    chat_val_rows: int | None = None,
    log: bool = True,
) -> ExportSummary:
    """Write the export folder (see the module docstring); `formats` adds fine-tuning files."""
    formats = resolve_formats(formats)
    values = knobs.default_vars()
    train_rows = values["openai_chat_train_rows"] if chat_train_rows is None else chat_train_rows
    val_rows = values["openai_chat_val_rows"] if chat_val_rows is None else chat_val_rows
    if train_rows < 1 or val_rows < 0:
        raise UsageError(
            f"--chat-train-rows must be >= 1 and --chat-val-rows >= 0, got {train_rows}, {val_rows}"
        )

    def say(message: str) -> None:
        if log:
            print(f"export: {message}", file=sys.stderr)

    con = database.open_build(db_path, REQUIRED_TABLES)
    local: list[str] = []
    try:
        build = build_knobs(con)
        record = database.read_record(con) or {}
        # a complete build passed the split-size test (pricer build, SPLIT_SIZES_TEST)
        counts = database.key_numbers(database.read_counts(con))
        if "openai-chat" in formats:  # every check before anything is removed
            check_chat_rows(counts["train"], train_rows, val_rows)
        out_dir.mkdir(parents=True, exist_ok=True)
        _clear_earlier_export(out_dir)
        # Until the real one replaces it, a manifest that marks the folder as an (unfinished)
        # export: a failed export can be rerun into it, and upload refuses it.
        manifest_path = out_dir / MANIFEST_FILE
        unfinished = {"pricer_version": __version__, "unfinished": True}
        manifest_path.write_text(json.dumps(unfinished) + "\n", encoding="utf-8")
        # One writer thread and an ORDER BY: the files are byte-identical run to run.
        con.execute("set threads = 1")
        con.execute("set preserve_insertion_order = true")
        summary = ExportSummary(out_dir=out_dir, counts=counts)
        split_files: dict[str, Path] = {}
        for split in SPLITS:
            if summary.counts[split] == 0 and split == "validation":
                continue
            path = out_dir / split_file(split)
            path.parent.mkdir(parents=True, exist_ok=True)
            say(f"writing {path} ({summary.counts[split]:,} rows)")
            _write_split(con, split, path)
            split_files[split] = path
        items_path = out_dir / ITEMS_FILE
        items_path.parent.mkdir(parents=True, exist_ok=True)
        _write_items(con, items_path)
        for fmt in formats:
            folder = out_dir / FINETUNE_DIR / fmt
            if fmt == "openai-chat":
                written = write_openai_chat(
                    con,
                    folder,
                    summary.counts["train"],
                    train_rows=train_rows,
                    val_rows=val_rows,
                    strings=ChatStrings.from_vars(values),
                )
            else:
                written = write_prompt_completion(con, folder, list(split_files))
            for name, rows in written.items():
                say(f"writing {folder / name} ({rows:,} lines)")
                local.append(f"{FINETUNE_DIR}/{fmt}/{name}")
        categories = [
            {"category": name, "weight": weight}
            for name, weight in con.sql("select category, weight from categories").fetchall()
        ]
    finally:
        con.close()
    say(f"saving the DatasetDict to {out_dir / DISK_DIR}")
    _write_hf(split_files, out_dir / DISK_DIR)
    local.insert(0, f"{DISK_DIR}/")
    hub = sorted([CARD_FILE, MANIFEST_FILE, ITEMS_FILE, *(split_file(s) for s in split_files)])
    manifest = {
        "pricer_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "knobs": build,
        "categories": categories,
        "counts": summary.counts,
        "hub_files": hub,
        "local_files": local,
        "build": {
            "database": str(Path(db_path).resolve()),
            "build_id": record.get("build_id"),
            "completed_at": record.get("completed_at"),
        },
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    from pricer.upload import local_card  # the card reads the files just written

    (out_dir / CARD_FILE).write_text(local_card(out_dir), encoding="utf-8")
    summary.hub_files = hub
    summary.local_files = local
    summary.files = [out_dir / name for name in (*hub, *local)]
    return summary
