/** The run directories and expected figures that tests/test_extension.py writes. */
import * as fs from 'node:fs';

import { requireEnv } from './fsContents';

export interface IExpectedRun {
  rounds: number;
  trials: number;
  errors: number;
  best_gflops: number;
  best_latency_us: number;
  /** The run log's own best_gflops after each trial. */
  best_by_trial: [number, number][];
  measured: number;
  pruned: Record<string, number>;
  workload: string;
}

export interface ITestData {
  /** The Jupyter root the paths below are relative to. */
  root: string;
  /** A single-task run directory (relative to root). */
  run: string;
  /** A model run directory (relative to root); its task names and an error are hostile. */
  model_run: string;
  hostile: string[];
  expected: { run: IExpectedRun; tasks: Record<string, IExpectedRun> };
  /** Where the suite writes files for the Python side to check. */
  out: string;
}

export const data: ITestData = JSON.parse(fs.readFileSync(requireEnv('WORKBENCH_TEST_DATA'), 'utf-8'));
