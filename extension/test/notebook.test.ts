import * as fs from 'node:fs';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { DEFAULT_WORKLOAD, checkWorkloadSpec, tuningNotebook, workloadSlug } from '../src/notebook';
import { data } from './data';

describe('tuning notebook template', () => {
  it('names the workload and a run directory', () => {
    const nb = tuningNotebook(DEFAULT_WORKLOAD) as { cells: { source: string }[]; nbformat: number };
    expect(nb.nbformat).toBe(4);
    const code = nb.cells.map(c => c.source).join('\n');
    expect(code).toContain('"matmul:M=512,N=512,K=512"');
    expect(code).toContain('runs/matmul_M512_N512_K512');
    expect(workloadSlug('conv2d:N=1,C=64,stride=1')).toBe('conv2d_N1_C64_stride1');
  });

  it('checks the spec before creating anything', () => {
    expect(checkWorkloadSpec(DEFAULT_WORKLOAD)).toBeNull();
    expect(checkWorkloadSpec('  ')).toMatch(/Enter a workload/);
    expect(checkWorkloadSpec('a\nb')).toMatch(/single line/);
    expect(checkWorkloadSpec('=x')).toMatch(/operator name/);
  });

  it('writes notebooks for the Python side to parse', () => {
    // tests/test_extension.py parses every code cell and checks the spec round-trips.
    const specs = [DEFAULT_WORKLOAD, 'matmul:M=64,N=64,K=64', 'dense:M=1,N=2,K=3"); import os; ("\\'];
    const out = specs.map((spec, i) => {
      const file = path.join(data.out, `template-${i}.ipynb`);
      fs.writeFileSync(file, JSON.stringify(tuningNotebook(spec), null, 1));
      return { spec, file };
    });
    fs.writeFileSync(path.join(data.out, 'templates.json'), JSON.stringify(out));
  });
});
