"""Building and running candidates on the local machine.

MetaSchedule's ``LocalBuilder`` starts a fresh process pool for every batch, and its default
build function imports ``tvm.s_tir.tensor_intrin`` in each new worker, which takes about 12 s
on this project's 2-core machines: a fixed 12 s on every round. :class:`PersistentBuilder`
keeps its worker processes between rounds (recycling them every ``recycle_every`` batches, the
reason upstream restarts them) and builds without importing the tensor intrinsics: a candidate
is already tensorized, if at all, when it reaches the builder, so nothing there needs them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import Any

__all__ = ["PersistentBuilder", "MeasureSettings", "make_builder", "make_runner", "remove_artifact"]


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
    """

    builder: str = "local"  # "local" (persistent pool) or "upstream" (MetaSchedule's LocalBuilder)
    build_workers: int | None = None
    build_timeout: float = 30.0
    run_timeout: float = 30.0
    number: int = 3
    repeat: int = 1
    min_repeat_ms: int = 100
    cpu_cache_flush: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def make_builder(settings: MeasureSettings, num_cores: int) -> Any:
    """The builder named by ``settings.builder``."""
    workers = settings.build_workers or num_cores
    if settings.builder == "upstream":
        from tvm.s_tir.meta_schedule.builder import LocalBuilder

        return LocalBuilder(max_workers=workers, timeout_sec=settings.build_timeout)
    return PersistentBuilder(max_workers=workers, timeout_sec=settings.build_timeout)


def make_runner(settings: MeasureSettings) -> Any:
    """MetaSchedule's ``LocalRunner`` with the evaluator settings."""
    from tvm.s_tir.meta_schedule.runner import EvaluatorConfig, LocalRunner

    config = EvaluatorConfig(
        number=settings.number,
        repeat=settings.repeat,
        min_repeat_ms=settings.min_repeat_ms,
        enable_cpu_cache_flush=settings.cpu_cache_flush,
    )
    return LocalRunner(timeout_sec=settings.run_timeout, evaluator_config=config)


def remove_artifact(path: str | None) -> None:
    """Delete a built artifact and its temporary folder."""
    if path and os.path.exists(path):
        folder = os.path.dirname(path)
        if os.path.basename(folder).startswith("tmp"):
            shutil.rmtree(folder, ignore_errors=True)
        else:
            os.remove(path)
