"""Raw input: the folder of `meta_<Category>.jsonl[.gz]` files, split into numbered lines.

This is the one step of staging that is not SQL: DuckDB's CSV/JSON readers neither number
lines nor keep a line with invalid UTF-8 without skipping it, and the contract (spec section 1)
wants every raw line staged or rejected with its file and 1-based line number. Lines are handed
to DuckDB as bytes; decoding and JSON parsing happen in SQL (models/staging).
"""

from __future__ import annotations

import gzip
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

from pricer.errors import UsageError

FILE_PATTERN = re.compile(r"^meta_(?P<category>.+)\.jsonl(?P<gz>\.gz)?$")
CHUNK_BYTES = 64 * 1024 * 1024

LINES_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("line_number", pa.int64(), nullable=False),
        pa.field("line_bytes", pa.large_binary(), nullable=False),
    ]
)


@dataclass(frozen=True)
class RawFile:
    path: Path
    category: str

    @property
    def name(self) -> str:
        return self.path.name


def find_raw_files(raw_dir: Path | str, known_categories: list[str] | None = None) -> list[RawFile]:
    """The `meta_<Category>.jsonl[.gz]` files of a folder, sorted by name.

    Raises UsageError when the folder is missing, holds no such file, holds a category twice
    (plain and gzipped) or a category that is not in seeds/categories.csv.
    """
    folder = Path(raw_dir)
    if not folder.is_dir():
        raise UsageError(f"raw folder {folder} does not exist")
    files: list[RawFile] = []
    for path in sorted(folder.iterdir()):
        match = FILE_PATTERN.match(path.name)
        if match and path.is_file():
            files.append(RawFile(path, match["category"]))
    if not files:
        raise UsageError(f"raw folder {folder} holds no meta_<Category>.jsonl or .jsonl.gz file")
    seen: set[str] = set()
    for raw in files:
        if raw.category in seen:
            raise UsageError(
                f"category {raw.category} appears twice in {folder} (.jsonl and .jsonl.gz)"
            )
        seen.add(raw.category)
        if known_categories is not None and raw.category not in known_categories:
            raise UsageError(
                f"{raw.name}: category {raw.category!r} is not in seeds/categories.csv "
                f"(known: {', '.join(known_categories)})"
            )
    return files


def _open(path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _lines_batch(raw: RawFile, chunk: bytes, first_line: int) -> pa.RecordBatch:
    """One batch from a chunk that holds whole lines only (each ending in b"\\n")."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    newlines = np.flatnonzero(data == 10)
    count = len(newlines)
    # Drop the newline bytes; line k then ends at newlines[k] - k in the packed buffer.
    packed = data[data != 10]
    offsets = np.empty(count + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1:] = newlines - np.arange(count, dtype=np.int64)
    lines = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(packed.tobytes())]
    )
    return pa.RecordBatch.from_arrays(
        [
            pa.array([raw.name] * count, pa.string()),
            pa.array([raw.category] * count, pa.string()),
            pa.array(np.arange(first_line, first_line + count, dtype=np.int64)),
            lines,
        ],
        schema=LINES_SCHEMA,
    )


def iter_line_batches(
    raw: RawFile, on_bytes: Callable[[int], None] | None = None
) -> Iterator[pa.RecordBatch]:
    """Batches of (source_file, category, line_number, line_bytes) for one file.

    Lines are split on b"\\n" only; a last line without a newline counts, and a newline at the
    end of the file does not start another line. The newline itself is not kept.
    """
    next_line = 1
    tail = b""
    with _open(raw.path) as fh:
        while True:
            block = fh.read(CHUNK_BYTES)
            if on_bytes is not None and block:
                on_bytes(len(block))
            if not block:
                break
            block = tail + block
            cut = block.rfind(b"\n") + 1
            tail = block[cut:]
            if cut:
                batch = _lines_batch(raw, block[:cut], next_line)
                next_line += batch.num_rows
                yield batch
    if tail:
        yield _lines_batch(raw, tail + b"\n", next_line)


def read_raw_dir(
    raw_dir: Path | str, known_categories: list[str] | None = None
) -> pa.RecordBatchReader:
    """All lines of all raw files as one streaming Arrow reader (for the dbt Python model)."""
    files = find_raw_files(raw_dir, known_categories)

    def batches() -> Iterator[pa.RecordBatch]:
        for raw in files:
            yield from iter_line_batches(raw)

    return pa.RecordBatchReader.from_batches(LINES_SCHEMA, prefetched(batches()))


def prefetched(items: Iterator[pa.RecordBatch], depth: int = 2) -> Iterator[pa.RecordBatch]:
    """`items`, produced on a background thread up to `depth` batches ahead, so reading and
    splitting the next chunk (file reads and numpy release the GIL) overlaps with DuckDB
    storing the previous one. The producer's exception is raised here, in order; a consumer
    that stops early stops the producer."""
    done = object()
    ahead: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            put(_Failure(error))
            return
        put(done)

    producer = threading.Thread(target=produce, name="raw-lines", daemon=True)
    producer.start()
    try:
        while True:
            item = ahead.get()
            if item is done:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        producer.join()


@dataclass(frozen=True)
class _Failure:
    error: BaseException
