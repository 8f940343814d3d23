"""The dbt-duckdb plugin of the project (profiles.yml `plugins:`): it backs the dbt source
`raw.meta_lines` (models/staging/_staging__sources.yml) with the raw files where they lie.

The source is a view over `pricer.raw.RawLines`, an Arrow stream of every numbered line that
starts over at each scan, so the database holds no copy of the raw data; dbt-duckdb registers
the stream on every cursor it opens. Outside a dbt run (plain DuckDB on the built file) the
view has nothing behind it: the staged rows and the rejects are tables.
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.duckdb.utils import SourceConfig

from pricer import knobs
from pricer.raw import RawLines, find_raw_files


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.config = plugin_config

    def default_materialization(self) -> str:
        return "view"

    def load(self, source_config: SourceConfig) -> RawLines:
        raw_dir = source_config.get("raw_dir")
        if not raw_dir:
            raise ValueError(f"source {source_config.table_name()} needs meta raw_dir")
        known = [category.name for category in knobs.categories()]
        return RawLines(find_raw_files(raw_dir, known))
