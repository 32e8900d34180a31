from __future__ import annotations

import json

import pytest

from workbench.errors import WorkbenchError
from workbench.targets import resolve_target


def test_cpu_is_detected_host():
    t = resolve_target("cpu")
    assert t.kind == "llvm" and t.device_type == "cpu"
    assert t.config["mcpu"] and t.config["num-cores"] >= 1
    t.tvm()  # TVM accepts it


def test_dict_and_json_targets():
    cfg = {"kind": "llvm", "mcpu": "skylake-avx512", "num-cores": 2}
    assert resolve_target(cfg).config == cfg
    assert resolve_target(json.dumps(cfg)).config == cfg


@pytest.mark.parametrize(
    "bad,words",
    [
        ("gpu", ["unknown target 'gpu'", "cpu"]),
        ('{"kind": "nosuchkind"}', ["TVM rejects target", "nosuchkind"]),
        ('{"kind": "llvm", "mcpu": "notacpu"}', ["does not know the CPU 'notacpu'"]),
        ("{not json", ["does not parse"]),
        ({"mcpu": "x"}, ["has no 'kind'"]),
        (42, ["preset name, dict or JSON"]),
    ],
)
def test_bad_targets(bad, words):
    with pytest.raises(WorkbenchError) as info:
        resolve_target(bad)
    for word in words:
        assert word in str(info.value)


GPU_PRESETS = {
    "rocm:gfx90a": ("rocm", "gfx90a", 64),
    "rocm:gfx942": ("rocm", "gfx942", 64),
    "rocm:gfx908": ("rocm", "gfx908", 64),
    "rocm:dcu": ("rocm", "gfx906", 64),
    "cuda:sm_90": ("cuda", "sm_90", 32),
}


@pytest.mark.parametrize("name", sorted(GPU_PRESETS))
def test_gpu_presets(name):
    kind, chip, warp = GPU_PRESETS[name]
    t = resolve_target(name)
    assert t.name == name and t.kind == kind and t.device_type == kind and t.is_gpu
    assert t.config.get("mcpu", t.config.get("arch")) == chip
    assert t.warp_size == warp
    exported = t.tvm().export()  # TVM accepted the limits as target attributes
    assert exported["thread_warp_size"] == warp
    assert exported["max_threads_per_block"] == t.max_threads_per_block
    assert exported["max_shared_memory_per_block"] == t.max_shared_memory_per_block
    if kind == "rocm":
        # TVM's AMDGPU code generator bounds every kernel to 256 threads without a device.
        assert t.max_threads_per_block == 256 and t.max_shared_memory_per_block == 65536
    else:
        assert t.max_threads_per_block == 1024 and t.max_shared_memory_per_block == 49152


def test_cpu_has_no_gpu_limits():
    t = resolve_target("cpu")
    assert not t.is_gpu
    assert (t.warp_size, t.max_threads_per_block, t.max_shared_memory_per_block) == (None,) * 3


def test_gpu_limits_default_from_tvm_for_plain_dicts():
    t = resolve_target({"kind": "rocm", "mcpu": "gfx90a"})
    assert t.warp_size == 64 and t.max_threads_per_block == 256
    assert resolve_target({"kind": "cuda", "arch": "sm_80"}).warp_size == 32


def test_preset_docs_in_list_and_error():
    from workbench.targets import presets

    listing = presets()
    assert set(GPU_PRESETS) <= set(listing)
    with pytest.raises(WorkbenchError) as info:
        resolve_target("rocm:gfx9000")
    for name, doc in listing.items():
        assert f"{name:<12} {doc}" in str(info.value)
    assert "wavefront 64" in listing["rocm:dcu"] and "Hygon" in listing["rocm:dcu"]


def test_unknown_amdgpu_processor():
    with pytest.raises(WorkbenchError, match="does not know the AMDGPU processor 'gfx926'"):
        resolve_target({"kind": "rocm", "mcpu": "gfx926"})


def test_cli_lists_targets(capsys):
    from workbench.cli import main

    assert main(["targets"]) == 0
    out = capsys.readouterr().out
    assert "rocm:gfx90a" in out and "cuda:sm_90" in out and "Hygon DCU" in out
