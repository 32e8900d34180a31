/**
 * The run view's DOM, built from an ``IRunData``.
 *
 * Everything that comes from a run log (workloads, task names, errors, TVMScript) is set with
 * ``textContent`` or ``setAttribute`` only: this module never parses HTML.
 */

import { ISeries, convergenceChart } from './chart';
import {
  IRunData,
  configRows,
  convergence,
  failures,
  isModelRun,
  prunedCounts,
  roundRows,
  summarize,
  taskRows
} from './runlog';

export interface IViewActions {
  /** Open a task run's directory (a model run's per-task table links to it). */
  openRun?: (manifestPath: string) => void;
}

type Child = Node | string | null | undefined;

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  props: { cls?: string; text?: string; attrs?: Record<string, string> } = {},
  children: Child[] = []
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (props.cls) {
    node.className = props.cls;
  }
  if (props.text !== undefined) {
    node.textContent = props.text;
  }
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) {
      continue;
    }
    node.appendChild(typeof child === 'string' ? doc.createTextNode(child) : child);
  }
  return node;
}

export function fmt(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : value.toFixed(digits);
}

function table(doc: Document, cls: string, head: string[], rows: Child[][]): HTMLTableElement {
  return el(doc, 'table', { cls: `wb-table ${cls}` }, [
    el(doc, 'thead', {}, [el(doc, 'tr', {}, head.map(h => el(doc, 'th', { text: h })))]),
    el(
      doc,
      'tbody',
      {},
      rows.map(r => el(doc, 'tr', {}, r.map(c => el(doc, 'td', {}, [c]))))
    )
  ]);
}

function section(doc: Document, cls: string, title: string, children: Child[]): HTMLElement {
  return el(doc, 'section', { cls: `wb-section ${cls}` }, [el(doc, 'h3', { text: title }), ...children]);
}

function summaryLine(data: IRunData): string {
  if (isModelRun(data.manifest)) {
    const rows = taskRows(data);
    const trials = rows.reduce((n, r) => n + r.trials, 0);
    const weighted = rows.every(r => r.weightedLatencyUs !== null)
      ? rows.reduce((n, r) => n + (r.weightedLatencyUs ?? 0), 0)
      : null;
    return (
      `${rows.length} tasks · ${trials} trials` +
      (weighted === null ? '' : ` · weighted latency ${fmt(weighted)} µs`)
    );
  }
  const s = summarize(data.run.rounds);
  return (
    `${s.rounds} rounds · ${s.trials} trials · best ${fmt(s.bestGflops)} GFLOPS` +
    ` (${fmt(s.bestLatencyUs)} µs)` +
    (s.errors ? ` · ${s.errors} failed` : '') +
    (s.elapsedS === null ? '' : ` · ${fmt(s.elapsedS, 1)} s tuning`)
  );
}

function chartSection(doc: Document, data: IRunData): HTMLElement {
  let series: ISeries[];
  if (isModelRun(data.manifest)) {
    series = data.tasks.map(({ entry, run }) => ({
      label: String(entry.name ?? ''),
      line: convergence(run.rounds).best
    }));
  } else {
    const c = convergence(data.run.rounds);
    series = [{ label: 'best so far', line: c.best, points: c.measured }];
  }
  const title = isModelRun(data.manifest)
    ? 'Best GFLOPS per task over its trials'
    : 'Measured GFLOPS (dots) and best so far (line)';
  return section(doc, 'wb-convergence', 'Convergence', [
    convergenceChart(doc, series, { title, xLabel: 'trial', yLabel: 'GFLOPS' })
  ]);
}

function tasksSection(doc: Document, data: IRunData, actions: IViewActions): HTMLElement {
  const rows = taskRows(data).map(r => {
    let name: Child = r.name;
    if (actions.openRun) {
      const open = actions.openRun;
      const link = el(doc, 'button', { cls: 'wb-link', text: r.name, attrs: { title: r.dir } });
      link.addEventListener('click', () => open(`${data.dir ? data.dir + '/' : ''}${r.dir}/workbench.json`));
      name = link;
    }
    return [
      name,
      r.workload,
      fmt(r.weight, 0),
      String(r.rounds),
      String(r.trials),
      fmt(r.bestGflops),
      fmt(r.bestLatencyUs),
      fmt(r.weightedLatencyUs)
    ];
  });
  return section(doc, 'wb-tasks', 'Tasks', [
    table(
      doc,
      'wb-task-table',
      ['task', 'workload', 'weight', 'rounds', 'trials', 'best GFLOPS', 'best µs', 'weight × µs'],
      rows
    )
  ]);
}

