"""Raw input: the folder of `meta_<Category>.jsonl[.gz]` files, split into numbered lines.

This is the one step of staging that is not SQL: DuckDB's CSV/JSON readers neither number
lines nor keep a line with invalid UTF-8 without skipping it, and the contract (rules section 1)
wants every raw line staged or rejected with its file and 1-based line number. Lines are handed
to DuckDB as bytes; decoding and JSON parsing happen in SQL (models/staging).

The lines are never copied: a plain file is memory-mapped and each Arrow batch is a view of the
mapping (offsets found with numpy), so a line keeps its terminating newline (the last line of a
file that has none gets one). DuckDB reads the batches through `RawLines`, an Arrow stream that
is opened afresh for every scan: the database keeps no copy of the raw files.
"""

from __future__ import annotations

import gzip
import json
import mmap
import os
import queue
import re
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pricer.errors import PricerError, UsageError

FILE_PATTERN = re.compile(r"^meta_(?P<category>.+)\.jsonl(?P<gz>\.gz)?$")
# Names that look like raw data but do not match FILE_PATTERN (warned about, never read);
# names starting with "_" or "." (the generator's _generated.json, hidden files) are not data.
NEAR_MISS_PATTERN = re.compile(r"(?i)^meta_.*|^[^._].*\.(jsonl?|ndjson)(\.gz)?$")
CHUNK_BYTES = 32 * 1024 * 1024
# Decompressed bytes read at a time from a .gz file: small enough that a broken stream is
# reported near where it broke, with the lines before it counted.
GZIP_CHUNK_BYTES = 4 * 1024 * 1024

# What DuckDB scans (models/staging/duckdb/stg_meta__lines.sql): each line with its newline.
RAW_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("line_number", pa.int64(), nullable=False),
        pa.field("line_bytes", pa.large_binary(), nullable=False),
    ]
)
# The same lines without their newline (Spark's view, tests).
LINES_SCHEMA = RAW_SCHEMA


class RawReadError(PricerError):
    """A raw file that cannot be read to its end (a broken gzip stream, an I/O error)."""


@dataclass(frozen=True)
class RawFile:
    path: Path
    category: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class RawScan:
    """What a raw folder holds: the files that will be read and what a user should hear."""

    files: list[RawFile]
    warnings: list[str] = field(default_factory=list)
    missing_categories: list[str] = field(default_factory=list)


def find_raw_files(raw_dir: Path | str, known_categories: list[str] | None = None) -> list[RawFile]:
    """The `meta_<Category>.jsonl[.gz]` files of a folder, sorted by name.

    Raises UsageError when the folder is missing, holds no such file, holds a category twice
    (plain and gzipped) or a category that is not in seeds/categories.csv.
    """
    return scan_raw_dir(raw_dir, known_categories).files


def scan_raw_dir(raw_dir: Path | str, known_categories: list[str] | None = None) -> RawScan:
    """`find_raw_files` plus warnings: files that look like data but will not be read (near-miss
    names), empty files, files that start like UTF-16, and categories with no file."""
    folder = Path(raw_dir)
    if not folder.is_dir():
        raise UsageError(f"raw folder {folder} does not exist")
    files: list[RawFile] = []
    near_misses: list[str] = []
    for path in sorted(folder.iterdir()):
        match = FILE_PATTERN.match(path.name)
        if match and path.is_file():
            files.append(RawFile(path, match["category"]))
        elif NEAR_MISS_PATTERN.match(path.name):
            near_misses.append(path.name)
    if not files:
        hint = f" (not read: {', '.join(near_misses)})" if near_misses else ""
        raise UsageError(
            f"raw folder {folder} holds no meta_<Category>.jsonl or .jsonl.gz file{hint}"
        )
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
    scan = RawScan(files)
    for name in near_misses:
        scan.warnings.append(
            f"{name}: not read (raw files are named meta_<Category>.jsonl or .jsonl.gz)"
        )
    for raw in files:
        problem = _head_problem(raw)
        if problem:
            scan.warnings.append(f"{raw.name}: {problem}")
    if known_categories is not None:
        scan.missing_categories = [c for c in known_categories if c not in seen]
    return scan


def _head_problem(raw: RawFile) -> str | None:
    """A warning about how a file starts: empty, or a UTF-16 byte-order mark / NUL bytes."""
    if raw.path.stat().st_size == 0:
        return "empty file (0 bytes): no rows from it"
    try:
        with _open(raw.path) as fh:
            head = fh.read(4096)
    except (OSError, EOFError, zlib.error):
        return None  # the read during the build names the cause, with its byte offset
    if not head:
        return "no data (an empty compressed stream): no rows from it"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(0) > len(head) // 4:
        return (
            "looks like UTF-16 (byte-order mark or NUL bytes), not UTF-8: every line will be "
            "rejected as invalid utf-8; convert it first, e.g. iconv -f UTF-16 -t UTF-8"
        )
    return None


