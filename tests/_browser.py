"""What the browser tests share: Debian's Chromium, its flags, a free port, require_browser."""

from __future__ import annotations

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
    """Fail without Chromium or Playwright (``scripts/install-browser.sh`` installs both, and
    ``scripts/test.sh`` runs it)."""
    missing = [] if Path(CHROMIUM).exists() else [CHROMIUM]
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright")
    if missing:
        reason = f"missing {', '.join(missing)} (run scripts/install-browser.sh)"
        pytest.fail(reason)
