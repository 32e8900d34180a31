"""Packaging: the two dependency lists agree, the pins hold, and the import stays light."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {r.strip() for r in project["dependencies"]}
    wanted |= {r.strip() for r in project["optional-dependencies"]["test"]}
    wanted |= {r.strip() for r in project["optional-dependencies"]["onnx"]}
    env = (ROOT / "environment.yml").read_text()
    pip_section = env.split("- pip:", 1)[1]
    pip = {
        m.group(1).strip()
        for m in re.finditer(r"^\s+- ([^#\n]+)$", pip_section, re.M)
        if not m.group(1).startswith("-e")
    }
    assert pip == wanted
    assert re.search(r"^\s+- python=3\.11$", env, re.M)


def test_tvm_pins():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "apache-tvm==0.27.0.post1" in deps
    assert "apache-tvm-ffi==0.1.14.post1" in deps


def test_import_workbench_does_not_import_heavy_modules():
    code = (
        "import sys, workbench; "
        "heavy = [m for m in ('tvm', 'pandas', 'xgboost', 'lightgbm', 'plotly', 'ipywidgets') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["workbench"] == "workbench.cli:main"
    assert (ROOT / "workbench" / "py.typed").exists()
