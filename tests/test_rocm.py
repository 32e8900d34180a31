"""ROCm (and CUDA) targets on a machine without a GPU: sketches, search, ranking and real builds.

Building for ROCm needs the toolchain of ``scripts/install-rocm-toolchain.sh`` (CI runs it from
``scripts/test.sh``). Running the kernels needs a ROCm device behind TVM RPC, which these
machines do not have: measurement on a device is what ``tests/test_rpc.py`` covers on the CPU.
"""

from __future__ import annotations

import shutil
import struct
import warnings

import pytest

from tests.conftest import FAST, TINY
from workbench import Session, rocm
from workbench.errors import WorkbenchError
from workbench.measure import build_candidate, make_builder


def _modules(frame):
    import tvm

    return [tvm.script.from_source(script) for script in frame["script"]]


@pytest.fixture(scope="module")
def gfx90a():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an untrained model: the preview says so
        with Session(TINY, target="rocm:gfx90a", runner="none", **FAST) as s:
            yield s, s.preview(8)


def test_rocm_sketches_and_ranked_preview(gfx90a):
    s, frame = gfx90a
    assert s.target.kind == "rocm" and s.target.device_type == "rocm"
    assert s.target.warp_size == 64 and s.target.max_threads_per_block == 256
    assert len(s.sketches) >= 1
    rules = {rule for sketch in s.sketches for rule in sketch.rules}
    assert "AutoBind" in rules and "MultiLevelTiling" in rules  # MetaSchedule's GPU rules
    assert "threadIdx.x" in s.sketches[0].script
    assert len(frame) == 8 and list(frame["rank"]) == list(range(1, 9))
    assert frame["predicted"].is_monotonic_decreasing
    assert frame.attrs["trained_on"] == 0
    assert s.trials == 0 and s.rounds == []  # nothing measured


def test_eight_rocm_candidates_build_into_amdgpu_code_objects(gfx90a):
    import tvm.s_tir.meta_schedule as ms

    s, frame = gfx90a
    rocm.ensure_toolchain()
    builder = make_builder(s.measure, 2)  # the builder a tuning round uses
    try:
        results = builder.build(
            [ms.builder.BuilderInput(m, s.target.tvm()) for m in _modules(frame)]
        )
        assert [r.error_msg for r in results] == [None] * 8
        for result in results:
            objects = rocm.code_objects(result.artifact_path)  # what RPC would upload
            assert len(objects) == 1
            info = rocm.elf_info(objects[0])
            assert info["magic_ok"] and info["elf_class"] == 2 and info["little_endian"]
            assert info["machine"] == rocm.EM_AMDGPU == 224
            assert info["type"] == 3  # a linked shared object, as the HSA loader wants
            assert info["mach"] == "gfx90a" and info["size_ok"]
            assert b"main_kernel" in objects[0]
    finally:
        builder.close()
        for result in results:
            from workbench.measure import remove_artifact

            remove_artifact(result.artifact_path)


@pytest.mark.parametrize(
    "preset,mach", [("rocm:gfx942", "gfx942"), ("rocm:gfx908", "gfx908"), ("rocm:dcu", "gfx906")]
)
def test_rocm_presets_build_for_their_processor(preset, mach):
    rocm.ensure_toolchain()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Session(TINY, target=preset, runner="none", **FAST) as s:
            frame = s.preview(1)
    lib = build_candidate(_modules(frame)[0], s.target.tvm(), None)
    (obj,) = rocm.code_objects(lib)
    info = rocm.elf_info(obj)
    assert info["machine"] == 224 and info["mach"] == mach and info["size_ok"]


def test_runner_none_measures_nothing(gfx90a):
    s, _ = gfx90a
    with pytest.raises(WorkbenchError, match=r"measures nothing \(runner='none'\).*preview"):
        s.step()


