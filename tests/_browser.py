"""What the browser tests share: Debian's Chromium, its flags, a free port, the skip rule."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_browser() -> None:
    """Skip without Chromium or Playwright, unless WORKBENCH_REQUIRE_BROWSER=1 (as
    scripts/test.sh sets after running scripts/install-browser.sh): then fail."""
    missing = [] if Path(CHROMIUM).exists() else [CHROMIUM]
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright")
    if missing:
        reason = f"missing {', '.join(missing)} (run scripts/install-browser.sh)"
        if os.environ.get("WORKBENCH_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
