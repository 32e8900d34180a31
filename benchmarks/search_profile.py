"""Where a round's search time goes with a per-store-feature cost model.

Tunes one workload for a few rounds with one of the workbench's own cost models and reports,
per round, the search seconds and the part of them the cost model spent in ``predict``:
MetaSchedule's ``PerStoreFeature`` extraction of candidates not seen before (their count, and
milliseconds each), the structural hashing that keys the feature cache, and the booster's
prediction. Then it times the extraction of the same candidates on 1 and on 2 threads::

    python benchmarks/search_profile.py \\
        --workload conv2d:N=1,C=64,H=56,W=56,K=64,R=3,S=3,stride=1,pad=1 --model lightgbm

Measured on the 2-core machine, see ``BENCHMARKS.md`` ("Where a trained model's search time
goes"). Nothing else should run on the machine meanwhile.
"""

from __future__ import annotations

import argparse
import tempfile
import time


def profile(workload: str, model: str, rounds: int, seed: int, per_round: int):
    """Per-round rows, and :func:`_extraction_threads` after the last round."""
    import tvm_ffi

    import workbench as wb
    from workbench.cost_models import base

    spent = {}
    wrapped = []

    def timed(owner, name, key):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - t

        setattr(owner, name, wrapper)
        wrapped.append((owner, name, original))

    timed(base, "extract_features", "extract_s")
    timed(tvm_ffi, "structural_hash", "hash_s")
    timed(base.FeatureModel, "predict_features", "booster_s")
    rows = []
    try:
        with wb.Session(
            workload,
            cost_model=model,
            work_dir=tempfile.mkdtemp(prefix="wb-profile-"),
            seed=seed,
            trials_per_round=per_round,
            measure={"min_repeat_ms": 40},
        ) as s:
            inst = s._cost_model
            for _ in range(rounds):
                spent.clear()
                misses = inst.cache_misses
                s.step()
                rec = s.round_table().iloc[-1]
                new = inst.cache_misses - misses
                rows.append(
                    {
                        "round": int(rec["round"]),
                        "search_s": float(rec["search_s"]),
                        "round_s": float(rec["total_s"]),
                        # the search's calls, and scoring the measured batch
                        "predict_s": float(rec["model_search_predict_s"] + rec["model_predict_s"]),
                        "extract_s": spent.get("extract_s", 0.0),
                        "extracted": new,
                        "ms_per_extracted": 1e3 * spent.get("extract_s", 0.0) / max(new, 1),
                        "hash_s": spent.get("hash_s", 0.0),
                        "booster_s": spent.get("booster_s", 0.0),
                    }
                )
                print(rows[-1], flush=True)
            threads = _extraction_threads(s)
    finally:
        for owner, name, original in reversed(wrapped):
            setattr(owner, name, original)
    return rows, threads


def _extraction_threads(session, count: int = 400) -> dict[int, float]:
    """Milliseconds per candidate of ``PerStoreFeature`` on 1 and 2 threads, over the session's
    measured candidates replayed (as the model's pretraining replays them)."""
    from tvm.s_tir.meta_schedule import TuneContext
    from tvm.s_tir.meta_schedule.feature_extractor import PerStoreFeature

    ctx = session._model_ctx
    candidates, _ = session._measured_candidates()
    candidates = (candidates * (count // max(len(candidates), 1) + 1))[:count]
    out = {}
    for threads in (1, 2):
        clone = TuneContext(ctx.mod, target=ctx.target, num_threads=threads)
        t = time.perf_counter()
        PerStoreFeature().extract_from(clone, candidates)
        out[threads] = 1e3 * (time.perf_counter() - t) / len(candidates)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workload", default="conv2d:N=1,C=64,H=56,W=56,K=64,R=3,S=3,stride=1,pad=1")
    p.add_argument("--model", default="lightgbm", help="lightgbm or fi-reduced")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--per-round", type=int, default=32)
    args = p.parse_args(argv)
    import sys
    from pathlib import Path

    import pandas as pd

    sys.path.insert(0, str(Path(__file__).parent))
    from cost_models import _markdown

    rows, threads = profile(args.workload, args.model, args.rounds, args.seed, args.per_round)
    print(_markdown(pd.DataFrame(rows).round(3)))
    print()
    print(
        "PerStoreFeature, ms per candidate: "
        + ", ".join(f"{n} thread(s) {ms:.2f}" for n, ms in threads.items())
    )


if __name__ == "__main__":
    main()
