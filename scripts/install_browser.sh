#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (tests/test_report_browser.py).
# Quiet and idempotent: does nothing when /usr/bin/chromium is already there. Never downloads
# a browser build of its own (Playwright drives this Chromium through executable_path).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_browser: no apt-get here; install Chromium as /usr/bin/chromium by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install_browser: installing Debian's chromium (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
echo "install_browser: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium installed')" >&2
