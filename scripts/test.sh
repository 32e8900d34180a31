#!/usr/bin/env bash
# Install the project with its test extra, the browser for the UI tests, and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
bash scripts/install-browser.sh
python -m pytest "$@"
