import * as fs from 'node:fs';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { RunLoader, findRuns, mostRecentRun, runDirOf } from '../src/loader';
import { taskRows } from '../src/runlog';
import { data } from './data';
import { FsContents } from './fsContents';

describe('RunLoader', () => {
  it('re-reads only what changed while a run is writing', async () => {
    // A copy of the real run, so appending a round leaves the shared fixture alone.
    const root = fs.mkdtempSync(path.join(data.out, 'live-'));
    fs.cpSync(path.join(data.root, data.run), path.join(root, 'run'), { recursive: true });
    const contents = new FsContents(root);
    const loader = new RunLoader(contents, runDirOf('run/rounds.jsonl'));

    const first = await loader.load();
    expect(first.changed).toBe(true);
    expect(first.data.run.rounds.length).toBe(data.expected.run.rounds);
    expect(first.data.run.bestSchedule).toContain('def main');

    const before = contents.requests;
    const second = await loader.load();
    expect(second.changed).toBe(false);
    // One metadata request per file (manifest, rounds, best schedule), no content reads.
    expect(contents.requests - before).toBe(3);

    // The next round arrives (the writer appends one line, as RunLog.append_round does).
    const roundsPath = path.join(root, 'run', 'rounds.jsonl');
    const lines = fs.readFileSync(roundsPath, 'utf-8').trim().split('\n');
    const next = JSON.parse(lines[lines.length - 1]);
    next.round += 1;
    fs.appendFileSync(roundsPath, JSON.stringify(next) + '\n');
    const third = await loader.load();
    expect(third.changed).toBe(true);
    expect(third.data.run.rounds.length).toBe(data.expected.run.rounds + 1);
  });

  it('loads the task runs of a model run', async () => {
    const loader = new RunLoader(new FsContents(data.root), data.model_run);
    const { data: run } = await loader.load();
    const rows = taskRows(run);
    expect(rows.map(r => r.name)).toEqual(Object.keys(data.expected.tasks));
    for (const row of rows) {
      const expected = data.expected.tasks[row.name];
      expect(row.trials).toBe(expected.trials);
      expect(row.bestGflops).toBeCloseTo(expected.best_gflops, 9);
      expect(row.workload).toBe(expected.workload);
    }
  });

  it('says clearly when a directory is not a run', async () => {
    const loader = new RunLoader(new FsContents(data.root), 'no-such-dir');
    await expect(loader.load()).rejects.toThrow(/No workbench.json/);
  });
});

describe('most recent run', () => {
  it('finds runs below the root and picks the newest, model runs as a whole', async () => {
    const root = fs.mkdtempSync(path.join(data.out, 'recent-'));
    fs.cpSync(path.join(data.root, data.run), path.join(root, 'a', 'run'), { recursive: true });
    fs.cpSync(path.join(data.root, data.model_run), path.join(root, 'b', 'model'), {
      recursive: true
    });
    fs.mkdirSync(path.join(root, '.hidden', 'run'), { recursive: true });
    fs.copyFileSync(
      path.join(data.root, data.run, 'workbench.json'),
      path.join(root, '.hidden', 'run', 'workbench.json')
    );
    const contents = new FsContents(root);
    const found = await findRuns(contents, '');
    const paths = found.map(f => f.path).sort();
    expect(paths).toContain('a/run/workbench.json');
    expect(paths).toContain('b/model/workbench.json');
    expect(paths.some(p => p.startsWith('b/model/tasks/'))).toBe(true);
    expect(paths.some(p => p.startsWith('.hidden'))).toBe(false);

    const touch = (rel: string, seconds: number) => {
      const t = new Date(Date.now() + seconds * 1000);
      fs.utimesSync(path.join(root, rel), t, t);
    };
    touch('a/run/rounds.jsonl', 100);
    expect(mostRecentRun(await findRuns(contents, ''))).toBe('a/run/workbench.json');
    // A task of the model run writes a round: the model run is the most recent.
    const task = found.find(f => f.path.startsWith('b/model/tasks/'))!.path;
    touch(task.replace('workbench.json', 'rounds.jsonl'), 200);
    expect(mostRecentRun(await findRuns(contents, ''))).toBe('b/model/workbench.json');
    // Depth is bounded.
    expect((await findRuns(contents, '', 1)).map(f => f.path)).toEqual([]);
    expect(mostRecentRun([])).toBeNull();
  });
});
