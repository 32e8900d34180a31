import * as fs from 'node:fs';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  configRows,
  convergence,
  failures,
  parseManifest,
  parseRounds,
  prunedCounts,
  summarize
} from '../src/runlog';
import { data } from './data';

const runDir = path.join(data.root, data.run);
const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), 'utf-8');

describe('run log parsing on a real run', () => {
  const manifest = parseManifest(read(runDir, 'workbench.json'));
  const text = read(runDir, 'rounds.jsonl');
  const rounds = parseRounds(text);
  const expected = data.expected.run;

  it('reads the manifest and every round', () => {
    expect(manifest.workload).toBe(expected.workload);
    expect(rounds.length).toBe(expected.rounds);
  });

  it('summarises like the Python side', () => {
    const s = summarize(rounds);
    expect(s.trials).toBe(expected.trials);
    expect(s.errors).toBe(expected.errors);
    expect(s.bestGflops).toBeCloseTo(expected.best_gflops, 9);
    expect(s.bestLatencyUs).toBeCloseTo(expected.best_latency_us, 9);
  });

  it('computes the same running best as the run log records', () => {
    const c = convergence(rounds);
    expect(c.measured.length).toBe(expected.measured);
    expect(c.best.map(p => [p.x, Number(p.y.toFixed(6))])).toEqual(
      expected.best_by_trial.map(([t, g]) => [t, Number(g.toFixed(6))])
    );
    for (let i = 1; i < c.best.length; i++) {
      expect(c.best[i].y).toBeGreaterThanOrEqual(c.best[i - 1].y);
    }
  });

  it('ignores a torn last line, as RunLog.read_rounds does', () => {
    const torn = text + text.split('\n')[0].slice(0, 40);
    expect(parseRounds(torn).length).toBe(expected.rounds);
  });

  it('counts pruned candidates like the Python side', () => {
    const totals = Object.fromEntries(prunedCounts(rounds).map(r => [r.rule, r.total]));
    expect(totals).toEqual(expected.pruned);
  });

  it('lists the configuration', () => {
    const rows = Object.fromEntries(configRows(manifest));
    expect(rows['Workload']).toBe(expected.workload);
    expect(rows['Cost model']).toBe(manifest.cost_model);
    expect(rows['Trials per round']).toBe(String(manifest.trials_per_round));
    expect(rows['Search']).toContain('population_size=');
    expect(rows['Sketches']).toContain('MultiLevelTiling');
  });

  it('rejects files that are not run manifests', () => {
    expect(() => parseManifest('{"x": 1}')).toThrow(/workload/);
    expect(() => parseManifest('[1]')).toThrow(/object/);
    expect(() => parseManifest('{')).toThrow(/not valid JSON/);
    expect(() => parseManifest('{"kind": "model"}')).toThrow(/tasks/);
  });
});

describe('aggregation of per-round fields', () => {
  // The pruning rules add "pruned": {rule: count} to each round; rounds built here to pin
  // the arithmetic (the real run above is checked against Python's totals).
  it('sums pruned counts per rule and reports the last round', () => {
    const rows = prunedCounts([
      { round: 0, pruned: { a: 3, b: 1 } },
      { round: 1, pruned: { a: 2 } },
      { round: 2 }
    ]);
    expect(rows).toEqual([
      { rule: 'a', total: 5, lastRound: 0 },
      { rule: 'b', total: 1, lastRound: 0 }
    ]);
  });

  it('lists failures most recent first', () => {
    const rows = failures([
      { round: 0, candidates: [{ trial: 1, error: 'first' }, { trial: 2, gflops: 1 }] },
      { round: 1, candidates: [{ trial: 3, error: 'second' }] }
    ]);
    expect(rows.map(r => r.error)).toEqual(['second', 'first']);
  });
});
