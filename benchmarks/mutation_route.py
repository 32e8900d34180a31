"""Does routing mutation through the workbench's Python mutator change what the search finds?

``mutation_policy="learned"`` replaces MetaSchedule's native mutator sampling with one Python
``PyMutator`` that picks a native mutator per parent and applies it (``make_chooser``). This
script checks the route itself, with no learning: after ``--rounds`` rounds of a
``lightgbm`` session (2 genetic iterations, the ``lightgbm-lean`` setting), it evolves the same
initial population once with MetaSchedule's native mutators and once through the Python route
with MetaSchedule's own probabilities, for each of ``--repeats`` search seeds, alternating. It
reports the cost model's mean score of each search's top 8, and measures each search's 32 best
picks (median and best GFLOPS): the two routes should not differ beyond noise::

    python benchmarks/mutation_route.py --workload matmul:M=512,N=512,K=512 --repeats 5

Everything is measured in one process, side by side.
"""

from __future__ import annotations

import argparse
import statistics


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="matmul:M=512,N=512,K=512")
    p.add_argument("--seed", type=int, default=0, help="the session's seed")
    p.add_argument("--rounds", type=int, default=1, help="rounds tuned before the comparison")
    p.add_argument("--repeats", type=int, default=5, help="search seeds per route")
    p.add_argument("--picks", type=int, default=32, help="best picks measured per search")
    args = p.parse_args()

    import numpy as np
    import tvm.s_tir.meta_schedule as ms
    from tvm.s_tir.meta_schedule import _ffi_api

    import workbench as wb
    from workbench.policies.mutation import LearnedMutationPolicy

    s = wb.Session(
        args.workload,
        cost_model="lightgbm",
        search={"genetic_num_iters": 2},
        seed=args.seed,
        trials_per_round=32,
    )
    for _ in range(args.rounds):
        s.step()
    s.check_runner()

    def start(ctx) -> None:
        # one search over the session's sketches, database and cost model
        ctx.pre_tuning(
            max_trials=1 << 30,
            num_trials_per_iter=args.picks,
            design_spaces=list(s._design_spaces),
            database=s._database,
            cost_model=s._cost_model,
        )

    def search(route: str, rand_state: int, population: list) -> list:
        # the session's own context builder, with the route and the search seed swapped in
        s._mutation_policy_name = "default" if route == "native" else "learned"
        if route == "python":
            # never observes anything: its probabilities stay MetaSchedule's
            s._mutation_policy = LearnedMutationPolicy(s._mutator_defaults, seed=rand_state)
        seed, s.seed, s._restarts = s.seed, rand_state, 0
        try:
            ctx = s._make_context()
        finally:
            s.seed = seed
        start(ctx)
        try:
            return list(
                _ffi_api.SearchStrategyEvolutionarySearchEvolveWithCostModel(
                    ctx.search_strategy, population, args.picks
                )
            )
        finally:
            ctx.post_tuning()
            s._mutation_log.clear()
            s._mutation_policy_name = "default"

    ctx = s._make_context()
    start(ctx)
    population = list(
        _ffi_api.SearchStrategyEvolutionarySearchSampleInitPopulation(ctx.search_strategy, 512)
    )
    ctx.post_tuning()

    rows = {"native": [], "python": []}
    for rep in range(1, args.repeats + 1):
        for route in ("native", "python"):
            picks = search(route, rep, population)
            cands = [
                ms.MeasureCandidate(
                    sch, ms.arg_info.ArgInfo.from_entry_func(sch.mod, remove_preproc=True)
                )
                for sch in picks
            ]
            scores = np.sort(np.asarray(s._cost_model.predict(s._model_ctx, cands)))[::-1]
            _, results, _, _ = s._measure(picks)
            gflops = [
                s.task.flops / (statistics.mean(float(x) for x in r.run_secs) * 1e9)
                for r in results
                if r.error_msg is None and r.run_secs
            ]
            rows[route].append((float(scores[:8].mean()), statistics.median(gflops), max(gflops)))
            print(
                f"search seed {rep} {route:6s}: top-8 score {rows[route][-1][0]:.4f}, "
                f"measured median {rows[route][-1][1]:.1f} best {rows[route][-1][2]:.1f} GFLOPS",
                flush=True,
            )
    s.close()
    print(
        f"\n{args.workload}, after {args.rounds} round(s), {args.repeats} search seeds (medians):"
    )
    for route, v in rows.items():
        a = np.median(np.array(v), axis=0)
        print(
            f"  {route:6s}: top-8 score {a[0]:.4f}, measured median {a[1]:.1f} GFLOPS, "
            f"best {a[2]:.1f} GFLOPS"
        )


if __name__ == "__main__":
    main()
