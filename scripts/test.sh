#!/usr/bin/env bash
# Sets up .venv if needed, lints (ruff, sqlfluff) and runs every test with pytest (unit,
# functional, oracle parity, DuckDB/Spark parity; the dbt data and unit tests run inside its
# dbt builds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install_browser.sh
bash scripts/install_spark.sh
echo "test: ruff" >&2
.venv/bin/ruff check .
echo "test: sqlfluff (dbt templater)" >&2
lint_db=$(mktemp -d)
PRICER_DB="$lint_db/lint.duckdb" .venv/bin/sqlfluff lint models tests/dbt --processes 2 --disable-progress-bar
rm -rf "$lint_db"
echo "test: pytest" >&2
.venv/bin/pytest "$@"
