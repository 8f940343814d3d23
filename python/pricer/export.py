"""`pricer export`: the sample as Parquet files and a Hugging Face DatasetDict (spec 6)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pricer import __version__, database
from pricer.errors import PricerError

SPLITS = ("train", "test", "validation")
REQUIRED_TABLES = (
    "items",
    "sampled_items",
    "curation_knobs",
    "categories",
    "rejects",
    "duplicate_groups",
    "dropped_duplicates",
    "leakage",
)


@dataclass
class ExportSummary:
    out_dir: Path
    counts: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def open_build(db_path: Path) -> duckdb.DuckDBPyConnection:
    """Open the last complete build read-only, or fail with one line saying what is wrong."""
    return database.open_build(db_path, REQUIRED_TABLES)


def build_knobs(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The knob values recorded by the build (curation_knobs mart)."""
    rows = con.sql("select knob, value_json from curation_knobs order by knob").fetchall()
    return {knob: json.loads(value) for knob, value in rows}


def check_split_sizes(con: duckdb.DuckDBPyConnection, knobs: dict[str, Any]) -> int:
    """Spec 5: fail, naming the numbers, when the sample cannot fill the splits."""
    sampled = con.sql("select count(*) from sampled_items").fetchall()[0][0]
    wanted = knobs["train_size"] + knobs["test_size"] + knobs["val_size"]
    if sampled < wanted:
        val = f" + val_size {knobs['val_size']:,}" if knobs["val_size"] else ""
        raise PricerError(
            f"the sample has {sampled:,} items, fewer than train_size {knobs['train_size']:,} + "
            f"test_size {knobs['test_size']:,}{val} = {wanted:,}; lower the sizes "
            "(--set train_size=... --set test_size=...) or use more raw data"
        )
    return sampled


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    def scalar(sql: str) -> int:
        return int(con.sql(sql).fetchall()[0][0])

    counts = {
        "raw_rows": scalar("select count(*) from stg_meta__lines"),
        "rejects": scalar("select count(*) from rejects"),
        "items": scalar("select count(*) from items"),
        "sampled": scalar("select count(*) from sampled_items"),
    }
    for split in SPLITS:
        counts[split] = scalar(f"select count(*) from sampled_items where split = '{split}'")
    counts["duplicate_title_groups"] = scalar(
        "select count(*) from duplicate_groups where match_kind = 'title'"
    )
    counts["duplicate_text_groups"] = scalar(
        "select count(*) from duplicate_groups where match_kind = 'text'"
    )
    counts["dedup_dropped"] = scalar("select count(*) from dropped_duplicates")
    counts["leaked_test_items"] = scalar("select count(*) from leakage")
    return counts


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
    # Spec 6: train text = prompt, test (and validation) text = test prompt; split order.
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


def export(db_path: Path, out_dir: Path, *, log: bool = True) -> ExportSummary:
    """Write train/test(/validation).parquet, items.parquet, hf/ and manifest.json."""
    con = open_build(db_path)
    try:
        knobs = build_knobs(con)
        record = database.read_record(con) or {}
        check_split_sizes(con, knobs)
        out_dir.mkdir(parents=True, exist_ok=True)
        # One writer thread and an ORDER BY: the files are byte-identical run to run.
        con.execute("set threads = 1")
        con.execute("set preserve_insertion_order = true")
        summary = ExportSummary(out_dir=out_dir, counts=_counts(con))
        split_files: dict[str, Path] = {}
        for split in SPLITS:
            path = out_dir / f"{split}.parquet"
            if summary.counts[split] == 0 and split == "validation":
                path.unlink(missing_ok=True)
                continue
            if log:
                print(f"export: writing {path} ({summary.counts[split]:,} rows)", file=sys.stderr)
            _write_split(con, split, path)
            split_files[split] = path
        items_path = out_dir / "items.parquet"
        _write_items(con, items_path)
        categories = [
            {"category": name, "weight": weight}
            for name, weight in con.sql("select category, weight from categories").fetchall()
        ]
    finally:
        con.close()
    if log:
        print(f"export: saving the DatasetDict to {out_dir / 'hf'}", file=sys.stderr)
    _write_hf(split_files, out_dir / "hf")
    manifest = {
        "pricer_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "knobs": knobs,
        "categories": categories,
        "counts": summary.counts,
        "build": {
            "database": str(Path(db_path).resolve()),
            "build_id": record.get("build_id"),
            "completed_at": record.get("completed_at"),
        },
    }
    manifest_path = out_dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    summary.files = [*split_files.values(), items_path, out_dir / "hf", manifest_path]
    return summary
