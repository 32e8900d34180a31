/**
 * The "New tuning notebook" template: a notebook that tunes one workload step by step.
 */

export const DEFAULT_WORKLOAD = 'matmul:M=512,N=512,K=512';

/** A file-name-safe form of a workload spec: ``matmul:M=512,N=512`` -> ``matmul_M512_N512``. */
export function workloadSlug(spec: string): string {
  const slug = spec
    .trim()
    .replace(/[:,]+/g, '_')
    .replace(/[^A-Za-z0-9_.-]+/g, '')
    .replace(/_+/g, '_')
    .replace(/^[_.-]+|[_.-]+$/g, '');
  return slug || 'workload';
}

/** ``null`` when ``spec`` is usable, else why not (the Python side validates it fully). */
export function checkWorkloadSpec(spec: string): string | null {
  const s = spec.trim();
  if (!s) {
    return 'Enter a workload spec, for example matmul:M=512,N=512,K=512.';
  }
  if (/[\r\n]/.test(s)) {
    return 'A workload spec is a single line.';
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*(:.*)?$/.test(s)) {
    return `"${s}" does not start with an operator name (e.g. matmul, conv2d, dense).`;
  }
  return null;
}

let cellCount = 0;

function code(source: string) {
  const id = `cell-${cellCount++}`;
  return { id, cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source };
}

function markdown(source: string) {
  return { id: `cell-${cellCount++}`, cell_type: 'markdown', metadata: {}, source };
}

/** The notebook (nbformat 4 JSON) for ``spec``. Strings reach Python as JSON literals. */
export function tuningNotebook(spec: string): Record<string, unknown> {
  const s = spec.trim();
  const slug = workloadSlug(s);
  const py = (value: string) => JSON.stringify(value);
  const workDir = `runs/${slug}`;
  cellCount = 0;
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' }
    },
    cells: [
      markdown(
        `# Tuning \`${s.replace(/`/g, '')}\`\n\n` +
          'A tuning session driven round by round. The run is written to ' +
          `\`${workDir}\`; open its \`workbench.json\` from the file browser for the run view.`
      ),
      code(
        'import workbench as wb\n\n' +
          `s = wb.Session(\n    ${py(s)},\n    target="cpu",\n    cost_model="xgboost",\n` +
          `    work_dir=${py(workDir)},\n    seed=0,\n    trials_per_round=64,\n)\ns.sketches`
      ),
      markdown('One round: search, build, measure, update the cost model.'),
      code('s.step()'),
      markdown('Settings can change between rounds, e.g. `s.cost_model = "random"`. Then more rounds:'),
      code('s.run(trials=128)\ns.round_table()'),
      code('s.history.sort_values("gflops", ascending=False).head(10)'),
      code('best = s.best\nprint(best.script if best else "nothing measured yet")'),
      code(`s.export(${py(`out/${slug}`)})`)
    ]
  };
}
