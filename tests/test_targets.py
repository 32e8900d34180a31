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
