"""pricer.raw: numbered lines of a raw file, and the prefetching reader behind the DuckDB model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from pricer import raw


def _lines(reader: pa.RecordBatchReader) -> list[tuple[str, int, bytes]]:
    table = reader.read_all()
    return list(
        zip(
            table.column("source_file").to_pylist(),
            table.column("line_number").to_pylist(),
            table.column("line_bytes").to_pylist(),
            strict=True,
        )
    )


def test_read_raw_dir_numbers_every_line_of_every_file(tmp_path: Path, monkeypatch) -> None:
    # Small chunks, so lines straddle chunk borders and batches queue up in the prefetcher.
    monkeypatch.setattr(raw, "CHUNK_BYTES", 7)
    (tmp_path / "meta_Automotive.jsonl").write_bytes(b'{"a": 1}\n\n\xff\xfe bad\n{"b": 2}')
    (tmp_path / "meta_Electronics.jsonl").write_bytes(b"x\r\n" * 5)
    got = _lines(raw.read_raw_dir(tmp_path))
    expected = [
        ("meta_Automotive.jsonl", 1, b'{"a": 1}'),
        ("meta_Automotive.jsonl", 2, b""),
        ("meta_Automotive.jsonl", 3, b"\xff\xfe bad"),
        ("meta_Automotive.jsonl", 4, b'{"b": 2}'),
    ] + [("meta_Electronics.jsonl", n, b"x\r") for n in range(1, 6)]
    assert got == expected


def test_prefetched_keeps_order_and_raises_the_producers_error() -> None:
    def items() -> Iterator[int]:
        yield from range(50)
        raise ValueError("disk on fire")

    seen: list[int] = []
    with pytest.raises(ValueError, match="disk on fire"):
        for item in raw.prefetched(items(), depth=2):  # type: ignore[arg-type]
            seen.append(item)  # type: ignore[arg-type]
    assert seen == list(range(50))


def test_prefetched_stops_its_producer_when_the_consumer_stops() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    stream = raw.prefetched(endless(), depth=2)  # type: ignore[arg-type]
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    stream.close()
    assert not any(t.name == "raw-lines" and t.is_alive() for t in threading.enumerate())
    assert len(produced) <= 3 + 2 + 1  # taken, queued, and the one waiting to be queued
