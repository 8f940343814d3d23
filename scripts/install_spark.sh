#!/usr/bin/env bash
# Installs what `pricer build --engine spark` needs: Java 17 (Debian's headless JRE, only when no
# java 17+ is on PATH) and the [spark] extra (dbt-spark[session], pyspark) into .venv.
# Quiet and idempotent; used by scripts/test.sh, which runs the DuckDB/Spark parity test.
set -euo pipefail
cd "$(dirname "$0")/.."

java_major() {
  java -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}

if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_spark: no Java 17 and no apt-get; install a Java 17+ runtime by hand" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
  fi
  echo "install_spark: installing Java 17 (apt-get openjdk-17-jre-headless)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
fi

if ! .venv/bin/python -c 'import pyspark, dbt.adapters.spark' >/dev/null 2>&1; then
  echo "install_spark: installing the [spark] extra (pyspark is a ~450 MB download)" >&2
fi
.venv/bin/python -m pip install --quiet -e ".[spark]"
echo "install_spark: $(java -version 2>&1 | head -1), pyspark $(.venv/bin/python -c 'import pyspark; print(pyspark.__version__)')" >&2
