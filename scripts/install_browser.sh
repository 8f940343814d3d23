#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (tests/test_report_browser.py).
# Quiet and idempotent: does nothing when /usr/bin/chromium is already there. Never downloads
# a browser build of its own (Playwright drives this Chromium through executable_path).
set -euo pipefail
source "$(dirname "$0")/apt_install.sh"

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
apt_install install_browser chromium fonts-liberation
echo "install_browser: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium installed')" >&2