def test_local_runner_without_the_gpu_is_a_clear_error():
    with Session(TINY, target="rocm:gfx90a", **FAST) as s:
        with pytest.raises(WorkbenchError) as info:
            s.run(8)
    assert "runs on a rocm device and this machine has none" in str(info.value)
    assert "runner='rpc'" in str(info.value)


def test_preview_with_a_model_trained_on_earlier_runs(tuned_run, tmp_path):
    work_dir = tmp_path / "preview"
    with Session(TINY, runner="none", work_dir=work_dir, seed=1, **FAST) as s:
        frame = s.preview(8, train_on=[tuned_run])
        assert frame.attrs["trained_on"] == 16
        assert len(frame) >= 1 and frame["predicted"].nunique() > 1
        assert s.trials == 0
    # Nothing was written as a measurement.
    assert not (work_dir / "rounds.jsonl").exists() or not (work_dir / "rounds.jsonl").read_text()
    import tvm.s_tir.meta_schedule as ms

    assert len(ms.database.JSONDatabase(work_dir=str(work_dir)).get_all_tuning_records()) == 0


def test_learning_needs_records_of_the_same_target_kind(gfx90a, tuned_run, tmp_path):
    s, _ = gfx90a
    with pytest.raises(WorkbenchError, match="no record measured on a 'rocm' target.*llvm"):
        s.learn_from([tuned_run])
    with pytest.raises(WorkbenchError, match="holds no TVM database"):
        s.learn_from([tmp_path])


def test_untrained_preview_warns():
    with Session(TINY, runner="none", **FAST) as s:
        with pytest.warns(UserWarning, match="learned from no measurement"):
            s.preview(2)


def test_old_linker_is_a_clear_error(tmp_path, monkeypatch):
    # A stand-in for Debian's lld 14 (installing it here would replace nothing the test needs):
    # it answers --version like the real one.
    fake = tmp_path / "ld.lld"
    fake.write_text("#!/bin/sh\necho 'Debian LLD 14.0.6 (compatible with GNU linkers)'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("WORKBENCH_ROCM_BIN", str(tmp_path))
    monkeypatch.setattr(rocm, "_ready", None)
    with pytest.raises(WorkbenchError) as info:
        rocm.ensure_toolchain()
    assert "LLD 14" in str(info.value) and rocm.INSTALL_SCRIPT in str(info.value)


def test_elf_info_rejects_garbage():
    assert rocm.code_objects(b"\x7fELF" + b"\0" * 100) == []
    assert not rocm.elf_info(b"nope")["magic_ok"]
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<HH", header, 0x10, 3, 224)
    assert rocm.elf_info(bytes(header))["machine"] == 224


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="needs nvcc to compile CUDA kernels")
def test_cuda_sm90_candidates_compile_with_nvcc():
    from tvm.support import nvcc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Session(TINY, target="cuda:sm_90", runner="none", **FAST) as s:
            frame = s.preview(2)
    assert s.target.warp_size == 32 and s.target.max_threads_per_block == 1024
    for mod in _modules(frame):
        lib = build_candidate(mod, s.target.tvm(), None)
        (device,) = lib.imports
        source = device.inspect_source("")
        assert "__global__" in source
        # TVM 0.27 ships CUDA kernels as source, compiled when the module loads on the GPU
        # machine; compile it here the same way (nvcc, sm_90) and check the cubin.
        with s.target.tvm():  # nvcc's architecture comes from the current target: sm_90
            cubin = bytes(nvcc.compile_cuda(source, target_format="cubin", compiler="nvcc"))
        assert cubin[:4] == b"\x7fELF"
        assert struct.unpack_from("<H", cubin, 0x12)[0] == 190  # EM_CUDA


def test_cli_preview(tuned_run, capsys):
    from workbench.cli import main

    assert (
        main(["preview", TINY, "-n", "4", "--train-on", str(tuned_run), "--population", "64"]) == 0
    )
    out = capsys.readouterr().out
    assert "ranked by xgboost trained on 16 records (nothing measured)" in out
    assert "rank" in out and "predicted" in out
