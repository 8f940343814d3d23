"""The build database: atomic publication of a build, and opening a published one.

A build never writes the published file. It builds into `<db>.building/pricer.duckdb`, a
file of its own next to the database, and publishes it only when every model, every test and
the split check passed:

  1. the completion record (table `pricer_build_record`) is written into the new file as the
     last step of the build, then DuckDB checkpoints and closes it;
  2. the file is fsync'ed, any write-ahead log of the old database is removed, and
     `os.replace` moves the new file over `<db>` (one rename(2): a reader sees the old file or
     the new one, never a mix), then the folder is fsync'ed so the rename itself is durable.

Whatever stops a build before step 2 (an error, a failed test, Ctrl-C, SIGKILL, a full disk,
a power cut) leaves `<db>` exactly as the last complete build wrote it. The file
`<db>.building/pricer.duckdb` left behind says that the last build did not complete: export,
report and upload refuse until a build completes (or the leftover is deleted to serve the last
complete build again). The next build removes the leftover and starts again.

The file being built is always named `pricer.duckdb`, so its DuckDB catalog is `pricer`
whatever `--db` says, and readers attach the published file under that same fixed alias
(`ATTACH ... AS pricer`): a file named `main.duckdb`, `memory.duckdb`, ... never clashes with
DuckDB's own catalogs and schemas, and views written with catalog-qualified names resolve.

An incremental build fits the same mechanism: start the work file as a copy of the published
one (`start_from_previous=True`), let dbt update it, publish it the same way.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pricer import __version__
from pricer.constants import SPLITS
from pricer.errors import PricerError, UsageError

RECORD_TABLE = "pricer_build_record"
WORK_NAME = "pricer.duckdb"
# Readers attach the file under the catalog name it had while dbt built it (the work file's
# stem), so views that dbt-duckdb wrote with catalog-qualified names resolve, whatever the
# published file is called.
READ_ALIAS = Path(WORK_NAME).stem


def building_dir(db_path: Path) -> Path:
    """The folder a build of db_path works in: `<db>.building/`."""
    return db_path.with_name(db_path.name + ".building")


def work_file(db_path: Path) -> Path:
    """The file a build of db_path writes; its presence means that build did not complete."""
    return building_dir(db_path) / WORK_NAME


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _os_error(action: str, path: Path, err: OSError) -> PricerError:
    return PricerError(f"cannot {action} {path}: {err.strerror or _first_line(err)}")


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- writing a build


@dataclass
class Build:
    """One build in progress: dbt writes `path`; `publish()` makes it the database."""

    db_path: Path
    path: Path
    published: bool = False

    def publish(self, record: dict[str, Any]) -> None:
        """Write the completion record as the last step inside the file, then replace the
        database with it atomically and durably."""
        try:
            with duckdb.connect(str(self.path)) as con:
                con.execute(f"drop table if exists {RECORD_TABLE}")
                con.execute(
                    f"create table {RECORD_TABLE} as select ? as build_id, "
                    "cast(? as timestamptz) as completed_at, ? as pricer_version, "
                    "? as engine, ? as complete, ? as record_json",
                    [
                        record["build_id"],
                        record["completed_at"],
                        __version__,
                        record.get("engine", "duckdb"),
                        bool(record.get("complete", True)),
                        json.dumps(record, sort_keys=True),
                    ],
                )
                con.execute("checkpoint")
            _fsync(self.path)
            Path(str(self.db_path) + ".wal").unlink(missing_ok=True)
            os.replace(self.path, self.db_path)
            _fsync(self.db_path.parent, directory=True)
        except duckdb.Error as err:
            raise PricerError(
                f"cannot complete the build in {self.path}: {_first_line(err)}; "
                f"{self.db_path} is unchanged"
            ) from err
        except OSError as err:
            raise PricerError(
                f"cannot publish {self.path} as {self.db_path}: {err.strerror or err}; "
                f"{self.db_path} is unchanged"
            ) from err
        self.published = True
        shutil.rmtree(building_dir(self.db_path), ignore_errors=True)


def new_record(
    knobs: dict[str, Any], *, engine: str = "duckdb", complete: bool = True, **extra: Any
) -> dict[str, Any]:
    """What the completion record holds: an id, the time, the knobs and how it was built."""
    return {
        "build_id": uuid.uuid4().hex,
        "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "complete": complete,
        "knobs": knobs,
        **extra,
    }


@contextmanager
def new_build(db_path: Path, *, start_from_previous: bool = False) -> Iterator[Build]:
    """Reserve `<db>.building/`, yield the Build whose file dbt writes, release the folder.

    Only one build of a database runs at a time (an flock on `<db>.building/lock`, released
    by the kernel when the process dies, even by SIGKILL). A build that is not published
    leaves its file behind on purpose: it marks the database's last build as incomplete and
    can be inspected; the next build removes it."""
    db_path = db_path.resolve()
    folder = building_dir(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(
            f"cannot create {folder} for --db {db_path}: {err.strerror or err}"
        ) from None
    if not os.access(db_path.parent, os.W_OK):
        raise UsageError(f"cannot write the database folder {db_path.parent}: permission denied")
    lock_fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PricerError(
                f"another build of {db_path} is running (it holds {folder / 'lock'})"
            ) from None
        work = folder / WORK_NAME
        for stale in (work, Path(str(work) + ".wal")):
            stale.unlink(missing_ok=True)
        if start_from_previous and db_path.is_file():
            try:
                shutil.copyfile(db_path, work)
            except OSError as err:
                raise _os_error("copy the last build to", work, err) from err
        build = Build(db_path=db_path, path=work)
        yield build
    finally:
        os.close(lock_fd)


# --------------------------------------------------------------------------- reading a build


def read_record(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The completion record of an open build, or None when it has none."""
    try:
        rows = con.sql(f"select record_json from {RECORD_TABLE}").fetchall()
    except duckdb.CatalogException:
        return None
    return json.loads(rows[0][0]) if rows else None


