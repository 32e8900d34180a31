"""The dashboard: drive a session round by round from JupyterLab and watch it.

The dashboard computes nothing itself: buttons call the session (``step``, ``run``, ``stop``,
``export``, its settings), and every view is redrawn from the session with the figure functions
of :mod:`workbench.viz`. Tuning runs in a background thread so the notebook stays responsive;
settings changed while a round is in flight are applied between rounds.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from ._candidate_table import CandidateTable
from ._figure import new_figure_widget, sync_figure
from ._sketch_browser import SketchBrowser

__all__ = ["Dashboard", "FIGURES"]

#: Figure tabs: key -> (tab title, plot function in :mod:`workbench.viz`, what it is given:
#: the session's ``rounds``, its ``history`` or the ``session`` itself).
FIGURES: dict[str, tuple[str, str, str]] = {
    "convergence": ("Convergence", "plot_convergence", "history"),
    "predicted": ("Predicted vs measured", "plot_predicted_vs_measured", "rounds"),
    "times": ("Round times", "plot_round_times", "rounds"),
    "pruned": ("Pruning", "plot_pruned", "rounds"),
    "sketches": ("Sketch allocation", "plot_sketch_allocation", "rounds"),
    "mutation": ("Mutation", "plot_mutation_probs", "rounds"),
    "importance": ("Feature importance", "plot_feature_importance", "session"),
}


def _fmt_seconds(s: float) -> str:
    s = max(0.0, s)
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


class Dashboard(w.VBox):
    """Drive and watch a :class:`~workbench.Session` in JupyterLab.

    Parameters
    ----------
    session : Session
        The session to drive. The dashboard only calls its public API.
    budget : int, optional
        Total trial budget: "Run" never goes past it (default: the session's trials plus
        eight rounds).
    background : bool
        Run tuning in a background thread (the default) so the notebook stays responsive.
        ``wait()`` blocks until the work in flight is done.

    Attributes
    ----------
    step_button, run_button, pause_button, stop_button, export_button : ipywidgets.Button
    trials : ipywidgets.BoundedIntText
        How many trials "Run" measures.
    budget : ipywidgets.BoundedIntText
        The total trial budget.
    cost_model : ipywidgets.Dropdown
    sketch_policy, mutation_policy : ipywidgets.Dropdown or None
        Present when the session has these settings.
    rule_checkboxes : dict of str to ipywidgets.Checkbox
        One per pruning rule applicable to the session (empty without pruning support).
    figures : dict of str to plotly FigureWidget
        The live figures (see :data:`FIGURES`).
    candidates : CandidateTable
    sketch_browser : SketchBrowser
    status : ipywidgets.HTML
        Round, trials, best, ETA.
    """

    def __init__(self, session: Any, budget: int | None = None, background: bool = True):
        from .. import cost_models

        self.session = session
        self.background = background
        self._thread: threading.Thread | None = None
        self._running = False
        self._pending: list[tuple[str, Callable[[], Any]]] = []
        self._pending_lock = threading.Lock()
        self._goal: int | None = None
        self._remaining = 0
        self._halt: str | None = None
        self._syncing = False
        self.update_seconds: list[float] = []

        per_round = int(getattr(session, "trials_per_round", 64))
        # ------------------------------------------------------------ controls
        self.step_button = w.Button(description="Step", icon="step-forward", tooltip="one round")
        self.run_button = w.Button(description="Run", icon="play", button_style="success")
        self.pause_button = w.Button(description="Pause", icon="pause", disabled=True)
        self.stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self.trials = w.BoundedIntText(
            value=4 * per_round,
            min=1,
            max=1_000_000,
            description="trials",
            layout=w.Layout(width="160px"),
        )
        self.budget = w.BoundedIntText(
            value=budget if budget is not None else session.trials + 8 * per_round,
            min=1,
            max=10_000_000,
            description="budget",
            layout=w.Layout(width="180px"),
        )
        self.step_button.add_class("wb-step")
        self.run_button.add_class("wb-run")
        self.step_button.on_click(lambda _b: self.step())
        self.run_button.on_click(lambda _b: self.run())
        self.pause_button.on_click(lambda _b: self.pause())
        self.stop_button.on_click(lambda _b: self.stop())

        # ------------------------------------------------------------ settings
        self.cost_model = w.Dropdown(
            options=cost_models.available(), value=session.cost_model, description="cost model"
        )
        self.cost_model.observe(self._on_cost_model, names="value")
        self.sketch_policy = self._policy_dropdown("sketch_policy", "SKETCH_POLICIES", "sketches")
        self.mutation_policy = self._policy_dropdown(
            "mutation_policy", "MUTATION_POLICIES", "mutation"
        )
        self.rule_checkboxes: dict[str, w.Checkbox] = {}
        pruning_box = self._pruning_box()

        # ------------------------------------------------------------ views
        self.status = w.HTML()
        self.status.add_class("wb-status")
        self.message = w.HTML()
        keys = [k for k in FIGURES if k != "importance" or hasattr(session, "feature_importance")]
        self.figures: dict[str, Any] = {}
        snap = self._snapshot()
        for key in keys:
            self.figures[key] = new_figure_widget(self._render(key, snap), f"wb-fig-{key}")
        self.tabs = w.Tab(children=[self.figures[k] for k in keys])
        for i, key in enumerate(keys):
            self.tabs.set_title(i, FIGURES[key][0])
        self._stale: set[str] = set()
        self.tabs.observe(self._on_tab, names="selected_index")

        self.candidates = CandidateTable(session)
        self.sketch_browser = SketchBrowser(session)
        self.export_path = w.Text(
            value=str(Path(session.work_dir) / "export") if session.work_dir else "export",
            description="export to",
            layout=w.Layout(width="420px"),
        )
        self.export_button = w.Button(description="Export", icon="download")
        self.export_button.on_click(lambda _b: self.export())
        self.export_output = w.HTML()
        self.export_output.add_class("wb-export")

        settings = [self.cost_model] + [
            d for d in (self.sketch_policy, self.mutation_policy) if d is not None
        ]
        lower = w.Tab(
            children=[
                self.candidates,
                self.sketch_browser,
                w.VBox([w.HBox([self.export_path, self.export_button]), self.export_output]),
            ]
        )
        for i, title in enumerate(["Candidates", "Sketches", "Export"]):
            lower.set_title(i, title)
        super().__init__(
            [
                w.HTML(
                    f"<b>{html.escape(session.task.spec)}</b> on "
                    f"{html.escape(str(session.target.name))}"
                ),
                w.HBox(
                    [
                        self.step_button,
                        self.run_button,
                        self.trials,
                        self.pause_button,
                        self.stop_button,
                        self.budget,
                    ]
                ),
                w.HBox(settings),
                pruning_box,
                self.status,
                self.message,
                self.tabs,
                lower,
            ]
        )
        self.add_class("wb-dashboard")
        self._update_status()

    # ---------------------------------------------------------------- building blocks
    def _policy_dropdown(self, attr: str, choices: str, label: str) -> w.Dropdown | None:
        if not hasattr(self.session, attr):
            return None
        try:
            from .. import policies  # type: ignore[attr-defined]

            options = list(getattr(policies, choices))
        except (ImportError, AttributeError):
            return None
        dropdown = w.Dropdown(options=options, value=getattr(self.session, attr), description=label)

        def changed(change: dict[str, Any]) -> None:
            if self._syncing:
                return
            value = change["new"]
            self._apply(f"{attr} = {value}", lambda: setattr(self.session, attr, value))

        dropdown.observe(changed, names="value")
        return dropdown

    def _pruning_box(self) -> w.Widget:
        pruning = getattr(self.session, "pruning", None)
        if pruning is None:
            return w.VBox([])
        rows = []
        enabled = set(pruning.enabled)
        for name in pruning.available:
            box = w.Checkbox(
                value=name in enabled,
                description=name,
                indent=False,
                layout=w.Layout(width="260px"),
            )
            box.observe(self._rule_toggled(name), names="value")
            self.rule_checkboxes[name] = box
            rows.append(
                w.HBox([box, w.HTML(f"<small>{html.escape(pruning.rationale(name))}</small>")])
            )
        return w.VBox([w.HTML("<b>pruning rules</b>"), *rows])

    def _rule_toggled(self, name: str) -> Callable[[dict[str, Any]], None]:
        def toggled(change: dict[str, Any]) -> None:
            if self._syncing:
                return
            on = change["new"]
            action = self.session.pruning.enable if on else self.session.pruning.disable
            self._apply(f"{'enable' if on else 'disable'} {name}", lambda: action(name))

        return toggled

    def _on_cost_model(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        name = change["new"]
        self._apply(f"cost model = {name}", lambda: setattr(self.session, "cost_model", name))

    def _snapshot(self) -> dict[str, Any]:
        """What the views are drawn from, read from the session once per update."""
        from ..records import history_frame

        rounds = self.session.rounds
        return {"rounds": rounds, "history": history_frame(rounds), "session": self.session}

    def _render(self, key: str, snapshot: dict[str, Any] | None = None):
        from .. import viz

        _title, fn, source = FIGURES[key]
        snapshot = snapshot or self._snapshot()
        return getattr(viz, fn)(snapshot[source])

    # ---------------------------------------------------------------- commands
    @property
    def busy(self) -> bool:
        """Whether a step, run or export is in flight."""
        return self._running

    def _apply(self, label: str, change: Callable[[], Any]) -> None:
        """Apply a settings change now, or between rounds when tuning is in flight."""
        if self.busy:
            with self._pending_lock:
                self._pending.append((label, change))
            self._say(f"queued for the next round: {html.escape(label)}")
            return
        self._run_change(label, change)

    def _run_change(self, label: str, change: Callable[[], Any]) -> None:
        try:
            change()
            self._say(f"applied: {html.escape(label)}")
        except Exception as err:  # shown in the dashboard, the session is unchanged
            self._say(f"could not apply {html.escape(label)}: {html.escape(str(err))}", error=True)
            self._sync_settings()

    def _apply_pending(self) -> None:
        with self._pending_lock:
            pending, self._pending = self._pending, []
        for label, change in pending:
            self._run_change(label, change)

    def _sync_settings(self) -> None:
        """Show the session's actual settings (after a change was refused)."""
        self._syncing = True
        try:
            self.cost_model.value = self.session.cost_model
            for attr in ("sketch_policy", "mutation_policy"):
                dropdown = getattr(self, attr)
                if dropdown is not None:
                    dropdown.value = getattr(self.session, attr)
            pruning = getattr(self.session, "pruning", None)
            if pruning is not None:
                enabled = set(pruning.enabled)
                for name, box in self.rule_checkboxes.items():
                    box.value = name in enabled
        finally:
            self._syncing = False

    def _start(self, job: Callable[[], Any], label: str) -> bool:
        if self.busy:
            self._say("busy: wait for the round in flight, or press Pause", error=True)
            return False
        self._set_running(True)
        self._say(html.escape(label))

        def work() -> None:
            started, trials = time.perf_counter(), self.session.trials
            try:
                job()
                done = self.session.trials - trials
                if done:
                    self._say(f"done: {done} trials in {time.perf_counter() - started:.1f} s")
            except Exception as err:  # shown in the dashboard; the session stays usable
                self._say(f"{type(err).__name__}: {html.escape(str(err))}", error=True)
            finally:
                self._goal = None
                self._halt = None
                self._apply_pending()
                self._set_running(False)
                self.refresh()

        if self.background:
            self._thread = threading.Thread(target=work, name="workbench-dashboard", daemon=True)
            self._thread.start()
        else:
            work()
        return True

    def _set_running(self, running: bool) -> None:
        self._running = running
        for b in (self.step_button, self.run_button, self.export_button):
            b.disabled = running
        self.pause_button.disabled = not running
        self.stop_button.disabled = not running
        if not running:
            self.run_button.description = (
                f"Resume ({self._remaining})" if self._remaining else "Run"
            )

    def step(self) -> bool:
        """Run one round (what the Step button does). Returns whether it started."""

        def job() -> None:
            rnd = self.session.step()
            if rnd is None:
                self._say("the search space is exhausted")
            else:
                self._after_round(rnd)

        return self._start(job, "running one round ...")

    def run(self, trials: int | None = None) -> bool:
        """Measure ``trials`` more candidates (default: the "trials" box, or what a Pause left),
        never past the budget (what the Run button does). Returns whether it started."""
        if self.busy:
            self._say("busy: wait for the round in flight, or press Pause", error=True)
            return False
        n = trials if trials is not None else (self._remaining or self.trials.value)
        n = min(n, self.budget.value - self.session.trials)
        if n <= 0:
            self._say(
                f"the budget of {self.budget.value} trials is spent; raise it to go on",
                error=True,
            )
            return False
        goal = self.session.trials + n
        self._remaining = 0
        self._halt = None
        self._goal = goal

        def job() -> None:
            self.session.run(n, callbacks=[self._after_round])
            if self._halt == "pause" and self.session.trials < goal:
                self._remaining = goal - self.session.trials

        return self._start(job, f"running {n} trials ...")

    def pause(self) -> None:
        """Stop after the round in flight; "Run" then resumes the remaining trials."""
        self._request_halt("pause")

    def stop(self) -> None:
        """Stop after the round in flight and forget the remaining trials."""
        self._request_halt("stop")

    def _request_halt(self, how: str) -> None:
        if not self.busy:
            return
        # Asked again after every round (see _after_round): a click that lands before the
        # worker has entered session.run() is not lost when run() resets its stop flag.
        self._halt = how
        self.session.stop()
        self._say(f"{'pausing' if how == 'pause' else 'stopping'} after this round ...")

    def export(self, path: str | None = None) -> bool:
        """Write the session's export (what the Export button does); the paths are shown."""
        out = path or self.export_path.value

        def job() -> None:
            paths = self.session.export(out)
            items = "".join(
                f"<li>{html.escape(k)}: <code>{html.escape(str(p))}</code></li>"
                for k, p in paths.items()
            )
            self.export_output.value = f"<ul>{items}</ul>"
            self._say(f"exported to {html.escape(out)}")

        return self._start(job, f"exporting to {html.escape(out)} ...")

    def wait(self, timeout: float | None = None) -> None:
        """Block until the step, run or export in flight is done."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # ---------------------------------------------------------------- views
    def _after_round(self, _round: Any) -> None:
        if self._halt is not None:
            self.session.stop()
        self._apply_pending()
        self.refresh()

    def _on_tab(self, change: dict[str, Any]) -> None:
        keys = list(self.figures)
        key = keys[change["new"]] if change["new"] is not None else None
        if key in self._stale:
            self._stale.discard(key)
            sync_figure(self.figures[key], self._render(key))

    def refresh(self, all_figures: bool = False) -> None:
        """Redraw from the session: status, the shown figure (others when shown, or all with
        ``all_figures``), candidate table and sketch browser."""
        t0 = time.perf_counter()
        snap = self._snapshot()
        keys = list(self.figures)
        shown = keys[self.tabs.selected_index or 0] if keys else None
        for key in keys:
            if all_figures or key == shown:
                sync_figure(self.figures[key], self._render(key, snap))
                self._stale.discard(key)
            else:
                self._stale.add(key)
        self.candidates.refresh(snap["history"], getattr(self.session, "pruned", None))
        self.sketch_browser.refresh(snap["history"])
        self._update_status()
        self.update_seconds.append(time.perf_counter() - t0)

    def _update_status(self) -> None:
        s = self.session
        rounds = s.rounds
        trials = s.trials
        parts = [f"round {len(rounds)}", f"{trials} trials"]
        if rounds and rounds[-1].get("best_gflops"):
            parts.append(f"best {rounds[-1]['best_gflops']:.2f} GFLOPS")
        else:
            parts.append("best: none yet")
        elapsed = s.elapsed_s
        target = self._goal if self._goal is not None else self.budget.value
        left = max(0, target - trials)
        if trials and left:
            eta = _fmt_seconds(elapsed / trials * left)
            parts.append(f"ETA {eta} to {target} trials")
        parts.append("running" if self.busy else "idle")
        parts.append(f"cost model {html.escape(s.cost_model)}")
        self.status.value = " · ".join(parts)

    def _say(self, text: str, error: bool = False) -> None:
        color = "#b00" if error else "#555"
        self.message.value = f'<span style="color:{color}">{text}</span>'
