"""Tokenization of each scrubbed text (rules 2.7-2.8). Wiring only: the logic is pricer.tokenizer.

Incremental (macros/incremental_files.sql): a build tokenizes only the items of the files
whose key (`items_file_key`: the file's version and the knobs of staging and item rules) the
table does not hold yet; the pre-hook in the yml first deletes the rows of keys no file has now.

Reads the scrubbed items in Arrow batches and streams the curated batches back, so memory
stays bounded by the batch size. A progress bar (count and rate) shows on a terminal only.
"""

# The item's columns carried through, so that nothing downstream reads the scrubbed text again.
PASS_THROUGH = (
    "item_key",
    "category",
    "parent_asin",
    "source_file",
    "line_number",
    "price",
    "slot",
    "title",
    "items_file_key",
)


def model(dbt, session):
    import sys

    import pyarrow as pa
    from tqdm import tqdm

    from pricer.raw import prefetched
    from pricer.tokenizer import CurationRule, Stream, curate_batches

    dbt.config(materialized="incremental", incremental_strategy="append_committed")
    scrubbed = dbt.ref("int_items_scrubbed").project(", ".join(("scrubbed_text", *PASS_THROUGH)))
    if dbt.is_incremental:
        # Only the files whose items this table lacks (new and changed files, or every file
        # when an item rule changed); the pre-hook deleted the rows of stale keys.
        held = [
            row[0]
            for row in session.sql(f"select distinct items_file_key from {dbt.this}").fetchall()
        ]
        if held:
            listed = ", ".join("'" + key + "'" for key in held)
            scrubbed = scrubbed.filter(f"items_file_key not in ({listed})")
    # No total: counting the scrubbed items would compute them twice (they are a view).
    bar = tqdm(
        desc="tokenize",
        unit=" items",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=False,
    )

    def progress(done: int) -> None:
        bar.update(done - bar.n)

    # The scrubbed items are a view over the raw files: reading the next batch (DuckDB, which
    # releases the GIL) on a background thread overlaps it with tokenizing this one.
    source = scrubbed.to_arrow_reader(batch_size=5_000)
    return curate_batches(
        pa.RecordBatchReader.from_batches(source.schema, prefetched(iter(source))),
        # dbt hands a Python model only the configs its code names in dbt.config.get("...")
        CurationRule.from_knobs(
            {
                "tokenizer": dbt.config.get("tokenizer"),
                "min_tokens": dbt.config.get("min_tokens"),
                "max_tokens": dbt.config.get("max_tokens"),
                "prompt_question": dbt.config.get("prompt_question"),
                "price_prefix": dbt.config.get("price_prefix"),
            }
        ),
        Stream(
            workers=int(dbt.config.get("workers")),
            batch_size=5_000,
            text_column="scrubbed_text",
            pass_through=PASS_THROUGH,
            progress=progress,
        ),
    )
