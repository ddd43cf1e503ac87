#!/usr/bin/env bash
# Install everything from nothing into ./.venv: Debian's libiio (for pyadi-iio), the CPU
# build of PyTorch 2.13.0, and this package with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! ldconfig -p 2>/dev/null | grep -q 'libiio\.so\.0'; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq || true
    $SUDO apt-get install -y -qq libiio0 >/dev/null
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[test]"
