"""The run view in a real JupyterLab, driven by headless Chromium (Playwright).

JupyterLab runs on 127.0.0.1 with this checkout's built labextension (linked through a
temporary ``JUPYTER_PATH``) and a root holding real run directories (see ``lab_root``). The
test opens runs from the file browser and the command palette, creates a notebook from the
launcher, and watches a run grow while another process tunes it. Screenshots go to
``test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_extension import (  # noqa: F401  (fixtures used here)
    HOSTILE_ERROR,
    HOSTILE_MODEL,
    HOSTILE_TASK,
    LABEXTENSION,
    lab_root,
    require_node,
    second_run,
)

from ._browser import CHROMIUM, CHROMIUM_ARGS, free_port, require_browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 120_000


def _require_browser():
    """Skip without Chromium or Playwright (see tests/_browser.py); the extension must be built."""
    require_browser()
    if not (LABEXTENSION / "package.json").exists():
        require_node()  # skips without Node.js; with it, the build step must have run
        pytest.fail("workbench/labextension is not built: run `npm run build:prod` in extension/")


@pytest.fixture(scope="module")
def lab(lab_root, tmp_path_factory):  # noqa: F811
    """A JupyterLab server on 127.0.0.1 serving ``lab_root`` with this build of the extension."""
    _require_browser()
    home = tmp_path_factory.mktemp("jupyter")
    data = home / "data"
    (data / "labextensions").mkdir(parents=True)
    (data / "labextensions" / "tvm-workbench").symlink_to(LABEXTENSION)
    token = secrets.token_hex(16)
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_PATH": str(data),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    log = open(home / "server.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.allow_root=True",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={lab_root['root']}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("jupyter lab did not start:\n" + (home / "server.log").read_text())
                time.sleep(0.5)
        yield {
            "url": url,
            "token": token,
            "root": Path(lab_root["root"]),
            "log": home / "server.log",
        }
    finally:
        proc.terminate()
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.copy(home / "server.log", ARTIFACTS / "extension-server.log")


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request):
    """Keep a screenshot of the page when a test here fails."""
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before and "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}.png"), full_page=True)


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{lab['url']}/lab?token={lab['token']}")
        page.wait_for_selector(".jp-DirListing-content .jp-DirListing-item")
        try:
            yield page
        finally:
            browser.close()


def _open_from_file_browser(page, parts: list[str]) -> None:
    """Double-click through the file browser from its root to ``parts[-1]``."""
    page.locator(".jp-BreadCrumbs-home").first.click()
    for name in parts:
        text = page.locator(".jp-DirListing-itemText", has_text=re.compile(f"^{re.escape(name)}$"))
        item = page.locator(".jp-DirListing-content .jp-DirListing-item").filter(has=text)
        item.first.dblclick()


def _shutdown_kernels(lab) -> None:
    api = f"{lab['url']}/api/kernels"
    headers = {"Authorization": f"token {lab['token']}"}
    with urllib.request.urlopen(urllib.request.Request(api, headers=headers)) as resp:
        kernels = json.load(resp)
    for kernel in kernels:
        req = urllib.request.Request(f"{api}/{kernel['id']}", headers=headers, method="DELETE")
        urllib.request.urlopen(req).close()


def _run_command(page, label: str) -> None:
    """Run a command from the command palette."""
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill(label)
    page.locator(".lm-CommandPalette-item", has_text=label).first.click()
    page.locator(".lm-CommandPalette").first.wait_for(state="hidden")


def _visible_view(page):
    return page.locator(".wb-RunView:visible")


def _assert_nothing_injected(page) -> None:
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    scripts = page.evaluate(
        "[...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length"
    )
    assert scripts == 0


def test_served_extension_is_this_build(lab, page):
    built = json.loads((LABEXTENSION / "package.json").read_text())
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    ours = [e for e in config["federated_extensions"] if e["name"] == "tvm-workbench"]
    assert len(ours) == 1
    assert ours[0]["load"] == built["jupyterlab"]["_build"]["load"]


def test_launcher_card_creates_a_tuning_notebook(lab, page):
    card = page.locator(".jp-LauncherCard", has_text="New tuning notebook")
    card.first.click()
    field = page.locator(".jp-Dialog .wb-workload-input")
    assert field.input_value() == "matmul:M=512,N=512,K=512"
    field.fill("matmul:M=64,N=64,K=64")
    page.locator(".jp-Dialog button.jp-mod-accept").click()
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.locator(".jp-Cell", has_text="matmul:M=64,N=64,K=64").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "extension-new-notebook.png"))
    notebooks = sorted(lab["root"].glob("*.ipynb"))
    assert len(notebooks) == 1
    nb = json.loads(notebooks[0].read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert '"matmul:M=64,N=64,K=64"' in code
    assert "runs/matmul_M64_N64_K64" in code
    # Wait for its kernel, then close it and stop the kernel, so neither takes the focus or
    # the CPUs from the next tests.
    page.locator(
        ".jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status='idle']"
    ).wait_for()
    page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").first.click()
    # Starting the kernel changed the notebook's metadata: JupyterLab asks to save.
    save = page.locator(".jp-Dialog button", has_text=re.compile("^Save$"))
    save.or_(page.locator(".jp-Launcher:visible")).first.wait_for()
    if save.count():
        save.click()
    panel.wait_for(state="detached")
    _shutdown_kernels(lab)


def test_open_most_recent_run_shows_a_model_run_and_hostile_names_as_text(lab, page):
    # The model run's manifest is the newest file under the root.
    _run_command(page, "Open most recent tuning run")
    view = _visible_view(page)
    view.locator(".wb-task-table").wait_for()
    assert view.locator(".wb-title").text_content() == f"Model run: {HOSTILE_MODEL}"
    names = view.locator(".wb-task-table tbody tr td:first-child").all_text_contents()
    assert names == [HOSTILE_TASK, "matmul_32x32x64"]
    assert HOSTILE_ERROR in view.locator(".wb-failure-list pre").all_text_contents()
    assert view.locator("svg.wb-chart path.wb-best").count() == 2
    assert view.locator("svg.wb-chart .wb-legend").all_text_contents() == names
    page.screenshot(path=str(ARTIFACTS / "extension-model-run.png"), full_page=True)
    _assert_nothing_injected(page)


def test_run_view_from_file_browser_and_live_refresh(lab, page, tuned_run):
    _open_from_file_browser(page, ["runs", "mm64", "workbench.json"])
    view = _visible_view(page)
    chart = view.locator("svg.wb-chart")
    chart.wait_for()
    assert view.locator(".wb-title").text_content() == "Tuning run: matmul:M=64,N=64,K=64"
    assert chart.locator("circle.wb-point").count() == 16
    assert chart.locator("path.wb-best").count() == 1
    schedule = view.locator("pre.wb-tvmscript").text_content()
    assert schedule == (lab["root"] / "runs" / "mm64" / "best_schedule.py").read_text()
    assert "@I.ir_module" in schedule
    assert view.locator(".wb-round-table tbody tr").count() == 2
    config = view.locator(".wb-config-table").text_content()
    assert "population_size=64" in config and "xgboost" in config
    page.screenshot(path=str(ARTIFACTS / "extension-run-view.png"), full_page=True)

    # Another process tunes one more round into the directory while the view is open.
    renders = int(view.get_attribute("data-renders"))
    code = "import sys, workbench\nwith workbench.Session.open(sys.argv[1]) as s:\n    s.step()\n"
    subprocess.run(
        [sys.executable, "-c", code, str(lab["root"] / "runs" / "mm64")],
        check=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    from playwright.sync_api import expect

    expect(view.locator(".wb-round-table tbody tr")).to_have_count(3, timeout=TIMEOUT_MS)
    # a resumed search may drop a re-proposed candidate, so count what the log holds
    rounds = (lab["root"] / "runs" / "mm64" / "rounds.jsonl").read_text().splitlines()
    measured = sum(len(json.loads(line)["candidates"]) for line in rounds)
    assert 16 < measured <= 24
    expect(chart.locator("circle.wb-point")).to_have_count(measured)
    assert int(view.get_attribute("data-renders")) > renders
    # Polls that find nothing new do not re-render (after one more poll has seen the
    # writer's last files).
    page.wait_for_timeout(4000)
    settled = int(view.get_attribute("data-renders"))
    page.wait_for_timeout(7000)
    assert int(view.get_attribute("data-renders")) == settled
    page.screenshot(path=str(ARTIFACTS / "extension-run-view-live.png"), full_page=True)
    _assert_nothing_injected(page)
