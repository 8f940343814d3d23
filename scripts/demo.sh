#!/usr/bin/env bash
# Sets up .venv if needed and runs the main job end to end on generated data:
# generate -> dbt build -> export -> report. Arguments go to `pricer demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pricer demo "$@"
