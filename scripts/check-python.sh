#!/usr/bin/env bash
# Fail early, with what to do, when the Python given to make is missing or older than 3.11.
set -euo pipefail
py="${1:-python3}"
if ! command -v "$py" >/dev/null 2>&1; then
  echo "campusgrid: $py not found; install Python 3.11+ (sudo apt-get install -y python3 python3-venv, or brew install python@3.12) or run make PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "campusgrid: $("$py" --version 2>&1) is too old; campusgrid needs Python 3.11 or newer (make PYTHON=python3.12)" >&2
  exit 1
fi
