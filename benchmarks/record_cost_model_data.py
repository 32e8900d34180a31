"""Record a small cost-model dataset from a real tuning run (features + measured costs).

Tunes a workload with the ``random`` model (so the measured candidates are not biased towards
any learned model), then replays every record on the workload and stores MetaSchedule's
per-store features with the measured cost in a compact ``.npz``:

- ``features``: float32, (total stores, 164), all candidates' stores stacked;
- ``offsets``: int64, (candidates + 1,), candidate ``i`` owns rows ``offsets[i]:offsets[i+1]``;
- ``costs``: float64, (candidates,), median seconds (1e10 for a failed candidate);
- ``workload``, ``flops``: the workload spec and its FLOP count.

The test data set ``tests/data/cost_model_matmul128.npz`` was made with::

    python benchmarks/record_cost_model_data.py --workload matmul:M=128,N=128,K=128 \\
        --trials 128 --seed 0 --out tests/data/cost_model_matmul128.npz
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def record(workload: str, trials: int, seed: int, out: Path, work_dir: str | None = None) -> None:
    import numpy as np

    import workbench as wb
    from workbench.cost_models.data import extract_features, load_run_records, mean_cost

    work = Path(work_dir or tempfile.mkdtemp(prefix="wb-record-"))
    with wb.Session(
        workload,
        cost_model="random",
        work_dir=work,
        seed=seed,
        trials_per_round=32,
        measure={"min_repeat_ms": 20},
    ) as s:
        if s.trials < trials:
            s.run(trials - s.trials)
        flops = s.task.flops
    (recs,) = load_run_records(work)
    feats = extract_features(recs.context, recs.candidates)
    costs = np.array([mean_cost(r) for r in recs.results], dtype=np.float64)
    offsets = np.concatenate([[0], np.cumsum([len(f) for f in feats])]).astype(np.int64)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        features=np.concatenate(feats, axis=0).astype(np.float32),
        offsets=offsets,
        costs=costs,
        workload=np.array(workload),
        flops=np.array(float(flops)),
    )
    ok = costs < 1e9
    print(
        f"{out}: {len(costs)} candidates ({ok.sum()} ok), {offsets[-1]} stores, "
        f"{out.stat().st_size / 1024:.0f} KiB"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--workload", default="matmul:M=128,N=128,K=128")
    p.add_argument("--trials", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("tests/data/cost_model_matmul128.npz"))
    p.add_argument("--work-dir", default=None, help="keep the run here (resumed if present)")
    a = p.parse_args()
    record(a.workload, a.trials, a.seed, a.out, a.work_dir)


if __name__ == "__main__":
    main()
