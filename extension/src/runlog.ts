/**
 * The run directory format (see workbench/records.py), parsed and summarised.
 *
 * Pure functions of the file contents: no DOM, no JupyterLab, so they are unit-tested on run
 * directories that the Python side writes.
 */

export const MANIFEST = 'workbench.json';
export const ROUNDS = 'rounds.jsonl';
export const BEST_SCHEDULE = 'best_schedule.py';

export interface ICandidate {
  trial: number;
  candidate?: number;
  sketch?: number | null;
  decisions?: unknown;
  predicted?: number | null;
  latency_us?: number | null;
  gflops?: number | null;
  best_gflops?: number | null;
  error?: string | null;
  elapsed_s?: number;
  measured_at?: number;
}

export interface IRound {
  round: number;
  sampled?: number;
  proposed?: number;
  candidates?: ICandidate[];
  best_gflops?: number | null;
  best_latency_us?: number | null;
  times?: Record<string, number | null>;
  trials?: number;
  elapsed_s?: number;
  cost_model?: string;
  model?: Record<string, number | null>;
  pruned?: Record<string, number>;
  [key: string]: unknown;
}

export interface ITaskEntry {
  name: string;
  workload?: string;
  weight?: number;
  dir: string;
}

export interface IManifest {
  format?: number;
  kind?: string;
  workload?: string;
  target?: unknown;
  target_name?: string;
  model?: string;
  tasks?: ITaskEntry[];
  [key: string]: unknown;
}

/** One task run: its files as read from disk (``null`` where a file does not exist yet). */
export interface ITaskRun {
  dir: string;
  manifest: IManifest | null;
  rounds: IRound[];
  bestSchedule: string | null;
}

/** A whole run as the view shows it: a single task, or a model run with its task runs. */
export interface IRunData {
  dir: string;
  manifest: IManifest;
  /** The run's own rounds and best schedule (single-task runs). */
  run: ITaskRun;
  /** The task runs of a model run, in manifest order; empty for single-task runs. */
  tasks: { entry: ITaskEntry; run: ITaskRun }[];
}

