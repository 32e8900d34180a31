#!/usr/bin/env bash
# Headless Chromium (Debian's package) and Playwright for Python, for the browser tests.
# Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
python -m pip install --quiet --disable-pip-version-check "playwright>=1.45"