function prunedSection(doc: Document, data: IRunData): HTMLElement {
  const runs = isModelRun(data.manifest) ? data.tasks.map(t => t.run) : [data.run];
  const rows = prunedCounts(runs.flatMap(r => r.rounds));
  if (!rows.length) {
    return section(doc, 'wb-pruned', 'Pruned by rule', [
      el(doc, 'p', { cls: 'wb-note', text: 'No candidates pruned (no pruning rule enabled).' })
    ]);
  }
  return section(doc, 'wb-pruned', 'Pruned by rule', [
    table(
      doc,
      'wb-pruned-table',
      ['rule', 'pruned', isModelRun(data.manifest) ? 'last rounds' : 'last round'],
      rows.map(r => [r.rule, String(r.total), String(r.lastRound)])
    )
  ]);
}

function roundsSection(doc: Document, data: IRunData): HTMLElement {
  const rows = roundRows(data.run.rounds).map(r => [
    String(r.round),
    r.trials === null ? '–' : String(r.trials),
    fmt(r.bestGflops),
    r.costModel,
    ...['search', 'build', 'run', 'update'].map(k => fmt(r.times[k] ?? null)),
    fmt(r.spearman)
  ]);
  return section(doc, 'wb-rounds', 'Rounds', [
    table(
      doc,
      'wb-round-table',
      ['round', 'trials', 'best GFLOPS', 'cost model', 'search s', 'build s', 'run s', 'update s', 'model ρ'],
      rows
    )
  ]);
}

function failuresSection(doc: Document, data: IRunData): HTMLElement | null {
  const runs = isModelRun(data.manifest)
    ? data.tasks.map(t => ({ label: String(t.entry.name ?? ''), run: t.run }))
    : [{ label: '', run: data.run }];
  const items: Child[] = [];
  let total = 0;
  for (const { label, run } of runs) {
    for (const f of failures(run.rounds)) {
      total += 1;
      if (items.length < 20) {
        const where = `${label ? label + ' · ' : ''}round ${f.round}, trial ${f.trial}`;
        items.push(
          el(doc, 'li', {}, [el(doc, 'div', { cls: 'wb-where', text: where }), el(doc, 'pre', { text: f.error })])
        );
      }
    }
  }
  if (!total) {
    return null;
  }
  return section(doc, 'wb-failures', `Failed candidates (${total})`, [
    el(doc, 'ul', { cls: 'wb-failure-list' }, items)
  ]);
}

function scheduleSection(doc: Document, data: IRunData): HTMLElement {
  if (isModelRun(data.manifest)) {
    return section(
      doc,
      'wb-schedule',
      'Best schedules',
      data.tasks.map(({ entry, run }) =>
        el(doc, 'details', {}, [
          el(doc, 'summary', { text: String(entry.name ?? '') }),
          el(doc, 'pre', {
            cls: 'wb-tvmscript',
            text: run.bestSchedule ?? 'No schedule measured yet.'
          })
        ])
      )
    );
  }
  return section(doc, 'wb-schedule', 'Best schedule (TVMScript)', [
    el(doc, 'pre', {
      cls: 'wb-tvmscript',
      text: data.run.bestSchedule ?? 'No schedule measured yet.'
    })
  ]);
}

/** The whole run view for ``data``. */
export function renderRun(doc: Document, data: IRunData, actions: IViewActions = {}): HTMLElement {
  const model = isModelRun(data.manifest);
  const title = model
    ? `Model run: ${String(data.manifest.model ?? '')}`
    : `Tuning run: ${String(data.manifest.workload ?? '')}`;
  const config = section(doc, 'wb-config', 'Configuration', [
    table(
      doc,
      'wb-config-table',
      ['setting', 'value'],
      configRows(data.manifest).map(([k, v]) => [k, v])
    )
  ]);
  return el(doc, 'div', { cls: 'wb-run' }, [
    el(doc, 'h2', { cls: 'wb-title', text: title }),
    el(doc, 'div', { cls: 'wb-dir', text: data.dir || '/' }),
    el(doc, 'p', { cls: 'wb-summary', text: summaryLine(data) }),
    chartSection(doc, data),
    model ? tasksSection(doc, data, actions) : null,
    prunedSection(doc, data),
    model ? null : roundsSection(doc, data),
    failuresSection(doc, data),
    scheduleSection(doc, data),
    config
  ]);
}

/** A message in place of the view (the file is not a run, or could not be read). */
export function renderMessage(doc: Document, message: string): HTMLElement {
  return el(doc, 'div', { cls: 'wb-run wb-message' }, [el(doc, 'p', { text: message })]);
}
