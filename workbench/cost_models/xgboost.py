"""The baseline: MetaSchedule's own XGBoost model on per-store features, unchanged."""

from __future__ import annotations


def make(*, seed: int = 0, num_threads: int = 1):
    """MetaSchedule's ``XGBModel`` with its default configuration and the given seed."""
    from tvm.s_tir.meta_schedule.cost_model import XGBModel
    from tvm.s_tir.meta_schedule.cost_model.xgb_model import XGBConfig

    defaults = XGBConfig()
    config = XGBConfig(
        max_depth=defaults.max_depth,
        gamma=defaults.gamma,
        min_child_weight=defaults.min_child_weight,
        eta=defaults.eta,
        seed=seed,
        nthread=num_threads,
        tree_method=defaults.tree_method,
    )
    return XGBModel(config=config, num_tuning_cores=num_threads)
