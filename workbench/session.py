"""The tuning session: one task, driven round by round over MetaSchedule.

The session owns the loop (search -> build -> run -> record -> model update) so that a
notebook, a widget or the CLI can stop between rounds, look, change settings and go on.
"""

from __future__ import annotations

import json
import math
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _trace
from ._version import __version__
from .errors import WorkbenchError, unknown_choice
from .measure import MeasureSettings, check_tracker, make_builder, make_runner, remove_artifact
from .metrics import ranking_metrics
from .records import RunLog, history_frame
from .targets import TargetInfo, resolve_target
from .workloads import Task, workload

__all__ = ["Session", "Round", "Sketch", "Best", "SEARCH_DEFAULTS", "TASK_MODULE"]

#: File of a run directory holding the task's module, for tasks made from a module.
TASK_MODULE = "task_module.json"

#: MetaSchedule's ``EvolutionarySearch`` defaults (what ``tune_tir`` uses).
SEARCH_DEFAULTS: dict[str, Any] = {
    "population_size": 512,
    "init_measured_ratio": 0.2,
    "init_min_unmeasured": 50,
    "max_fail_count": 5,
    "genetic_num_iters": 4,
    "genetic_mutate_prob": 0.85,
    "genetic_max_fail_count": 10,
    "eps_greedy": 0.05,
}


@dataclass
class Sketch:
    """A design space: a schedule whose trace still holds its sampling instructions."""

    id: int
    rules: list[str]
    trace: str
    script: str
    signature: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Sketch(id={self.id}, rules={self.rules})"


@dataclass
class Best:
    """The best measured candidate so far."""

    latency_us: float
    gflops: float
    candidate: int
    round: int
    sketch: int | None
    trace: str
    script: str


@dataclass
class Round:
    """What one round did.

    Attributes
    ----------
    round : int
        Round index, from 0 across resumes.
    sampled : int
        Valid schedules the evolutionary search sampled or mutated (before picking).
    proposed : int
        Candidates the search handed over for measurement (a search started after candidates
        were measured is asked for extra picks, as many as measured schedules can enter its
        population, so that the round stays full after dropping them).
    duplicates : int
        Proposed candidates dropped because they were already measured (after a resume or a
        restart of the search).
    candidates : list of dict
        One entry per measured candidate: id, sketch, decisions, predicted score, latency,
        GFLOPS, error.
    best_gflops, best_latency_us : float
        Best so far, after this round.
    times : dict
        Wall seconds of each phase: ``search``, ``build``, ``run``, ``update``, ``total``.
    pruned : dict
        Candidates each pruning rule discarded this round (``pruned_by_sketch`` splits them by
        sketch, ``pruned_samples`` keeps a bounded sample, with audit measurements), and
        ``relaxed``: rules disabled because they left no candidate.
    sketch_allocation, mutation_probs : dict
        The share of the initial population per sketch, and the mutator probabilities, used in
        this round.
    search_mode : str
        ``"evolve"`` (MetaSchedule's evolutionary search) or ``"sample"`` (a cold-start round:
        sampled, not evolved, because the cost model could not rank yet).
    model : dict
        The cost model on this batch, scored before it was trained on it: ``spearman`` rank
        correlation of predicted vs measured, ``pairwise_accuracy``, ``topk_recall`` (of the
        measured best 8, the share in the model's top 8), and ``predict_s`` / ``update_s``
        (scoring this batch, and training on it). ``search_predict_s`` / ``search_scored``:
        the seconds and candidates of the search's own calls to the model's ``predict`` this
        round (every generation of the evolutionary population, feature extraction included),
        which for a trained model is most of what it costs.
    """

    round: int
    sampled: int
    proposed: int
    duplicates: int
    candidates: list[dict[str, Any]]
    best_gflops: float
    best_latency_us: float
    times: dict[str, float]
    trials: int
    elapsed_s: float
    cost_model: str
    started_at: float
    model: dict[str, float] = field(default_factory=dict)
    pruned: dict[str, int] = field(default_factory=dict)
    pruned_by_sketch: dict[str, dict[str, int]] = field(default_factory=dict)
    pruned_samples: list[dict[str, Any]] = field(default_factory=list)
    relaxed: list[str] = field(default_factory=list)
    pruning_enabled: list[str] = field(default_factory=list)
    sketch_allocation: dict[str, float] = field(default_factory=dict)
    mutation_probs: dict[str, float] = field(default_factory=dict)
    search_mode: str = "evolve"

    @property
    def measured(self) -> int:
        return len(self.candidates)

    @property
    def errors(self) -> int:
        return sum(1 for c in self.candidates if c.get("error"))

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __repr__(self) -> str:
        return (
            f"Round({self.round}: proposed {self.proposed}, measured {self.measured}, "
            f"errors {self.errors}, best {self.best_gflops:.2f} GFLOPS, "
            f"{self.times.get('total', 0):.1f} s)"
        )