def _connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    try:
        path = str(db_path).replace("'", "''")
        con.execute(f"attach '{path}' as {READ_ALIAS} (read_only)")
        con.execute(f"use {READ_ALIAS}")
    except duckdb.Error as err:
        con.close()
        message = _first_line(err)
        if "lock" in message.lower():
            raise PricerError(
                f"cannot open {db_path}: another process is writing it ({message})"
            ) from err
        raise PricerError(f"{db_path} is not a DuckDB database a build wrote: {message}") from err
    return con


def open_build(
    db_path: Path, required: Iterable[str] = (), *, check_complete: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the last complete build in db_path read-only, or fail with one line saying why
    and what to run. The connection's default catalog is the build (alias `pricer`)."""
    db_path = Path(db_path)
    leftover = work_file(db_path.resolve()) if db_path.name else None
    if leftover is not None and check_complete and leftover.exists():
        raise PricerError(
            f"the last build of {db_path} did not complete (interrupted, failed or still "
            f"running; it left {leftover}): run `pricer build` again, or delete "
            f"{leftover.parent} to use the last complete build"
            + ("" if db_path.is_file() else " (there is none)")
        )
    if not db_path.exists():
        raise PricerError(
            f"no DuckDB file at {db_path}: run `pricer build` first (or `pricer demo`)"
        )
    if not db_path.is_file():
        raise PricerError(f"{db_path} is not a file: pass the DuckDB file of a build with --db")
    con = _connect_read_only(db_path)
    try:
        tables = {
            row[0]
            for row in con.sql(
                "select table_name from information_schema.tables "
                f"where table_catalog = '{READ_ALIAS}'"
            ).fetchall()
        }
        missing = [name for name in required if name not in tables]
        if missing:
            raise PricerError(
                f"{db_path} has no {', '.join(missing)}: run `pricer build` to completion first"
            )
        if check_complete:
            record = read_record(con)
            if record is None:
                raise PricerError(
                    f"{db_path} holds no completed build (no {RECORD_TABLE}: a plain "
                    "`dbt build`, or a build that stopped): run `pricer build`"
                )
            if not record.get("complete", True):
                raise PricerError(
                    f"{db_path} was built with {record.get('selection')}, not in full: "
                    "run `pricer build` without --select"
                )
    except BaseException:
        con.close()
        raise
    return con


# --------------------------------------------------------------------------- counts

# The funnel of a build, rule by rule: (label, SQL count, knob rule it applies). The model
# names are the only place the summary depends on the DAG's shape: adapt them here when the
# staging or intermediate models are renamed.
FUNNEL = (
    ("raw rows", "select count(*) from stg_meta__rows", None),
    (
        "parsed (not rejected)",
        "select count(*) from stg_meta__rows where reject_reason is null",
        "a line must be valid JSON with the fields of the raw format",
    ),
    (
        "with a price in range",
        "select count(*) from stg_meta__rows where reject_reason is null and is_price_in_range",
        "min_price <= price <= max_price",
    ),
    (
        "long enough",
        # one tokenized row per item with enough contents (int_items_described is a view
        # over the raw files)
        "select count(*) from int_items_tokenized",
        "more than min_chars characters of contents",
    ),
    ("enough tokens", "select count(*) from int_items_prompted", "more than min_tokens tokens"),
    ("items", "select count(*) from items", None),
    (
        "in a slot, after dedup",
        "select count(*) from int_items_weighted",
        "slot >= first_sampled_slot and not dropped by the dedup knob",
    ),
    ("sampled", "select count(*) from sampled_items", "slot_cutoff and slot_cap"),
)
SPLIT_COUNTS = "select split, count(*) from sampled_items where split is not null group by 1"


def read_counts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every count the summary shows, read from the build's models (missing ones skipped)."""
    tables = {
        row[0] for row in con.sql("select table_name from information_schema.tables").fetchall()
    }

    def has(sql: str) -> bool:
        return sql.split(" from ", 1)[1].split()[0] in tables

    def scalar(sql: str) -> int:
        return int(con.sql(sql).fetchall()[0][0])

    counts: dict[str, Any] = {"funnel": [], "rejects": {}, "splits": {}, "duplicates": {}}
    for label, sql, _rule in FUNNEL:
        if has(sql):
            counts["funnel"].append((label, scalar(sql)))
    if "rejects" in tables:
        counts["rejects"] = dict(
            con.sql("select reason, count(*) from rejects group by 1 order by 2 desc, 1").fetchall()
        )
    if "sampled_items" in tables:
        counts["splits"] = dict(con.sql(SPLIT_COUNTS).fetchall())
    if "duplicate_groups" in tables:
        counts["duplicates"] = dict(
            con.sql("select match_kind, count(*) from duplicate_groups group by 1").fetchall()
        )
    if "dropped_duplicates" in tables:
        counts["dedup_dropped"] = scalar("select count(*) from dropped_duplicates")
    if "leakage" in tables:
        counts["leaked"] = scalar("select count(*) from leakage")
    return counts


# The tables `key_numbers` reads: every reader of a finished build needs them.
COUNTED_TABLES = (
    "stg_meta__rows",
    "rejects",
    "items",
    "sampled_items",
    "duplicate_groups",
    "dropped_duplicates",
    "leakage",
)


def key_numbers(counts: dict[str, Any]) -> dict[str, int]:
    """The key numbers of a build (the manifest's counts, the report's numbers) from
    read_counts: raw rows, rejects, items, sampled, each split, duplicate groups, dedup and
    leakage."""
    funnel = dict(counts["funnel"])
    numbers = {
        "raw_rows": funnel["raw rows"],
        "rejects": sum(counts["rejects"].values()),
        "items": funnel["items"],
        "sampled": funnel["sampled"],
    }
    for split in SPLITS:
        numbers[split] = counts["splits"].get(split, 0)
    for kind in ("title", "text"):
        numbers[f"duplicate_{kind}_groups"] = counts["duplicates"].get(kind, 0)
    numbers["dedup_dropped"] = counts["dedup_dropped"]
    numbers["leaked_test_items"] = counts["leaked"]
    return numbers


def check_export_source(manifest: dict[str, Any]) -> None:
    """Refuse an export whose database's last build did not complete (upload's check)."""
    source = manifest.get("build") or {}
    db = source.get("database")
    if not db:
        return
    leftover = work_file(Path(db))
    if leftover.exists():
        raise PricerError(
            f"the last build of {db} did not complete (it left {leftover}): run `pricer build` "
            "and `pricer export` again before uploading"
        )


def warn(message: str) -> None:
    print(message, file=sys.stderr)
