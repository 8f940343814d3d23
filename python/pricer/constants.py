"""Names that more than one module needs, each defined here once (the knobs live in
dbt_project.yml: pricer.knobs)."""

from __future__ import annotations

from pathlib import Path

# The splits in split order (rules 5): train, then test, then validation (val_size, may be 0).
SPLITS = ("train", "test", "validation")

# The raw data's dataset on the Hugging Face Hub (rules 1): `pricer fetch`, the dataset card.
SOURCE_REPO = "McAuley-Lab/Amazon-Reviews-2023"
SOURCE_REPO_TYPE = "dataset"

# Where the commands put a build when not told otherwise.
DEFAULT_DB = Path("data/pricer.duckdb")
DEFAULT_SPARK_DIR = Path("data/spark")  # --spark-dir: sets PRICER_SPARK_DIR for profiles.yml

# The dbt test that holds the split-size rule (rules 5, tests/dbt/): a warning in a plain
# `dbt build`, a failure of `pricer build` and `pricer demo`, which read its verdict.
SPLIT_SIZES_TEST = "assert_sample_fits_split_sizes"
# DuckDB's checkpoint threshold for a build when set (pricer.build.checkpoint_env sets it for a
# rebuild; the project's dbt-duckdb plugin, pricer.duckdb_plugin, applies it).
CHECKPOINT_ENV = "PRICER_CHECKPOINT_THRESHOLD"