def _open(path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _batch(raw: RawFile, buffer: pa.Buffer, offsets: np.ndarray, first_line: int) -> pa.RecordBatch:
    """Lines buffer[offsets[k]:offsets[k + 1]], numbered from first_line (no copy)."""
    count = len(offsets) - 1
    lines = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), count, [None, pa.py_buffer(offsets), buffer]
    )
    names = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(count, dtype=np.int32)), pa.array([raw.name])
    )
    categories = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(count, dtype=np.int32)), pa.array([raw.category])
    )
    return pa.RecordBatch.from_arrays(
        [
            names.cast(pa.string()),
            categories.cast(pa.string()),
            pa.array(np.arange(first_line, first_line + count, dtype=np.int64)),
            lines,
        ],
        schema=RAW_SCHEMA,
    )


def _split(
    raw: RawFile, data: np.ndarray, buffer: pa.Buffer, base: int, final: bool, first_line: int
) -> tuple[list[pa.RecordBatch], int, int]:
    """Batches of the whole lines in data (a view of buffer starting at byte `base`); returns
    them, the bytes they cover and the next line number. With `final`, a last line without a
    newline is returned too, copied with a newline appended."""
    batches: list[pa.RecordBatch] = []
    newlines = np.flatnonzero(data == 10)
    covered = int(newlines[-1]) + 1 if len(newlines) else 0
    if len(newlines):
        offsets = np.empty(len(newlines) + 1, dtype=np.int64)
        offsets[0] = base
        offsets[1:] = newlines + (base + 1)
        batches.append(_batch(raw, buffer, offsets, first_line))
        first_line += len(newlines)
    if final and covered < len(data):
        tail = data[covered:].tobytes() + b"\n"
        batches.append(
            _batch(raw, pa.py_buffer(tail), np.array([0, len(tail)], np.int64), first_line)
        )
        first_line += 1
        covered = len(data)
    return batches, covered, first_line


