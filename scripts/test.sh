#!/usr/bin/env bash
# Install the project with its test extra and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[test]"
# ROCm device bitcode and a new enough ld.lld, so the ROCm tests build real AMDGPU code objects.
bash scripts/install-rocm-toolchain.sh
python -m pytest "$@"
