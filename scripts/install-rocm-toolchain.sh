#!/usr/bin/env bash
# Toolchain to BUILD ROCm (AMDGPU) kernels on this machine; running them needs a ROCm device
# reached through TVM RPC (see README, "Tuning on ROCm / DCU").
#   1. the ROCm device bitcode (ocml, ockl, ...): Debian's rocm-device-libs package;
#   2. an ld.lld new enough for AMDGPU code object v5 (TVM's LLVM is 22; Debian's lld 14 fails
#      with "unknown abi version"): the LLD inside the PyPI package ziglang, behind an `ld.lld`
#      wrapper in a project-local bin dir (.rocm-toolchain/bin, or $WORKBENCH_ROCM_BIN).
# The workbench finds both by itself (workbench/rocm.py); nothing needs to be put on PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${WORKBENCH_ROCM_BIN:-$ROOT/.rocm-toolchain/bin}"
PYTHON="$(python -c 'import sys; print(sys.executable)')"

have_bitcode() {
  for dir in "${ROCM_PATH:-/opt/rocm}" /usr/lib/*-linux-gnu /opt/rocm; do
    [ -f "$dir/amdgcn/bitcode/ocml.bc" ] && return 0
  done
  return 1
}

if ! have_bitcode; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq rocm-device-libs >/dev/null
  else
    echo "install-rocm-toolchain: no apt-get; install ROCm's device libraries (rocm-device-libs)" \
      "and set ROCM_PATH to the folder holding amdgcn/bitcode" >&2
    exit 1
  fi
fi

"$PYTHON" -m pip install --quiet --disable-pip-version-check "ziglang==0.17.1"
mkdir -p "$BIN"
cat >"$BIN/ld.lld" <<WRAPPER
#!/bin/sh
# LLD from the ziglang package (written by scripts/install-rocm-toolchain.sh)
exec "$PYTHON" -m ziglang ld.lld "\$@"
WRAPPER
chmod +x "$BIN/ld.lld"
echo "ROCm toolchain: $("$BIN/ld.lld" --version | head -n 1)"
echo "  ld.lld wrapper: $BIN/ld.lld"
