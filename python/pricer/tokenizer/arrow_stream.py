"""Arrow streaming of the curation: a pyarrow Table, RecordBatchReader, RecordBatch or
iterable of batches through `curate`, a batch at a time, as the dbt Python model
int_items_tokenized streams the scrubbed items into DuckDB."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa

from pricer.tokenizer.curation import CURATED_COLUMNS, CurationRule, curate

ArrowSource = pa.Table | pa.RecordBatchReader | pa.RecordBatch | Iterable[pa.RecordBatch]


def _batches(source: ArrowSource, batch_size: int) -> Iterator[pa.RecordBatch]:
    if isinstance(source, pa.Table):
        yield from source.to_batches(max_chunksize=batch_size)
        return
    for batch in [source] if isinstance(source, pa.RecordBatch) else source:
        for offset in range(0, batch.num_rows, batch_size):
            yield batch.slice(offset, batch_size)


@dataclass(frozen=True)
class Stream:
    """How a source is streamed: rows per batch, worker threads, the columns it reads (the
    text column: `text_column`, else "text" or "scrubbed_text"; the price column) and passes
    through (default: all but text and price), and `progress(rows_done)`, called with the
    running total after each batch."""

    workers: int = 2
    batch_size: int = 20_000
    text_column: str | None = None
    price_column: str = "price"
    pass_through: Sequence[str] | None = None
    progress: Callable[[int], object] | None = None

    def columns(self, names: Sequence[str]) -> tuple[str, list[str]]:
        """The text column and the pass-through columns among `names`."""
        text = self.text_column
        if text is None:
            text = next((c for c in ("text", "scrubbed_text") if c in names), None)
            if text is None:
                raise ValueError(f"no text column (text or scrubbed_text) among {list(names)}")
        for required in (text, self.price_column):
            if required not in names:
                raise ValueError(f"no column {required!r} among {list(names)}")
        keep = (
            list(self.pass_through)
            if self.pass_through is not None
            else [c for c in names if c not in (text, self.price_column)]
        )
        return text, keep


def curated_schema(source_schema: pa.Schema, stream: Stream = Stream()) -> pa.Schema:
    """The schema of the batches `iter_curate_arrow` yields for a source of this schema."""
    _, keep = stream.columns(source_schema.names)
    return pa.schema(
        [source_schema.field(c) for c in keep]
        + [
            pa.field("is_kept", pa.bool_()),
            pa.field("prompt", pa.string()),
            pa.field("token_count", pa.int64()),
            pa.field("decoded_text_start", pa.int64()),
            pa.field("decoded_text_length", pa.int64()),
        ]
    )


def iter_curate_arrow(
    source: ArrowSource, rule: CurationRule, stream: Stream = Stream()
) -> Iterator[pa.RecordBatch]:
    """Stream `source` (a pyarrow Table, RecordBatchReader, RecordBatch or iterable of
    batches, holding a text column, a price column and key columns) through `curate`,
    `stream.batch_size` rows at a time. Yields batches of the pass-through columns then
    CURATED_COLUMNS."""
    rule = rule.loaded()
    done = 0
    for batch in _batches(source, stream.batch_size):
        text_name, keep = stream.columns(batch.schema.names)
        text_array = batch.column(text_name)
        if text_array.null_count:
            raise ValueError(f"column {text_name} holds nulls")
        prices = batch.column(stream.price_column)
        curated = curate(
            text_array.to_pylist(),
            prices.to_numpy(zero_copy_only=False),
            rule,
            workers=stream.workers,
        )
        columns = [batch.column(c) for c in keep] + curated.to_arrow().columns
        arrays = [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in columns]
        yield pa.RecordBatch.from_arrays(arrays, names=[*keep, *CURATED_COLUMNS])
        done += batch.num_rows
        if stream.progress is not None:
            stream.progress(done)


def curate_batches(
    source: ArrowSource, rule: CurationRule, stream: Stream = Stream()
) -> pa.RecordBatchReader:
    """`iter_curate_arrow` as a pyarrow RecordBatchReader, what a dbt-duckdb Python model
    returns to stream its result into DuckDB. The source needs a schema (a Table, a reader
    or a RecordBatch) unless it yields at least one batch."""
    batches = iter_curate_arrow(source, rule, stream)
    schema = getattr(source, "schema", None)
    if isinstance(schema, pa.Schema):
        return pa.RecordBatchReader.from_batches(curated_schema(schema, stream), batches)
    first = next(batches, None)
    if first is None:
        raise ValueError("an empty source without a schema: cannot tell the output schema")
    return pa.RecordBatchReader.from_batches(first.schema, _chain(first, batches))


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest
