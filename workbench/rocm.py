"""Building ROCm (AMDGPU) kernels on a machine without a ROCm GPU.

TVM's PyPI wheel carries the AMDGPU code generator but no ROCm runtime: candidates for a
``rocm`` target are built here and timed on a ROCm device through TVM RPC. Building needs

- the ROCm device bitcode (``ocml.bc``, ``ockl.bc``, ...), found through ``ROCM_PATH``
  (Debian's ``rocm-device-libs`` installs it under ``/usr/lib/x86_64-linux-gnu/amdgcn/bitcode``);
- an ``ld.lld`` as new as TVM's LLVM (22) to link code object v5; Debian's lld 14 fails with
  ``unknown abi version``. ``scripts/install-rocm-toolchain.sh`` writes an ``ld.lld`` wrapper
  around the LLD of the PyPI package ``ziglang`` into ``.rocm-toolchain/bin``.

:func:`ensure_toolchain` finds both and sets ``ROCM_PATH`` and ``PATH`` of this process (build
workers inherit them). :func:`code_objects` and :func:`elf_info` look inside a built module.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

from .errors import WorkbenchError

__all__ = [
    "INSTALL_SCRIPT",
    "EM_AMDGPU",
    "AMDGPU_MACH",
    "find_rocm_path",
    "find_lld",
    "ensure_toolchain",
    "code_objects",
    "elf_info",
]

INSTALL_SCRIPT = "scripts/install-rocm-toolchain.sh"

#: ELF ``e_machine`` of AMDGPU code objects.
EM_AMDGPU = 224

#: ``e_flags & 0xff`` (``EF_AMDGPU_MACH``) -> processor name, for the processors of the presets.
AMDGPU_MACH = {0x2F: "gfx906", 0x30: "gfx908", 0x3F: "gfx90a", 0x4C: "gfx942"}

_BITCODE = "amdgcn/bitcode/ocml.bc"
_ready: dict[str, str] | None = None


def _repo_bin() -> Path:
    return Path(__file__).resolve().parent.parent / ".rocm-toolchain" / "bin"


def find_rocm_path() -> str | None:
    """The folder holding ``amdgcn/bitcode`` (what ``ROCM_PATH`` must name), or ``None``."""
    candidates = [os.environ.get("ROCM_PATH", ""), "/opt/rocm"]
    candidates += sorted(glob.glob("/usr/lib/*-linux-gnu"))
    for root in candidates:
        if root and os.path.isfile(os.path.join(root, _BITCODE)):
            return root
    return None


def _lld_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"LLD (\d+)\.", out)
    return int(match.group(1)) if match else None


def find_lld() -> str | None:
    """The ``ld.lld`` to use: ``$WORKBENCH_ROCM_BIN/ld.lld``, the project's wrapper, then PATH."""
    dirs = [os.environ.get("WORKBENCH_ROCM_BIN", ""), str(_repo_bin())]
    for folder in dirs:
        path = os.path.join(folder, "ld.lld") if folder else ""
        if path and os.access(path, os.X_OK):
            return path
    return shutil.which("ld.lld")


def ensure_toolchain() -> dict[str, str]:
    """Make ROCm builds work in this process and the build workers it starts.

    Sets ``ROCM_PATH`` to the folder holding the device bitcode and puts the folder of a new
    enough ``ld.lld`` first on ``PATH``.

    Returns
    -------
    dict
        ``{"rocm_path", "ld_lld", "lld_version"}``.

    Raises
    ------
    WorkbenchError
        When the bitcode or a new enough ``ld.lld`` is missing; the message names the install
        script.
    """
    global _ready
    if _ready is not None:
        return dict(_ready)
    import tvm.target.codegen as codegen

    fix = (
        f"run `bash {INSTALL_SCRIPT}` (apt rocm-device-libs + the ziglang LLD); for an installed "
        "(not editable) workbench, set WORKBENCH_ROCM_BIN to the folder of its ld.lld wrapper"
    )
    rocm_path = find_rocm_path()
    if rocm_path is None:
        raise WorkbenchError(
            f"building for ROCm needs the ROCm device bitcode ({_BITCODE} under ROCM_PATH, "
            f"/opt/rocm or /usr/lib/<arch>-linux-gnu) and none was found; {fix}"
        )
    lld = find_lld()
    need = int(codegen.llvm_version_major())
    have = _lld_major(lld) if lld else None
    if have is None or have < need:
        found = f"found {lld} (LLD {have})" if lld else "none found"
        raise WorkbenchError(
            f"building for ROCm needs an ld.lld of LLVM {need} or newer to link code object "
            f"v5 ({found}); {fix}"
        )
    os.environ["ROCM_PATH"] = rocm_path
    folder = os.path.dirname(os.path.abspath(lld))
    parts = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != folder]
    os.environ["PATH"] = os.pathsep.join([folder, *parts])
    # TVM tries ld.lld-<major>.0 and ld.lld-<major> before ld.lld: make sure it lands on ours.
    from tvm.support.rocm import find_lld as tvm_find_lld

    chosen = tvm_find_lld()[0]
    if _lld_major(chosen) is None or _lld_major(chosen) < need:
        raise WorkbenchError(
            f"TVM picks the linker {chosen}, which is older than LLVM {need}; remove it from "
            f"PATH or {fix}"
        )
    _ready = {"rocm_path": rocm_path, "ld_lld": chosen, "lld_version": str(_lld_major(chosen))}
    return dict(_ready)


def code_objects(module: Any) -> list[bytes]:
    """The AMDGPU code objects (HSA code object ELF files) inside a built module.

    Parameters
    ----------
    module : tvm.runtime.Module, Executable, bytes or path
        What ``tvm.compile`` returns for a ``rocm`` target, or a built artifact: the bytes or
        the path of the ``.tar`` the workbench builder writes (its ``devc.o`` carries the
        device code), or of any file holding a serialized module.

    Returns
    -------
    list of bytes
        One ELF file per imported ROCm module, exactly as the device loader receives it.
    """
    if isinstance(module, (str, Path)):
        return _code_objects_in_file(Path(module))
    if isinstance(module, (bytes, bytearray)):
        return _find_elves(bytes(module))
    import tvm_ffi

    mod = getattr(module, "mod", module)
    pack = tvm_ffi.get_global_func("runtime.ModulePackImportsToTensor")
    return _find_elves(pack(mod).numpy().tobytes())


def _code_objects_in_file(path: Path) -> list[bytes]:
    import tarfile

    if tarfile.is_tarfile(path):
        found = []
        with tarfile.open(path) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    found += _find_elves(tar.extractfile(member).read())
        return found
    return _find_elves(path.read_bytes())


def _find_elves(blob: bytes) -> list[bytes]:
    """ELF files stored in a serialized module as ``<uint64 length><bytes>``."""
    found = []
    start = blob.find(b"\x7fELF", 8)
    while start != -1:
        (length,) = struct.unpack_from("<Q", blob, start - 8)
        if start + length <= len(blob) and _elf_size(blob[start : start + length]) == length:
            found.append(blob[start : start + length])
            start = blob.find(b"\x7fELF", start + length)
        else:
            start = blob.find(b"\x7fELF", start + 4)
    return found


def _elf_size(data: bytes) -> int | None:
    """The size an ELF64 file's header implies (its section header table comes last)."""
    if len(data) < 64 or data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    e_shoff = struct.unpack_from("<Q", data, 0x28)[0]
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    return e_shoff + e_shentsize * e_shnum


def elf_info(data: bytes) -> dict[str, Any]:
    """Header fields of an ELF64 little-endian file (a code object).

    Returns
    -------
    dict
        ``magic_ok``, ``elf_class`` (2: 64-bit), ``little_endian``, ``type`` (3: shared object),
        ``machine`` (224 for AMDGPU), ``flags``, ``mach`` (the AMDGPU processor name when
        known) and ``size_ok`` (the section header table ends where the file ends).
    """
    if len(data) < 64:
        return {"magic_ok": False}
    e_type, e_machine = struct.unpack_from("<HH", data, 0x10)
    (e_flags,) = struct.unpack_from("<I", data, 0x30)
    return {
        "magic_ok": data[:4] == b"\x7fELF",
        "elf_class": data[4],
        "little_endian": data[5] == 1,
        "type": e_type,
        "machine": e_machine,
        "flags": e_flags,
        "mach": AMDGPU_MACH.get(e_flags & 0xFF) if e_machine == EM_AMDGPU else None,
        "size_ok": _elf_size(data) == len(data),
    }
