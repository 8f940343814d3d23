"""The dbt-duckdb plugin of the project (profiles.yml `plugins:`): it backs the dbt source
`raw.meta_lines` (models/staging/_staging__sources.yml) with the raw files where they lie.

The source `raw.meta_lines` is a view over `pricer.raw.RawLines`, an Arrow stream of every
numbered line that starts over at each scan, so the database holds no copy of the raw data;
dbt-duckdb registers the stream on every cursor it opens. Outside a dbt run (plain DuckDB on
the built file) the view has nothing behind it: the staged rows and the rejects are tables. The
source `raw.meta_files` is a view over `pricer.raw.RawFiles`, one row per file with its fingerprint,
which the incremental staging models compare with the files they hold rows of.

It also sets DuckDB's checkpoint threshold from PRICER_CHECKPOINT_THRESHOLD when that is set
(pricer.build.checkpoint_env: a rebuild's), on the connection it opens. Not in profiles.yml:
dbt hashes the profile's settings into its parse state, so a value that differs between a full
build and a rebuild would make dbt parse the whole project again.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig

from pricer import knobs
from pricer.constants import CHECKPOINT_ENV
from pricer.raw import RawFiles, RawLines, find_raw_files


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.config = plugin_config

    def configure_connection(self, conn: Any) -> None:
        threshold = os.environ.get(CHECKPOINT_ENV)
        if threshold:
            try:
                conn.execute("set checkpoint_threshold = ?", [threshold])
            except Exception as err:  # DuckDB's words alone would not name the variable
                raise ValueError(
                    f"{CHECKPOINT_ENV}={threshold!r} is not a size DuckDB takes (e.g. 1GiB): "
                    f"{str(err).splitlines()[0]}"
                ) from None

    def default_materialization(self) -> str:
        return "view"

    def load(self, source_config: SourceConfig) -> RawLines | RawFiles:
        raw_dir = source_config.get("raw_dir")
        if not raw_dir:
            raise ValueError(f"source {source_config.table_name()} needs meta raw_dir")
        known = [category.name for category in knobs.categories()]
        # The folder is read when a query scans the source, not when dbt compiles a model
        # that names it (`pricer build` checks the folder before dbt starts).
        if source_config.name == "meta_files":
            return RawFiles(raw_dir=raw_dir, known_categories=known)
        return RawLines(raw_dir=raw_dir, known_categories=known)


def attach_raw(con: Any, raw_dir: str | Path) -> None:
    """Put the raw files back behind the source view of a built database, on connection
    `con`, so that the views over the raw files (stg_meta__lines, stg_meta__other_fields,
    int_items_described, int_items_scrubbed) answer outside a dbt run too:

        con = duckdb.connect("data/pricer.duckdb")
        attach_raw(con, "data/default")
        con.sql("from stg_meta__other_fields limit 5")
    """
    lines = _source_object(con, "meta_lines")
    if lines is None:
        raise ValueError("this database has no raw.meta_lines view: was it built by pricer?")
    known = [category.name for category in knobs.categories()]
    con.register(lines, RawLines(find_raw_files(raw_dir, known)))
    files = _source_object(con, "meta_files")  # builds before per-file reuse have none
    if files is not None:
        con.register(files, RawFiles(raw_dir, known))


def _source_object(con: Any, view: str) -> str | None:
    """The name of the Python object the source view raw.<view> reads (None: no such view)."""
    rows = con.sql(
        "select sql from duckdb_views() where schema_name = 'raw' and view_name = ?", params=[view]
    ).fetchall()
    if not rows:
        return None
    match = re.search(r"from\s+\"?(\w+)\"?\s*;?\s*$", rows[0][0], re.IGNORECASE)
    if match is None:
        raise ValueError(f"cannot read the raw source view: {rows[0][0]}")
    return match.group(1)
