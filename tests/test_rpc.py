"""Measuring through a real TVM RPC tracker and two real RPC servers on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import FAST, TINY
from workbench import Session
from workbench.errors import WorkbenchError
from workbench.measure import MeasureSettings, check_tracker, parse_tracker

KEY = "workbench-test"
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Pool:
    """A tracker and RPC servers, each a process group of its own (killed as a whole)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.port = _free_port()
        self.procs: list[subprocess.Popen] = []
        self.servers: list[subprocess.Popen] = []

    @property
    def tracker(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def start(self, servers: int) -> None:
        self._start(
            "tracker",
            "tvm.exec.rpc_tracker",
            *("--host", "127.0.0.1", "--port", str(self.port), "--port-end", str(self.port + 1)),
        )
        for i in range(servers):
            port = _free_port()
            self.servers.append(
                self._start(
                    f"server{i}",
                    "tvm.exec.rpc_server",
                    *("--tracker", self.tracker, "--key", KEY, "--host", "127.0.0.1"),
                    *("--port", str(port), "--port-end", str(port + 1)),
                )
            )
        settings = MeasureSettings(runner="rpc", tracker=self.tracker, key=KEY)
        deadline = time.monotonic() + 120
        while True:
            try:
                if check_tracker(settings, timeout=5).servers == servers:
                    return
            except WorkbenchError:
                pass
            if time.monotonic() > deadline:
                logs = {p.name: p.read_text()[-800:] for p in self.log_dir.glob("*.log")}
                raise RuntimeError(f"RPC pool did not come up: {logs}")
            time.sleep(0.3)

    def kill(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def group(self, proc: subprocess.Popen) -> list[int]:
        """Process ids in the process group of ``proc`` (a server and its session workers)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == proc.pid and fields[0] != "Z":
                pids.append(int(entry))
        return pids

    def close(self) -> None:
        for proc in reversed(self.procs):
            try:
                self.kill(proc)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


@pytest.fixture
def pool(tmp_path):
    p = Pool(tmp_path)
    try:
        p.start(servers=2)
        yield p
    finally:
        p.close()


@pytest.fixture(scope="module")
def shared_pool(tmp_path_factory):
    """A pool the tests below leave intact (the kill test has its own)."""
    p = Pool(tmp_path_factory.mktemp("pool"))
    try:
        p.start(servers=2)
        yield p
    finally:
        p.close()


def test_tune_through_two_servers_and_lose_one(pool, tmp_path):
    """Tune via the tracker; kill a server in the middle of a measurement; the run goes on."""
    killer = pool.servers[0]
    baseline = len(pool.group(killer))  # the idle server: its main process and worker
    killed = threading.Event()

    def kill_at_next_session() -> None:
        # A server forks one process per RPC session: kill the server (its whole process
        # group) as soon as it starts serving a candidate, so that measurement is cut off.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(pool.group(killer)) > baseline:
                pool.kill(killer)
                killed.set()
                return
            time.sleep(0.005)

    snapshot = {}

    def after_round(rnd) -> None:
        if rnd.round == 0:
            snapshot["history"] = s.history.copy()
            snapshot["records"] = len(s.database.get_all_tuning_records())
            threading.Thread(target=kill_at_next_session, daemon=True).start()

    # The random model keeps rounds short: this test is about measuring, not ranking.
    settings = {**FAST, "trials_per_round": 3, "cost_model": "random"}
    # Long enough timings (>= 300 ms each) that the kill lands inside a measurement.
    settings["measure"] = {"min_repeat_ms": 300, "session_timeout": 30}
    s = Session(
        TINY, work_dir=tmp_path / "run", runner="rpc", tracker=pool.tracker, key=KEY, **settings
    )
    try:
        status = s.check_runner()
        assert status.servers == 2 and status.free == 2 and status.key == KEY
        rounds = s.run(9, callbacks=[after_round])
    finally:
        s.close()

    assert killed.is_set(), "the server never served a candidate after round 0"
    assert [r.round for r in rounds] == [0, 1, 2]
    assert s.trials == 9
    # Round 0 ran on both servers with no error.
    assert rounds[0].errors == 0
    # The candidate cut off by the kill is an error with RPC's message; the others of that
    # round and every candidate after it ran on the surviving server.
    cut = [c for c in rounds[1].candidates if c["error"]]
    assert len(cut) >= 1
    assert all("RPCRunner" in c["error"] for c in cut)
    assert rounds[1].measured - rounds[1].errors >= 1
    assert rounds[2].errors == 0 and rounds[2].measured == 3
    # Nothing recorded before the kill is lost or changed.
    history = s.history
    before = snapshot["history"]
    assert len(history) == 9
    cols = ["trial", "candidate", "sketch", "decisions", "predicted", "latency_us"]
    assert history.head(len(before))[cols].equals(before[cols])
    assert history.head(len(before))["error"].isna().all() and before["error"].isna().all()
    assert snapshot["records"] == 3
    assert len(s.database.get_all_tuning_records()) == 9
    assert s.best is not None and s.best.gflops > 0

    # The RPC settings live in the run directory: reopening resumes through the same pool.
    with Session.open(tmp_path / "run") as again:
        assert again.measure.runner == "rpc" and again.measure.key == KEY
        assert again.trials == 9
        more = again.run(2)
        assert again.trials == 11 and more[0].errors == 0
        assert again.check_runner().servers == 1


def test_wrong_key_is_a_clear_error(shared_pool):
    s = Session(TINY, runner="rpc", tracker=shared_pool.tracker, key="no-such-device", **FAST)
    try:
        with pytest.raises(WorkbenchError) as info:
            s.run(8)
        msg = str(info.value)
        assert "no server with key 'no-such-device'" in msg
        assert f"{KEY} (2)" in msg and "tvm.exec.rpc_server" in msg
        assert s.trials == 0
    finally:
        s.close()


def test_rocm_kernels_travel_through_rpc(shared_pool):
    """A ROCm run builds AMDGPU kernels here and uploads them; these CPU-only servers have no
    ROCm runtime (no GPU on these machines), so each refuses its kernel: recorded as an error
    with the server's reason."""
    with Session(
        TINY,
        target="rocm:gfx90a",
        runner="rpc",
        tracker=shared_pool.tracker,
        key=KEY,
        cost_model="random",
        **{**FAST, "trials_per_round": 2},
    ) as s:
        rounds = s.run(2)
    assert [r.measured for r in rounds] == [2]
    errors = [c["error"] for r in rounds for c in r.candidates]
    assert all("created using {hip}" in e and "RPCError" in e for e in errors)
    assert s.best is None and s.trials == 2


def test_unreachable_tracker_is_a_clear_error(tmp_path):
    port = _free_port()  # nothing listens there
    s = Session(TINY, runner="rpc", tracker=f"127.0.0.1:{port}", key=KEY, **FAST)
    try:
        with pytest.raises(WorkbenchError) as info:
            s.step()
        assert f"cannot reach the RPC tracker at 127.0.0.1:{port}" in str(info.value)
        assert "tvm.exec.rpc_tracker" in str(info.value)
        assert s.trials == 0 and not s.rounds
    finally:
        s.close()


@pytest.mark.parametrize(
    "kwargs,words",
    [
        (
            {"runner": "rpc", "tracker": "localhost", "key": KEY},
            ["malformed RPC tracker", "HOST:PORT"],
        ),
        ({"runner": "rpc", "tracker": "host:99999", "key": KEY}, ["malformed RPC tracker"]),
        ({"runner": "rpc", "tracker": "127.0.0.1:9190"}, ["needs the device key"]),
        ({"runner": "rpc", "key": "  "}, ["needs the device key"]),
        ({"runner": "remote"}, ["unknown runner 'remote'", "local, none, rpc"]),
    ],
)
def test_bad_rpc_settings(kwargs, words):
    with pytest.raises(WorkbenchError) as info:
        Session(TINY, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_rpc_defaults_to_loopback():
    settings = MeasureSettings(runner="rpc", key="k")
    assert parse_tracker(settings.tracker) == ("127.0.0.1", 9190)
    assert settings.to_dict()["key"] == "k" and settings.to_dict()["runner"] == "rpc"


def test_cli_rpc_errors(capsys, tmp_path):
    from workbench.cli import main

    port = _free_port()
    run = tmp_path / "run"
    code = main(
        ["tune", TINY, "--trials", "8", "--runner", "rpc", "--tracker", f"127.0.0.1:{port}",
         "--key", KEY, "--work-dir", str(run)]
    )  # fmt: skip
    assert code == 2
    assert "cannot reach the RPC tracker" in capsys.readouterr().err
    assert not run.exists()  # checked before anything was written
    code = main(["tune", TINY, "--trials", "8", "--runner", "rpc", "--tracker", "nohost"])
    assert code == 2
    assert "malformed RPC tracker address 'nohost'" in capsys.readouterr().err