def _check_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as a plain int (NumPy integers too), or an error naming ``name`` and the range."""
    from numbers import Integral

    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise WorkbenchError(f"{name} must be an integer >= {minimum}, not {value!r}")
    return int(value)


class Session:
    """Tune one task step by step.

    Parameters
    ----------
    task : Task or str
        A :class:`~workbench.workloads.Task` or a workload spec such as
        ``"matmul:M=512,N=512,K=512"``.
    target : str or dict
        ``"cpu"`` (the host) or a TVM target dict/JSON.
    cost_model : str
        A name from :func:`workbench.cost_models.available`.
    work_dir : str, optional
        Where the run log and TVM database go. A directory that already holds a run of the
        same task and target is resumed. ``None`` keeps everything in memory.
    seed : int
        Seeds the search, the cost model and NumPy's global generator.
    trials_per_round : int
        Candidates measured per round (``tune_tir``'s ``num_trials_per_iter``).
    search : dict, optional
        Overrides of :data:`SEARCH_DEFAULTS` (MetaSchedule's evolutionary search settings).
    search_threads : int
        Threads of the evolutionary search. With 1 (the default) a seed fixes the proposals;
        with more, MetaSchedule's dynamic thread scheduling makes them vary run to run.
    measure : MeasureSettings or dict, optional
        Builder and timer settings.
    pruning : list of str, optional
        Pruning rules to enable (:func:`workbench.pruning.available`); ``session.pruning``
        toggles them between rounds.
    sketch_policy : str
        ``"uniform"`` (MetaSchedule's behaviour) or ``"bandit"`` (UCB over sketches).
    mutation_policy : str
        ``"default"`` (MetaSchedule's mutator probabilities) or ``"learned"``.
    audit : int
        Pruned candidates to measure per round, to estimate each rule's precision.
    runner : str or Runner, optional
        Where candidates are timed: ``"local"`` (this machine, the default), ``"rpc"`` (TVM RPC
        servers behind ``tracker`` that registered with ``key``) or ``"none"`` (a predict-only
        session: :meth:`preview` ranks proposals, nothing is measured). Shorthand for the
        ``runner`` field of ``measure``. A MetaSchedule runner object is used as given (and
        not closed by the session).
    tracker : str, optional
        ``HOST:PORT`` of the RPC tracker (default ``127.0.0.1:9190``).
    key : str, optional
        The RPC servers' device key, for ``runner="rpc"``.
    builder : optional
        A MetaSchedule builder to use instead of making one (the tasks of a
        :class:`~workbench.ModelSession` share one worker pool); the session does not close it.
    cold_start : bool
        While the cost model cannot rank yet (untrained, or in its warm-up), skip the genetic
        iterations of the evolutionary search: they would only optimise random scores. Such a
        round samples a small initial population (twice the round's trials, at least 64) and
        picks from it at random, which is what a full search does with random scores too, at
        a fraction of the search time. Off by default (MetaSchedule's behaviour). Each round
        records ``search_mode`` (``"sample"`` or ``"evolve"``).
    pretrain : list of str, optional
        Run directories of earlier runs (single-task or multi-task model runs) whose measured
        records train the cost model before the first round (warm start). Each run's records
        are replayed on that run's own workload. Ignored when a resumed run restores its saved
        cost model (which already holds them).
    """

    def __init__(
        self,
        task: Task | str,
        target: Any = "cpu",
        cost_model: str = "xgboost",
        work_dir: str | Path | None = None,
        seed: int = 0,
        trials_per_round: int = 64,
        search: dict[str, Any] | None = None,
        search_threads: int = 1,
        measure: MeasureSettings | dict[str, Any] | None = None,
        pruning: Iterable[str] | None = None,
        sketch_policy: str = "uniform",
        mutation_policy: str = "default",
        audit: int = 0,
        runner: str | Any = None,
        tracker: str | None = None,
        key: str | None = None,
        builder: Any = None,
        pretrain: Iterable[str | Path] | None = None,
        cold_start: bool = False,
    ):
        from . import cost_models
        from .policies import MUTATION_POLICIES, SKETCH_POLICIES

        self.task = workload(task)
        self.target: TargetInfo = resolve_target(target)
        self.seed = _check_int("seed", seed, 0)
        self._trials_per_round = _check_int("trials_per_round", trials_per_round)
        self.search_threads = _check_int("search_threads", search_threads)
        unknown = set(search or {}) - set(SEARCH_DEFAULTS)
        if unknown:
            raise WorkbenchError(
                f"unknown search setting(s) {sorted(unknown)}; valid: {', '.join(SEARCH_DEFAULTS)}"
            )
        self.search_settings = _check_search_settings({**SEARCH_DEFAULTS, **(search or {})})
        self._shared_runner = None if runner is None or isinstance(runner, str) else runner
        given = {"runner": runner if isinstance(runner, str) else None, "tracker": tracker}
        given = {k: v for k, v in {**given, "key": key}.items() if v is not None}
        if isinstance(measure, MeasureSettings):
            measure = measure.to_dict()
        try:
            self.measure = MeasureSettings(**{**(measure or {}), **given})
        except TypeError as err:
            raise WorkbenchError(f"bad measure settings: {err}") from None
        #: What the RPC tracker reported before the first round (``runner="rpc"``).
        self.rpc_status = None
        if cost_model not in cost_models.available():
            raise unknown_choice("cost model", cost_model, cost_models.available())
        self._cost_model_name = cost_model
        if sketch_policy not in SKETCH_POLICIES:
            raise unknown_choice("sketch policy", sketch_policy, SKETCH_POLICIES)
        if mutation_policy not in MUTATION_POLICIES:
            raise unknown_choice("mutation policy", mutation_policy, MUTATION_POLICIES)
        self._sketch_policy_name = sketch_policy
        self._mutation_policy_name = mutation_policy
        if isinstance(pruning, str):
            pruning = [pruning]
        self._initial_rules = list(pruning or [])
        self._audit = _check_int("audit", audit, 0)
        if not isinstance(cold_start, bool):
            raise WorkbenchError(f"cold_start must be True or False, not {cold_start!r}")
        self.cold_start = cold_start
        self._search_mode = "evolve"

        self.work_dir = Path(work_dir) if work_dir is not None else None
        self._log = RunLog(self.work_dir) if self.work_dir is not None else None
        self._rounds: list[dict[str, Any]] = []
        stored_pretrain: list[str] = []
        if self._log is not None and self._log.exists():
            man = self._log.read_manifest()
            self._check_same_run(man)
            self._rounds = self._log.read_rounds()
            stored_pretrain = list(man.get("pretrain") or [])

        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._exhausted = False
        self._shared_builder = builder
        self._setup_tvm()
        self._cost_model = cost_models.create(cost_model, seed=self.seed, num_threads=self._cores)
        from .cost_models.timed import SearchClock

        # What the search spends in the model's predict (see _search_cost_model)
        self._search_clock = SearchClock()
        self._timed_model: tuple[Any, Any] | None = None
        if isinstance(pretrain, str | Path):
            pretrain = [pretrain]
        self._pretrain_dirs = [str(d) for d in (pretrain or [])] or stored_pretrain
        self.model_restored = self._load_model()
        if not self.model_restored:
            self._pretrain([str(d) for d in (pretrain or [])])
        self._restore_from_database(train=not self.model_restored)
        self._write_manifest()

    # ------------------------------------------------------------------ construction
    @classmethod
    def open(cls, work_dir: str | Path, **overrides: Any) -> Session:
        """Reopen a run from its directory alone (workload, target and settings are stored there).

        Parameters
        ----------
        work_dir : str
            A directory written by an earlier session.
        **overrides
            Settings to change for the continued run (for example ``cost_model``).
        """
        log = RunLog(work_dir)
        if not log.exists():
            raise WorkbenchError(f"{work_dir} holds no workbench run (no {log.manifest_path.name})")
        man = log.read_manifest()
        kwargs = dict(
            task=_stored_task(Path(work_dir), man),
            target=TargetInfo(config=man["target"], name=man.get("target_name") or "stored"),
            cost_model=man["cost_model"],
            seed=man["seed"],
            trials_per_round=man["trials_per_round"],
            search=man.get("search"),
            search_threads=man.get("search_threads", 1),
            measure=man.get("measure"),
            pruning=man.get("pruning", []),
            sketch_policy=man.get("sketch_policy", "uniform"),
            mutation_policy=man.get("mutation_policy", "default"),
            audit=man.get("audit", 0),
            cold_start=man.get("cold_start", False),
        )
        kwargs.update(overrides)
        return cls(work_dir=work_dir, **kwargs)

    def _check_same_run(self, man: dict[str, Any]) -> None:
        stored_target = man.get("target")
        if man.get("workload") != self.task.spec or stored_target != self.target.config:
            raise WorkbenchError(
                f"{self.work_dir} holds a run of {man.get('workload')} on "
                f"{json.dumps(stored_target)}, not {self.task.spec} on "
                f"{json.dumps(self.target.config)}; use another work_dir, or "
                f"Session.open({str(self.work_dir)!r}) to continue that run"
            )

    @property
    def _cores(self) -> int:
        return self.target.num_cores if self.target.kind == "llvm" else 1

    def _setup_tvm(self) -> None:
        import numpy as np
        import tvm.s_tir.meta_schedule as ms

        from ._intrinsics import register_for

        register_for(self.target.kind, str(self.target.config.get("mtriple", "")))
        np.random.seed(self.seed)
        self._tvm_target = self.target.tvm()
        base = ms.TuneContext(
            self.task.mod,
            target=self._tvm_target,
            space_generator="post-order-apply",
            search_strategy="evolutionary",
            task_name=self.task.name,
            rand_state=self.seed,
            num_threads=self.search_threads,
        )
        gen = base.space_generator
        self._sch_rules = list(gen.sch_rules)
        self._default_postprocs = list(gen.postprocs)
        self._default_mutator_probs = dict(gen.mutator_probs)
        self._design_spaces = base.generate_design_space()
        self._model_ctx = base  # the context our own cost-model calls use
        self._sketches = [
            Sketch(
                id=i,
                rules=_trace.rules_of(sch.trace),
                trace="\n".join(str(x) for x in sch.trace.as_python(remove_postproc=True)),
                script=sch.mod.script(),
                signature=_trace.sketch_signature(sch.trace),
            )
            for i, sch in enumerate(self._design_spaces)
        ]
        self._sketch_index = _trace.SketchIndex([sch.trace for sch in self._design_spaces])
        self._setup_policies()
        if self.work_dir is not None:
            self.work_dir.mkdir(parents=True, exist_ok=True)
            self._database = ms.database.JSONDatabase(work_dir=str(self.work_dir))
        else:
            self._database = ms.database.MemoryDatabase()
        self._workload = self._database.commit_workload(self.task.mod)
        self._builder = self._shared_builder or make_builder(self.measure, self._cores)
        self._ctx = None
        self._ctx_stale = True
        self._restarts = 0
        self._runner = None  # made before the first round: see check_runner()
        self._learned: tuple[list[Any], list[Any]] = ([], [])  # records of learn_from()
        self._search_ready = False
        self._measured_hashes: set[int] = set()
        self._search_extra = 0  # see _ensure_search
        self._gflops_by_key: dict[tuple, float] = {}

    def _setup_policies(self) -> None:
        from .policies import make_mutation_policy, make_sketch_policy
        from .policies.mutation import mutator_name
        from .pruning import Pruning, TargetFacts, make_gate

        self.pruning = Pruning(
            TargetFacts.of(self.target),
            enabled=self._initial_rules,
            sketch_of=self._sketch_index,
            audit=self._audit,
            seed=self.seed,
        )
        self._gate = make_gate(self.pruning)
        self._mutators = {mutator_name(m): m for m in self._default_mutator_probs}
        self._mutator_defaults = {
            mutator_name(m): float(p) for m, p in self._default_mutator_probs.items()
        }
        self._sketch_policy = make_sketch_policy(self._sketch_policy_name, len(self._sketches))
        self._mutation_policy = make_mutation_policy(
            self._mutation_policy_name, self._mutator_defaults, seed=self.seed
        )
        self._mutation_log: dict[tuple, tuple[str, tuple, int | None]] = {}
        self._allocation = self._sketch_policy.allocation()

    def _make_context(self) -> Any:
        import tvm.s_tir.meta_schedule as ms

        from .policies.mutation import make_chooser

        if self._mutation_policy_name == "default":
            probs = dict(self._default_mutator_probs)
        else:
            chooser = make_chooser(
                self._mutators,
                self._mutation_policy,
                self._sketch_index,
                _trace.decision_key,
                self._mutation_log,
            )
            probs = {chooser: 1.0}
        space = ms.space_generator.PostOrderApply(
            sch_rules=self._sch_rules,
            postprocs=[*self._default_postprocs, self._gate],
            mutator_probs=probs,
        )
        # A rebuilt context continues from a seed derived from the session seed, so runs stay
        # reproducible without replaying the same random stream.
        rand_state = self.seed if self._restarts == 0 else (self.seed * 7919 + self._restarts)
        return ms.TuneContext(
            self.task.mod,
            target=self._tvm_target,
            space_generator=space,
            search_strategy=ms.search_strategy.EvolutionarySearch(**self._round_search_settings()),
            task_name=self.task.name,
            rand_state=rand_state % (2**31 - 1),
            num_threads=self.search_threads,
        )

    def _round_search_settings(self) -> dict[str, Any]:
        """The evolutionary search's settings in the current search mode."""
        settings = dict(self.search_settings)
        if self._search_mode == "sample":
            settings["genetic_num_iters"] = 0
            settings["population_size"] = min(
                settings["population_size"], max(64, 2 * self._trials_per_round)
            )
        return settings

    def _weighted_spaces(self) -> list[Any]:
        """Design spaces repeated by the sketch policy's shares (the initial population samples
        a design space uniformly from this list)."""
        if not self._sketch_policy.restarts_search:
            return list(self._design_spaces)
        slots = 20
        out = []
        for sch, share in zip(self._design_spaces, self._allocation):
            out += [sch] * max(1, round(share * slots))
        return out

    def _measured_candidates(self) -> tuple[list[Any], list[Any]]:
        """Rebuild (candidate, result) pairs of every record in the database."""
        from .cost_models.data import replay_records

        return replay_records(self._database, self._workload, self.task.mod)

    def _restore_from_database(self, train: bool = True) -> None:
        """On resume: remember what was measured and (unless the saved model was restored)
        train the cost model on it."""
        from tvm_ffi import structural_hash

        if not self._rounds and self.work_dir is None:
            return
        candidates, results = self._measured_candidates()
        self._measured_hashes = {structural_hash(c.sch.mod) for c in candidates}
        for cand, res in zip(candidates, results):
            if res.run_secs:
                secs = [float(x) for x in res.run_secs]
                self._gflops_by_key[_trace.decision_key(cand.sch.trace)] = self.task.flops / (
                    sum(secs) / len(secs) * 1e9
                )
        self._replay_policies(sketch=True, mutation=True)
        if candidates and train:
            self._cost_model.update(self._model_ctx, candidates, results)

    # ------------------------------------------------------------------ cost model files
    def _model_path(self, name: str | None = None) -> Path | None:
        from . import cost_models

        if self.work_dir is None:
            return None
        return self.work_dir / cost_models.filename(name or self._cost_model_name)

    def _load_model(self) -> bool:
        """Restore the cost model saved in the run directory; False when there is none."""
        from . import cost_models

        path = self._model_path()
        if path is None or not path.exists() or not self._rounds:
            return False
        try:
            cost_models.load(self._cost_model, path)
        except Exception as err:  # a damaged file: fall back to retraining from the database
            import warnings

            warnings.warn(
                f"could not load {path} ({err}); retraining from the database", stacklevel=2
            )
            self._cost_model = _recreate(self._cost_model_name, self.seed, self._cores)
            return False
        return True

    def _save_model(self) -> None:
        from . import cost_models

        path = self._model_path()
        if path is not None:
            cost_models.save(self._cost_model, path)

    def _pretrain(self, dirs: list[str]) -> None:
        """Train the cost model on the measured records of other runs' directories."""
        from .cost_models.data import load_run_records

        own = self.work_dir.resolve() if self.work_dir is not None else None
        for d in dirs:
            for recs in load_run_records(d):
                if own is not None and recs.directory.resolve() == own:
                    continue
                if recs.candidates:
                    self._cost_model.update(recs.context, recs.candidates, recs.results)

    def feature_importance(self):
        """Gain importance of the 164 per-store feature dimensions in the current cost model.

        Returns
        -------
        pandas.DataFrame
            One row per dimension, most important first: ``feature`` (name), ``group``,
            ``index``, ``gain``, ``share`` (of the total gain) and ``kept`` (whether the model
            uses the dimension: all for full models, the selected ones for ``fi-reduced``).

        Raises
        ------
        WorkbenchError
            For a model without importances (``random``) or one not trained yet.
        """
        import numpy as np
        import pandas as pd

        from . import cost_models
        from .cost_models.feature_layout import FEATURE_NAMES, feature_group

        gain = cost_models.feature_importance(self._cost_model)
        cols = getattr(getattr(self._cost_model, "_inst", None), "columns", None)
        kept = np.ones(len(gain), dtype=bool)
        if cols is not None:
            kept[:] = False
            kept[np.asarray(cols)] = True
        total = gain.sum()
        frame = pd.DataFrame(
            {
                "feature": FEATURE_NAMES,
                "group": [feature_group(i) for i in range(len(FEATURE_NAMES))],
                "index": np.arange(len(FEATURE_NAMES)),
                "gain": gain,
                "share": gain / total if total > 0 else np.zeros_like(gain),
                "kept": kept,
            }
        )
        return frame.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)

    def _write_manifest(self) -> None:
        if self._log is None:
            return
        module_fields: dict[str, Any] = {}
        if self.task.is_module_task:
            # The module cannot be rebuilt from its spec: keep it next to the run.
            path = self._log.dir / TASK_MODULE
            if not path.exists():
                self.task.save_module(path)
            module_fields = {
                "task_module": TASK_MODULE,
                "task_name": self.task.name,
                "task_info": self.task.info,
            }
        self._log.write_manifest(
            {
                "workbench_version": __version__,
                "kind": "task",
                "workload": self.task.spec,
                **module_fields,
                "target": self.target.config,
                "target_name": self.target.name,
                "flops": self.task.flops,
                "cost_model": self._cost_model_name,
                "seed": self.seed,
                "trials_per_round": self._trials_per_round,
                "search": self.search_settings,
                "search_threads": self.search_threads,
                "measure": self.measure.to_dict(),
                "pruning": self.pruning.enabled,
                "sketch_policy": self._sketch_policy_name,
                "mutation_policy": self._mutation_policy_name,
                "audit": self.pruning.audit,
                "cold_start": self.cold_start,
                "pretrain": self._pretrain_dirs,
                "sketches": [{"id": s.id, "rules": s.rules} for s in self._sketches],
            }
        )

    # ------------------------------------------------------------------ settings
    @property
    def cost_model(self) -> str:
        """The cost model's name. Assign another name to swap it between rounds: the new model
        is trained on everything measured so far before it ranks anything."""
        return self._cost_model_name

    @cost_model.setter
    def cost_model(self, name: str) -> None:
        from . import cost_models

        with self._lock:
            model = cost_models.create(name, seed=self.seed, num_threads=self._cores)
            candidates, results = self._measured_candidates()
            candidates, results = self._learned[0] + candidates, self._learned[1] + results
            if candidates:
                model.update(self._model_ctx, candidates, results)
            self._cost_model, self._cost_model_name = model, name
            self._search_ready = False
            self._write_manifest()
            self._save_model()

    @property
    def cost_model_object(self) -> Any:
        """The live MetaSchedule ``CostModel`` object."""
        return self._cost_model

    @property
    def trials_per_round(self) -> int:
        """Candidates measured per round; changes take effect from the next round."""
        return self._trials_per_round

    @trials_per_round.setter
    def trials_per_round(self, value: int) -> None:
        with self._lock:
            self._trials_per_round = _check_int("trials_per_round", value)
            self._search_ready = False
            self._write_manifest()

    def _replay_policies(self, sketch: bool = False, mutation: bool = False) -> None:
        """Let a new or restored policy learn from every recorded round."""
        for rnd in self._rounds:
            if sketch:
                self._sketch_policy.observe(rnd["candidates"], rnd.get("best_gflops") or 0.0)
            if mutation:
                self._mutation_policy.observe(
                    (c.get("sketch"), c["mutator"], bool(c["improved"]))
                    for c in rnd["candidates"]
                    if c.get("mutator") and c.get("improved") is not None
                )
        if sketch:
            self._allocation = self._sketch_policy.allocation()

    @property
    def sketch_policy(self) -> str:
        """``"uniform"`` or ``"bandit"``; assign to switch from the next round."""
        return self._sketch_policy_name

    @sketch_policy.setter
    def sketch_policy(self, name: str) -> None:
        from .policies import SKETCH_POLICIES, make_sketch_policy

        if name not in SKETCH_POLICIES:
            raise unknown_choice("sketch policy", name, SKETCH_POLICIES)
        with self._lock:
            self._sketch_policy_name = name
            self._sketch_policy = make_sketch_policy(name, len(self._sketches))
            self._replay_policies(sketch=True)
            self._search_ready = False
            self._write_manifest()

    @property
    def mutation_policy(self) -> str:
        """``"default"`` or ``"learned"``; assign to switch from the next round."""
        return self._mutation_policy_name

    @mutation_policy.setter
    def mutation_policy(self, name: str) -> None:
        from .policies import MUTATION_POLICIES, make_mutation_policy

        if name not in MUTATION_POLICIES:
            raise unknown_choice("mutation policy", name, MUTATION_POLICIES)
        with self._lock:
            self._mutation_policy_name = name
            self._mutation_policy = make_mutation_policy(
                name, self._mutator_defaults, seed=self.seed
            )
            self._replay_policies(mutation=True)
            self._ctx_stale = True
            self._search_ready = False
            self._write_manifest()

    @property
    def pruned(self):
        """A pandas DataFrame of the kept samples of pruned candidates, one row each:
        ``round, rule, sketch, decisions`` and, for audited ones, ``gflops``."""
        import pandas as pd

        rows = [
            {"round": rnd["round"], **row}
            for rnd in self._rounds
            for row in rnd.get("pruned_samples", [])
        ]
        cols = [
            "round",
            "rule",
            "sketch",
            "decisions",
            "audited",
            "gflops",
            "slower_than_median",
            "error",
        ]
        frame = pd.DataFrame(rows)
        for col in cols:
            if col not in frame.columns:
                frame[col] = pd.Series(dtype="object")
        return frame[cols]

    def pruning_report(self):
        """Per rule: candidates pruned, rounds active, audited samples and audit precision
        (the share of audited pruned candidates slower than their round's median measured one)."""
        import pandas as pd

        counts: dict[str, int] = {}
        for rnd in self._rounds:
            for rule, n in rnd.get("pruned", {}).items():
                counts[rule] = counts.get(rule, 0) + n
        audited = self.pruned
        audited = audited[audited["audited"] == True]  # noqa: E712 - object column
        rows = []
        for rule in sorted(set(counts) | set(self.pruning.enabled)):
            sel = audited[audited["rule"] == rule]
            judged = sel[sel["gflops"].notna()]
            rows.append(
                {
                    "rule": rule,
                    "pruned": counts.get(rule, 0),
                    "sampled": sum(r.get("sampled", 0) for r in self._rounds),
                    "audited": len(judged),
                    "precision": float(judged["slower_than_median"].astype(bool).mean())
                    if len(judged)
                    else float("nan"),
                    "best_audited_gflops": float(judged["gflops"].max())
                    if len(judged)
                    else float("nan"),
                }
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ views
    @property
    def sketches(self) -> list[Sketch]:
        """The design spaces (Ansor's sketches) of the task."""
        return list(self._sketches)

    @property
    def rounds(self) -> list[dict[str, Any]]:
        """Every round recorded so far, as plain dicts (the round log)."""
        return list(self._rounds)

    @property
    def trials(self) -> int:
        """Candidates measured so far (all rounds, across resumes)."""
        return sum(len(r["candidates"]) for r in self._rounds)

    @property
    def elapsed_s(self) -> float:
        """Wall seconds spent in rounds so far (across resumes)."""
        return self._rounds[-1]["elapsed_s"] if self._rounds else 0.0

    def round_table(self):
        """A pandas DataFrame, one row per round: counts, best, phase times, model metrics."""
        from .records import rounds_frame

        return rounds_frame(self._rounds)

    @property
    def history(self):
        """A pandas DataFrame, one row per measured candidate."""
        return history_frame(self._rounds)

    @property
    def best(self) -> Best | None:
        """The best candidate so far, or ``None`` before any candidate ran successfully."""
        best = None
        for rnd in self._rounds:
            for cand in rnd["candidates"]:
                if cand.get("latency_us") is not None and (
                    best is None or cand["latency_us"] < best[1]["latency_us"]
                ):
                    best = (rnd, cand)
        if best is None:
            return None
        sch = self.best_schedule()
        return Best(
            latency_us=best[1]["latency_us"],
            gflops=best[1]["gflops"],
            candidate=best[1]["candidate"],
            round=best[0]["round"],
            sketch=best[1]["sketch"],
            trace="\n".join(str(x) for x in sch.trace.as_python()) if sch is not None else "",
            script=sch.mod.script() if sch is not None else "",
        )

    def best_schedule(self):
        """The best measured schedule (a ``tvm.s_tir.Schedule``), from the TVM database."""
        import tvm.s_tir.meta_schedule as ms

        records = self._database.get_top_k(self._workload, 1)
        if not records:
            return None
        from tvm.s_tir import Schedule

        sch = Schedule(self.task.mod)
        records[0].trace.apply_to_schedule(sch, remove_postproc=False)
        del ms
        return sch

    @property
    def database(self) -> Any:
        """The MetaSchedule database holding every measured record."""
        return self._database

    # ------------------------------------------------------------------ the loop
    def _ensure_search(self) -> None:
        if self._search_ready:
            return
        if getattr(self, "_search_started", False):
            self._ctx.post_tuning()
            self._search_started = False
            self._restarts += 1
        if self._ctx is None or self._ctx_stale:
            self._ctx = self._make_context()
            self._ctx_stale = False
        # MetaSchedule's search remembers what it proposed only for the life of one
        # ``pre_tuning`` (its set of measured workloads starts empty), while its initial
        # population takes the database's best measured schedules every round. A search started
        # after candidates were measured (a sketch reallocation, a toggled rule, the end of a
        # cold start, a resume) therefore ranks measured schedules among its best picks again,
        # and a round lost up to a third of its trials to them. Such a search is asked for as
        # many extra picks as measured schedules can enter its population; ``_propose`` drops
        # the measured ones and keeps the round's best-and-random split.
        settings = self._round_search_settings()
        self._search_extra = min(
            len(self._measured_hashes),
            int(settings["population_size"] * settings["init_measured_ratio"]),
        )
        if self._search_mode == "sample":
            # a random pick can repeat a best one: ask for a few more so the round stays full
            self._search_extra += int(self._trials_per_round * settings["eps_greedy"]) + 1
        self._ctx.pre_tuning(
            max_trials=1 << 30,
            num_trials_per_iter=self._trials_per_round + self._search_extra,
            design_spaces=self._weighted_spaces(),
            database=self._database,
            cost_model=self._search_cost_model(),
        )
        self._search_started = True
        self._search_ready = True

    def _search_cost_model(self) -> Any:
        """The cost model as the search gets it: the same model, its ``predict`` timed."""
        from .cost_models.timed import TimedCostModel

        if self._timed_model is None or self._timed_model[0] is not self._cost_model:
            self._timed_model = (
                self._cost_model,
                TimedCostModel(self._cost_model, self._search_clock),
            )
        return self._timed_model[1]

    def _sketch_of(self, trace: Any) -> int | None:
        return self._sketch_index(trace)

    def _model_can_rank(self) -> bool:
        """Whether the cost model scores by what it learned (not randomly) in its next predict."""
        model = self._cost_model
        if getattr(model, "booster", None) is None:
            return False
        warmup = getattr(model, "warmup", getattr(model, "num_warmup_samples", 0))
        return getattr(model, "data_size", 0) >= warmup

    def _choose_search_mode(self) -> None:
        """``sample`` while a cold-starting session's model cannot rank, else ``evolve``; a
        change rebuilds the search for the next proposal."""
        mode = "sample" if self.cold_start and not self._model_can_rank() else "evolve"
        if mode != self._search_mode:
            self._search_mode = mode
            self._ctx_stale = True
            self._search_ready = False

    def step(self, max_trials: int | None = None) -> Round | None:
        """Run one round: search, build, run, record, update the cost model and the policies.

        Parameters
        ----------
        max_trials : int, optional
            Measure at most this many candidates (default: ``trials_per_round``).

        Returns
        -------
        Round or None
            The round's record, or ``None`` when the search space is exhausted.
        """
        import numpy as np

        with self._lock:
            if self._exhausted:
                return None
            self.check_runner()
            started = time.time()
            t0 = time.perf_counter()
            prev_best = self._rounds[-1]["best_latency_us"] if self._rounds else None
            limit = max_trials if max_trials is not None else self._trials_per_round
            self.pruning.begin_round()
            self._mutation_log.clear()
            allocation = list(self._allocation)
            self._choose_search_mode()
            in_search = self._search_clock.snapshot()
            found = self._propose(limit)
            if found is None:
                self._exhausted = True
                return None
            search_s, search_scored = (
                a - b for a, b in zip(self._search_clock.snapshot(), in_search, strict=True)
            )
            candidates, proposed_count, duplicates, relaxed = found
            sampled = self.pruning.seen
            hashes = [h for h, _ in candidates]
            cands = [c for _, c in candidates]
            audit = self.pruning.audit_samples(self.pruning.audit, start=len(self._rounds))
            t_pred = time.perf_counter()
            predicted = (
                np.asarray(self._cost_model.predict(self._model_ctx, cands), dtype=float)
                if cands
                else np.zeros(0)
            )
            t_predict = time.perf_counter() - t_pred
            t_search = time.perf_counter() - t0

            schedules = [c.sch for c in cands] + [sch for _, _, sch in audit]
            builds, results, t_build, t_run = self._measure(schedules)
            audit_results = results[len(cands) :]
            builds, results = builds[: len(cands)], results[: len(cands)]

            t0 = time.perf_counter()
            self._commit(cands, results)
            t_upd = time.perf_counter()
            if cands:
                self._cost_model.update(self._model_ctx, cands, results)
            t_model_update = time.perf_counter() - t_upd
            if cands:
                self._save_model()
            self._ctx.notify_runner_results(cands, results)
            self._measured_hashes.update(hashes)
            t_update = time.perf_counter() - t0

            record = self._record_round(
                started,
                sampled,
                proposed_count,
                duplicates,
                cands,
                predicted,
                results,
                {"search": t_search, "build": t_build, "run": t_run, "update": t_update},
                {
                    "predict_s": t_predict,
                    "update_s": t_model_update,
                    "search_predict_s": search_s,
                    "search_scored": search_scored,
                },
            )
            record.search_mode = self._search_mode
            self._record_search_side(record, allocation, relaxed, audit, audit_results)
            self._rounds.append(record.to_dict())
            if self._log is not None:
                self._log.append_round(record.to_dict())
                if prev_best is None or (
                    record.best_latency_us is not None and record.best_latency_us < prev_best
                ):
                    self._write_best_script(record)
            return record

    def _propose(self, limit: int):
        """Ask the search for up to ``limit`` new candidates.

        Returns ``(candidates, proposed, duplicates, relaxed rules)``, or ``None`` when the
        search space is exhausted. When the enabled pruning rules leave nothing, the rule that
        pruned most is disabled (and reported) until candidates come back.
        """
        from tvm_ffi import structural_hash

        bests: list[tuple[int, Any]] = []
        rands: list[tuple[int, Any]] = []
        seen: set[int] = set()
        proposed_count = duplicates = 0
        relaxed: list[str] = []
        attempts = 0
        eps = float(self.search_settings["eps_greedy"])
        while attempts < 4:
            self._ensure_search()
            proposed = self._ctx.generate_measure_candidates()
            if not proposed:
                if self.pruning.enabled and sum(self.pruning.counts.values()):
                    rule = self.pruning.relax()
                    relaxed.append(rule)
                    warnings.warn(
                        f"pruning rules left no candidate; disabled {rule!r} to go on "
                        f"(re-enable it with session.pruning.enable({rule!r}))",
                        stacklevel=3,
                    )
                    self._search_ready = False
                    continue
                break
            attempts += 1
            proposed_count += len(proposed)
            # MetaSchedule lists its picks best-first, then its eps-greedy random picks
            n_rand = int((self._trials_per_round + self._search_extra) * eps)
            for i, cand in enumerate(proposed):
                h = structural_hash(cand.sch.mod)
                if h in self._measured_hashes or h in seen:
                    duplicates += 1
                    continue
                seen.add(h)
                (rands if i >= len(proposed) - n_rand else bests).append((h, cand))
            # After a resume or a restart the search may propose what was measured before:
            # ask again only when that left the round less than half full.
            if len(bests) + len(rands) >= max(1, limit // 2):
                break
        if proposed_count == 0:
            return None
        limit = max(0, limit)
        take_rand = min(len(rands), int(limit * eps), limit)
        take_best = min(len(bests), limit - take_rand)
        take_rand = min(len(rands), limit - take_best)
        return bests[:take_best] + rands[:take_rand], proposed_count, duplicates, relaxed

    def _measure(self, schedules: list[Any]):
        """Build and run schedules; returns builds, runner results and the two phase times."""
        import tvm.s_tir.meta_schedule as ms

        args_info = ms.arg_info.ArgInfo.from_prim_func(self.task.mod["main"])
        t0 = time.perf_counter()
        builds = self._builder.build(
            [ms.builder.BuilderInput(sch.mod, self._tvm_target) for sch in schedules]
        )
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        to_run = [i for i, b in enumerate(builds) if b.error_msg is None]
        futures = self._runner.run(
            [
                ms.runner.RunnerInput(builds[i].artifact_path, self.target.device_type, args_info)
                for i in to_run
            ]
        )
        ran = dict(zip(to_run, (f.result() for f in futures)))
        results = [
            ran[i] if i in ran else ms.runner.RunnerResult(None, builds[i].error_msg)
            for i in range(len(schedules))
        ]
        for b in builds:
            remove_artifact(b.artifact_path)
        return builds, results, t_build, time.perf_counter() - t0

    def _commit(self, cands: list[Any], results: list[Any]) -> None:
        import tvm.s_tir.meta_schedule as ms

        args_info = ms.arg_info.ArgInfo.from_prim_func(self.task.mod["main"])
        for cand, res in zip(cands, results):
            self._database.commit_tuning_record(
                ms.database.TuningRecord(
                    cand.sch.trace,
                    self._workload,
                    [float(s) for s in res.run_secs] if res.error_msg is None else None,
                    self._tvm_target,
                    args_info,
                )
            )

    def _record_search_side(self, record, allocation, relaxed, audit, audit_results) -> None:
        """Add pruning, sketch and mutation information to a round and let the policies learn."""
        rows = record.candidates
        # which mutator produced each measured child, and did it beat its parent?
        outcomes = []
        for cand_row in rows:
            key = cand_row.pop("_key")
            origin = self._mutation_log.get(key)
            gflops = cand_row["gflops"]
            if origin is not None:
                mutator, parent_key, sketch = origin
                parent = self._gflops_by_key.get(parent_key)
                cand_row["mutator"] = mutator
                cand_row["parent_gflops"] = parent
                if parent is not None:
                    improved = (gflops or 0.0) > parent
                    cand_row["improved"] = improved
                    outcomes.append((sketch, mutator, improved))
            if gflops is not None:
                self._gflops_by_key[key] = gflops
        self._mutation_policy.observe(outcomes)
        self._sketch_policy.observe(rows, record.best_gflops)
        shares = dict(enumerate(allocation))
        record.sketch_allocation = {str(k): round(v, 4) for k, v in shares.items()}
        record.mutation_probs = {
            k: round(v, 4) for k, v in self._mutation_policy.round_probs(shares).items()
        }
        self._allocation = self._sketch_policy.allocation()
        if self._sketch_policy.restarts_search and self._allocation != allocation:
            self._search_ready = False

        measured = [r["gflops"] for r in rows if r["gflops"] is not None]
        median = sorted(measured)[len(measured) // 2] if measured else None
        samples = []
        audited = {id(sch): res for (_, _, sch), res in zip(audit, audit_results)}
        for rule, sketch, sch in self.pruning.samples():
            row = {"rule": rule, "sketch": sketch, "decisions": _trace.decisions(sch.trace)}
            if id(sch) in audited:
                res = audited[id(sch)]
                row["audited"] = True
                if res.error_msg is None:
                    secs = [float(x) for x in res.run_secs]
                    lat = sum(secs) / len(secs) * 1e6
                    row["gflops"] = self.task.flops / (lat * 1e3)
                    row["slower_than_median"] = median is not None and row["gflops"] < median
                else:
                    row["error"] = _short_error(str(res.error_msg), 300)
            samples.append(row)
        record.pruned = dict(self.pruning.counts)
        record.pruned_by_sketch = {k: dict(v) for k, v in self.pruning.by_sketch.items()}
        record.pruned_samples = samples
        record.relaxed = relaxed
        record.pruning_enabled = self.pruning.enabled

    def _write_best_script(self, record: Round) -> None:
        """Keep ``best_schedule.py`` (TVMScript of the best so far) in the run directory."""
        sch = self.best_schedule()
        if sch is None or self.work_dir is None:
            return
        path = self.work_dir / "best_schedule.py"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(
            f"# Best so far: {record.best_gflops:.2f} GFLOPS, {record.best_latency_us:.2f} us "
            f"after round {record.round}\n" + sch.mod.script() + "\n"
        )
        tmp.replace(path)

    def _record_round(
        self,
        started,
        sampled,
        proposed,
        duplicates,
        cands,
        predicted,
        results,
        times,
        model_times,
    ) -> Round:
        prev_best = self._rounds[-1]["best_latency_us"] if self._rounds else None
        best_lat = prev_best if prev_best is not None else math.inf
        trial = self.trials
        total = sum(times.values())
        times = {k: round(v, 4) for k, v in times.items()} | {"total": round(total, 4)}
        elapsed = self.elapsed_s + total
        rows = []
        for i, (cand, res) in enumerate(zip(cands, results)):
            trial += 1
            error = None
            latency = None
            if res.error_msg is not None:
                error = _short_error(str(res.error_msg))
            else:
                secs = [float(s) for s in res.run_secs]
                latency = sum(secs) / len(secs) * 1e6
                best_lat = min(best_lat, latency)
            rows.append(
                {
                    "trial": trial,
                    "candidate": trial - 1,
                    "sketch": self._sketch_of(cand.sch.trace),
                    "decisions": _trace.decisions(cand.sch.trace),
                    "predicted": float(predicted[i]),
                    "latency_us": latency,
                    "gflops": self.task.flops / (latency * 1e3) if latency else None,
                    "best_gflops": self.task.flops / (best_lat * 1e3)
                    if best_lat < math.inf
                    else None,
                    "error": error,
                    "elapsed_s": round(elapsed, 4),
                    "measured_at": round(time.time(), 3),
                    "mutator": None,
                    "parent_gflops": None,
                    "improved": None,
                    "_key": _trace.decision_key(cand.sch.trace),
                }
            )
        measured = [r["gflops"] if r["gflops"] is not None else float("nan") for r in rows]
        model = {
            **ranking_metrics(predicted, measured),
            **{k: round(v, 5) for k, v in model_times.items()},
        }
        rec = Round(
            round=len(self._rounds),
            sampled=sampled,
            proposed=proposed,
            duplicates=duplicates,
            candidates=rows,
            best_gflops=self.task.flops / (best_lat * 1e3) if best_lat < math.inf else 0.0,
            best_latency_us=best_lat if best_lat < math.inf else None,
            times=times,
            trials=trial,
            elapsed_s=round(elapsed, 4),
            cost_model=self._cost_model_name,
            started_at=round(started, 3),
            model=model,
        )
        return rec

    def run(
        self,
        trials: int,
        callbacks: Iterable[Callable[[Round], Any]] = (),
    ) -> list[Round]:
        """Measure ``trials`` more candidates, round after round.

        Stops early when :meth:`stop` is called (between rounds) or the search space is
        exhausted.

        Parameters
        ----------
        trials : int
            How many more candidates to measure.
        callbacks : iterable of callables
            Each is called with every :class:`Round` as it completes.
        """
        _check_int("trials", trials, 0)
        self._stop.clear()
        goal = self.trials + trials
        done: list[Round] = []
        while self.trials < goal and not self._stop.is_set():
            rnd = self.step(max_trials=min(self._trials_per_round, goal - self.trials))
            if rnd is None:
                break
            done.append(rnd)
            for cb in callbacks:
                cb(rnd)
            if rnd.measured == 0 and rnd.duplicates == 0:
                break
        return done

    def stop(self) -> None:
        """Ask :meth:`run` to stop after the round in flight."""
        self._stop.set()

    # ------------------------------------------------------------------ devices
    def check_runner(self):
        """Get ready to measure; :meth:`step` calls it before the first round.

        For a ROCm target it finds the build toolchain (:func:`workbench.rocm.ensure_toolchain`);
        with ``runner="rpc"`` it asks the tracker for servers with the key (a clear error when
        the tracker is unreachable or has none) and starts as many measurement workers as
        servers are free (or ``measure.rpc_workers``).

        Returns
        -------
        TrackerStatus or None
            The tracker's report for ``runner="rpc"``, else ``None``.

        Raises
        ------
        WorkbenchError
            For ``runner="none"``, a missing toolchain, an unreachable tracker, a key no server
            carries, or a GPU target with the local runner on a machine without that GPU.
        """
        with self._lock:
            if self._runner is not None:
                return self.rpc_status
            if self.measure.runner == "none" and self._shared_runner is None:
                raise WorkbenchError(
                    "this session measures nothing (runner='none'): use session.preview(n) to "
                    "rank proposals with the cost model, or open it with runner='local' or "
                    "runner='rpc' (tracker=..., key=...) to measure"
                )
            if self.target.kind == "rocm":
                from .rocm import ensure_toolchain

                ensure_toolchain()
            if self._shared_runner is not None:
                self._runner = self._shared_runner
                return None
            workers = None
            if self.measure.runner == "rpc":
                self.rpc_status = check_tracker(self.measure)
                workers = self.measure.rpc_workers or max(1, self.rpc_status.free)
            elif self.target.device_type != "cpu":
                import tvm

                if not tvm.device(self.target.device_type, 0).exist:
                    raise WorkbenchError(
                        f"target {self.target.name} runs on a {self.target.device_type} device "
                        "and this machine has none; measure through TVM RPC: runner='rpc', "
                        "tracker='HOST:PORT', key='...' (CLI: --runner rpc --tracker --key), "
                        "or preview without a device: runner='none' and session.preview(n)"
                    )
            self._runner = make_runner(self.measure, workers)
            return self.rpc_status

    # ------------------------------------------------------------------ predict-only
    def learn_from(self, run_dirs: Iterable[str | Path]) -> int:
        """Train the cost model on the measured records of earlier runs.

        Records of every workload count (the features describe loop nests, not workloads);
        records for another kind of target are skipped. The records are kept and used again
        when the cost model is swapped. Nothing is written to this session's run.

        Parameters
        ----------
        run_dirs : iterable of str or Path
            Run directories (a model run's task folders are searched too).

        Returns
        -------
        int
            Records the model was trained on.
        """
        from .preview import load_records

        candidates, results = load_records(run_dirs, self.target.kind)
        with self._lock:
            self._cost_model.update(self._model_ctx, candidates, results)
            self._learned[0].extend(candidates)
            self._learned[1].extend(results)
            self._search_ready = False
        return len(candidates)

    def preview(self, n: int = 16, train_on: Iterable[str | Path] = ()):
        """Propose ``n`` candidates and rank them with the cost model, measuring nothing.

        The evolutionary search runs as in a round (guided by the cost model), but no
        candidate is built, timed or recorded. With ``runner="none"`` this is how a target
        without a device at hand is explored; train the model first on earlier runs (of this
        target kind, for example measured on the device through RPC) with ``train_on``.

        Parameters
        ----------
        n : int
            Candidates to propose.
        train_on : iterable of str or Path
            Run directories to train the cost model on first (see :meth:`learn_from`).

        Returns
        -------
        pandas.DataFrame
            One row per candidate, best predicted first: ``rank``, ``predicted``, ``sketch``,
            ``decisions``, ``script``. ``df.attrs["trained_on"]`` counts the records the model
            has learned from.
        """
        import numpy as np
        import pandas as pd
        from tvm_ffi import structural_hash

        _check_int("n", n)
        train_on = [train_on] if isinstance(train_on, (str, Path)) else list(train_on)
        if train_on:
            self.learn_from(train_on)
        with self._lock:
            if getattr(self, "_search_started", False):
                self._ctx.post_tuning()
                self._restarts += 1
            if self._ctx is None or self._ctx_stale:
                self._ctx = self._make_context()
                self._ctx_stale = False
            self._ctx.pre_tuning(
                max_trials=1 << 30,
                num_trials_per_iter=n,
                design_spaces=self._weighted_spaces(),
                database=self._database,
                cost_model=self._search_cost_model(),
            )
            self._search_started = True
            self._search_ready = False  # the next round restarts the search with its own batch
            proposed = self._ctx.generate_measure_candidates() or []
            cands = [c for c in proposed if structural_hash(c.sch.mod) not in self._measured_hashes]
            scores = (
                np.asarray(self._cost_model.predict(self._model_ctx, cands), dtype=float)
                if cands
                else np.zeros(0)
            )
        trained = self.trials + len(self._learned[0])
        if trained == 0:
            warnings.warn(
                "the cost model has learned from no measurement yet, so the predicted scores "
                "are uninformed; pass train_on=[run directories] (or learn_from) first",
                stacklevel=2,
            )
        rows = [
            {
                "predicted": float(score),
                "sketch": self._sketch_of(cand.sch.trace),
                "decisions": _trace.decisions(cand.sch.trace),
                "script": cand.sch.mod.script(),
            }
            for cand, score in zip(cands, scores)
        ]
        frame = pd.DataFrame(rows, columns=["predicted", "sketch", "decisions", "script"])
        frame = frame.sort_values("predicted", ascending=False, kind="stable").reset_index(
            drop=True
        )
        frame.insert(0, "rank", range(1, len(frame) + 1))
        frame.attrs["trained_on"] = trained
        return frame

    @property
    def exhausted(self) -> bool:
        """Whether the search reported that no new candidates remain."""
        return self._exhausted

    # ------------------------------------------------------------------ output
    def export(self, out_dir: str | Path) -> dict[str, Path]:
        """Write the best schedule: TVMScript, trace, database records and a compiled library.

        Returns
        -------
        dict
            ``{"script", "trace", "database", "library", "summary"}`` -> written paths.
        """
        from .export import export_session

        if self.target.kind == "rocm":
            from .rocm import ensure_toolchain

            ensure_toolchain()

        return export_session(self, Path(out_dir))

    def close(self) -> None:
        """Stop the builder and runner worker processes."""
        if getattr(self, "_search_started", False) and self._search_ready:
            self._ctx.post_tuning()
            self._search_ready = False
            self._search_started = False
        if self._shared_builder is None and hasattr(self._builder, "close"):
            self._builder.close()
        if self._runner is not None and self._shared_runner is None:
            pool = getattr(getattr(self._runner, "_inst", None), "pool", None)
            if pool is not None:  # stop the RPC / local runner's worker processes now
                pool.shutdown()
            self._runner = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        best = self.best
        best_txt = f"{best.gflops:.2f} GFLOPS" if best else "none yet"
        return (
            f"Session({self.task.spec!r}, target={self.target.name!r}, "
            f"cost_model={self.cost_model!r}, trials={self.trials}, best={best_txt})"
        )


def _stored_task(work_dir: Path, man: dict[str, Any]) -> Task | str:
    """The task of a stored run: its spec, or its module file for a module task."""
    if "task_module" not in man:
        return man["workload"]
    return Task.load(
        work_dir / man["task_module"],
        name=man.get("task_name") or "task",
        flops=man.get("flops"),
        info=man.get("task_info"),
    )


def _recreate(name: str, seed: int, cores: int) -> Any:
    from . import cost_models

    return cost_models.create(name, seed=seed, num_threads=cores)


def _short_error(msg: str, limit: int = 2000) -> str:
    msg = msg.strip()
    return msg if len(msg) <= limit else msg[: limit - 20] + "\n... (truncated)"


def _check_search_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with plain ints and floats (NumPy numbers are fine too); settings
    MetaSchedule would reject with a traceback (or take silently) are refused."""
    from numbers import Real

    out = dict(settings)
    for key, least in (
        ("population_size", 1),
        ("init_min_unmeasured", 0),
        ("max_fail_count", 0),
        ("genetic_num_iters", 0),
        ("genetic_max_fail_count", 0),
    ):
        out[key] = _check_int(f"search setting {key}", settings[key], least)
    for key in ("init_measured_ratio", "genetic_mutate_prob", "eps_greedy"):
        value = settings[key]
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value <= 1:
            raise WorkbenchError(f"search setting {key} must be a number in [0, 1], not {value!r}")
        out[key] = float(value)
    return out
