"""Building candidates, and running them on this machine or on devices behind a TVM RPC tracker.

MetaSchedule's ``LocalBuilder`` starts a fresh process pool for every batch, and its default
build function imports ``tvm.s_tir.tensor_intrin`` in each new worker, which takes about 12 s
on this project's 2-core machines: a fixed 12 s on every round. :class:`PersistentBuilder`
keeps its worker processes between rounds (recycling them every ``recycle_every`` batches, the
reason upstream restarts them) and builds without importing the tensor intrinsics: a candidate
is already tensorized, if at all, when it reaches the builder, so nothing there needs them.

Runners (``MeasureSettings.runner``): ``"local"`` times candidates here (MetaSchedule's
``LocalRunner``); ``"rpc"`` sends them to servers registered with a TVM RPC tracker under a key
(MetaSchedule's ``RPCRunner``), which is how kernels for a ROCm or CUDA device are measured from
a host without one; ``"none"`` measures nothing (predict-only sessions, see ``Session.preview``).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from dataclasses import dataclass
from typing import Any

from .errors import WorkbenchError, unknown_choice

__all__ = [
    "PersistentBuilder",
    "MeasureSettings",
    "RUNNERS",
    "TrackerStatus",
    "check_tracker",
    "parse_tracker",
    "make_builder",
    "make_runner",
    "remove_artifact",
]

#: Where candidates are timed: here, on RPC servers behind a tracker, or nowhere.
RUNNERS = ("local", "rpc", "none")

#: The tracker address used when none is given (loopback: nothing is exposed by default).
DEFAULT_TRACKER = "127.0.0.1:9190"


def build_candidate(mod: Any, target: Any, _params: Any) -> Any:
    """Compile one scheduled ``IRModule`` (runs in a builder worker)."""
    from tvm.driver import build as tvm_build
    from tvm.s_tir.transform import RemoveWeightLayoutRewriteBlock

    mod = RemoveWeightLayoutRewriteBlock(skip_tensor_rewrite=True)(mod)
    return tvm_build(mod, target=target)


class PersistentBuilder:
    """A local builder whose worker pool survives between rounds.

    Parameters
    ----------
    max_workers : int
        Parallel build processes.
    timeout_sec : float
        A build taking longer is killed and recorded as an error.
    recycle_every : int
        Restart the pool after this many batches (bounds the workers' memory growth).
    """

    def __init__(self, max_workers: int = 1, timeout_sec: float = 30.0, recycle_every: int = 20):
        self.max_workers = max(1, int(max_workers))
        self.timeout_sec = float(timeout_sec)
        self.recycle_every = recycle_every
        self._pool = None
        self._batches = 0

    def _get_pool(self):
        from tvm.support.popen_pool import PopenPoolExecutor

        if self._pool is not None and self._batches >= self.recycle_every:
            self.close()
        if self._pool is None:
            self._pool = PopenPoolExecutor(max_workers=self.max_workers, timeout=self.timeout_sec)
            self._batches = 0
        self._batches += 1
        return self._pool

    def build(self, build_inputs: list[Any]) -> list[Any]:
        """Build a batch of ``BuilderInput``; returns one ``BuilderResult`` each."""
        from tvm.s_tir.meta_schedule.builder import BuilderResult
        from tvm.s_tir.meta_schedule.builder.local_builder import _worker_func
        from tvm.support.popen_pool import StatusKind

        pool = self._get_pool()
        args = [
            (build_candidate, "s_tir.meta_schedule.builder.default_export", x.mod, x.target, None)
            for x in build_inputs
        ]
        results = []
        for res in pool.map_with_error_catching(lambda a: _worker_func(*a), args):
            if res.status == StatusKind.COMPLETE:
                results.append(BuilderResult(res.value, None))
            elif res.status == StatusKind.TIMEOUT:
                results.append(
                    BuilderResult(None, f"build timed out: killed after {self.timeout_sec:g} s")
                )
            else:
                results.append(BuilderResult(None, f"build failed: {res.value}"))
        return results

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __del__(self):  # pragma: no cover - best effort at interpreter exit
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass


@dataclass(frozen=True)
class MeasureSettings:
    """How candidates are built and timed.

    ``number``, ``repeat`` and ``min_repeat_ms`` are TVM's ``time_evaluator`` settings
    (MetaSchedule's defaults: 3, 1, 100).

    Attributes
    ----------
    runner : str
        ``"local"`` (this machine), ``"rpc"`` (servers behind a TVM RPC tracker) or ``"none"``
        (measure nothing: a predict-only session).
    tracker : str
        ``HOST:PORT`` of the RPC tracker (``runner="rpc"``); loopback by default.
    key : str, optional
        The device key the RPC servers registered with (``--key`` of ``tvm.exec.rpc_server``);
        required with ``runner="rpc"``.
    priority : int
        Priority of this session's requests at the tracker (higher is served first).
    session_timeout : int
        Seconds one RPC measurement (connect, upload, load, time) may take; a server that
        does not answer in time is given up and the candidate recorded as an error.
    rpc_workers : int, optional
        Candidates measured at the same time over RPC; default: the servers free at the start.
    """

    builder: str = "local"  # "local" (persistent pool) or "upstream" (MetaSchedule's LocalBuilder)
    build_workers: int | None = None
    build_timeout: float = 30.0
    run_timeout: float = 30.0
    number: int = 3
    repeat: int = 1
    min_repeat_ms: int = 100
    cpu_cache_flush: bool = False
    runner: str = "local"
    tracker: str = DEFAULT_TRACKER
    key: str | None = None
    priority: int = 1
    session_timeout: int = 60
    rpc_workers: int | None = None

    def __post_init__(self) -> None:
        if self.builder not in ("local", "upstream"):
            raise unknown_choice("builder", self.builder, ["local", "upstream"])
        if self.runner not in RUNNERS:
            raise unknown_choice("runner", self.runner, RUNNERS)
        for name in ("number", "repeat", "session_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise WorkbenchError(
                    f"measure setting {name} must be an integer >= 1, got {value!r}"
                )
        if isinstance(self.priority, bool) or not isinstance(self.priority, int):
            raise WorkbenchError(
                f"measure setting priority must be an integer, got {self.priority!r}"
            )
        if self.rpc_workers is not None and (
            isinstance(self.rpc_workers, bool)
            or not isinstance(self.rpc_workers, int)
            or self.rpc_workers < 1
        ):
            raise WorkbenchError(f"rpc_workers must be an integer >= 1, got {self.rpc_workers!r}")
        if self.runner == "rpc":
            parse_tracker(self.tracker)
            if not isinstance(self.key, str) or not self.key.strip():
                raise WorkbenchError(
                    "runner='rpc' needs the device key its RPC servers registered with "
                    "(key='...', CLI --key; the --key of `python -m tvm.exec.rpc_server`)"
                )

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def describe(self) -> str:
        """One line: where candidates are measured."""
        if self.runner == "rpc":
            return f"RPC servers with key {self.key!r} behind the tracker at {self.tracker}"
        if self.runner == "none":
            return "nowhere (predict-only)"
        return "this machine"


def parse_tracker(address: Any) -> tuple[str, int]:
    """Split a ``HOST:PORT`` tracker address.

    Raises
    ------
    WorkbenchError
        When the address is not ``HOST:PORT`` with a port in 1..65535.
    """
    text = str(address).strip() if address is not None else ""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise WorkbenchError(
            f"malformed RPC tracker address {address!r}; expected HOST:PORT such as "
            f"{DEFAULT_TRACKER!r} (the --host/--port of `python -m tvm.exec.rpc_tracker`)"
        )
    return host.strip("[]"), int(port)


@dataclass(frozen=True)
class TrackerStatus:
    """What the tracker reported for a key: servers registered, free now, requests waiting."""

    tracker: str
    key: str
    servers: int
    free: int
    pending: int
    keys: dict[str, int]

    def __str__(self) -> str:
        return (
            f"{self.servers} RPC server(s) with key {self.key!r} at {self.tracker} "
            f"({self.free} free, {self.pending} request(s) waiting)"
        )


def check_tracker(settings: MeasureSettings, timeout: float = 10.0) -> TrackerStatus:
    """Ask the RPC tracker how many servers carry ``settings.key``, before any tuning.

    Parameters
    ----------
    settings : MeasureSettings
        With ``runner="rpc"``, ``tracker`` and ``key``.
    timeout : float
        Seconds to wait for the tracker's answer.

    Raises
    ------
    WorkbenchError
        When the tracker cannot be reached, does not answer, or has no server with the key
        (the message lists the keys it does have).
    """
    host, port = parse_tracker(settings.tracker)
    start_tracker = f"python -m tvm.exec.rpc_tracker --host {host} --port {port}"
    start_server = (
        f"python -m tvm.exec.rpc_server --tracker {host}:{port} --key {settings.key} "
        "--host 127.0.0.1"
    )
    try:  # a quick reachability test: TVM's own client retries for a minute
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as err:
        raise WorkbenchError(
            f"cannot reach the RPC tracker at {host}:{port} ({err.strerror or err}); "
            f"start one with `{start_tracker}` or pass the right --tracker HOST:PORT"
        ) from None
    summary: dict[str, Any] = {}
    failure: list[BaseException] = []

    def query() -> None:
        try:
            from tvm import rpc

            summary.update(rpc.connect_tracker(host, port).summary())
        except Exception as err:  # noqa: BLE001 - reported below
            failure.append(err)

    thread = threading.Thread(target=query, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive() or failure or "server_info" not in summary:
        why = f": {failure[0]}" if failure else f" within {timeout:g} s"
        raise WorkbenchError(
            f"{host}:{port} does not answer as a TVM RPC tracker{why}; is `{start_tracker}` "
            "running there?"
        )
    keys: dict[str, int] = {}
    for item in summary["server_info"]:
        server_key = str(item.get("key", "")).split(":", 1)[-1]
        keys[server_key] = keys.get(server_key, 0) + 1
    queue = summary.get("queue_info", {}).get(settings.key, {})
    status = TrackerStatus(
        tracker=f"{host}:{port}",
        key=str(settings.key),
        servers=keys.get(str(settings.key), 0),
        free=int(queue.get("free", 0)),
        pending=int(queue.get("pending", 0)),
        keys=keys,
    )
    if status.servers == 0:
        have = ", ".join(f"{k} ({n})" for k, n in sorted(keys.items())) or "none"
        raise WorkbenchError(
            f"the RPC tracker at {host}:{port} has no server with key {settings.key!r} "
            f"(keys registered there: {have}); start one on the device with `{start_server}`"
        )
    return status


def make_builder(settings: MeasureSettings, num_cores: int) -> Any:
    """The builder named by ``settings.builder``."""
    workers = settings.build_workers or num_cores
    if settings.builder == "upstream":
        from tvm.s_tir.meta_schedule.builder import LocalBuilder

        return LocalBuilder(max_workers=workers, timeout_sec=settings.build_timeout)
    return PersistentBuilder(max_workers=workers, timeout_sec=settings.build_timeout)


def _evaluator_config(settings: MeasureSettings) -> Any:
    from tvm.s_tir.meta_schedule.runner import EvaluatorConfig

    return EvaluatorConfig(
        number=settings.number,
        repeat=settings.repeat,
        min_repeat_ms=settings.min_repeat_ms,
        enable_cpu_cache_flush=settings.cpu_cache_flush,
    )


def make_runner(settings: MeasureSettings, workers: int | None = None) -> Any:
    """The runner named by ``settings.runner`` (``None`` for ``"none"``).

    ``"local"`` is MetaSchedule's ``LocalRunner``; ``"rpc"`` its ``RPCRunner`` over the tracker,
    with ``workers`` (default ``settings.rpc_workers`` or 1) measurements at a time. Call
    :func:`check_tracker` first for a clear error when the tracker or the key is missing.
    """
    if settings.runner == "none":
        return None
    if settings.runner == "rpc":
        return _make_rpc_runner(settings, workers or settings.rpc_workers or 1)
    from tvm.s_tir.meta_schedule.runner import LocalRunner

    return LocalRunner(
        timeout_sec=settings.run_timeout, evaluator_config=_evaluator_config(settings)
    )


def _make_rpc_runner(settings: MeasureSettings, workers: int) -> Any:
    from tvm.s_tir.meta_schedule.runner import RPCConfig, RPCRunner
    from tvm.support.popen_pool import PopenPoolExecutor

    host, port = parse_tracker(settings.tracker)
    runner = RPCRunner(
        rpc_config=RPCConfig(
            tracker_host=host,
            tracker_port=port,
            tracker_key=settings.key,
            session_priority=settings.priority,
            session_timeout_sec=settings.session_timeout,
        ),
        evaluator_config=_evaluator_config(settings),
        max_workers=workers,
    )
    # RPCRunner's worker pool has no timeout: a request waits at the tracker for as long as no
    # server with the key is free (forever once every server is gone), and a server that hangs
    # holds its candidate forever. Bound each measurement by the session timeout instead; the
    # runner reports a killed worker as "RPCRunner: Timeout, killed after N seconds".
    inner = runner._inst  # the Python object behind MetaSchedule's derived_object wrapper
    inner.pool.shutdown()
    inner.pool = PopenPoolExecutor(max_workers=workers, timeout=settings.session_timeout)
    return runner


def remove_artifact(path: str | None) -> None:
    """Delete a built artifact and its temporary folder."""
    if path and os.path.exists(path):
        folder = os.path.dirname(path)
        if os.path.basename(folder).startswith("tmp"):
            shutil.rmtree(folder, ignore_errors=True)
        else:
            os.remove(path)
