#!/usr/bin/env bash
# Install everything from nothing into ./.venv: Debian's libiio (for pyadi-iio), the CPU
# build of PyTorch 2.13.0, and this package with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

# libiio0 for pyadi-iio; the libxcb packages let Qt's X11 plugin open `dvst gui` on a desktop
# (headless runs use QT_QPA_PLATFORM=offscreen and need none of them).
APT_PACKAGES="libiio0 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0"
missing=""
for pkg in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq $missing >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[test]"
