#!/usr/bin/env bash
# apt_install WHO PACKAGE...: Debian packages through apt-get (with sudo when not root), quietly.
# Sourced by install_browser.sh and install_spark.sh; fails with one line where there is no apt.
apt_install() {
  local who=$1
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: no apt-get here; install $* by hand" >&2
    return 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  echo "$who: installing $* (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
