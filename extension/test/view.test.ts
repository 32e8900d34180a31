import * as fs from 'node:fs';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { RunLoader } from '../src/loader';
import { convergenceChart, niceTicks } from '../src/chart';
import { renderRun } from '../src/view';
import { data } from './data';
import { FsContents } from './fsContents';

async function load(dir: string) {
  return (await new RunLoader(new FsContents(data.root), dir).load()).data;
}

describe('run view of a single-task run', () => {
  it('shows workload, chart, schedule, rounds and configuration', async () => {
    const run = await load(data.run);
    const view = renderRun(document, run);
    document.body.replaceChildren(view);
    const expected = data.expected.run;

    expect(view.querySelector('.wb-title')!.textContent).toBe(`Tuning run: ${expected.workload}`);
    expect(view.querySelector('.wb-summary')!.textContent).toContain(`${expected.trials} trials`);
    const svg = view.querySelector('svg.wb-chart')!;
    expect(svg.querySelectorAll('circle.wb-point').length).toBe(expected.measured);
    expect(svg.querySelectorAll('path.wb-best').length).toBe(1);
    const schedule = view.querySelector('pre.wb-tvmscript')!.textContent;
    expect(schedule).toBe(fs.readFileSync(path.join(data.root, data.run, 'best_schedule.py'), 'utf-8'));
    expect(view.querySelectorAll('.wb-round-table tbody tr').length).toBe(expected.rounds);
    const config = view.querySelector('.wb-config-table')!.textContent!;
    expect(config).toContain(expected.workload);
    expect(config).toContain('population_size=');
    // No pruning in this run: the section says so instead of an empty table.
    expect(view.querySelector('.wb-pruned')!.textContent).toContain('No candidates pruned');
  });

  it('shows an error message from the log as text', async () => {
    const run = await load(data.run);
    const hostile = data.hostile[0];
    run.run.rounds[0].candidates![0].error = hostile;
    const view = renderRun(document, run);
    document.body.replaceChildren(view);
    expect(view.querySelector('.wb-failure-list pre')!.textContent).toBe(hostile);
    expect(document.querySelectorAll('img, script').length).toBe(0);
  });
});

describe('run view of a model run with hostile names', () => {
  it('renders task names, the model name and errors literally', async () => {
    const run = await load(data.model_run);
    const opened: string[] = [];
    const view = renderRun(document, run, { openRun: p => opened.push(p) });
    document.body.replaceChildren(view);

    expect(document.querySelectorAll('img, script, iframe').length).toBe(0);
    expect(view.querySelector('.wb-title')!.textContent).toBe(`Model run: ${run.manifest.model}`);
    const names = [...view.querySelectorAll('.wb-task-table tbody tr td:first-child')].map(
      td => td.textContent
    );
    expect(names).toEqual(Object.keys(data.expected.tasks));
    for (const h of data.hostile) {
      expect(view.textContent).toContain(h);
    }
    // One convergence line per task, labelled (as text) in the legend.
    const svg = view.querySelector('svg.wb-chart')!;
    expect(svg.querySelectorAll('path.wb-best').length).toBe(names.length);
    expect([...svg.querySelectorAll('.wb-legend')].map(t => t.textContent)).toEqual(names);
    expect(view.querySelectorAll('.wb-schedule details').length).toBe(names.length);

    (view.querySelector('.wb-task-table button') as HTMLButtonElement).click();
    expect(opened).toEqual([`${data.model_run}/${run.manifest.tasks![0].dir}/workbench.json`]);
  });
});

describe('chart', () => {
  it('draws empty axes with a note before the first measurement', () => {
    const svg = convergenceChart(document, [{ label: 'x', line: [] }]);
    expect(svg.querySelector('.wb-empty')!.textContent).toBe('no measurements yet');
  });

  it('picks round tick values', () => {
    expect(niceTicks(0, 130)).toEqual([0, 50, 100, 150]);
    expect(niceTicks(0, 16)).toEqual([0, 5, 10, 15, 20]);
  });
});

describe('source', () => {
  it('never parses HTML', () => {
    const src = path.join(__dirname, '..', 'src');
    for (const name of fs.readdirSync(src)) {
      const text = fs.readFileSync(path.join(src, name), 'utf-8');
      expect(text, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser/);
    }
  });
});