/** Parse ``workbench.json``; throws an Error naming the problem. */
export function parseManifest(text: string): IManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${MANIFEST} is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${MANIFEST} must hold a JSON object`);
  }
  const manifest = value as IManifest;
  if (isModelRun(manifest)) {
    if (!Array.isArray(manifest.tasks)) {
      throw new Error(`${MANIFEST} of a model run must list its "tasks"`);
    }
  } else if (typeof manifest.workload !== 'string') {
    throw new Error(`${MANIFEST} names no "workload": not a tuning run manifest`);
  }
  return manifest;
}

/**
 * Parse ``rounds.jsonl``: one JSON object per line. Like ``RunLog.read_rounds``, a torn last
 * line (a writer killed mid-line, or a line still being written) ends the log.
 */
export function parseRounds(text: string): IRound[] {
  const rounds: IRound[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) {
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      break;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      rounds.push(value as IRound);
    }
  }
  return rounds;
}

export function isModelRun(manifest: IManifest): boolean {
  return manifest.kind === 'model';
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export interface IPoint {
  x: number;
  y: number;
}

export interface IConvergence {
  /** GFLOPS of every successfully measured candidate, by trial. */
  measured: IPoint[];
  /** Best GFLOPS so far after each measured trial (non-decreasing). */
  best: IPoint[];
}

/** Trial-by-trial convergence: every measurement and the running best. */
export function convergence(rounds: IRound[]): IConvergence {
  const measured: IPoint[] = [];
  const best: IPoint[] = [];
  let bestSoFar = -Infinity;
  let trial = 0;
  for (const rnd of rounds) {
    for (const cand of rnd.candidates ?? []) {
      trial = isNumber(cand.trial) ? cand.trial : trial + 1;
      if (isNumber(cand.gflops) && !cand.error) {
        measured.push({ x: trial, y: cand.gflops });
        bestSoFar = Math.max(bestSoFar, cand.gflops);
      }
      if (bestSoFar > -Infinity) {
        best.push({ x: trial, y: bestSoFar });
      }
    }
  }
  return { measured, best };
}

export interface IRunSummary {
  rounds: number;
  trials: number;
  errors: number;
  bestGflops: number | null;
  bestLatencyUs: number | null;
  elapsedS: number | null;
  costModel: string | null;
}

export function summarize(rounds: IRound[]): IRunSummary {
  let trials = 0;
  let errors = 0;
  let bestGflops: number | null = null;
  let bestLatencyUs: number | null = null;
  for (const rnd of rounds) {
    for (const cand of rnd.candidates ?? []) {
      trials += 1;
      if (cand.error) {
        errors += 1;
      } else if (isNumber(cand.gflops) && (bestGflops === null || cand.gflops > bestGflops)) {
        bestGflops = cand.gflops;
        bestLatencyUs = isNumber(cand.latency_us) ? cand.latency_us : null;
      }
    }
  }
  const last = rounds.length ? rounds[rounds.length - 1] : null;
  return {
    rounds: rounds.length,
    trials,
    errors,
    bestGflops,
    bestLatencyUs,
    elapsedS: last && isNumber(last.elapsed_s) ? last.elapsed_s : null,
    costModel: last && typeof last.cost_model === 'string' ? last.cost_model : null
  };
}

export interface IPrunedRow {
  rule: string;
  total: number;
  lastRound: number;
}

/** Candidates pruned by each rule, over the whole run and in the last round. */
export function prunedCounts(rounds: IRound[]): IPrunedRow[] {
  const totals = new Map<string, number>();
  for (const rnd of rounds) {
    for (const [rule, count] of Object.entries(rnd.pruned ?? {})) {
      if (isNumber(count)) {
        totals.set(rule, (totals.get(rule) ?? 0) + count);
      }
    }
  }
  const last = rounds.length ? (rounds[rounds.length - 1].pruned ?? {}) : {};
  return [...totals.entries()]
    .map(([rule, total]) => ({
      rule,
      total,
      lastRound: isNumber(last[rule]) ? last[rule] : 0
    }))
    .sort((a, b) => b.total - a.total || a.rule.localeCompare(b.rule));
}

export interface IErrorRow {
  round: number;
  trial: number;
  error: string;
}

/** Candidates that failed to build or run, most recent first. */
export function failures(rounds: IRound[]): IErrorRow[] {
  const rows: IErrorRow[] = [];
  for (const rnd of rounds) {
    for (const cand of rnd.candidates ?? []) {
      if (cand.error) {
        rows.push({ round: rnd.round, trial: cand.trial, error: String(cand.error) });
      }
    }
  }
  return rows.reverse();
}

export interface IRoundRow {
  round: number;
  trials: number | null;
  bestGflops: number | null;
  costModel: string;
  times: Record<string, number | null>;
  spearman: number | null;
}

export function roundRows(rounds: IRound[]): IRoundRow[] {
  return rounds.map(rnd => ({
    round: rnd.round,
    trials: isNumber(rnd.trials) ? rnd.trials : null,
    bestGflops: isNumber(rnd.best_gflops) ? rnd.best_gflops : null,
    costModel: typeof rnd.cost_model === 'string' ? rnd.cost_model : '',
    times: rnd.times ?? {},
    spearman: rnd.model && isNumber(rnd.model.spearman) ? rnd.model.spearman : null
  }));
}

/** Plain-text rendering of a manifest value (objects as ``key=value`` lists). */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (Array.isArray(value)) {
    return value.map(formatValue).join(', ');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  }
  return String(value);
}

const CONFIG_ORDER: [string, string][] = [
  ['workload', 'Workload'],
  ['model', 'Model'],
  ['target_name', 'Target name'],
  ['target', 'Target'],
  ['cost_model', 'Cost model'],
  ['seed', 'Seed'],
  ['trials_per_round', 'Trials per round'],
  ['pruning', 'Pruning rules'],
  ['sketch_policy', 'Sketch policy'],
  ['mutation_policy', 'Mutation policy'],
  ['search', 'Search'],
  ['search_threads', 'Search threads'],
  ['measure', 'Measure'],
  ['flops', 'FLOPs'],
  ['workbench_version', 'Workbench version']
];

/** Label/value rows for the configuration table: known keys first, then any others. */
export function configRows(manifest: IManifest): [string, string][] {
  const rows: [string, string][] = [];
  const seen = new Set(['format', 'kind', 'tasks', 'sketches']);
  for (const [key, label] of CONFIG_ORDER) {
    seen.add(key);
    if (key in manifest && manifest[key] !== null && manifest[key] !== undefined) {
      rows.push([label, formatValue(manifest[key])]);
    }
  }
  if (Array.isArray(manifest.sketches)) {
    const sketches = manifest.sketches as { id?: unknown; rules?: unknown }[];
    rows.push([
      'Sketches',
      sketches.map(s => `#${String(s.id)}: ${formatValue(s.rules)}`).join('; ')
    ]);
  }
  for (const key of Object.keys(manifest)) {
    if (!seen.has(key)) {
      rows.push([key, formatValue(manifest[key])]);
    }
  }
  return rows;
}

export interface ITaskRow {
  name: string;
  workload: string;
  weight: number;
  dir: string;
  rounds: number;
  trials: number;
  errors: number;
  bestGflops: number | null;
  bestLatencyUs: number | null;
  /** weight x best latency: the task's share of the model's latency. */
  weightedLatencyUs: number | null;
}

/** One row per task of a model run. */
export function taskRows(data: IRunData): ITaskRow[] {
  return data.tasks.map(({ entry, run }) => {
    const s = summarize(run.rounds);
    const weight = isNumber(entry.weight) ? entry.weight : 1;
    return {
      name: String(entry.name ?? ''),
      workload: String(entry.workload ?? run.manifest?.workload ?? ''),
      weight,
      dir: String(entry.dir ?? ''),
      rounds: s.rounds,
      trials: s.trials,
      errors: s.errors,
      bestGflops: s.bestGflops,
      bestLatencyUs: s.bestLatencyUs,
      weightedLatencyUs: s.bestLatencyUs === null ? null : s.bestLatencyUs * weight
    };
  });
}

/** Path helpers for Jupyter contents paths ("/"-separated, relative to the server root). */
export function dirname(path: string): string {
  const parts = path.split('/').filter(p => p);
  parts.pop();
  return parts.join('/');
}

export function joinPath(...parts: string[]): string {
  const out: string[] = [];
  for (const part of parts.join('/').split('/')) {
    if (!part || part === '.') {
      continue;
    }
    if (part === '..') {
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out.join('/');
}