def iter_raw_batches(
    raw: RawFile, on_bytes: Callable[[int], None] | None = None
) -> Iterator[pa.RecordBatch]:
    """Batches of (source_file, category, line_number, line_bytes) for one file, each line
    ending in its newline b"\\n" (rules 1: lines are split on b"\\n" only; a last line without a
    newline counts, and a newline at the end of the file does not start another line).

    Raises RawReadError, naming the file, the byte offset and the lines read before, when a
    compressed file cannot be decompressed to its end.
    """
    if raw.name.endswith(".gz"):
        yield from _iter_gzip(raw, on_bytes)
        return
    size = raw.path.stat().st_size
    if size == 0:
        return
    with open(raw.path, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_SEQUENTIAL"):
        mapped.madvise(mmap.MADV_SEQUENTIAL)
    buffer = pa.py_buffer(mapped)
    data = np.frombuffer(mapped, dtype=np.uint8)
    start, line = 0, 1
    while start < size:
        end = min(start + CHUNK_BYTES, size)
        batches, covered, line = _split(raw, data[start:end], buffer, start, end == size, line)
        while not covered and end < size:  # a line longer than the chunk: widen it
            end = min(end + CHUNK_BYTES, size)
            batches, covered, line = _split(raw, data[start:end], buffer, start, end == size, line)
        yield from batches
        if on_bytes is not None:
            on_bytes(covered)
        start += covered


def _iter_gzip(raw: RawFile, on_bytes: Callable[[int], None] | None) -> Iterator[pa.RecordBatch]:
    line = 1
    tail = b""
    with open(raw.path, "rb") as compressed, gzip.GzipFile(fileobj=compressed) as fh:
        while True:
            try:
                block = fh.read(min(CHUNK_BYTES, GZIP_CHUNK_BYTES))
            except (OSError, EOFError, zlib.error) as error:
                raise RawReadError(
                    f"{raw.name}: cannot decompress ({_describe(error)}) at compressed byte "
                    f"{compressed.tell():,} of {raw.path.stat().st_size:,}, after {line - 1:,} "
                    "complete lines; the file is damaged or not gzip: download it again"
                ) from None
            if on_bytes is not None and block:
                on_bytes(len(block))
            data = tail + block
            if not data:
                return
            batches, covered, line = _split(
                raw, np.frombuffer(data, np.uint8), pa.py_buffer(data), 0, not block, line
            )
            yield from batches
            tail = data[covered:]
            if not block:
                return


def _describe(error: BaseException) -> str:
    if isinstance(error, EOFError):
        return "the compressed stream ends early: truncated"
    return str(error) or type(error).__name__


def iter_line_batches(
    raw: RawFile, on_bytes: Callable[[int], None] | None = None
) -> Iterator[pa.RecordBatch]:
    """`iter_raw_batches` with the newline cut off each line (Spark's view of the lines)."""
    for batch in iter_raw_batches(raw, on_bytes):
        lines = pc.binary_slice(batch.column(3), 0, -1)
        yield pa.RecordBatch.from_arrays([*batch.columns[:3], lines], schema=LINES_SCHEMA)


class RawLines:
    """Every line of every raw file as an Arrow stream (the PyCapsule protocol) that starts
    over at each `__arrow_c_stream__` call, so DuckDB can scan it as often as a query needs:
    the raw source of the dbt project, registered by pricer.duckdb_plugin."""

    def __init__(
        self,
        files: list[RawFile] | None = None,
        *,
        raw_dir: Path | str | None = None,
        known_categories: list[str] | None = None,
    ) -> None:
        """The lines of `files`, or of the files of `raw_dir` as they are when a scan starts
        (so that compiling a model that names the source needs no raw folder)."""
        self._files = files
        self.raw_dir = raw_dir
        self.known_categories = known_categories
        self.schema = RAW_SCHEMA

    @property
    def files(self) -> list[RawFile]:
        """The files a scan reads: all of them, or those named by READ_ONLY_ENV (a rebuild
        that reads only its new and changed files; see pricer.incremental)."""
        files = (
            self._files
            if self._files is not None
            else find_raw_files(self.raw_dir or ".", self.known_categories)
        )
        only = files_to_read()
        return files if only is None else [raw for raw in files if raw.name in only]

    def batches(self) -> Iterator[pa.RecordBatch]:
        for raw in self.files:
            yield from iter_raw_batches(raw)

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(RAW_SCHEMA, prefetched(self.batches()))

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.reader().__arrow_c_stream__(requested_schema)


# Set by `pricer build` for a rebuild whose only change is in raw files: the JSON list of the
# files that scan (new and changed ones). The incremental staging models keep the rows of the
# other files and read only the files whose key they lack, so the result is the same with or
# without it (a plain `dbt build` reads every file and keeps the same rows); it only spares the
# reading of the unchanged files.
READ_ONLY_ENV = "PRICER_READ_ONLY_FILES"

RAW_FILES_SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("file_fingerprint", pa.string(), nullable=False),
    ]
)


def files_to_read() -> set[str] | None:
    """The names in READ_ONLY_ENV, or None (read every file)."""
    value = os.environ.get(READ_ONLY_ENV)
    if value is None:
        return None
    try:
        names = json.loads(value)
    except ValueError:
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise UsageError(f"{READ_ONLY_ENV} must be a JSON list of file names, got {value!r}")
    return set(names)


class RawFiles:
    """One row per raw file (name, category, fingerprint), found when a scan starts: the
    source `raw.meta_files`, from which the incremental staging models tell which files they
    hold rows of and which changed. Reads no file, only their sizes and times."""

    def __init__(
        self, raw_dir: Path | str | None = None, known_categories: list[str] | None = None
    ) -> None:
        self.raw_dir = raw_dir
        self.known_categories = known_categories
        self.schema = RAW_FILES_SCHEMA

    def table(self) -> pa.Table:
        files = find_raw_files(self.raw_dir or ".", self.known_categories)
        return pa.table(
            {
                "source_file": [raw.name for raw in files],
                "category": [raw.category for raw in files],
                "file_fingerprint": [file_fingerprint(raw) for raw in files],
            },
            schema=RAW_FILES_SCHEMA,
        )

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.table().__arrow_c_stream__(requested_schema)


def read_raw_dir(raw_dir: Path | str, known_categories: list[str] | None = None) -> RawLines:
    """All lines of all raw files, as a re-scannable Arrow stream."""
    return RawLines(find_raw_files(raw_dir, known_categories))


def prefetched(items: Iterator[pa.RecordBatch], depth: int = 2) -> Iterator[pa.RecordBatch]:
    """`items`, produced on a background thread up to `depth` batches ahead, so finding the
    next chunk's lines (numpy releases the GIL) overlaps with DuckDB parsing the previous one.
    The producer's exception is raised here, in order; a consumer that stops early stops the
    producer."""
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


def file_fingerprint(raw: RawFile) -> str:
    """Size and modification time of a raw file (what a rebuild compares)."""
    stat = os.stat(raw.path)
    return f"{stat.st_size}:{stat.st_mtime_ns}"
