/**
 * The contents-API subset the loader uses, answered from a directory on disk: the same
 * answers the Jupyter server gives (paths relative to the root, ISO modification times).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { IContentsLike, IContentsModelLike } from '../src/loader';

export class FsContents implements IContentsLike {
  constructor(readonly root: string) {}

  requests = 0;

  async get(
    rel: string,
    options: { content?: boolean; type?: string; format?: string } = {}
  ): Promise<IContentsModelLike> {
    this.requests += 1;
    const full = path.join(this.root, rel);
    if (!fs.existsSync(full)) {
      throw new Error(`404: No such file or directory: ${rel}`);
    }
    const stat = fs.statSync(full);
    const model = (p: string, s: fs.Stats): IContentsModelLike => ({
      name: path.basename(p),
      path: path.relative(this.root, p).split(path.sep).join('/'),
      type: s.isDirectory() ? 'directory' : 'file',
      last_modified: s.mtime.toISOString(),
      size: s.isDirectory() ? null : s.size,
      content: null
    });
    const out = model(full, stat);
    if (options.content === false) {
      return out;
    }
    if (stat.isDirectory()) {
      out.content = fs
        .readdirSync(full)
        .map(name => model(path.join(full, name), fs.statSync(path.join(full, name))));
    } else {
      out.content = fs.readFileSync(full, 'utf-8');
    }
    return out;
  }
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: this suite runs on run directories that Python writes; ` +
        'run it with `python -m pytest tests/test_extension.py`'
    );
  }
  return value;
}
