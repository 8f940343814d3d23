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
    got = _lines(raw.read_raw_dir(tmp_path).reader())
    expected = [
        ("meta_Automotive.jsonl", 1, b'{"a": 1}\n'),
        ("meta_Automotive.jsonl", 2, b"\n"),
        ("meta_Automotive.jsonl", 3, b"\xff\xfe bad\n"),
        ("meta_Automotive.jsonl", 4, b'{"b": 2}\n'),
    ] + [("meta_Electronics.jsonl", n, b"x\r\n") for n in range(1, 6)]
    assert got == expected
    # The stream starts over at every scan (DuckDB scans the source once per query).
    assert _lines(raw.read_raw_dir(tmp_path).reader()) == expected
    # Spark's view: the same lines without their newline.
    files = raw.find_raw_files(tmp_path)
    spark = [
        (name, number, line)
        for f in files
        for batch in raw.iter_line_batches(f)
        for name, number, line in zip(
            batch.column(0).to_pylist(),
            batch.column(2).to_pylist(),
            batch.column(3).to_pylist(),
            strict=True,
        )
    ]
    assert spark == [(name, number, line[:-1]) for name, number, line in expected]


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


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("gz", [False, True])
def test_lines_match_pythons_split_at_any_chunk_size(
    tmp_path: Path, monkeypatch, chunk, gz
) -> None:
    import gzip
    import random

    monkeypatch.setattr(raw, "CHUNK_BYTES", chunk)
    rng = random.Random(chunk)
    pieces = [b"", b"\n", b"\r", b"\xff", b"{}", b"x" * 40, "é€".encode(), b"\x00"]
    data = b"".join(rng.choice(pieces) for _ in range(400))
    name = "meta_Automotive.jsonl" + (".gz" if gz else "")
    (tmp_path / name).write_bytes(gzip.compress(data) if gz else data)
    got = _lines(raw.read_raw_dir(tmp_path).reader())
    # Oracle: split on b"\n" only; a final newline does not start another line.
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    assert [number for _, number, _ in got] == list(range(1, len(lines) + 1))
    assert [line for _, _, line in got] == [line + b"\n" for line in lines]


def test_a_broken_gzip_file_is_named_with_offset_and_lines(tmp_path: Path) -> None:
    import gzip

    data = b'{"title": "x"}\n' * 50_000
    whole = gzip.compress(data)
    (tmp_path / "meta_Automotive.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(raw.RawReadError) as error:
        _lines(raw.read_raw_dir(tmp_path).reader())
    message = str(error.value)
    assert message.startswith("meta_Automotive.jsonl.gz: cannot decompress")
    assert "truncated" in message and "compressed byte" in message and "lines" in message


def test_a_plain_file_named_gz_is_named(tmp_path: Path) -> None:
    (tmp_path / "meta_Automotive.jsonl.gz").write_bytes(b'{"title": "x"}\n')
    with pytest.raises(raw.RawReadError, match=r"^meta_Automotive.jsonl.gz: cannot decompress"):
        _lines(raw.read_raw_dir(tmp_path).reader())


def test_scan_warns_of_near_misses_empty_and_utf16_files_and_missing_categories(
    tmp_path: Path,
) -> None:
    (tmp_path / "meta_Appliances.jsonl").write_bytes(b'{"title": "x"}\n')
    (tmp_path / "meta_X.json").write_bytes(b"{}\n")
    (tmp_path / "meta_Y.JSONL").write_bytes(b"{}\n")
    (tmp_path / "meta_Automotive.jsonl").write_bytes(b"")
    (tmp_path / "meta_Electronics.jsonl").write_bytes('{"title": "x"}\n'.encode("utf-16"))
    (tmp_path / "notes.txt").write_bytes(b"not data")
    scan = raw.scan_raw_dir(tmp_path, ["Appliances", "Automotive", "Electronics", "Toys"])
    assert [f.name for f in scan.files] == [
        "meta_Appliances.jsonl",
        "meta_Automotive.jsonl",
        "meta_Electronics.jsonl",
    ]
    text = "\n".join(scan.warnings)
    assert "meta_X.json: not read" in text and "meta_Y.JSONL: not read" in text
    assert "notes.txt" not in text
    assert "meta_Automotive.jsonl: empty file" in text
    assert "meta_Electronics.jsonl: looks like UTF-16" in text
    assert scan.missing_categories == ["Toys"]


def test_attach_raw_puts_the_raw_files_back_behind_a_built_database(built_project) -> None:
    """The views over the raw files answer outside dbt once attach_raw registers them: every
    raw line (as many as the staged rows and rejects) and one row per file."""
    import duckdb

    from pricer.duckdb_plugin import attach_raw

    con = duckdb.connect(str(built_project.db_path), read_only=True)
    try:
        attach_raw(con, built_project.raw_dir)
        lines = con.sql("select count(*) from stg_meta__lines").fetchall()[0][0]
        rows = con.sql("select count(*) from stg_meta__rows").fetchall()[0][0]
        files = con.sql("select count(*) from raw.meta_files").fetchall()[0][0]
    finally:
        con.close()
    assert lines == rows > 0
    assert files == len(list(built_project.raw_dir.glob("meta_*")))


@pytest.mark.parametrize("value", ["not json", '{"a": 1}', "[1, 2]", '["ok", 3]'])
def test_a_malformed_list_of_files_to_read_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(raw.READ_ONLY_ENV, value)
    with pytest.raises(raw.UsageError, match="must be a JSON list of file names"):
        raw.files_to_read()


def test_the_files_to_read_are_the_names_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(raw.READ_ONLY_ENV, raising=False)
    assert raw.files_to_read() is None
    monkeypatch.setenv(raw.READ_ONLY_ENV, '["meta_A.jsonl", "meta_B.jsonl.gz"]')
    assert raw.files_to_read() == {"meta_A.jsonl", "meta_B.jsonl.gz"}
