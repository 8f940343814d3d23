#!/usr/bin/env bash
# Installs what `pricer build --engine spark` needs: Java 17 (Debian's headless JRE, only when no
# java 17+ is on PATH) and the [spark] extra (dbt-spark[session], pyspark) into .venv.
# Quiet and idempotent; used by scripts/test.sh, which runs the DuckDB/Spark parity test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt_install.sh

java_major() {
  java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
  apt_install install_spark openjdk-17-jre-headless
fi

if ! .venv/bin/python -c 'import pyspark, dbt.adapters.spark' >/dev/null 2>&1; then
  echo "install_spark: installing the [spark] extra (pyspark is a ~450 MB download)" >&2
fi
.venv/bin/python -m pip install --quiet -e ".[spark]"
echo "install_spark: $(java -version 2>&1 | head -1), pyspark $(.venv/bin/python -c 'import pyspark; print(pyspark.__version__)')" >&2
