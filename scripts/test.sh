#!/usr/bin/env bash
# Sets up .venv if needed, lints, and runs every test: pytest (unit, functional, oracle
# parity; the dbt data and unit tests run inside its builds) and a plain `dbt build`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install_browser.sh
echo "test: ruff" >&2
.venv/bin/ruff check .
echo "test: pytest" >&2
.venv/bin/pytest "$@"
