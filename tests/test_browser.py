"""The dashboard in a real JupyterLab, driven by headless Chromium (Playwright for Python).

Starts JupyterLab on 127.0.0.1 (a free port, a token, a temporary root), opens
``tests/notebooks/dashboard_smoke.ipynb``, runs it, clicks Step, and checks that the
convergence plot gains points and the candidate table fills. Screenshots go to
``test-artifacts/browser/``. ``scripts/install-browser.sh`` installs Chromium and Playwright;
without them the test fails and says so.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ._browser import CHROMIUM, CHROMIUM_ARGS, free_port, require_browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "notebooks" / "dashboard_smoke.ipynb"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Bounded waits (milliseconds): generous for a loaded 2-core machine, short enough that the
# whole test stays around two minutes.
SERVER_START_S = 60
KERNEL_READY_MS = 60_000
DASHBOARD_MS = 90_000
ROUND_MS = 90_000

CONVERGENCE_POINTS = ".wb-fig-convergence .scatterlayer .trace .points path"
CANDIDATE_ROWS = ".wb-candidates table tbody tr"


@pytest.fixture(scope="module", params=["jupyterlab", "notebook"])
def lab(request, tmp_path_factory):
    """A JupyterLab 4 or Notebook 7 server on 127.0.0.1 with the smoke notebook in a temporary
    root."""
    app = request.param
    require_browser()
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["JUPYTER_CONFIG_DIR"] = str(base / "config")
    env["JUPYTER_RUNTIME_DIR"] = str(base / "runtime")
    env["IPYTHONDIR"] = str(base / "ipython")
    log_path = base / "lab.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            app,
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={root}",
            *(
                [
                    f"--LabApp.workspaces_dir={base / 'workspaces'}",
                    f"--LabApp.user_settings_dir={base / 'settings'}",
                    "--LabApp.expose_app_in_browser=True",
                    "--LabApp.news_url=None",
                ]
                if app == "jupyterlab"
                else ["--JupyterNotebookApp.expose_app_in_browser=True"]
            ),
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.5)
        yield {"url": url, "token": token, "log": log_path, "app": app}
    finally:
        _stop_group(proc)
        log.close()


def _stop_group(proc: subprocess.Popen) -> None:
    """End the server and the kernels it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _count(page, selector: str) -> int:
    return page.locator(selector).count()


def test_dashboard_step_in_the_browser(lab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1500, "height": 1200})
        try:
            path = "lab/tree" if lab["app"] == "jupyterlab" else "notebooks"
            page.goto(
                f"{lab['url']}/{path}/{NOTEBOOK.name}?token={lab['token']}",
                timeout=KERNEL_READY_MS,
            )
            page.wait_for_selector(".jp-NotebookPanel", timeout=KERNEL_READY_MS)
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                timeout=KERNEL_READY_MS,
            )
            page.evaluate(
                "async () => { const w = window.jupyterapp.shell.currentWidget;"
                " await w.sessionContext.ready;"
                " await window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
            )
            step = page.locator(".wb-step")
            step.wait_for(state="visible", timeout=DASHBOARD_MS)
            page.locator(".wb-fig-convergence").first.wait_for(timeout=DASHBOARD_MS)
            page.wait_for_selector(".wb-status", timeout=DASHBOARD_MS)
            before = _count(page, CONVERGENCE_POINTS)
            assert "round 0" in page.locator(".wb-status").inner_text()
            page.screenshot(path=str(ARTIFACTS / f"{lab['app']}-01-dashboard.png"), full_page=True)

            step.click()
            page.wait_for_function(
                f"n => document.querySelectorAll({CONVERGENCE_POINTS!r}).length > n",
                arg=before,
                timeout=ROUND_MS,
            )
            page.wait_for_function(
                f"() => document.querySelectorAll({CANDIDATE_ROWS!r}).length > 0",
                timeout=ROUND_MS,
            )
            page.wait_for_function(
                "() => { const t = document.querySelector('.wb-status').innerText;"
                " return t.includes('round 1') && t.includes('idle'); }",
                timeout=ROUND_MS,
            )
            after = _count(page, CONVERGENCE_POINTS)
            rows = _count(page, CANDIDATE_ROWS)
            page.screenshot(path=str(ARTIFACTS / f"{lab['app']}-02-after-step.png"), full_page=True)
            assert after > before
            assert rows == 8  # one round of the tiny session: 8 measured candidates
            # the empty figure's note and hidden axes are gone once there is data
            conv = page.locator(".wb-fig-convergence").first
            assert "no data yet" not in conv.inner_text()
            titles = [t.text_content() for t in conv.locator(".g-xtitle, .g-x2title").all()]
            assert titles == ["trials", "tuning seconds"]
            assert conv.locator(".xtick").count() > 0

            # the sketch browser renders the loop nest of a sketch
            page.get_by_role("tab", name="Sketches").click()
            nest = page.locator(".wb-sketch-view .wb-loop-nest").first
            nest.wait_for(state="visible", timeout=ROUND_MS)
            assert "tiling SSRSRS" in nest.inner_text()
            page.screenshot(path=str(ARTIFACTS / f"{lab['app']}-03-sketches.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / f"{lab['app']}-failure.png"), full_page=True)
            print(lab["log"].read_text()[-4000:])
            raise
        finally:
            browser.close()
